with

source as (

    select * from {{ source('raw', 'reports') }}

),

across_years as (

    select
        sha256 as across_years_sha256,
        neighbours as across_years_neighbours

    from {{ source('raw', 'across_years') }}

),

final as (

    select
        cast(sha256 as varchar) as report_id,
        cast(parser_version as varchar) as parser_version,
        cast(media_type as varchar) as media_type,
        cast(agency as varchar) as agency_as_printed,
        cast(year as integer) as year,
        cast(template as varchar) as template,
        cast(published as date) as published,
        -- where the parser read it: page_label, page_meta, written_date, signature
        cast(published_basis as varchar) as published_basis,
        -- what the report covers as the parser read it: 'agency' (the body itself) or
        -- 'jurisdiction' (the whole area it governs); null when the text does not say
        cast(scope as varchar) as report_scope,
        -- the words of the text that decided report_scope (「text: 全市共受理」)
        cast(scope_basis as varchar) as scope_basis,
        -- the title as printed: the document's title line, else the page's title
        cast(title as varchar) as title,
        cast(parsed_at as timestamp) as parsed_at,
        -- the neighbouring documents its open rows were re-solved with (rules across years);
        -- null when it has no open rows or no neighbouring year
        cast(across_years_neighbours as varchar) as across_years_neighbours

    from source
    left join across_years
        on source.sha256 = across_years.across_years_sha256

)

select * from final
