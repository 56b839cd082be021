{#-
    The few places where DuckDB and PostgreSQL SQL differ, behind adapter.dispatch so every
    model builds on both targets (the PostgreSQL build is compared with the DuckDB one in
    tests/test_dbt_mart.py). Everything else in the models is SQL both engines accept:
    no qualify, no list types, no regexp_extract outside this file, no round(x, n) on doubles.
-#}

{#- The text matched by the first capture group of a regular expression, or null when the
    pattern does not match. Patterns here avoid back-references and lazy quantifiers, and their
    alternatives never overlap, so RE2 (DuckDB) and PostgreSQL's ARE give the same match. -#}
{% macro regexp_first_group(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_first_group', 'disclosure')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_first_group(expression, pattern) -%}
    substring(({{ expression }}) from '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_first_group(expression, pattern) -%}
    nullif(regexp_extract(({{ expression }}), '{{ pattern }}', 1), '')
{%- endmacro %}

{#- A short, stable surrogate key from a text: the same on every engine and every run. -#}
{% macro stable_key(prefix, expression) -%}
    '{{ prefix }}' || substr(md5(({{ expression }})), 1, 12)
{%- endmacro %}

{#- Number of values among the expressions that are not null. -#}
{% macro count_not_null(expressions) -%}
    ({% for e in expressions %}case when ({{ e }}) is not null then 1 else 0 end{% if not loop.last %} + {% endif %}{% endfor %})
{%- endmacro %}
