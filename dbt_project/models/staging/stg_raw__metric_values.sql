with

source as (

    select * from {{ source('raw', 'metric_values') }}

),

final as (

    select
        cast(sha256 as varchar) as report_id,
        cast(metric_key as varchar) as metric_key,
        cast(value as double precision) as value,
        cast(method as varchar) as method,
        cast(table_name as varchar) as table_name,
        cast(row_label as varchar) as row_label,
        cast(column_label as varchar) as column_label,
        cast(raw_text as varchar) as raw_text,
        cast(location as varchar) as location,
        cast(note as varchar) as note

    from source

)

select * from final
