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

    How: each pair (a report and the one it is compared with) is numbered; the 5-grams of both
    texts are tagged with the pair and the side they come from (a bit: 1 this year, 2 the
    compared report), and one aggregation per level ORs the bits of each gram (no join of gram
    to gram): 3 is a gram both sides have. The keys are small integers, the section numbered
    rather than named: at 100,000 reports the aggregations hold 136 million grams, and narrow
    keys and one state halved their time (49 → 30 s). Report-keyed incremental, keyed on
    quality_version: only the pairs to build are read. SQL both engines run
    (macros/text_grams.sql).
-#}

{{ report_keyed_incremental('int_report_quality_pairs', 'quality_version') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_report_quality_pairs'), 'quality_version') }}

),

pairs as (

    select
        report_id,
        compared_report_id,
        cast(row_number() over (order by report_id) as integer) as pair_no

    from {{ ref('int_report_quality_pairs') }}
    {{ only_reports_to_build() }}

),

-- the two texts of each pair: this year's (side 1) and the compared report's (side 2)
sides as (

    select pair_no, report_id as document_id, cast(1 as smallint) as side from pairs

    union all

    select pair_no, compared_report_id as document_id, cast(2 as smallint) as side from pairs
    where compared_report_id is not null

),

-- the sections compared, numbered (0 is the report as a whole)
section_numbers as (

    select
        section_key,
        cast(row_number() over (order by section_key) as smallint) as section_no

    from (
        select distinct section_key
        from {{ ref('stg_raw__report_sections') }}
        where section_key <> 'annex'
    ) as section_keys

),

sections as (

    select
        sides.pair_no,
        sides.side,
        section_numbers.section_no,
        replace(report_sections.section_text, chr(10), '') as body

    from {{ ref('stg_raw__report_sections') }} as report_sections
    inner join sides
        on report_sections.report_id = sides.document_id
    inner join section_numbers
        on report_sections.section_key = section_numbers.section_key

),

positions as (

    {{ text_grams('sections', ['pair_no', 'side', 'section_no'], 'body') }}

),

-- each distinct gram of a pair's section, and which sides have it (1, 2 or both: 3)
section_grams as (

    select
        pair_no,
        section_no,
        gram,
        bit_or(side) as sides

    from positions
    group by pair_no, section_no, gram

),

report_grams as (

    select
        pair_no,
        gram,
        bit_or(sides) as sides

    from section_grams
    group by pair_no, gram

),

measured as (

    select
        pair_no,
        section_no,
        sum(case when (sides & 1) = 1 then 1 else 0 end) as gram_count,
        sum(case when sides = 3 then 1 else 0 end) as repeated_gram_count,
        sum(case when (sides & 2) = 2 then 1 else 0 end) as compared_gram_count

    from section_grams
    group by pair_no, section_no

    union all

    select
        pair_no,
        cast(0 as smallint) as section_no,
        sum(case when (sides & 1) = 1 then 1 else 0 end) as gram_count,
        sum(case when sides = 3 then 1 else 0 end) as repeated_gram_count,
        sum(case when (sides & 2) = 2 then 1 else 0 end) as compared_gram_count

    from report_grams
    group by pair_no

),

final as (

    select
        cast(pairs.report_id as varchar) as report_id,
        cast(coalesce(section_numbers.section_key, '_report') as varchar) as section_key,
        cast(pairs.compared_report_id as varchar) as compared_report_id,
        cast(measured.gram_count as integer) as gram_count,
        cast(case when measured.compared_gram_count > 0 then measured.repeated_gram_count end as integer)
            as repeated_gram_count,
        cast(case when measured.compared_gram_count > 0
            then cast(measured.repeated_gram_count as double precision) / measured.gram_count end
            as double precision) as repetition,
        cast(reports_to_build.report_version as varchar) as report_version

    from measured
    inner join pairs
        on measured.pair_no = pairs.pair_no
    inner join reports_to_build
        on pairs.report_id = reports_to_build.report_id
    left join section_numbers
        on measured.section_no = section_numbers.section_no
    where measured.gram_count > 0

)

select * from final
