{#-
    The harmonised indicators of every current report: one row per report and indicator that
    the report gives. Each indicator has, in seeds/indicator_mapping.csv, a list of ways to
    read it in order of preference (priority): the national tables first, then a free-form
    report's annex, then a figure stated in the prose. A way with several parts is a sum
    (withheld = the eight 不予公开 rows). The first way for which the report has a value is
    used, so a prose figure is used only where no table or annex value exists, and is flagged.
    Null is not zero: a blank cell gives no value, and an indicator the report does not give
    has no row.
-#}

{{ report_keyed_incremental('int_reports_identified') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_reports_identified')) }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}
    {{ only_reports_to_build() }}

),

metric_values as (

    select * from {{ ref('int_metric_values_current') }}
    {{ only_reports_to_build() }}

),

mapping as (

    select * from {{ ref('indicator_mapping') }}

),

-- each part of each way of reading each indicator, with the report's value for it (the key
-- read from the source the way names: a prose figure never stands in for a table cell)
parts as (

    select
        metric_values.report_id,
        mapping.indicator,
        mapping.indicator_order,
        mapping.priority,
        mapping.part,
        mapping.metric_key,
        mapping.value_source,
        mapping.is_approximate,
        metric_values.value

    from mapping
    inner join metric_values
        on mapping.metric_key = metric_values.metric_key
        and mapping.value_source = metric_values.value_source

),

part_counts as (

    select
        indicator,
        priority,
        count(*) as parts_expected

    from mapping
    group by indicator, priority

),

ways as (

    select
        parts.report_id,
        parts.indicator,
        min(parts.indicator_order) as indicator_order,
        parts.priority,
        min(parts.value_source) as value_source,
        max(case when parts.is_approximate then 1 else 0 end) = 1 as is_approximate,
        count(parts.value) as parts_found,
        sum(parts.value) as value,
        string_agg(
            case when parts.value is not null then parts.metric_key end, ' + ' order by parts.part
        ) as source_metric_keys

    from parts
    group by parts.report_id, parts.indicator, parts.priority

),

ranked as (

    select
        ways.*,
        part_counts.parts_expected,
        row_number() over (
            partition by ways.report_id, ways.indicator
            order by ways.priority
        ) as way_rank

    from ways
    inner join part_counts
        on ways.indicator = part_counts.indicator
        and ways.priority = part_counts.priority
    where ways.parts_found > 0

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.agency_key as varchar) as agency_key,
        cast(reports.agency as varchar) as agency,
        cast(reports.year as integer) as year,
        cast(reports.template as varchar) as template,
        cast(reports.era as varchar) as era,
        cast(reports.report_scope as varchar) as report_scope,
        cast(ranked.indicator as varchar) as indicator,
        cast(ranked.indicator_order as integer) as indicator_order,
        cast(ranked.value as decimal(38, 6)) as value,
        cast({{ indicator_unit('ranked.indicator') }} as varchar) as unit,
        cast(ranked.value_source as varchar) as value_source,
        cast(ranked.is_approximate as boolean) as is_approximate,
        cast(ranked.value_source = 'prose' as boolean) as is_from_prose,
        cast(ranked.parts_found < ranked.parts_expected as boolean) as is_partial,
        cast(ranked.source_metric_keys as varchar) as source_metric_keys,
        cast(ranked.priority as integer) as mapping_priority,
        cast(ranked.parts_found as bigint) as parts_found,
        cast(ranked.parts_expected as bigint) as parts_expected,
        cast(reports.report_version as varchar) as report_version

    from ranked
    inner join reports
        on ranked.report_id = reports.report_id
    where ranked.way_rank = 1

)

select * from final
