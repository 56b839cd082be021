{#- One row per row of mart_agency_year (an agency, a year, the report chosen for it) and
    agency_year_version: a hash of everything that row is built from, so that the mart is
    rebuilt only for the agency-years whose version changed (macros/incremental_reports.sql).

    A row of the mart is built from its report (its figures, attribution and rule rows), the
    report of the year before (the changes), how many reports the agency-year has, and where
    the report can be read. reconciliation_version (int_report_pairs) already covers the first
    two: the report's version and the previous year's report's. The links are not in any
    report's version (a report keeps its version when its page moves): they are added here. -#}

with

agency_years as (

    select * from {{ ref('int_agency_years') }}

),

report_pairs as (

    select * from {{ ref('int_report_pairs') }}

),

report_sources as (

    select * from {{ ref('int_report_sources') }}

),

final as (

    select
        agency_years.agency_key,
        agency_years.year,
        agency_years.report_id,
        agency_years.previous_report_id,
        {{ version_hash(['agency_years.agency_key', 'agency_years.year', 'agency_years.report_id',
                         'agency_years.report_count', 'report_pairs.reconciliation_version',
                         'report_sources.source_url', 'report_sources.source_title',
                         'report_sources.attachment_urls', 'report_sources.document_sha256']) }}
            as agency_year_version

    from agency_years
    inner join report_pairs
        on agency_years.report_id = report_pairs.report_id
    left join report_sources
        on agency_years.report_id = report_sources.report_id

)

select * from final
