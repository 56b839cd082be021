{#-
    One row per report, rule and checked group of cells, with both sides of the rule and the
    outcome, so the GX suites and BI read the finding beside the report. The rules are
    computed in int_reconciliation_within_report (R1–R4, R8, R10) and
    int_reconciliation_across_years (R5–R7, R11); severities and scopes come from the macro
    reconciliation_rules().
-#}

{{ report_keyed_incremental('int_report_pairs', 'reconciliation_version') }}

with

reports_to_build as (

    {{ reports_to_build(ref('int_report_pairs'), 'reconciliation_version') }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}
    {{ only_reports_to_build() }}

),

within_report as (

    select * from {{ ref('int_reconciliation_within_report') }}
    {{ only_reports_to_build() }}

),

across_years as (

    select * from {{ ref('int_reconciliation_across_years') }}
    {{ only_reports_to_build() }}

),

rule_rows as (

    select
        report_id,
        rule_id,
        column_key,
        lhs,
        rhs,
        lhs_description,
        rhs_description,
        cast(null as varchar) as compared_report_id,
        false as is_cross_year

    from within_report

    union all

    select
        report_id,
        rule_id,
        column_key,
        lhs,
        rhs,
        lhs_description,
        rhs_description,
        compared_report_id,
        true as is_cross_year

    from across_years

),

rules as (

    {% for rule_id, (severity, rule_scope) in reconciliation_rules().items() %}
    select
        '{{ rule_id }}' as rule_id,
        '{{ severity }}' as severity,
        '{{ rule_scope }}' as rule_scope
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.source_id as varchar) as source_id,
        cast(reports.agency_key as varchar) as agency_key,
        cast(reports.agency as varchar) as agency,
        cast(reports.year as integer) as year,
        cast(reports.template as varchar) as template,
        cast(rule_rows.rule_id as varchar) as rule_id,
        cast(rules.severity as varchar) as severity,
        cast(rules.rule_scope as varchar) as rule_scope,
        cast(rule_rows.column_key as varchar) as column_key,
        cast(rule_rows.lhs as decimal(38, 6)) as lhs,
        cast(rule_rows.rhs as decimal(38, 6)) as rhs,
        cast(rule_rows.lhs_description as varchar) as lhs_description,
        cast(rule_rows.rhs_description as varchar) as rhs_description,
        cast(rule_rows.compared_report_id as varchar) as compared_report_id,
        cast(case when rule_rows.is_cross_year then reports.year - 1 end as integer) as compared_year,
        cast({{ reconciliation_status('rule_rows.lhs', 'rule_rows.rhs') }} as varchar) as status,
        cast(reports_to_build.report_version as varchar) as report_version

    from rule_rows
    inner join reports
        on rule_rows.report_id = reports.report_id
    inner join reports_to_build
        on rule_rows.report_id = reports_to_build.report_id
    inner join rules
        on rule_rows.rule_id = rules.rule_id

)

-- Stored in report order: a report's rows side by side, so its ids repeat within each block and
-- Parquet row group and are stored once by dictionary encoding. In the rules' order, every
-- group held tens of thousands of distinct 64-character ids: at 100,000 reports the Parquet file
-- was 366 MB, not 52, and took 3.4 s to write, not 2.1 (the sort costs about 3 s in a full
-- build, and next to nothing in an incremental one).
select * from final
order by report_id
