{{ report_keyed_incremental('int_reports_identified') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_reports_identified')) }}

),

metric_values as (

    select * from {{ ref('int_metric_values_current') }}
    {{ only_reports_to_build() }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}
    {{ only_reports_to_build() }}

),

metric_keys as (

    select * from {{ ref('metric_keys') }}

),

final as (

    select
        cast(metric_values.report_id as varchar) as report_id,
        cast(metric_values.source_id as varchar) as source_id,
        cast(metric_values.agency_key as varchar) as agency_key,
        cast(metric_values.agency as varchar) as agency,
        cast(reports.agency_name_reported as varchar) as agency_name_reported,
        cast(metric_values.year as integer) as year,
        cast(metric_values.template as varchar) as template,
        cast(metric_values.era as varchar) as era,
        cast(metric_values.report_scope as varchar) as report_scope,
        cast(metric_values.metric_key as varchar) as metric_key,
        -- from the key, not the parser's table_name: the key is the contract (docs/metrics.md)
        cast(
            case
                when metric_values.metric_key like 'active.%' then '二'
                when metric_values.metric_key like 'apps.%' then '三'
                when metric_values.metric_key like 'review.%' then '四'
                when metric_values.metric_key like 'litigation.%' then '四'
                when metric_values.metric_key like 'legacy.%' then 'free-form'
            end as varchar
        ) as table_name,
        -- one numeric type for counts and money alike; the unit says which
        cast(metric_values.value as decimal(38, 6)) as value,
        cast(metric_keys.unit as varchar) as unit,
        cast(metric_values.value_source as varchar) as value_source,
        cast(metric_values.method as varchar) as method,
        cast(metric_values.row_label as varchar) as row_label,
        cast(metric_values.column_label as varchar) as column_label,
        cast(metric_values.raw_text as varchar) as raw_text,
        cast(metric_values.location as varchar) as location,
        cast(metric_values.note as varchar) as note,
        cast(reports.report_version as varchar) as report_version

    from metric_values
    inner join reports
        on metric_values.report_id = reports.report_id
    left join metric_keys
        on metric_values.metric_key = metric_keys.metric_key

)

select * from final
