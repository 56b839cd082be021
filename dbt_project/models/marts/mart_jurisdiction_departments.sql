{#-
    A government beside its own departments, per year and harmonised indicator: the
    government's figure and the sum of its departments' figures, side by side, with how many
    departments are present. Informational: a jurisdiction report (全市共受理…) already counts
    its departments, so the two columns are never added together here or anywhere.
    Small (governments with departments × years × 25 indicators): a plain table, rebuilt whole.
-#}

with

agencies as (

    select * from {{ ref('dim_agency') }}

),

-- the report chosen for each agency-year, as in mart_agency_year (read from its inputs: that
-- mart's list column has no fixture type PostgreSQL accepts in the unit tests)
chosen_reports as (

    select * from {{ ref('int_agency_years') }}

),

reports as (

    select * from {{ ref('int_reports_identified') }}

),

agency_years as (

    select
        chosen_reports.agency_key,
        chosen_reports.year,
        chosen_reports.report_id,
        reports.report_scope

    from chosen_reports
    inner join reports
        on chosen_reports.report_id = reports.report_id

),

indicators as (

    select * from {{ ref('fct_harmonised_indicators') }}

),

-- every government the mart knows at least one department of
jurisdictions as (

    select
        parent_agency_key as jurisdiction_agency_key,
        count(*) as departments_known

    from agencies
    where parent_agency_key is not null
    group by parent_agency_key

),

government_reports as (

    select
        agency_years.agency_key as jurisdiction_agency_key,
        agency_years.year,
        agency_years.report_id,
        agency_years.report_scope

    from agency_years
    inner join jurisdictions
        on agency_years.agency_key = jurisdictions.jurisdiction_agency_key

),

department_reports as (

    select
        agencies.parent_agency_key as jurisdiction_agency_key,
        agency_years.year,
        agency_years.agency_key,
        agency_years.report_id

    from agency_years
    inner join agencies
        on agency_years.agency_key = agencies.agency_key
    where agencies.parent_agency_key is not null

),

department_counts as (

    select
        jurisdiction_agency_key,
        year,
        count(distinct agency_key) as departments_present

    from department_reports
    group by jurisdiction_agency_key, year

),

department_sums as (

    select
        department_reports.jurisdiction_agency_key,
        department_reports.year,
        indicators.indicator,
        count(*) as departments_with_value,
        sum(indicators.value) as departments_sum,
        bool_or(indicators.is_approximate) as departments_sum_is_approximate

    from department_reports
    inner join indicators
        on department_reports.report_id = indicators.report_id
    where indicators.value is not null
    group by department_reports.jurisdiction_agency_key, department_reports.year, indicators.indicator

),

-- a year counts when the government or any of its departments reported
jurisdiction_years as (

    select jurisdiction_agency_key, year from government_reports
    union
    select jurisdiction_agency_key, year from department_reports

),

indicator_list as (

    {% for indicator in harmonised_indicators() %}
    select
        cast('{{ indicator }}' as varchar) as indicator,
        {{ loop.index }} as indicator_order
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        cast(jurisdiction_years.jurisdiction_agency_key as varchar) as jurisdiction_agency_key,
        cast(governments.agency as varchar) as jurisdiction_agency,
        cast(jurisdiction_years.year as integer) as year,
        cast(indicator_list.indicator as varchar) as indicator,
        cast(indicator_list.indicator_order as integer) as indicator_order,
        cast({{ indicator_unit('indicator_list.indicator') }} as varchar) as unit,
        cast(government_reports.report_id as varchar) as jurisdiction_report_id,
        cast(government_reports.report_scope as varchar) as jurisdiction_report_scope,
        cast(government_values.value as decimal(38, 6)) as jurisdiction_value,
        cast(government_values.is_approximate as boolean) as jurisdiction_value_is_approximate,
        cast(jurisdictions.departments_known as bigint) as departments_known,
        cast(coalesce(department_counts.departments_present, 0) as bigint) as departments_present,
        cast(coalesce(department_sums.departments_with_value, 0) as bigint) as departments_with_value,
        cast(department_sums.departments_sum as decimal(38, 6)) as departments_sum,
        cast(department_sums.departments_sum_is_approximate as boolean) as departments_sum_is_approximate

    from jurisdiction_years
    cross join indicator_list
    inner join jurisdictions
        on jurisdiction_years.jurisdiction_agency_key = jurisdictions.jurisdiction_agency_key
    inner join agencies as governments
        on jurisdiction_years.jurisdiction_agency_key = governments.agency_key
    left join government_reports
        on jurisdiction_years.jurisdiction_agency_key = government_reports.jurisdiction_agency_key
        and jurisdiction_years.year = government_reports.year
    left join indicators as government_values
        on government_reports.report_id = government_values.report_id
        and indicator_list.indicator = government_values.indicator
    left join department_counts
        on jurisdiction_years.jurisdiction_agency_key = department_counts.jurisdiction_agency_key
        and jurisdiction_years.year = department_counts.year
    left join department_sums
        on jurisdiction_years.jurisdiction_agency_key = department_sums.jurisdiction_agency_key
        and jurisdiction_years.year = department_sums.year
        and indicator_list.indicator = department_sums.indicator
    -- an indicator neither side gives says nothing
    where government_values.value is not null
        or department_sums.departments_with_value > 0

)

select * from final
