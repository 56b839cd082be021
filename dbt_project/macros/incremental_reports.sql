{#-
    Incremental models keyed by report. The big per-report tables (every figure, every rule
    row) are rebuilt only for the reports that changed: at national scale a refresh that
    brings 1 % new or corrected reports would otherwise rewrite tens of millions of rows.

    Each row carries report_version: a hash of everything its report's rows are built from
    (int_reports_identified: the document, its parse, the source and the agency it is
    attributed to). A build takes the reports whose report_version the model does not hold
    (all of them on the first build), deletes their old rows and inserts the new ones
    (delete+insert on report_id), and a post-hook drops the rows of reports that are no longer
    current. A change to the models or seeds themselves is not in the hash: the dbt asset runs
    a full refresh when the project's files change (orchestration/defs/mart.py).
-#}

{#- A hash of the given columns, null-safe (a null is not an empty string), on both engines. -#}
{% macro version_hash(columns) -%}
    md5({% for c in columns %}coalesce(cast({{ c }} as varchar), '<null>'){% if not loop.last %} || '|' || {% endif %}{% endfor %})
{%- endmacro %}

{#- The reports (report_id, report_version) of `relation` whose rows this model must build. -#}
{% macro reports_to_build(relation, version_column='report_version') -%}
    select report_id, {{ version_column }} as report_version
    from {{ relation }}
    {% if is_incremental() -%}
    where {{ version_column }} not in (select distinct report_version from {{ this }})
    {%- endif %}
{%- endmacro %}

{#- In an incremental build, keep only the rows of the reports to build (the CTE `reports`,
    reports_to_build unless told). A full build takes every row without the filter: at 100,000
    reports the semi-joins of the filter ran out of memory where the plain scans spill. -#}
{% macro only_reports_to_build(column='report_id', reports='reports_to_build') -%}
    {% if is_incremental() -%}
    where {{ column }} in (select report_id from {{ reports }})
    {%- endif %}
{%- endmacro %}

{#- Post-hook: drop the rows of reports whose version is no longer current. -#}
{% macro delete_superseded_reports(relation, version_column='report_version') -%}
    delete from {{ this }}
    where report_version not in (select {{ version_column }} from {{ relation }})
{%- endmacro %}

{#- The config of every report-keyed incremental model; `reports_model` names the model whose
    versions are current. The hook is a string: dbt renders it when the model runs (rendered
    here, at parse time, ref and this would not name the built relations yet). -#}
{% macro report_keyed_incremental(reports_model, version_column='report_version') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='report_id',
        on_schema_change='fail',
        post_hook=["{{ delete_superseded_reports(ref('" ~ reports_model ~ "'), '" ~ version_column ~ "') }}"]
    ) }}
{%- endmacro %}
