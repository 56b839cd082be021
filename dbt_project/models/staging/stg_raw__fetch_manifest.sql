with

source as (

    select * from {{ source('raw', 'fetch_manifest') }}

),

final as (

    select
        cast(source_id as varchar) as source_id,
        cast(location as varchar) as location,
        cast(outcome as varchar) as outcome,
        cast(fetch_key as varchar) as fetch_key,
        -- the document's content hash: it becomes a report_id once the document is parsed
        cast(sha256 as varchar) as document_sha256,
        cast(size_bytes as bigint) as size_bytes,
        cast(media_type as varchar) as media_type,
        cast(http_status as integer) as http_status,
        cast(error as varchar) as error,
        cast(first_seen_at as timestamp) as first_seen_at,
        cast(last_seen_at as timestamp) as last_seen_at,
        cast(attempts as integer) as attempts

    from source

)

select * from final
