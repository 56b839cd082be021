{#- One row per agency and year: the report the marts use for that year and, for the rules
    that compare consecutive reports (R5, R6, R7, R11), the one of the year before.

    When several current reports share an agency and year (a corrected reissue, or two names
    that resolve to one agency), one is chosen the same way on every run: the latest published
    (reports without a publication date last), then the smallest report_id. -#}

with

reports as (

    select * from {{ ref('int_reports_identified') }}

),

ranked as (

    select
        agency_key,
        year,
        report_id,
        template,
        row_number() over (
            partition by agency_key, year
            order by published desc nulls last, report_id
        ) as report_rank,
        count(*) over (partition by agency_key, year) as report_count

    from reports
    where agency_key is not null
        and year is not null

),

chosen as (

    select * from ranked
    where report_rank = 1

),

final as (

    select
        chosen.agency_key,
        chosen.year,
        chosen.report_id,
        cast(chosen.report_count as integer) as report_count,
        previous_year.report_id as previous_report_id,
        previous_year.template as previous_template

    from chosen
    left join chosen as previous_year
        on chosen.agency_key = previous_year.agency_key
        and chosen.year - 1 = previous_year.year

)

select * from final
