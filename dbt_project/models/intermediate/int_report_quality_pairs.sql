{#- Each current report with what its scorecard (mart_report_quality) is built from: the
    report the repetition is measured against (the agency's previous AVAILABLE report: the
    latest earlier year that has one, as int_agency_years chose it; a series with gaps, like
    平潭's odd years, compares 2015 with 2013), where the publication date comes from, and
    quality_version, the hash the incremental scorecard is keyed on. -#}

with

reports as (

    select * from {{ ref('int_reports_identified') }}

),

agency_years as (

    select * from {{ ref('int_agency_years') }}

),

report_pairs as (

    select * from {{ ref('int_report_pairs') }}

),

parsed as (

    select * from {{ ref('stg_raw__reports') }}

),

listing_dates as (

    select * from {{ ref('stg_raw__source_listing_dates') }}

),

previous_years as (

    select
        reports.report_id,
        max(agency_years.year) as compared_with_year

    from reports
    inner join agency_years
        on reports.agency_key = agency_years.agency_key
        and agency_years.year < reports.year
    group by reports.report_id

),

final as (

    select
        reports.report_id,
        compared.report_id as compared_report_id,
        previous_years.compared_with_year,
        parsed.published_basis as parser_published_basis,
        listing_dates.listing_date,
        {{ version_hash(['report_pairs.reconciliation_version', 'compared_report.report_version',
                         'parsed.published_basis', 'listing_dates.listing_date']) }} as quality_version

    from reports
    inner join report_pairs
        on reports.report_id = report_pairs.report_id
    left join parsed
        on reports.report_id = parsed.report_id
    left join listing_dates
        on reports.source_id = listing_dates.source_id
    left join previous_years
        on reports.report_id = previous_years.report_id
    left join agency_years as compared
        on reports.agency_key = compared.agency_key
        and previous_years.compared_with_year = compared.year
    left join reports as compared_report
        on compared.report_id = compared_report.report_id

)

select * from final
