-- The indicators mart_agency_year shows (macro harmonised_indicators) are exactly those the
-- mapping seed reads, in the same order.

with

mapping as (

    select distinct
        indicator,
        indicator_order

    from {{ ref('indicator_mapping') }}

),

listed as (

    {% for indicator in harmonised_indicators() %}
    select '{{ indicator }}' as indicator, {{ loop.index }} as indicator_order
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        coalesce(mapping.indicator, listed.indicator) as indicator,
        mapping.indicator_order as mapping_order,
        listed.indicator_order as listed_order

    from mapping
    full outer join listed
        on mapping.indicator = listed.indicator
    where mapping.indicator_order is distinct from listed.indicator_order

)

select * from final
