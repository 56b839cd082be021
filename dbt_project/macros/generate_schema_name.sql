{#-
    Use a model's custom schema as named (staging, intermediate, marts) rather than dbt's
    default <target_schema>_<custom_schema>: the Python stages, the GX suites and BI read
    these schemas by their plain names. Models without a custom schema go to the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
