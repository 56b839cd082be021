with

sources as (

    select * from {{ ref('stg_raw__sources') }}

),

fetch_manifest as (

    select * from {{ ref('stg_raw__fetch_manifest') }}

),

reports as (

    select * from {{ ref('stg_raw__reports') }}

),

parse_issues as (

    select * from {{ ref('stg_raw__parse_issues') }}

),

-- a failed fetch never replaces a document we already have: only successes compete
successful_fetches as (

    select
        source_id,
        location,
        document_sha256,
        first_seen_at,
        last_seen_at,
        fetch_key

    from fetch_manifest
    where outcome = 'fetched'
        and document_sha256 is not null

),

ranked_fetches as (

    select
        *,
        row_number() over (
            partition by source_id
            order by last_seen_at desc, first_seen_at desc, fetch_key
        ) as fetch_rank

    from successful_fetches

),

latest_fetches as (

    select * from ranked_fetches
    where fetch_rank = 1

),

issue_counts as (

    select
        report_id,
        count(*) as parse_issue_count

    from parse_issues
    group by report_id

),

-- inner joins: a source never fetched, or whose document was never parsed, is not current
joined as (

    select
        reports.report_id,
        sources.source_id,
        latest_fetches.location,
        sources.catalogue_agency,
        coalesce(sources.catalogue_agency, reports.agency_as_printed) as agency,
        reports.agency_as_printed,
        coalesce(reports.year, sources.catalogue_year) as year,
        sources.catalogue_year,
        reports.template,
        case reports.template
            when '2021' then '2021 layout'
            when '2019' then '2019 layout'
            when 'freeform' then 'free-form'
        end as era,
        reports.published,
        reports.report_scope,
        reports.scope_basis,
        reports.parser_version,
        reports.parsed_at,
        reports.across_years_neighbours,
        coalesce(issue_counts.parse_issue_count, 0) as parse_issue_count

    from latest_fetches
    inner join sources
        on latest_fetches.source_id = sources.source_id
    inner join reports
        on latest_fetches.document_sha256 = reports.report_id
    left join issue_counts
        on reports.report_id = issue_counts.report_id
    -- a document that is not a report at all (junk, an empty file) is in quarantine, not the mart;
    -- an unreadable report stays, its row saying what could not be read
    where reports.report_id not in (
        select report_id from parse_issues where code = 'not_a_report'
    )

),

-- the same document listed by two sources (a mirror, two catalogues) is one report: keep one
-- source so no figure is counted twice, preferring the one whose catalogue names the agency
-- and year (the user's names keep an agency's years together), then the smallest source_id
deduplicated as (

    select
        *,
        row_number() over (
            partition by report_id
            order by
                case when catalogue_agency is null then 1 else 0 end,
                case when catalogue_year is null then 1 else 0 end,
                source_id
        ) as source_rank

    from joined

),

final as (

    select
        report_id,
        source_id,
        location,
        agency,
        agency_as_printed,
        year,
        catalogue_year,
        template,
        era,
        published,
        report_scope,
        scope_basis,
        parser_version,
        parsed_at,
        across_years_neighbours,
        cast(parse_issue_count as integer) as parse_issue_count

    from deduplicated
    where source_rank = 1

)

select * from final
