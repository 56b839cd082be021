{#- One row per agency: a body followed across years whatever its reports call it. The
    identity rules are in int_agency_names_resolved (and the README). -#}

with

agencies as (

    select * from {{ ref('int_agencies') }}

),

-- a department's own government: the government whose place is the department's region
-- (澜川市云溪区市场监督管理局 → 澜川市云溪区人民政府), when the mart has it
governments as (

    select
        agency_key,
        agency_identity

    from agencies
    where level in ('province', 'city', 'county')

),

final as (

    select
        agencies.agency_key,
        agencies.agency,
        agencies.agency_identity,
        agencies.names_seen,
        cast(agencies.name_count as bigint) as name_count,
        agencies.level,
        agencies.region,
        agencies.region_level,
        cast(
            case when agencies.level = 'department' then governments.agency_key end as varchar
        ) as parent_agency_key,
        agencies.first_year,
        agencies.last_year,
        cast(agencies.year_count as bigint) as year_count,
        cast(agencies.report_count as bigint) as report_count,
        agencies.identity_rules,
        agencies.is_overridden

    from agencies
    left join governments
        on agencies.region = governments.agency_identity
        and agencies.agency_key <> governments.agency_key

)

select * from final
