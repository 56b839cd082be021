{{ config(severity='warn', meta={"dagster": {"ref": {"name": "mart_agency_year"}}}) }}

-- Warns where an agency has more than one current report for a year: a corrected reissue, a
-- mirror under another name, or two bodies that the identity rules joined. mart_agency_year
-- keeps one (the latest published); check dim_agency.names_seen, and add a 'separate' row to
-- seeds/agency_overrides.csv if two bodies were joined.
-- It reads mart_agency_year itself (its report_count), the model its Dagster check is attached
-- to: a test that only read int_agency_years ran as an unattached observation, and dagster-dbt
-- warned about it on every run.

with

agency_years as (

    select * from {{ ref('mart_agency_year') }}

),

final as (

    select
        agency_key,
        year,
        report_count

    from agency_years
    where report_count > 1

)

select * from final
