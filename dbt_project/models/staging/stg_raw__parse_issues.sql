with

source as (

    select * from {{ source('raw', 'parse_issues') }}

),

across_years_values as (

    select * from {{ source('raw', 'across_years_values') }}

),

across_years as (

    select * from {{ source('raw', 'across_years') }}

),

issues as (

    -- a row settled with the agency's neighbouring years is no longer ambiguous
    select sha256, seq, code, message, location
    from source
    where not (
        code = 'ambiguous_split'
        and exists (
            select 1 from across_years_values
            where across_years_values.sha256 = source.sha256
                and across_years_values.location = source.location
        )
    )

    union all

    -- what the re-solve adds (rules_used_to_read), numbered after the parser's own issues
    select
        across_years.sha256,
        100000 as seq,
        'rules_used_to_read' as code,
        across_years.rules_used as message,
        cast(null as varchar) as location
    from across_years
    where across_years.rules_used is not null

),

final as (

    select
        cast(sha256 as varchar) as report_id,
        cast(seq as integer) as seq,
        cast(code as varchar) as code,
        cast(message as varchar) as message,
        cast(location as varchar) as location

    from issues

)

select * from final
