{#-
    The rules of docs/metrics.md that one report must satisfy on its own: one row per
    report, rule and checked group of cells (column_key), with both sides. A side is null when
    one of its cells is missing or blank: the mart reports that as not_assessable.

      R1  table 三, each column: new_received + carried_over = processed_total + carried_forward
      R2  table 三, each column: processed_total = granted + partially_granted + Σwithheld
          + Σunavailable + Σnot_processed + other (the single （六） row, or its three sub-rows)
      R3  table 三, each row: total = the six applicant columns; with a 小计 column,
          total = natural_person + legal_person_subtotal (column_key <row>) and
          legal_person_subtotal = the five (column_key <row>.legal_person_subtotal)
      R4  table 四, each block: upheld + corrected + other + pending = total
      R9  every cell, per table: the number of cells outside their domain is 0 (counts whole and
          non-negative, signed counts such as 本年增/减 whole, money non-negative)
      R8  a figure stated in the prose = the table's (national-table reports: the legacy.* prose
          figures against their table cells; free-form reports: the disagreements the parser
          recorded as r8_prose_differs issues, since it keeps only the annex value)
      R10 free-form annex: total = website + gazette; total = Σ channels; total = Σ reply types
          (each for the year and for the 历年累计 column)
-#}

{{ report_keyed_incremental('int_reports_identified') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_reports_identified')) }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}
    {{ only_reports_to_build() }}

),

metric_values as (

    select * from {{ ref('int_metric_values_current') }}
    {{ only_reports_to_build() }}

),

parse_issues as (

    select * from {{ ref('stg_raw__parse_issues') }}
    {{ only_reports_to_build() }}

),

metric_keys as (

    select * from {{ ref('metric_keys') }}

),

{{ table_three_ctes() }},

-- every row needed by R1 and R2, per report and column
table_three_by_column as (

    select
        report_columns.report_id,
        report_columns.column_key,
        max(case when cells.row_key = 'new_received' then cells.value end) as new_received,
        max(case when cells.row_key = 'carried_over' then cells.value end) as carried_over,
        max(case when cells.row_key = 'granted' then cells.value end) as granted,
        max(case when cells.row_key = 'partially_granted' then cells.value end) as partially_granted,
        case
            when count(case when cells.row_key like 'withheld.%' and cells.value is not null then 1 end) = 8
                then sum(case when cells.row_key like 'withheld.%' then cells.value end)
        end as withheld,
        case
            when count(case when cells.row_key like 'unavailable.%' and cells.value is not null then 1 end) = 3
                then sum(case when cells.row_key like 'unavailable.%' then cells.value end)
        end as unavailable,
        case
            when count(case when cells.row_key like 'not_processed.%' and cells.value is not null then 1 end) = 5
                then sum(case when cells.row_key like 'not_processed.%' then cells.value end)
        end as not_processed,
        max(case when cells.row_key = 'other' then cells.value end) as other_single_row,
        case
            when count(case when cells.row_key like 'other.%' and cells.value is not null then 1 end) = 3
                then sum(case when cells.row_key like 'other.%' then cells.value end)
        end as other_sub_rows,
        max(case when cells.row_key = 'processed_total' then cells.value end) as processed_total,
        max(case when cells.row_key = 'carried_forward' then cells.value end) as carried_forward

    from table_three_report_columns as report_columns
    left join table_three_cells as cells
        on report_columns.report_id = cells.report_id
        and report_columns.column_key = cells.column_key
    group by report_columns.report_id, report_columns.column_key

),

-- the 2019 layout has one （六）其他处理 row, the 2021 layout three; some 2021-layout reports
-- keep the single row. Whichever the report prints is the one R2 adds.
reports_with_single_other_row as (

    select distinct report_id
    from table_three_cells
    where row_key = 'other'

),

rule_r1 as (

    select
        report_id,
        'R1' as rule_id,
        column_key,
        new_received + carried_over as lhs,
        processed_total + carried_forward as rhs,
        '本年新收 + 上年结转 (apps.new_received.' || column_key
            || ' + apps.carried_over.' || column_key || ')' as lhs_description,
        '办理总计 + 结转下年 (apps.processed_total.' || column_key
            || ' + apps.carried_forward.' || column_key || ')' as rhs_description

    from table_three_by_column

),

rule_r2 as (

    select
        by_column.report_id,
        'R2' as rule_id,
        by_column.column_key,
        by_column.processed_total as lhs,
        by_column.granted + by_column.partially_granted + by_column.withheld + by_column.unavailable
            + by_column.not_processed
            + case
                when single_other.report_id is not null then by_column.other_single_row
                else by_column.other_sub_rows
            end as rhs,
        '办理结果总计 (apps.processed_total.' || by_column.column_key || ')' as lhs_description,
        '予以公开 + 部分公开 + 不予公开 (8 rows) + 无法提供 (3) + 不予处理 (5) + 其他处理 ('
            || case when single_other.report_id is not null then 'apps.other' else 'apps.other.* (3 rows)' end
            || '), column ' || by_column.column_key as rhs_description

    from table_three_by_column as by_column
    left join reports_with_single_other_row as single_other
        on by_column.report_id = single_other.report_id

),

table_three_by_row as (

    select
        cells.report_id,
        cells.row_key,
        max(case when cells.column_key = 'natural_person' then cells.value end) as natural_person,
        max(case when cells.column_key = 'commercial' then cells.value end) as commercial,
        max(case when cells.column_key = 'research' then cells.value end) as research,
        max(case when cells.column_key = 'social_welfare' then cells.value end) as social_welfare,
        max(case when cells.column_key = 'legal_services' then cells.value end) as legal_services,
        max(case when cells.column_key = 'other_org' then cells.value end) as other_org,
        max(case when cells.column_key = 'legal_person_subtotal' then cells.value end) as legal_person_subtotal,
        max(case when cells.column_key = 'total' then cells.value end) as total,
        reports_with_table_three.has_subtotal

    from table_three_cells as cells
    inner join reports_with_table_three
        on cells.report_id = reports_with_table_three.report_id
    group by cells.report_id, cells.row_key, reports_with_table_three.has_subtotal

),

rule_r3 as (

    select
        report_id,
        'R3' as rule_id,
        row_key as column_key,
        total as lhs,
        case
            when has_subtotal then natural_person + legal_person_subtotal
            else natural_person + commercial + research + social_welfare + legal_services + other_org
        end as rhs,
        '总计 (apps.' || row_key || '.total)' as lhs_description,
        case
            when has_subtotal then '自然人 + 法人或其他组织小计 (apps.' || row_key || '.natural_person + .legal_person_subtotal)'
            else '自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他 (apps.' || row_key || '.*)'
        end as rhs_description

    from table_three_by_row

    union all

    select
        report_id,
        'R3' as rule_id,
        row_key || '.legal_person_subtotal' as column_key,
        legal_person_subtotal as lhs,
        commercial + research + social_welfare + legal_services + other_org as rhs,
        '法人或其他组织小计 (apps.' || row_key || '.legal_person_subtotal)' as lhs_description,
        '商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他 (apps.' || row_key || '.*)' as rhs_description

    from table_three_by_row
    where has_subtotal

),

table_four_cells as (

    select
        report_id,
        substr(metric_key, 1, length(metric_key) - length(reverse(split_part(reverse(metric_key), '.', 1))) - 1)
            as block_key,
        reverse(split_part(reverse(metric_key), '.', 1)) as column_key,
        value

    from metric_values
    where metric_key like 'review.%'
        or metric_key like 'litigation.%'

),

rule_r4 as (

    select
        report_id,
        'R4' as rule_id,
        block_key as column_key,
        max(case when column_key = 'upheld' then value end)
            + max(case when column_key = 'corrected' then value end)
            + max(case when column_key = 'other' then value end)
            + max(case when column_key = 'pending' then value end) as lhs,
        max(case when column_key = 'total' then value end) as rhs,
        '结果维持 + 结果纠正 + 其他结果 + 尚未审结 (' || block_key || '.upheld + .corrected + .other + .pending)'
            as lhs_description,
        '总计 (' || block_key || '.total)' as rhs_description

    from table_four_cells
    group by report_id, block_key

),

-- R8, national-table reports: each prose figure against the table cells that state the same
reports_with_national_tables as (

    select distinct report_id
    from metric_values
    where value_source = 'table'
        and (metric_key like 'apps.%' or metric_key like 'review.%' or metric_key like 'litigation.%')

),

r8_pairs as (

    {%- set r8_pairs = [
        ('apps', 'legacy.apps.total', ['apps.new_received.total'], '本年新收 (apps.new_received.total)'),
        ('replies', 'legacy.replies.total', ['apps.processed_total.total'], '办理结果总计 (apps.processed_total.total)'),
        ('review', 'legacy.review.total', ['review.total'], '行政复议总计 (review.total)'),
        ('litigation', 'legacy.litigation.total', ['litigation.direct.total', 'litigation.after_review.total'],
            '行政诉讼总计 (litigation.direct.total + litigation.after_review.total)'),
    ] %}
    {% for column_key, prose_key, table_keys, table_description in r8_pairs %}
    {% for table_key in table_keys %}
    select
        '{{ column_key }}' as column_key,
        '{{ prose_key }}' as prose_key,
        '{{ table_key }}' as table_key,
        {{ table_keys | length }} as table_key_count,
        '{{ table_description }}' as table_description
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

r8_prose as (

    select
        metric_values.report_id,
        r8_pairs.column_key,
        max(metric_values.value) as prose_value,
        min(r8_pairs.table_description) as table_description,
        min(r8_pairs.table_key_count) as table_key_count

    from metric_values
    inner join reports_with_national_tables
        on metric_values.report_id = reports_with_national_tables.report_id
    inner join r8_pairs
        on metric_values.metric_key = r8_pairs.prose_key
    where metric_values.value_source = 'prose'
    group by metric_values.report_id, r8_pairs.column_key

),

r8_table as (

    select
        metric_values.report_id,
        r8_pairs.column_key,
        count(metric_values.value) as table_values_found,
        sum(metric_values.value) as table_value

    from metric_values
    inner join r8_pairs
        on metric_values.metric_key = r8_pairs.table_key
    where metric_values.value_source = 'table'
    group by metric_values.report_id, r8_pairs.column_key

),

rule_r8_tables as (

    select
        r8_prose.report_id,
        'R8' as rule_id,
        r8_prose.column_key,
        r8_prose.prose_value as lhs,
        case
            when r8_table.table_values_found = r8_prose.table_key_count then r8_table.table_value
        end as rhs,
        'stated in the prose (legacy.' || r8_prose.column_key || '.total, method prose)' as lhs_description,
        r8_prose.table_description as rhs_description

    from r8_prose
    left join r8_table
        on r8_prose.report_id = r8_table.report_id
        and r8_prose.column_key = r8_table.column_key

),

-- R8, free-form reports: 「R8: legacy.active.total: the 附表 give 72804 …, the prose says 4970 …」
r8_issues as (

    select
        parse_issues.report_id,
        parse_issues.seq,
        {{ regexp_first_group('parse_issues.message', 'R8: legacy[.]([a-z_.]+):') }} as issue_key,
        {{ regexp_first_group('parse_issues.message', 'give (-?[0-9]+([.][0-9]+)?)') }} as annex_text,
        {{ regexp_first_group('parse_issues.message', 'prose says (-?[0-9]+([.][0-9]+)?)') }} as prose_text

    from parse_issues
    inner join reports
        on parse_issues.report_id = reports.report_id
    where parse_issues.code = 'r8_prose_differs'

),

r8_issues_keyed as (

    select
        report_id,
        case when issue_key like '%.total' then left(issue_key, length(issue_key) - 6) else issue_key end
            as column_key,
        issue_key,
        cast(prose_text as double precision) as prose_value,
        cast(annex_text as double precision) as annex_value,
        row_number() over (partition by report_id, issue_key order by seq) as issue_rank

    from r8_issues
    where issue_key is not null

),

rule_r8_issues as (

    select
        r8_issues_keyed.report_id,
        'R8' as rule_id,
        r8_issues_keyed.column_key,
        r8_issues_keyed.prose_value as lhs,
        r8_issues_keyed.annex_value as rhs,
        'stated in the prose (legacy.' || r8_issues_keyed.issue_key || ', from the parser''s r8_prose_differs issue)'
            as lhs_description,
        '附表 (legacy.' || r8_issues_keyed.issue_key || ', the value kept)' as rhs_description

    from r8_issues_keyed
    left join rule_r8_tables
        on r8_issues_keyed.report_id = rule_r8_tables.report_id
        and r8_issues_keyed.column_key = rule_r8_tables.column_key
    where r8_issues_keyed.issue_rank = 1
        and rule_r8_tables.report_id is null

),

-- R10: each annex total against its parts (the parts the annex prints: channels vary)
r10_checks as (

    {%- set r10_checks = [
        ('active', 'legacy.active.total', ['legacy.active.website', 'legacy.active.gazette'],
            '政府网站 + 政府公报'),
        ('apps', 'legacy.apps.total', ['legacy.apps.in_person', 'legacy.apps.online', 'legacy.apps.letter_fax',
            'legacy.apps.letter', 'legacy.apps.fax', 'legacy.apps.email', 'legacy.apps.other_channel'],
            'Σ 申请渠道 (当面, 网上, 信函/传真, 电子邮件, 其他)'),
        ('replies', 'legacy.replies.total', ['legacy.replies.granted', 'legacy.replies.partially_granted',
            'legacy.replies.denied', 'legacy.replies.other'],
            'Σ 答复类型 (同意公开, 部分公开, 不予公开, 其他)'),
    ] %}
    {%- set ns = namespace(first=true) %}
    {% for column_key, total_key, part_keys, parts_description in r10_checks %}
    {% for suffix in ['', '.cumulative'] %}
    {% for metric_key in [total_key] + part_keys %}
    {% if not ns.first %}union all{% endif %}{% set ns.first = false %}
    select
        '{{ column_key }}{{ suffix }}' as column_key,
        '{{ metric_key }}{{ suffix }}' as metric_key,
        '{{ "total" if metric_key == total_key else "part" }}' as role,
        '{{ total_key }}{{ suffix }}' as total_key,
        '{{ parts_description }}{{ " (历年累计)" if suffix else "" }}' as parts_description
    {% endfor %}
    {% endfor %}
    {% endfor %}

),

r10_cells as (

    select
        metric_values.report_id,
        r10_checks.column_key,
        r10_checks.role,
        r10_checks.total_key,
        r10_checks.parts_description,
        metric_values.value

    from metric_values
    inner join r10_checks
        on metric_values.metric_key = r10_checks.metric_key
    where metric_values.value_source = 'annex'

),

rule_r10 as (

    select
        report_id,
        'R10' as rule_id,
        column_key,
        max(case when role = 'total' then value end) as lhs,
        -- the parts printed, when there is at least one and none is blank
        case
            when count(case when role = 'part' then 1 end) > 0
                and count(case when role = 'part' and value is null then 1 end) = 0
                then sum(case when role = 'part' then value end)
        end as rhs,
        min(total_key) as lhs_description,
        min(parts_description) as rhs_description

    from r10_cells
    group by report_id, column_key
    having count(case when role = 'total' then 1 end) > 0

),

rule_r9 as (

    select
        metric_values.report_id,
        'R9' as rule_id,
        metric_keys.table_name as column_key,
        count(
            case
                when metric_keys.unit = 'count' and (metric_values.value < 0
                    or metric_values.value <> floor(metric_values.value)) then 1
                when metric_keys.unit = 'signed count' and metric_values.value <> floor(metric_values.value) then 1
                when metric_keys.unit in ('万元', '元') and metric_values.value < 0 then 1
            end
        ) as lhs,
        0 as rhs,
        'cells outside their domain (' || metric_keys.table_name || ')' as lhs_description,
        'none' as rhs_description

    from metric_values
    inner join metric_keys
        on metric_values.metric_key = metric_keys.metric_key
    where metric_values.value is not null
        and metric_values.value_source != 'prose'
    group by metric_values.report_id, metric_keys.table_name

),

rule_rows as (

    select * from rule_r1
    union all
    select * from rule_r2
    union all
    select * from rule_r3
    union all
    select * from rule_r4
    union all
    select * from rule_r8_tables
    union all
    select * from rule_r8_issues
    union all
    select * from rule_r9
    union all
    select * from rule_r10

),

-- A rule the parser used to split digits that ran together cannot certify what it read: for that
-- report its rows are not assessable (docs/degraded-text.md). The parser says which rules in its
-- rules_used_to_read issues: 「… (used_rules=R2,R3,R4) …」.
rules_used_to_read as (

    select
        report_id,
        ',' || string_agg({{ regexp_first_group('message', 'used_rules=([A-Z0-9,]+)') }}, ',') || ',' as used_rules

    from parse_issues
    where code = 'rules_used_to_read'
    group by report_id

),

final as (

    select
        rule_rows.report_id,
        rule_rows.rule_id,
        rule_rows.column_key,
        case when used.used_rules like '%,' || rule_rows.rule_id || ',%' then null
            else cast(rule_rows.lhs as double precision) end as lhs,
        case when used.used_rules like '%,' || rule_rows.rule_id || ',%' then null
            else cast(rule_rows.rhs as double precision) end as rhs,
        case when used.used_rules like '%,' || rule_rows.rule_id || ',%'
            then 'not assessable (used to read the table): ' || rule_rows.lhs_description
            else rule_rows.lhs_description end as lhs_description,
        rule_rows.rhs_description,
        reports_to_build.report_version

    from rule_rows
    inner join reports_to_build
        on rule_rows.report_id = reports_to_build.report_id
    left join rules_used_to_read as used
        on rule_rows.report_id = used.report_id

)

select * from final
