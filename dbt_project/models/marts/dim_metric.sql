{#- Every metric key of docs/metrics.md (seed metric_keys), with the harmonised
    indicator it feeds (seed indicator_mapping), if any. -#}

with

metric_keys as (

    select * from {{ ref('metric_keys') }}

),

mapping as (

    select * from {{ ref('indicator_mapping') }}

),

-- a key feeds one indicator at most (possibly from the annex and from the prose)
key_indicators as (

    select
        metric_key,
        min(indicator) as indicator,
        max(case when is_approximate then 1 else 0 end) = 1 as is_approximate

    from mapping
    group by metric_key

),

final as (

    select
        cast(metric_keys.metric_key as varchar) as metric_key,
        cast(metric_keys.table_name as varchar) as table_name,
        cast(metric_keys.section as varchar) as section,
        cast(metric_keys.row_key as varchar) as row_key,
        cast(metric_keys.column_key as varchar) as column_key,
        cast(metric_keys.row_label_zh as varchar) as row_label_zh,
        cast(metric_keys.column_label_zh as varchar) as column_label_zh,
        cast(metric_keys.layouts as varchar) as layouts,
        cast(metric_keys.unit as varchar) as unit,
        cast(metric_keys.is_cumulative as boolean) as is_cumulative,
        cast(metric_keys.description as varchar) as description,
        cast(key_indicators.indicator as varchar) as indicator,
        cast(key_indicators.is_approximate as boolean) as indicator_is_approximate

    from metric_keys
    left join key_indicators
        on metric_keys.metric_key = key_indicators.metric_key

)

select * from final
