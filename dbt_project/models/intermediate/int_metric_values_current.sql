{{ report_keyed_incremental('int_reports_identified') }}

{#- Every figure of the current reports, with the report's agency and era and where the value
    comes from: 'table' (the national tables 二/三/四), 'annex' (a free-form report's 附表), or
    'prose' (a figure stated in the text; the parser files those under legacy.* keys, also in
    national-table reports, and never lets one replace a table value). -#}

with

reports_to_build as (

    {{ reports_to_build(ref('int_reports_identified')) }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}
    {{ only_reports_to_build() }}

),

metric_values as (

    select * from {{ ref('stg_raw__metric_values') }}
    {{ only_reports_to_build() }}

),

final as (

    select
        reports.report_id,
        reports.source_id,
        reports.agency_key,
        reports.agency,
        reports.year,
        reports.template,
        reports.era,
        reports.report_scope,
        reports.report_version,
        metric_values.metric_key,
        metric_values.value,
        metric_values.method,
        case
            when metric_values.method = 'prose' then 'prose'
            when metric_values.metric_key like 'legacy.%' then 'annex'
            else 'table'
        end as value_source,
        metric_values.table_name as parser_table_name,
        metric_values.row_label,
        metric_values.column_label,
        metric_values.raw_text,
        metric_values.location,
        metric_values.note

    from metric_values
    inner join reports
        on metric_values.report_id = reports.report_id

)

select * from final
