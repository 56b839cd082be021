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

identified as (

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
        -- what the report covers: as its text says, else as its issuing body says (a
        -- department's report covers the department); scope_basis says which decided
        coalesce(
            reports.report_scope,
            case when agencies.level = 'department' then 'agency' end
        ) as report_scope,
        case
            when reports.report_scope is not null then reports.scope_basis
            when agencies.level = 'department' then 'issuing body: a department (its report covers itself)'
        end as scope_basis,
        reports.parse_issue_count,
        reports.parser_version,
        reports.parsed_at,
        reports.across_years_neighbours

    from reports
    left join names
        on reports.agency = names.name_reported
    left join agencies
        on names.agency_key = agencies.agency_key

),

final as (

    select
        *,
        -- what the report's rows in the incremental models are built from (see
        -- macros/incremental_reports.sql): a new parser version or a new attribution changes
        -- it. Not parsed_at nor the location (a path differs from one data folder to another):
        -- the same document read the same way gives the same version on every run and machine.
        -- The neighbouring documents its open rows were re-solved with are part of it, so the
        -- report is rebuilt when a neighbour arrives or changes.
        {{ version_hash(['report_id', 'source_id', 'agency_key', 'agency', 'agency_name_reported',
                         'agency_as_printed', 'agency_level', 'region', 'year', 'catalogue_year', 'template',
                         'era', 'published', 'report_scope', 'scope_basis', 'parse_issue_count',
                         'parser_version', 'across_years_neighbours']) }}
            as report_version

    from identified

)

select * from final
