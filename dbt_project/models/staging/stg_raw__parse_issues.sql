with

source as (

    select * from {{ source('raw', 'parse_issues') }}

),

final as (

    select
        cast(sha256 as varchar) as report_id,
        cast(seq as integer) as seq,
        cast(code as varchar) as code,
        cast(message as varchar) as message,
        cast(location as varchar) as location

    from source

)

select * from final
