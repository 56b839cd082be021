{#-
    One row per report, rule and column, with both sides of the rule, so the GX suites and BI
    read the finding beside the report. Each rule is one CTE producing the columns of
    rule_rows; add a rule by adding its CTE and one more `union all` line there.
-#}

with

reports as (

    select * from {{ ref('int_reports_current') }}

),

metric_values as (

    select * from {{ ref('stg_raw__metric_values') }}

),

-- table 三 figures of current reports only
apps_metrics as (

    select
        metric_values.report_id,
        metric_values.metric_key,
        metric_values.value

    from metric_values
    inner join reports
        on metric_values.report_id = reports.report_id
    where metric_values.metric_key like 'apps.%'

),

table_three_columns as (

    {% for column_key in table_three_columns() %}
    select '{{ column_key }}' as column_key
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- a report with no table 三 figure at all (free-form, unreadable) gets no row: nothing to assess
reports_with_apps as (

    select distinct report_id
    from apps_metrics

),

reports_with_subtotal as (

    select distinct report_id
    from apps_metrics
    where metric_key like 'apps.%.legal_person_subtotal'

),

-- every column of the printed table; 小计 only for the reports that print it
table_three_report_columns as (

    select
        reports_with_apps.report_id,
        table_three_columns.column_key

    from reports_with_apps
    cross join table_three_columns
    left join reports_with_subtotal
        on reports_with_apps.report_id = reports_with_subtotal.report_id
    where table_three_columns.column_key <> 'legal_person_subtotal'
        or reports_with_subtotal.report_id is not null

),

-- R1: new_received + carried_over = processed_total + carried_forward, each column of table 三

r1_cells as (

    select
        report_columns.report_id,
        report_columns.column_key,
        max(case when apps_metrics.metric_key = 'apps.new_received.' || report_columns.column_key
            then apps_metrics.value end) as new_received,
        max(case when apps_metrics.metric_key = 'apps.carried_over.' || report_columns.column_key
            then apps_metrics.value end) as carried_over,
        max(case when apps_metrics.metric_key = 'apps.processed_total.' || report_columns.column_key
            then apps_metrics.value end) as processed_total,
        max(case when apps_metrics.metric_key = 'apps.carried_forward.' || report_columns.column_key
            then apps_metrics.value end) as carried_forward

    from table_three_report_columns as report_columns
    left join apps_metrics
        on report_columns.report_id = apps_metrics.report_id
        and apps_metrics.metric_key in (
            'apps.new_received.' || report_columns.column_key,
            'apps.carried_over.' || report_columns.column_key,
            'apps.processed_total.' || report_columns.column_key,
            'apps.carried_forward.' || report_columns.column_key
        )
    group by report_columns.report_id, report_columns.column_key

),

rule_r1 as (

    select
        report_id,
        'R1' as rule_id,
        'error' as severity,
        'table 三' as scope,
        column_key,
        -- a missing or blank cell makes its side null: not assessable, never a pass
        new_received + carried_over as lhs,
        processed_total + carried_forward as rhs,
        '本年新收 + 上年结转 (apps.new_received.' || column_key
            || ' + apps.carried_over.' || column_key || ')' as lhs_description,
        '办理总计 + 结转下年 (apps.processed_total.' || column_key
            || ' + apps.carried_forward.' || column_key || ')' as rhs_description

    from r1_cells

),

rule_rows as (

    select * from rule_r1

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.source_id as varchar) as source_id,
        cast(reports.agency as varchar) as agency,
        cast(reports.year as integer) as year,
        cast(reports.template as varchar) as template,
        cast(rule_rows.rule_id as varchar) as rule_id,
        cast(rule_rows.severity as varchar) as severity,
        cast(rule_rows.scope as varchar) as scope,
        cast(rule_rows.column_key as varchar) as column_key,
        cast(rule_rows.lhs as double precision) as lhs,
        cast(rule_rows.rhs as double precision) as rhs,
        cast(rule_rows.lhs_description as varchar) as lhs_description,
        cast(rule_rows.rhs_description as varchar) as rhs_description,
        cast({{ reconciliation_status('rule_rows.lhs', 'rule_rows.rhs') }} as varchar) as status

    from rule_rows
    inner join reports
        on rule_rows.report_id = reports.report_id

)

select * from final
