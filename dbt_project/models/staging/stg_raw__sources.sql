with

source as (

    select * from {{ source('raw', 'sources') }}

),

final as (

    select
        cast(source_id as varchar) as source_id,
        cast(agency as varchar) as catalogue_agency,
        cast(year as integer) as catalogue_year,
        cast(location as varchar) as location,
        cast(catalogue as varchar) as catalogue_file,
        cast(loaded_at as timestamp) as loaded_at,
        cast(kind as varchar) as kind,
        cast(parent_source_id as varchar) as parent_source_id,
        cast(title as varchar) as link_text,
        cast(path_in_catalogue as varchar) as path_in_catalogue

    from source

)

select * from final
