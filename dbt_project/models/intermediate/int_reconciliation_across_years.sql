{#-
    The rules of docs/metrics.md that compare a report with the same agency's report
    of the year before (same agency_key, year Y and Y−1; the Y−1 report is the one
    int_agency_years chose for that year). One row per report, rule and checked group of
    cells, recorded on the later year. When there is no report for Y−1, or it lacks the cells
    (another layout), the side that needs it is null: not_assessable.

      R5  table 三, each column: carried_over(Y) = carried_forward(Y−1)
      R6  2021 table 二 (一), rules and normative_docs: in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y)
      R7  2019 table 二 (五)(六)(八): prev_items(Y) = prev_items(Y−1) + item_change(Y−1)
      R11 free-form annex, each row with a 历年累计 column: cumulative(Y) = cumulative(Y−1) + year(Y)

    A rule used to read either report of the pair (the rules across years settle digits that ran
    together: a rules_used_to_read issue, used_rules=R6) cannot certify it: both sides null,
    "not assessable (used to read the table)" (docs/degraded-text.md).
-#}

{{ report_keyed_incremental('int_report_pairs', 'reconciliation_version') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_report_pairs'), 'reconciliation_version') }}

),

-- each report to build with the report of its agency's previous year (null when there is none)
report_pairs as (

    select
        pairs.report_id,
        pairs.previous_report_id,
        reports_to_build.report_version

    from {{ ref('int_report_pairs') }} as pairs
    inner join reports_to_build
        on pairs.report_id = reports_to_build.report_id

),

-- the figures of both reports of each pair
metric_values as (

    select * from {{ ref('int_metric_values_current') }}
    {% if is_incremental() -%}
    where report_id in (select report_id from report_pairs)
        or report_id in (select previous_report_id from report_pairs)
    {%- endif %}

),

{{ table_three_ctes() }},

rule_r5 as (

    select
        report_columns.report_id,
        'R5' as rule_id,
        report_columns.column_key,
        current_cells.value as lhs,
        previous_cells.value as rhs,
        '上年结转 (apps.carried_over.' || report_columns.column_key || ')' as lhs_description,
        '结转下年度 of the previous year''s report (apps.carried_forward.' || report_columns.column_key || ')'
            as rhs_description,
        report_pairs.previous_report_id

    from table_three_report_columns as report_columns
    inner join report_pairs
        on report_columns.report_id = report_pairs.report_id
    left join table_three_cells as current_cells
        on report_columns.report_id = current_cells.report_id
        and report_columns.column_key = current_cells.column_key
        and current_cells.row_key = 'carried_over'
    left join table_three_cells as previous_cells
        on report_pairs.previous_report_id = previous_cells.report_id
        and report_columns.column_key = previous_cells.column_key
        and previous_cells.row_key = 'carried_forward'

),

-- table 二 cells: active.<row>.<column>
table_two_cells as (

    select
        report_id,
        substr(
            metric_key,
            8,
            length(metric_key) - 7 - length(reverse(split_part(reverse(metric_key), '.', 1))) - 1
        ) as row_key,
        reverse(split_part(reverse(metric_key), '.', 1)) as column_key,
        value

    from metric_values
    where metric_key like 'active.%'

),

table_two_by_row as (

    select
        report_id,
        row_key,
        max(case when column_key = 'issued' then value end) as issued,
        max(case when column_key = 'repealed' then value end) as repealed,
        max(case when column_key = 'in_force' then value end) as in_force,
        max(case when column_key = 'prev_items' then value end) as prev_items,
        max(case when column_key = 'item_change' then value end) as item_change,
        max(case when column_key in ('issued', 'repealed', 'in_force') then 1 else 0 end) = 1 as has_2021_columns,
        max(case when column_key = 'prev_items' then 1 else 0 end) = 1 as has_prev_items

    from table_two_cells
    group by report_id, row_key

),

rule_r6 as (

    select
        current_year.report_id,
        'R6' as rule_id,
        current_year.row_key as column_key,
        current_year.in_force as lhs,
        previous_year.in_force + current_year.issued - current_year.repealed as rhs,
        '现行有效件数 (active.' || current_year.row_key || '.in_force)' as lhs_description,
        'previous year''s 现行有效件数 + 本年制发 − 本年废止 (active.' || current_year.row_key
            || '.in_force of Y−1 + .issued − .repealed)' as rhs_description,
        report_pairs.previous_report_id

    from table_two_by_row as current_year
    inner join report_pairs
        on current_year.report_id = report_pairs.report_id
    left join table_two_by_row as previous_year
        on report_pairs.previous_report_id = previous_year.report_id
        and current_year.row_key = previous_year.row_key
    where current_year.has_2021_columns
        and current_year.row_key in ('rules', 'normative_docs')

),

rule_r7 as (

    select
        current_year.report_id,
        'R7' as rule_id,
        current_year.row_key as column_key,
        current_year.prev_items as lhs,
        previous_year.prev_items + previous_year.item_change as rhs,
        '上一年项目数量 (active.' || current_year.row_key || '.prev_items)' as lhs_description,
        'previous year''s 上一年项目数量 + 本年增/减 (active.' || current_year.row_key
            || '.prev_items + .item_change of Y−1)' as rhs_description,
        report_pairs.previous_report_id

    from table_two_by_row as current_year
    inner join report_pairs
        on current_year.report_id = report_pairs.report_id
    left join table_two_by_row as previous_year
        on report_pairs.previous_report_id = previous_year.report_id
        and current_year.row_key = previous_year.row_key
    where current_year.has_prev_items

),

-- free-form annex rows: legacy.<row> (the year) and legacy.<row>.cumulative (历年累计)
annex_cells as (

    select
        report_id,
        case
            when metric_key like '%.cumulative' then substr(metric_key, 8, length(metric_key) - 7 - 11)
            else substr(metric_key, 8)
        end as row_key,
        metric_key like '%.cumulative' as is_cumulative,
        value

    from metric_values
    where metric_key like 'legacy.%'
        and value_source = 'annex'

),

annex_by_row as (

    select
        report_id,
        row_key,
        max(case when not is_cumulative then value end) as year_value,
        max(case when is_cumulative then value end) as cumulative_value,
        max(case when is_cumulative then 1 else 0 end) = 1 as has_cumulative

    from annex_cells
    group by report_id, row_key

),

rule_r11 as (

    select
        current_year.report_id,
        'R11' as rule_id,
        current_year.row_key as column_key,
        current_year.cumulative_value as lhs,
        previous_year.cumulative_value + current_year.year_value as rhs,
        '历年累计 (legacy.' || current_year.row_key || '.cumulative)' as lhs_description,
        'previous year''s 历年累计 + 本年度 (legacy.' || current_year.row_key || '.cumulative of Y−1 + legacy.'
            || current_year.row_key || ')' as rhs_description,
        report_pairs.previous_report_id

    from annex_by_row as current_year
    inner join report_pairs
        on current_year.report_id = report_pairs.report_id
    left join annex_by_row as previous_year
        on report_pairs.previous_report_id = previous_year.report_id
        and current_year.row_key = previous_year.row_key
    where current_year.has_cumulative

),

-- the rules each report's digits were split with: 「… (used_rules=R6) …」
rules_used_to_read as (

    select
        report_id,
        ',' || string_agg({{ regexp_first_group('message', 'used_rules=([A-Z0-9,]+)') }}, ',') || ',' as used_rules

    from {{ ref('stg_raw__parse_issues') }}
    where code = 'rules_used_to_read'
        and (report_id in (select report_id from report_pairs)
            or report_id in (select previous_report_id from report_pairs))
    group by report_id

),

rule_rows as (

    select * from rule_r5
    union all
    select * from rule_r6
    union all
    select * from rule_r7
    union all
    select * from rule_r11

),

final as (

    select
        rule_rows.report_id,
        rule_rows.rule_id,
        rule_rows.column_key,
        case when used_here.used_rules like '%,' || rule_rows.rule_id || ',%'
                or used_before.used_rules like '%,' || rule_rows.rule_id || ',%' then null
            else cast(rule_rows.lhs as double precision) end as lhs,
        case when used_here.used_rules like '%,' || rule_rows.rule_id || ',%'
                or used_before.used_rules like '%,' || rule_rows.rule_id || ',%' then null
            else cast(rule_rows.rhs as double precision) end as rhs,
        case when used_here.used_rules like '%,' || rule_rows.rule_id || ',%'
                or used_before.used_rules like '%,' || rule_rows.rule_id || ',%'
            then 'not assessable (used to read the table): ' || rule_rows.lhs_description
            else rule_rows.lhs_description end as lhs_description,
        rule_rows.rhs_description,
        rule_rows.previous_report_id as compared_report_id,
        report_pairs.report_version

    from rule_rows
    inner join report_pairs
        on rule_rows.report_id = report_pairs.report_id
    left join rules_used_to_read as used_here
        on rule_rows.report_id = used_here.report_id
    left join rules_used_to_read as used_before
        on rule_rows.previous_report_id = used_before.report_id

)

select * from final
