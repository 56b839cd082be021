{#- One row per agency (a body, whatever names its reports used): its display name, the
    names seen, level and region. The key is made from the normalised identity, so it stays the
    same from run to run while the body's names resolve to the same identity. -#}

with

names as (

    select * from {{ ref('int_agency_names_resolved') }}

),

reports as (

    select * from {{ ref('int_reports_current') }}

),

overrides as (

    select * from {{ ref('agency_overrides') }}

),

name_usage as (

    select
        names.agency_key,
        names.agency_identity,
        names.name_reported,
        names.name_clean,
        names.identity_rule,
        count(*) as report_count,
        min(reports.year) as first_year,
        max(reports.year) as last_year

    from names
    inner join reports
        on names.name_reported = reports.agency
    group by
        names.agency_key,
        names.agency_identity,
        names.name_reported,
        names.name_clean,
        names.identity_rule

),

-- the name shown for the agency: the one most of its reports use, then the most recent
display_names as (

    select
        agency_key,
        name_reported as agency,
        row_number() over (
            partition by agency_key
            order by report_count desc, last_year desc nulls last, md5(name_reported)
        ) as name_rank

    from name_usage

),

agency_reports as (

    select
        names.agency_key,
        min(reports.year) as first_year,
        max(reports.year) as last_year,
        count(distinct reports.year) as year_count,
        count(*) as report_count

    from names
    inner join reports
        on names.name_reported = reports.agency
    group by names.agency_key

),

agency_names as (

    select
        agency_key,
        min(agency_identity) as agency_identity,
        -- in the order the names were first used (md5 only breaks ties, the same on every engine)
        string_agg(name_reported, ' | ' order by first_year nulls last, md5(name_reported)) as names_seen,
        count(*) as name_count,
        nullif(concat_ws(', ',
            max(case when identity_rule = 'override: merge' then 'override: merge' end),
            max(case when identity_rule = 'override: separate' then 'override: separate' end),
            max(case when identity_rule = 'normalised' then 'normalised' end),
            max(case when identity_rule = 'government office' then 'government office' end),
            max(case when identity_rule = 'zone committee' then 'zone committee' end),
            max(case when identity_rule like 'kept apart%' then 'kept apart (same year as the government)' end),
            max(case when identity_rule = 'parent area prefix' then 'parent area prefix' end),
            max(case when identity_rule = 'one-character variant' then 'one-character variant' end)
        ), '') as identity_rules

    from name_usage
    group by agency_key

),

override_attributes as (

    select
        names.agency_key,
        min(overrides.level) as level,
        min(overrides.region) as region

    from overrides
    inner join names
        on {{ clean_agency_name('overrides.name') }} = names.name_clean
        or {{ clean_agency_name('overrides.name') }} = names.agency_identity
    where overrides.level is not null
        or overrides.region is not null
    group by names.agency_key

),

derived as (

    select
        agency_names.*,
        {{ agency_region('agency_names.agency_identity') }} as derived_region

    from agency_names

),

joined as (

    select
        derived.agency_key,
        display_names.agency,
        derived.agency_identity,
        derived.names_seen,
        derived.name_count,
        coalesce(
            override_attributes.level,
            case
                when derived.derived_region = derived.agency_identity
                    then {{ region_level('derived.derived_region') }}
                when derived.derived_region is not null then 'department'
                when derived.agency_identity like '%局' or derived.agency_identity like '%委员会'
                    or derived.agency_identity like '%厅' or derived.agency_identity like '%办公室'
                    or derived.agency_identity like '%中心' or derived.agency_identity like '%署'
                    then 'department'
            end
        ) as level,
        coalesce(override_attributes.region, derived.derived_region) as region,
        -- a government's region is at its own level (a corrected level included)
        case
            when derived.derived_region = derived.agency_identity
                then coalesce(override_attributes.level, {{ region_level('derived.derived_region') }})
            else {{ region_level('coalesce(override_attributes.region, derived.derived_region)') }}
        end as region_level,
        agency_reports.first_year,
        agency_reports.last_year,
        agency_reports.year_count,
        agency_reports.report_count,
        derived.identity_rules,
        (override_attributes.agency_key is not null
            or coalesce(derived.identity_rules, '') like '%override%') as is_overridden

    from derived
    inner join display_names
        on derived.agency_key = display_names.agency_key
        and display_names.name_rank = 1
    inner join agency_reports
        on derived.agency_key = agency_reports.agency_key
    left join override_attributes
        on derived.agency_key = override_attributes.agency_key

),

final as (

    select
        cast(agency_key as varchar) as agency_key,
        cast(agency as varchar) as agency,
        cast(agency_identity as varchar) as agency_identity,
        cast(names_seen as varchar) as names_seen,
        cast(name_count as integer) as name_count,
        cast(level as varchar) as level,
        cast(region as varchar) as region,
        cast(region_level as varchar) as region_level,
        cast(first_year as integer) as first_year,
        cast(last_year as integer) as last_year,
        cast(year_count as integer) as year_count,
        cast(report_count as integer) as report_count,
        cast(identity_rules as varchar) as identity_rules,
        cast(is_overridden as boolean) as is_overridden

    from joined

)

select * from final
