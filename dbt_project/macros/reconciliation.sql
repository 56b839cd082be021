{#- Helpers shared by the reconciliation rules (rules R1–R11 of docs/metrics.md). -#}

{#- The applicant columns of table 三, in the order of the printed table.
    legal_person_subtotal (法人或其他组织 小计) is printed by some reports only. -#}
{% macro table_three_columns() -%}
    {{ return([
        'natural_person',
        'commercial',
        'research',
        'social_welfare',
        'legal_services',
        'other_org',
        'legal_person_subtotal',
        'total',
    ]) }}
{%- endmacro %}

{#- 'pass' / 'fail' / 'not_assessable' for one rule row. A side is null when any of its
    cells is missing or blank: that is never a pass. -#}
{% macro reconciliation_status(lhs, rhs) -%}
    case
        when ({{ lhs }}) is null or ({{ rhs }}) is null then 'not_assessable'
        when abs(({{ lhs }}) - ({{ rhs }})) <= {{ var('reconciliation_tolerance') }} then 'pass'
        else 'fail'
    end
{%- endmacro %}

{#- The cells of table 三 of the current reports, split into row and column keys
    (apps.withheld.state_secret.total → row withheld.state_secret, column total), and the
    columns each report's table has: the seven of every table, legal_person_subtotal (小计)
    only for the reports that print it. A report with no table 三 figure gets no column.
    Emits CTEs `table_three_cells` and `table_three_report_columns`, read from `metric_values`. -#}
{% macro table_three_ctes() %}

table_three_cells as (

    select
        report_id,
        substr(
            metric_key,
            6,
            length(metric_key) - 5 - length(reverse(split_part(reverse(metric_key), '.', 1))) - 1
        ) as row_key,
        reverse(split_part(reverse(metric_key), '.', 1)) as column_key,
        value

    from metric_values
    where metric_key like 'apps.%'

),

table_three_column_list as (

    {% for column_key in table_three_columns() %}
    select '{{ column_key }}' as column_key
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

reports_with_table_three as (

    select
        report_id,
        max(case when column_key = 'legal_person_subtotal' then 1 else 0 end) = 1 as has_subtotal

    from table_three_cells
    group by report_id

),

table_three_report_columns as (

    select
        reports_with_table_three.report_id,
        table_three_column_list.column_key

    from reports_with_table_three
    cross join table_three_column_list
    where table_three_column_list.column_key <> 'legal_person_subtotal'
        or reports_with_table_three.has_subtotal

)
{% endmacro %}

{#- Severity and scope of each rule, as in docs/metrics.md. -#}
{% macro reconciliation_rules() -%}
    {{ return({
        'R1': ('error', 'table 三, each column'),
        'R2': ('error', 'table 三, each column'),
        'R3': ('error', 'table 三, each row'),
        'R4': ('error', 'table 四, each block'),
        'R5': ('warning', 'table 三, consecutive years, each column'),
        'R6': ('warning', '2021 table 二 (一), consecutive years'),
        'R7': ('warning', '2019 table 二 (五)(六)(八), consecutive years'),
        'R8': ('info', 'prose against the tables, one report'),
        'R9': ('error', 'every cell of one report, per table'),
        'R10': ('warning', 'free-form annex, one report'),
        'R11': ('warning', 'free-form annex, consecutive years'),
    }) }}
{%- endmacro %}
