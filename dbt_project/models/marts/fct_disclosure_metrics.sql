with

reports as (

    select * from {{ ref('int_reports_current') }}

),

metric_values as (

    select * from {{ ref('stg_raw__metric_values') }}

),

joined as (

    select
        reports.report_id,
        reports.source_id,
        reports.agency,
        reports.year,
        reports.template,
        reports.era,
        metric_values.metric_key,
        -- from the key, not the parser's table_name: the key is the contract (metrics.md)
        case
            when metric_values.metric_key like 'active.%' then '二'
            when metric_values.metric_key like 'apps.%' then '三'
            when metric_values.metric_key like 'review.%' then '四'
            when metric_values.metric_key like 'litigation.%' then '四'
            when metric_values.metric_key like 'legacy.%' then 'free-form'
        end as table_name,
        metric_values.value,
        metric_values.method,
        metric_values.row_label,
        metric_values.column_label,
        metric_values.raw_text,
        metric_values.location,
        metric_values.note

    from metric_values
    inner join reports
        on metric_values.report_id = reports.report_id

),

final as (

    select
        cast(report_id as varchar) as report_id,
        cast(source_id as varchar) as source_id,
        cast(agency as varchar) as agency,
        cast(year as integer) as year,
        cast(template as varchar) as template,
        cast(era as varchar) as era,
        cast(metric_key as varchar) as metric_key,
        cast(table_name as varchar) as table_name,
        cast(value as double precision) as value,
        cast(method as varchar) as method,
        cast(row_label as varchar) as row_label,
        cast(column_label as varchar) as column_label,
        cast(raw_text as varchar) as raw_text,
        cast(location as varchar) as location,
        cast(note as varchar) as note

    from joined

)

select * from final
