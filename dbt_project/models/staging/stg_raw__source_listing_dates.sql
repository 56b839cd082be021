{#- The date a site prints beside a report's link on its listing page: a catalogue row's
    `updated` (catalogue.py: "when the site says the report was published"), or the date the
    fetch stage read beside the link of a report it discovered on a listing. The scorecard's
    third source of a publication date (docs/scorecard.md). Listings and folders are not
    reports: their dates say nothing of one. -#}

with

source as (

    select * from {{ source('raw', 'sources') }}

),

final as (

    select
        cast(source_id as varchar) as source_id,
        cast(cast(updated as timestamp) as date) as listing_date

    from source
    where updated is not null
        and coalesce(kind, 'report') in ('report', 'discovered')

)

select * from final
