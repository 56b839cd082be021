{{ config(materialized='table') }}

{#- The current reports with the agency they belong to (int_agency_names_resolved): one row
    per report. Every mart reads reports from here, so all of them agree on agency_key. -#}

with

reports as (

    select * from {{ ref('int_reports_current') }}

),

names as (

    select * from {{ ref('int_agency_names_resolved') }}

),

agencies as (

    select * from {{ ref('int_agencies') }}

),

final as (

    select
        reports.report_id,
        reports.source_id,
        reports.location,
        names.agency_key,
        agencies.agency,
        reports.agency as agency_name_reported,
        reports.agency_as_printed,
        agencies.level as agency_level,
        agencies.region,
        reports.year,
        reports.catalogue_year,
        reports.template,
        reports.era,
        reports.published,
        reports.report_scope,
        reports.parse_issue_count

    from reports
    left join names
        on reports.agency = names.name_reported
    left join agencies
        on names.agency_key = agencies.agency_key

)

select * from final
