{#- One row per agency: a body followed across years whatever its reports call it. The
    identity rules are in int_agency_names_resolved (and the README). -#}

with

agencies as (

    select * from {{ ref('int_agencies') }}

),

final as (

    select
        agency_key,
        agency,
        agency_identity,
        names_seen,
        name_count,
        level,
        region,
        region_level,
        first_year,
        last_year,
        year_count,
        report_count,
        identity_rules,
        is_overridden

    from agencies

)

select * from final
