{#-
    The assessor's view: one row per current report answering "was it on time, in the
    format of its year, complete, original and consistent?" (docs/scorecard.md).

    timeliness   the publication date (the page's 发布时间, its PubDate meta, the date beside
                 the listing link, the document's own date, in that order of trust) against the
                 statutory deadline of the report's year and kind of body; no date: unknown
    format       the national format of the report's year, an older layout, or no tables
    completeness the six sections present; tables 二 三 四 with every cell of their layout filled
    repetition   5-gram containment in the agency's previous available report (int_report_repetition)
    consistency  the rule results of mart_reconciliation, counted

    Report-keyed incremental on quality_version (int_report_quality_pairs): a report's row
    changes with the report, the report it is compared with, the year before's report (the
    cross-year rules) and the listing's date.
-#}

{{ report_keyed_incremental('int_report_quality_pairs', 'quality_version') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_report_quality_pairs'), 'quality_version') }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}
    {{ only_reports_to_build() }}

),

pairs as (

    select * from {{ ref('int_report_quality_pairs') }}
    {{ only_reports_to_build() }}

),

sections as (

    select * from {{ ref('stg_raw__report_sections') }}
    {{ only_reports_to_build() }}

),

repetition as (

    select * from {{ ref('int_report_repetition') }}
    {{ only_reports_to_build() }}

),

metric_values as (

    select * from {{ ref('int_metric_values_current') }}
    {{ only_reports_to_build() }}

),

reconciliation as (

    select * from {{ ref('mart_reconciliation') }}
    {{ only_reports_to_build() }}

),

metric_keys as (

    select * from {{ ref('metric_keys') }}

),

-- ---- timeliness ---------------------------------------------------------------------------

dated as (

    select
        reports.report_id,
        reports.year,
        case
            when reports.agency_level = 'department' then 'department'
            when reports.agency_level in ('province', 'city', 'county') then 'government'
        end as body_kind,
        -- the page's own date first, then the listing's, then the document's
        case
            when pairs.parser_published_basis in ('page_label', 'page_meta') then reports.published
            when pairs.listing_date is not null then pairs.listing_date
            else reports.published
        end as published_date,
        case
            when pairs.parser_published_basis in ('page_label', 'page_meta') and reports.published is not null
                then pairs.parser_published_basis
            when pairs.listing_date is not null then 'listing'
            when reports.published is not null then pairs.parser_published_basis
        end as published_basis

    from reports
    inner join pairs
        on reports.report_id = pairs.report_id

),

deadlines as (

    select
        dated.*,
        case
            when dated.year is null then null
            -- 2008 条例: 31 March for every body
            when dated.year < 2019 then make_date(dated.year + 1, 3, 31)
            -- 2019 条例: departments by 31 January, governments by 31 March
            when dated.body_kind = 'department' then make_date(dated.year + 1, 1, 31)
            when dated.body_kind = 'government' then make_date(dated.year + 1, 3, 31)
        end as deadline

    from dated

),

timeliness as (

    select
        deadlines.*,
        case
            when deadlines.published_date is null or deadlines.year is null then 'unknown'
            when deadlines.deadline is not null then
                case when deadlines.published_date <= deadlines.deadline then 'on_time' else 'late' end
            -- a body of unknown kind under the 2019 条例: in time for either deadline, or late for both
            when deadlines.published_date <= make_date(deadlines.year + 1, 1, 31) then 'on_time'
            when deadlines.published_date > make_date(deadlines.year + 1, 3, 31) then 'late'
            else 'unknown'
        end as timeliness

    from deadlines

),

-- ---- completeness -------------------------------------------------------------------------

present_sections as (

    select
        report_id,
        max(case when section_key = 'overview' then 1 else 0 end) = 1 as has_overview,
        max(case when section_key = 'active' then 1 else 0 end) = 1 as has_active,
        max(case when section_key = 'applications' then 1 else 0 end) = 1 as has_applications,
        max(case when section_key = 'review' then 1 else 0 end) = 1 as has_review,
        max(case when section_key = 'problems' then 1 else 0 end) = 1 as has_problems,
        max(case when section_key = 'other' then 1 else 0 end) = 1 as has_other

    from sections
    group by report_id

),

-- every cell of each national table in each layout (the subtotal column is printed by some reports only)
layout_cells as (

    select
        layouts.template,
        metric_keys.table_name,
        metric_keys.metric_key

    from metric_keys
    inner join (select '2019' as template union all select '2021' as template) as layouts
        on (' ' || metric_keys.layouts || ' ') like ('% ' || layouts.template || ' %')
    where metric_keys.table_name in ('二', '三', '四')
        and metric_keys.column_key <> 'legal_person_subtotal'

),

expected_cells as (

    select template, table_name, count(*) as cell_count
    from layout_cells
    group by template, table_name

),

filled_cells as (

    select
        reports.report_id,
        layout_cells.table_name,
        count(distinct metric_values.metric_key) as cell_count

    from reports
    inner join layout_cells
        on reports.template = layout_cells.template
    inner join metric_values
        on reports.report_id = metric_values.report_id
        and layout_cells.metric_key = metric_values.metric_key
    where metric_values.value is not null
    group by reports.report_id, layout_cells.table_name

),

tables_filled as (

    select
        reports.report_id,
        max(case when expected_cells.table_name = '二' then
            case when coalesce(filled_cells.cell_count, 0) = expected_cells.cell_count then 1 else 0 end
        end) = 1 as table_two_filled,
        max(case when expected_cells.table_name = '三' then
            case when coalesce(filled_cells.cell_count, 0) = expected_cells.cell_count then 1 else 0 end
        end) = 1 as table_three_filled,
        max(case when expected_cells.table_name = '四' then
            case when coalesce(filled_cells.cell_count, 0) = expected_cells.cell_count then 1 else 0 end
        end) = 1 as table_four_filled

    from reports
    inner join expected_cells
        on reports.template = expected_cells.template
    left join filled_cells
        on reports.report_id = filled_cells.report_id
        and expected_cells.table_name = filled_cells.table_name
    group by reports.report_id

),

-- ---- repetition and consistency -----------------------------------------------------------

repetition_by_report as (

    select
        report_id,
        max(case when section_key = '_report' then repetition end) as repetition,
        max(case when section_key = 'overview' then repetition end) as repetition_overview,
        max(case when section_key = 'active' then repetition end) as repetition_active,
        max(case when section_key = 'applications' then repetition end) as repetition_applications,
        max(case when section_key = 'review' then repetition end) as repetition_review,
        max(case when section_key = 'problems' then repetition end) as repetition_problems,
        max(case when section_key = 'other' then repetition end) as repetition_other,
        nullif(concat_ws(', ',
            max(case when section_key = 'preamble' and repetition > 0.5 then 'preamble' end),
            max(case when section_key = 'overview' and repetition > 0.5 then 'overview' end),
            max(case when section_key = 'active' and repetition > 0.5 then 'active' end),
            max(case when section_key = 'applications' and repetition > 0.5 then 'applications' end),
            max(case when section_key = 'review' and repetition > 0.5 then 'review' end),
            max(case when section_key = 'problems' and repetition > 0.5 then 'problems' end),
            max(case when section_key = 'other' and repetition > 0.5 then 'other' end),
            max(case when section_key = 'body' and repetition > 0.5 then 'body' end)
        ), '') as sections_over_half

    from repetition
    group by report_id

),

rule_counts as (

    select
        report_id,
        sum(case when status = 'fail' and severity = 'error' then 1 else 0 end) as rule_errors,
        sum(case when status = 'fail' and severity = 'warning' then 1 else 0 end) as rule_warnings,
        sum(case when status = 'fail' and severity = 'info' then 1 else 0 end) as rule_infos,
        sum(case when status = 'not_assessable' then 1 else 0 end) as rules_not_assessable,
        sum(case when status = 'pass' then 1 else 0 end) as rules_passed

    from reconciliation
    group by report_id

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.source_id as varchar) as source_id,
        cast(reports.agency_key as varchar) as agency_key,
        cast(reports.agency as varchar) as agency,
        cast(reports.year as integer) as year,
        cast(reports.template as varchar) as template,
        cast(timeliness.body_kind as varchar) as body_kind,

        cast(timeliness.published_date as date) as published_date,
        cast(timeliness.published_basis as varchar) as published_basis,
        cast(timeliness.deadline as date) as deadline,
        cast(case when timeliness.deadline is not null and timeliness.published_date is not null
            then timeliness.published_date - timeliness.deadline end as integer) as days_after_deadline,
        cast(timeliness.timeliness as varchar) as timeliness,

        cast(case when reports.year >= 2021 then '2021' when reports.year >= 2019 then '2019' end as varchar)
            as expected_template,
        cast(case
            when reports.year is null or reports.template is null then 'unknown'
            when reports.year < 2019 then 'before_national_format'
            when reports.template = case when reports.year >= 2021 then '2021' else '2019' end then 'national_format'
            when reports.template = 'freeform' then 'no_tables'
            when reports.template = '2019' then 'older_layout'
            else 'newer_layout'
        end as varchar) as format_conformance,

        cast(coalesce(present_sections.has_overview, false) as boolean) as has_overview,
        cast(coalesce(present_sections.has_active, false) as boolean) as has_active,
        cast(coalesce(present_sections.has_applications, false) as boolean) as has_applications,
        cast(coalesce(present_sections.has_review, false) as boolean) as has_review,
        cast(coalesce(present_sections.has_problems, false) as boolean) as has_problems,
        cast(coalesce(present_sections.has_other, false) as boolean) as has_other,
        cast({{ count_not_null(['case when present_sections.has_overview then 1 end',
                                'case when present_sections.has_active then 1 end',
                                'case when present_sections.has_applications then 1 end',
                                'case when present_sections.has_review then 1 end',
                                'case when present_sections.has_problems then 1 end',
                                'case when present_sections.has_other then 1 end']) }} as bigint)
            as sections_present,
        cast(nullif(concat_ws(', ',
            case when not coalesce(present_sections.has_overview, false) then 'overview' end,
            case when not coalesce(present_sections.has_active, false) then 'active' end,
            case when not coalesce(present_sections.has_applications, false) then 'applications' end,
            case when not coalesce(present_sections.has_review, false) then 'review' end,
            case when not coalesce(present_sections.has_problems, false) then 'problems' end,
            case when not coalesce(present_sections.has_other, false) then 'other' end
        ), '') as varchar) as missing_sections,
        cast(tables_filled.table_two_filled as boolean) as table_two_filled,
        cast(tables_filled.table_three_filled as boolean) as table_three_filled,
        cast(tables_filled.table_four_filled as boolean) as table_four_filled,

        cast(pairs.compared_report_id as varchar) as compared_report_id,
        cast(pairs.compared_with_year as integer) as compared_with_year,
        cast(repetition_by_report.repetition as double precision) as repetition,
        cast(repetition_by_report.repetition_overview as double precision) as repetition_overview,
        cast(repetition_by_report.repetition_active as double precision) as repetition_active,
        cast(repetition_by_report.repetition_applications as double precision) as repetition_applications,
        cast(repetition_by_report.repetition_review as double precision) as repetition_review,
        cast(repetition_by_report.repetition_problems as double precision) as repetition_problems,
        cast(repetition_by_report.repetition_other as double precision) as repetition_other,
        cast(case when repetition_by_report.repetition is not null
            then repetition_by_report.repetition > 0.5 end as boolean) as is_repetitive,
        cast(repetition_by_report.sections_over_half as varchar) as sections_over_half,

        cast(coalesce(rule_counts.rule_errors, 0) as bigint) as rule_errors,
        cast(coalesce(rule_counts.rule_warnings, 0) as bigint) as rule_warnings,
        cast(coalesce(rule_counts.rule_infos, 0) as bigint) as rule_infos,
        cast(coalesce(rule_counts.rules_not_assessable, 0) as bigint) as rules_not_assessable,
        cast(coalesce(rule_counts.rules_passed, 0) as bigint) as rules_passed,

        cast(reports_to_build.report_version as varchar) as report_version

    from reports
    inner join reports_to_build
        on reports.report_id = reports_to_build.report_id
    inner join pairs
        on reports.report_id = pairs.report_id
    inner join timeliness
        on reports.report_id = timeliness.report_id
    left join present_sections
        on reports.report_id = present_sections.report_id
    left join tables_filled
        on reports.report_id = tables_filled.report_id
    left join repetition_by_report
        on reports.report_id = repetition_by_report.report_id
    left join rule_counts
        on reports.report_id = rule_counts.report_id

)

select * from final
