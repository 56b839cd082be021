{#-
    How much of each report's text repeats the agency's previous available report
    (int_report_quality_pairs): for each section, and for the report as a whole, the share of
    this year's distinct character 5-grams that also occur in last year's (containment, one
    direction: what this year took from last year, whatever last year had besides).

    The text is the parser's (raw.report_sections): the national format's headings, tables
    and table labels are not in it, so a report is not counted as repeating the format. Line
    breaks are dropped before measuring; the parser already dropped white space and folded
    full-width forms. A section compares with the same section of last year's report; the
    report as a whole (section_key '_report') with last year's whole text; an annex with
    nothing (it is a table). A section with under five characters has no 5-gram: no row.

    Report-keyed incremental, keyed on quality_version: the 5-grams of only the reports to
    build and of the reports they compare with are made, in SQL both engines run
    (generate_series in a lateral join, substr, no list types).
-#}

{{ report_keyed_incremental('int_report_quality_pairs', 'quality_version') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_report_quality_pairs'), 'quality_version') }}

),

pairs as (

    select report_id, compared_report_id from {{ ref('int_report_quality_pairs') }}
    {{ only_reports_to_build() }}

),

-- the documents whose text is needed: the reports to build and the ones they compare with
documents as (

    select report_id from pairs

    union

    select compared_report_id as report_id from pairs
    where compared_report_id is not null

),

sections as (

    select
        report_sections.report_id,
        report_sections.section_key,
        replace(report_sections.section_text, chr(10), '') as body

    from {{ ref('stg_raw__report_sections') }} as report_sections
    inner join documents
        on report_sections.report_id = documents.report_id
    where report_sections.section_key <> 'annex'

),

section_grams as (

    select distinct
        sections.report_id,
        sections.section_key,
        substr(sections.body, positions.i, 5) as gram

    from sections
    cross join lateral generate_series(1, length(sections.body) - 4) as positions (i)

),

report_grams as (

    select distinct
        report_id,
        cast('_report' as varchar) as section_key,
        gram

    from section_grams

),

grams as (

    select report_id, section_key, gram from section_grams

    union all

    select report_id, section_key, gram from report_grams

),

-- what last year's report has text for (a section of under five characters has no 5-gram)
compared_sections as (

    select distinct report_id, section_key from grams

),

measured as (

    select
        grams.report_id,
        grams.section_key,
        count(*) as gram_count,
        count(compared.gram) as repeated_gram_count

    from grams
    inner join pairs
        on grams.report_id = pairs.report_id
    left join grams as compared
        on pairs.compared_report_id = compared.report_id
        and grams.section_key = compared.section_key
        and grams.gram = compared.gram
    group by grams.report_id, grams.section_key

),

final as (

    select
        cast(measured.report_id as varchar) as report_id,
        cast(measured.section_key as varchar) as section_key,
        cast(pairs.compared_report_id as varchar) as compared_report_id,
        cast(measured.gram_count as integer) as gram_count,
        cast(case when compared_sections.report_id is not null then measured.repeated_gram_count end as integer)
            as repeated_gram_count,
        cast(case when compared_sections.report_id is not null
            then cast(measured.repeated_gram_count as double precision) / measured.gram_count end
            as double precision) as repetition,
        cast(reports_to_build.report_version as varchar) as report_version

    from measured
    inner join pairs
        on measured.report_id = pairs.report_id
    inner join reports_to_build
        on measured.report_id = reports_to_build.report_id
    left join compared_sections
        on pairs.compared_report_id = compared_sections.report_id
        and measured.section_key = compared_sections.section_key

)

select * from final
