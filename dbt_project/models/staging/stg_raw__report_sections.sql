with

source as (

    select * from {{ source('raw', 'report_sections') }}

),

final as (

    select
        cast(sha256 as varchar) as report_id,
        cast(parser_version as varchar) as parser_version,
        cast(section_key as varchar) as section_key,
        cast(position as integer) as section_position,
        cast(title_as_printed as varchar) as title_as_printed,
        cast(text as varchar) as section_text

    from source

)

select * from final
