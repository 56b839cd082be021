{#- Where each current report can be read: its page (the main document) as a URL, or as a
    path relative to its catalogue's folder for a local file, never an absolute path; the
    page's attachments; its title as printed. A report read from an attachment (the PDF of a
    page) links to the page that carries it. -#}

with

reports as (

    select * from {{ ref('int_reports_current') }}

),

documents as (

    select * from {{ ref('stg_raw__reports') }}

),

sources as (

    select * from {{ ref('stg_raw__sources') }}

),

-- how a source is shown: its URL, or its path relative to the catalogue's folder
source_links as (

    select
        source_id,
        kind,
        parent_source_id,
        link_text,
        case
            when location like 'http://%' or location like 'https://%' then location
            else path_in_catalogue
        end as link

    from sources

),

-- the report's page: the source itself, or for an attachment the page that links it
report_pages as (

    select
        reports.report_id,
        reports.source_id,
        coalesce(
            case when own.kind = 'attachment' then own.parent_source_id end,
            own.source_id
        ) as page_source_id,
        own.link_text as own_link_text

    from reports
    inner join source_links as own
        on reports.source_id = own.source_id

),

attachments as (

    select
        parent_source_id,
        array_agg(link order by link) as attachment_urls

    from source_links
    where kind = 'attachment'
        and parent_source_id is not null
        and link is not null
    group by parent_source_id

),

final as (

    select
        report_pages.report_id,
        report_pages.source_id,
        report_pages.page_source_id,
        pages.link as source_url,
        coalesce(documents.title, pages.link_text, report_pages.own_link_text) as source_title,
        attachments.attachment_urls,
        report_pages.report_id as document_sha256

    from report_pages
    left join source_links as pages
        on report_pages.page_source_id = pages.source_id
    left join documents
        on report_pages.report_id = documents.report_id
    left join attachments
        on report_pages.page_source_id = attachments.parent_source_id

)

select * from final
