{#-
    One row per agency (dim_agency) and statistical year: the harmonised indicators of the
    report chosen for that year (int_agency_years), the change against the agency's report of
    the year before, a few ratios, and the report's rule outcomes (mart_reconciliation).

    Incremental like the per-report models (macros/incremental_reports.sql), keyed on
    int_agency_year_versions: only the agency-years whose row would change are rebuilt (their
    report, the report of the year before, their report count or their links changed). Their
    report_version column holds that version.
-#}

{{ report_keyed_incremental('int_agency_year_versions', 'agency_year_version') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_agency_year_versions'), 'agency_year_version') }}

),

-- the reports whose figures the rows to build read: their own and the year before's
reports_needed as (

    select report_id from reports_to_build
    union
    select previous_report_id
    from {{ ref('int_agency_year_versions') }}
    where previous_report_id is not null
        and report_id in (select report_id from reports_to_build)

),

agency_years as (

    select * from {{ ref('int_agency_years') }}
    {{ only_reports_to_build(reports='reports_needed') }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}
    {{ only_reports_to_build(reports='reports_needed') }}

),

indicators as (

    select * from {{ ref('fct_harmonised_indicators') }}
    {{ only_reports_to_build(reports='reports_needed') }}

),

reconciliation as (

    select * from {{ ref('mart_reconciliation') }}
    {{ only_reports_to_build(reports='reports_needed') }}

),

report_sources as (

    select * from {{ ref('int_report_sources') }}
    {{ only_reports_to_build(reports='reports_needed') }}

),

indicator_values as (

    select
        report_id,
        {% for indicator in harmonised_indicators() %}
        max(case when indicator = '{{ indicator }}' then value end) as {{ indicator }},
        {% endfor %}
        max(case when indicator = 'applications_received' and (is_approximate or is_from_prose) then 1 else 0 end) = 1
            as applications_received_is_approximate

    from indicators
    group by report_id

),

-- The lists of flagged indicators, apart from the pivot and from the flagged rows only: ordered
-- aggregates in the pivot's grouping kept sort buffers for every row (1.8 million at 100,000
-- reports), which spilled under dbt's memory cap (the model: 4.2 s → 1.7 s, the same rows).
indicator_flags as (

    select
        report_id,
        string_agg(case when is_approximate then indicator end, ', ' order by indicator_order)
            as approximate_indicators,
        string_agg(case when is_from_prose then indicator end, ', ' order by indicator_order)
            as prose_indicators,
        string_agg(case when is_partial then indicator end, ', ' order by indicator_order)
            as partial_indicators

    from indicators
    where is_approximate or is_from_prose or is_partial
    group by report_id

),

rule_outcomes as (

    select
        report_id,
        case
            when sum(case when rule_id = 'R1' and status = 'fail' then 1 else 0 end) > 0 then 'fail'
            when sum(case when rule_id = 'R1' and status = 'pass' then 1 else 0 end) > 0 then 'pass'
            else 'not_assessable'
        end as r1_status,
        sum(case when severity = 'error' and status = 'fail' then 1 else 0 end) as error_failures,
        sum(case when severity = 'warning' and status = 'fail' then 1 else 0 end) as warning_failures,
        sum(case when severity = 'info' and status = 'fail' then 1 else 0 end) as info_failures,
        sum(case when status = 'pass' then 1 else 0 end) as passes

    from reconciliation
    group by report_id

),

failed_rule_list as (

    select
        report_id,
        string_agg(rule_id, ', ' order by length(rule_id), rule_id) as failed_rules

    from (
        select distinct report_id, rule_id
        from reconciliation
        where status = 'fail'
    ) as failed
    group by report_id

),

joined as (

    select
        agency_years.agency_key,
        reports.agency,
        reports.agency_name_reported,
        reports.agency_level,
        reports.region,
        agency_years.year,
        agency_years.report_id,
        reports.source_id,
        reports.template,
        reports.era,
        reports.report_scope,
        reports.scope_basis,
        reports.published,
        report_sources.source_url,
        report_sources.source_title,
        report_sources.attachment_urls,
        report_sources.document_sha256,
        agency_years.report_count,
        {% for indicator in harmonised_indicators() %}
        indicator_values.{{ indicator }},
        {% endfor %}
        coalesce(indicator_values.applications_received_is_approximate, false)
            as applications_received_is_approximate,
        indicator_flags.approximate_indicators,
        indicator_flags.prose_indicators,
        indicator_flags.partial_indicators,
        coalesce(rule_outcomes.r1_status, 'not_assessable') as r1_status,
        case
            when rule_outcomes.error_failures > 0 then 'fail'
            when rule_outcomes.warning_failures > 0 then 'warning'
            when rule_outcomes.passes > 0 then 'pass'
            else 'not_assessable'
        end as rule_status,
        failed_rule_list.failed_rules,
        coalesce(rule_outcomes.error_failures, 0) as error_failures,
        coalesce(rule_outcomes.warning_failures, 0) as warning_failures,
        coalesce(rule_outcomes.info_failures, 0) as info_failures,
        reports.parse_issue_count

    from agency_years
    inner join reports
        on agency_years.report_id = reports.report_id
    left join indicator_values
        on agency_years.report_id = indicator_values.report_id
    left join indicator_flags
        on agency_years.report_id = indicator_flags.report_id
    left join rule_outcomes
        on agency_years.report_id = rule_outcomes.report_id
    left join failed_rule_list
        on agency_years.report_id = failed_rule_list.report_id
    left join report_sources
        on agency_years.report_id = report_sources.report_id

),

-- against the same agency's report of the year before (Y−1 only: a gap gives no change)
with_previous as (

    select
        joined.*,
        reports_to_build.report_version as agency_year_version,
        previous_year.report_scope as previous_report_scope,
        previous_year.applications_received as previous_applications_received,
        previous_year.applications_received_is_approximate as previous_applications_received_is_approximate,
        previous_year.processed_total as previous_processed_total,
        previous_year.reviews as previous_reviews,
        previous_year.lawsuits as previous_lawsuits,
        previous_year.year is not null as has_previous_year

    from joined
    inner join reports_to_build
        on joined.report_id = reports_to_build.report_id
    left join joined as previous_year
        on joined.agency_key = previous_year.agency_key
        and joined.year - 1 = previous_year.year

),

final as (

    select
        cast(agency_key as varchar) as agency_key,
        cast(agency as varchar) as agency,
        cast(agency_name_reported as varchar) as agency_name_reported,
        cast(agency_level as varchar) as agency_level,
        cast(region as varchar) as region,
        cast(year as integer) as year,
        cast(report_id as varchar) as report_id,
        cast(source_id as varchar) as source_id,
        cast(template as varchar) as template,
        cast(era as varchar) as era,
        cast(report_scope as varchar) as report_scope,
        cast(scope_basis as varchar) as scope_basis,
        cast(published as date) as published,
        cast(source_url as varchar) as source_url,
        cast(source_title as varchar) as source_title,
        cast(attachment_urls as varchar[]) as attachment_urls,
        cast(document_sha256 as varchar) as document_sha256,
        cast(report_count as bigint) as report_count,
        {% for indicator in harmonised_indicators() %}
        cast({{ indicator }} as {{ indicator_type(indicator) }}) as {{ indicator }},
        {% endfor %}
        cast(approximate_indicators as varchar) as approximate_indicators,
        cast(prose_indicators as varchar) as prose_indicators,
        cast(partial_indicators as varchar) as partial_indicators,
        cast(
            case
                when processed_total > 0 and granted is not null
                    then cast(granted as double precision) / processed_total
            end as double precision
        ) as share_granted_full,
        cast(
            case
                when processed_total > 0 and granted is not null and partially_granted is not null
                    then (cast(granted as double precision) + partially_granted) / processed_total
            end as double precision
        ) as share_granted_incl_partial,
        cast(
            case
                when reviews_upheld + reviews_corrected + reviews_other > 0
                    then cast(reviews_corrected as double precision)
                        / (reviews_upheld + reviews_corrected + reviews_other)
            end as double precision
        ) as review_correction_rate,
        cast(
            case
                when lawsuits_upheld + lawsuits_corrected + lawsuits_other > 0
                    then cast(lawsuits_corrected as double precision)
                        / (lawsuits_upheld + lawsuits_corrected + lawsuits_other)
            end as double precision
        ) as lawsuit_correction_rate,
        cast(has_previous_year as boolean) as has_previous_year,
        cast(applications_received - previous_applications_received as bigint)
            as applications_received_change,
        cast(
            case
                when previous_applications_received > 0
                    then (applications_received - previous_applications_received)
                        / cast(previous_applications_received as double precision)
            end as double precision
        ) as applications_received_change_pct,
        cast(
            case
                when applications_received is null or previous_applications_received is null then null
                when applications_received_is_approximate or previous_applications_received_is_approximate then true
                when report_scope <> previous_report_scope then true
                else false
            end as boolean
        ) as applications_received_change_is_approximate,
        cast(processed_total - previous_processed_total as bigint) as processed_total_change,
        cast(reviews - previous_reviews as bigint) as reviews_change,
        cast(lawsuits - previous_lawsuits as bigint) as lawsuits_change,
        cast(r1_status as varchar) as r1_status,
        cast(rule_status as varchar) as rule_status,
        cast(failed_rules as varchar) as failed_rules,
        cast(error_failures as bigint) as error_failures,
        cast(warning_failures as bigint) as warning_failures,
        cast(info_failures as bigint) as info_failures,
        cast(parse_issue_count as bigint) as parse_issue_count,
        cast(agency_year_version as varchar) as report_version

    from with_previous

)

select * from final
