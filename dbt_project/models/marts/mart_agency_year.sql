with

reports as (

    select * from {{ ref('int_reports_current') }}

),

metrics as (

    select * from {{ ref('fct_disclosure_metrics') }}

),

reconciliation as (

    select * from {{ ref('mart_reconciliation') }}

),

-- one report per agency and year: the latest published, then the smallest report_id, so the
-- choice is the same on every run. Reports without agency or year cannot be placed here.
ranked_reports as (

    select
        *,
        row_number() over (
            partition by agency, year
            order by published desc nulls last, report_id
        ) as report_rank

    from reports
    where agency is not null
        and year is not null

),

chosen_reports as (

    select * from ranked_reports
    where report_rank = 1

),

headline_figures as (

    select
        report_id,
        max(case when metric_key = 'apps.new_received.total' then value end) as applications_received,
        max(case when metric_key = 'apps.carried_over.total' then value end) as carried_over,
        max(case when metric_key = 'apps.granted.total' then value end) as granted,
        max(case when metric_key = 'apps.partially_granted.total' then value end) as partially_granted,
        max(case when metric_key = 'apps.processed_total.total' then value end) as processed_total,
        max(case when metric_key = 'apps.carried_forward.total' then value end) as carried_forward,
        max(case when metric_key = 'review.total' then value end) as reviews,
        max(case when metric_key = 'litigation.direct.total' then value end) as lawsuits_direct,
        max(case when metric_key = 'litigation.after_review.total' then value end) as lawsuits_after_review

    from metrics
    where metric_key in (
        'apps.new_received.total',
        'apps.carried_over.total',
        'apps.granted.total',
        'apps.partially_granted.total',
        'apps.processed_total.total',
        'apps.carried_forward.total',
        'review.total',
        'litigation.direct.total',
        'litigation.after_review.total'
    )
    group by report_id

),

r1_summary as (

    select
        report_id,
        case
            when sum(case when status = 'fail' then 1 else 0 end) > 0 then 'fail'
            when sum(case when status = 'pass' then 1 else 0 end) > 0 then 'pass'
            else 'not_assessable'
        end as r1_status

    from reconciliation
    where rule_id = 'R1'
    group by report_id

),

joined as (

    select
        chosen_reports.agency,
        chosen_reports.year,
        chosen_reports.report_id,
        chosen_reports.source_id,
        chosen_reports.template,
        chosen_reports.era,
        headline_figures.applications_received,
        headline_figures.carried_over,
        headline_figures.granted,
        headline_figures.partially_granted,
        headline_figures.processed_total,
        headline_figures.carried_forward,
        headline_figures.reviews,
        -- one block blank and the other given: the given one; both blank: unknown, not zero
        case
            when headline_figures.lawsuits_direct is null
                and headline_figures.lawsuits_after_review is null then null
            else coalesce(headline_figures.lawsuits_direct, 0)
                + coalesce(headline_figures.lawsuits_after_review, 0)
        end as lawsuits,
        -- reports without table 三 have no R1 rows: nothing could be assessed
        coalesce(r1_summary.r1_status, 'not_assessable') as r1_status,
        chosen_reports.parse_issue_count

    from chosen_reports
    left join headline_figures
        on chosen_reports.report_id = headline_figures.report_id
    left join r1_summary
        on chosen_reports.report_id = r1_summary.report_id

),

with_change as (

    select
        *,
        -- against the agency's previous year present in this mart (which may be more than
        -- one year back when a year is missing)
        applications_received - lag(applications_received) over (
            partition by agency
            order by year
        ) as applications_received_change

    from joined

),

final as (

    select
        cast(agency as varchar) as agency,
        cast(year as integer) as year,
        cast(report_id as varchar) as report_id,
        cast(source_id as varchar) as source_id,
        cast(template as varchar) as template,
        cast(era as varchar) as era,
        cast(applications_received as double precision) as applications_received,
        cast(carried_over as double precision) as carried_over,
        cast(granted as double precision) as granted,
        cast(partially_granted as double precision) as partially_granted,
        cast(processed_total as double precision) as processed_total,
        cast(carried_forward as double precision) as carried_forward,
        cast(reviews as double precision) as reviews,
        cast(lawsuits as double precision) as lawsuits,
        cast(applications_received_change as double precision) as applications_received_change,
        cast(r1_status as varchar) as r1_status,
        cast(parse_issue_count as integer) as parse_issue_count

    from with_change

)

select * from final
