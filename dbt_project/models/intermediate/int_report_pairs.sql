{#- Each current report with the report its cross-year rules compare it with (its agency's
    report for the year before, as int_agency_years chose it), and the version of that pair:
    a report's reconciliation rows change when either report changes. -#}

with

reports as (

    select * from {{ ref('int_reports_identified') }}

),

agency_years as (

    select * from {{ ref('int_agency_years') }}

),

final as (

    select
        reports.report_id,
        previous_year.report_id as previous_report_id,
        reports.report_version,
        {{ version_hash(['reports.report_version', 'previous_report.report_version']) }} as reconciliation_version

    from reports
    left join agency_years as previous_year
        on reports.agency_key = previous_year.agency_key
        and reports.year - 1 = previous_year.year
    left join reports as previous_report
        on previous_year.report_id = previous_report.report_id

)

select * from final
