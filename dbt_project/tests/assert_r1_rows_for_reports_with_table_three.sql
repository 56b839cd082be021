{{ config(meta={"dagster": {"ref": {"name": "mart_reconciliation"}}}) }}

-- Every current report with a table 三 figure is assessed by R1 (possibly as not_assessable):
-- a report must not drop out of the reconciliation silently.

with

metrics as (

    select * from {{ ref('fct_disclosure_metrics') }}

),

reconciliation as (

    select * from {{ ref('mart_reconciliation') }}

),

reports_with_apps as (

    select distinct report_id
    from metrics
    where metric_key like 'apps.%'

),

reports_with_r1 as (

    select distinct report_id
    from reconciliation
    where rule_id = 'R1'

),

final as (

    select reports_with_apps.report_id
    from reports_with_apps
    left join reports_with_r1
        on reports_with_apps.report_id = reports_with_r1.report_id
    where reports_with_r1.report_id is null

)

select * from final
