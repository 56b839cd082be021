with

source as (

    select * from {{ source('raw', 'metric_values') }}

),

-- values settled with the agency's neighbouring years (orchestration/parsing/agency_series.py):
-- the rows the parser left open, so they take the place of whatever the parser read there
settled_across_years as (

    select * from {{ source('raw', 'across_years_values') }}

),

read_values as (

    select
        sha256, metric_key, value, method, table_name, row_label, column_label, raw_text, location, note
    from source
    where not exists (
        select 1 from settled_across_years
        where settled_across_years.sha256 = source.sha256
            and settled_across_years.metric_key = source.metric_key
    )

    union all

    select
        sha256, metric_key, value, method, table_name, row_label, column_label, raw_text, location, note
    from settled_across_years

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

    from read_values

)

select * from final
