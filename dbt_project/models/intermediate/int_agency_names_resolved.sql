{{ config(materialized='table') }}

{#-
    Which agency each name belongs to. One row per name a current report is filed under
    (int_reports_current.agency: the catalogue's name, else the name printed in the report).

    Identity is decided in steps, each on the result of the one before; the rules are in the
    .yml beside this file and in the README:
      0. hand corrections (seed agency_overrides: merge into another name, or keep apart);
      1. normalisation, which never joins two bodies: spaces, brackets and quotes dropped,
         customary short forms expanded (科委, 发改局, 管委会 …), and a government's name reduced to
         its place (澜川市云溪区人民政府 and 澜川市云溪区 are one body);
      2. a government's general office (人民政府办公室, which files the government's report) and
         a zone's administrative committee (管理委员会) join the government of their place, unless
         the two file reports for the same year (then they are two bodies);
      3. a name without its parent areas (洪泽区人民政府) joins the one full name that ends with it
         (淮安市洪泽区人民政府);
      4. a department name one character away from another department of the same place
         (a typo: 保障局 / 保彰局, or a dropped 和) joins the spelling used in more reports.
    Steps 2–4 never join two names that both have a report in one year (a body files one
    report a year), never move a name pinned by a hand correction, and never touch the place
    part of a name: 沭阳县 and 泗阳县 are one character apart and two counties.
-#}

with

reports as (

    select * from {{ ref('int_reports_current') }}

),

overrides as (

    select * from {{ ref('agency_overrides') }}

),

positions as (

    {% for position in range(1, 61) %}
    select {{ position }} as position
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

name_years as (

    select distinct
        agency as name_reported,
        year

    from reports
    where agency is not null

),

name_reports as (

    select
        agency as name_reported,
        count(*) as report_count

    from reports
    where agency is not null
    group by agency

),

-- the names to normalise: those reports use, and the names hand corrections point to
raw_names as (

    select name_reported as raw_name from name_reports
    union
    select canonical_name as raw_name from overrides where canonical_name is not null

),

cleaned as (

    select
        raw_name,
        {{ clean_agency_name('raw_name') }} as name_clean

    from raw_names

),

expanded as (

    select
        raw_name,
        name_clean,
        {{ expand_agency_abbreviations('name_clean') }} as name_expanded

    from cleaned

),

suffixed as (

    select
        raw_name,
        name_clean,
        name_expanded,
        {{ government_suffix_form('name_expanded') }} as suffix_form,
        {{ strip_government_suffix('name_expanded') }} as suffix_base

    from expanded

),

-- a government ending counts only after a place (澜川市云溪区 | 人民政府); a bare place name is
-- its government too
normalised as (

    select
        raw_name,
        name_clean,
        name_expanded,
        case
            when suffix_form is not null
                and {{ agency_region('suffix_base') }} = suffix_base then suffix_form
            when {{ agency_region('name_expanded') }} = name_expanded then 'government'
            else 'department'
        end as name_form,
        case
            when suffix_form is not null
                and {{ agency_region('suffix_base') }} = suffix_base then suffix_base
            else name_expanded
        end as normal_name

    from suffixed

),

override_rows as (

    select
        {{ clean_agency_name('name') }} as override_name_clean,
        action as override_action,
        canonical_name

    from overrides
    where action in ('merge', 'separate')

),

-- step 0 and 1: hand corrections first, then the normalised name
step_overrides as (

    select
        name_reports.name_reported,
        name_reports.report_count,
        normalised.name_clean,
        normalised.name_expanded,
        normalised.name_form,
        normalised.normal_name,
        override_rows.override_action,
        case
            when override_rows.override_action = 'merge' then canonical.normal_name
            when override_rows.override_action = 'separate' then normalised.name_expanded
            else normalised.normal_name
        end as identity_0,
        override_rows.override_action is not null as is_pinned

    from name_reports
    inner join normalised
        on name_reports.name_reported = normalised.raw_name
    left join override_rows
        on normalised.name_clean = override_rows.override_name_clean
    left join normalised as canonical
        on override_rows.canonical_name = canonical.raw_name

),

-- step 2: an office or a zone committee that files in a year when another form of the same
-- place also files is a body of its own
form_years as (

    select distinct
        step_overrides.identity_0,
        step_overrides.name_form,
        name_years.year

    from step_overrides
    inner join name_years
        on step_overrides.name_reported = name_years.name_reported

),

forms_kept_apart as (

    select distinct
        office.identity_0,
        office.name_form

    from form_years as office
    inner join form_years as other_form
        on office.identity_0 = other_form.identity_0
        and office.year = other_form.year
        and office.name_form <> other_form.name_form
    where office.name_form in ('government_office', 'admin_committee')

),

step_forms as (

    select
        step_overrides.*,
        case
            when not step_overrides.is_pinned and forms_kept_apart.identity_0 is not null
                then step_overrides.name_expanded
            else step_overrides.identity_0
        end as identity_1,
        not step_overrides.is_pinned and forms_kept_apart.identity_0 is not null as is_kept_apart

    from step_overrides
    left join forms_kept_apart
        on step_overrides.identity_0 = forms_kept_apart.identity_0
        and step_overrides.name_form = forms_kept_apart.name_form

),

identity_1_years as (

    select distinct
        step_forms.identity_1,
        name_years.year

    from step_forms
    inner join name_years
        on step_forms.name_reported = name_years.name_reported

),

identities_1 as (

    select
        identity_1,
        max(case when is_pinned then 1 else 0 end) = 1 as is_pinned

    from step_forms
    group by identity_1

),

-- step 3: 洪泽区 joins 淮安市洪泽区 when that is the only full name ending with it. The
-- candidates are the ends of each name after one of its place endings whose beginning is a
-- place (淮安市 | 洪泽区), found by position so the join is on equality, not a scan.
name_ends as (

    select
        identities_1.identity_1 as full_identity,
        left(identities_1.identity_1, positions.position - 1) as place_prefix,
        substr(identities_1.identity_1, positions.position) as name_end

    from identities_1
    inner join positions
        on positions.position between 2 and length(identities_1.identity_1)
    where substr(identities_1.identity_1, positions.position - 1, 1) in ('省', '市', '州', '盟', '县', '区', '旗')

),

prefix_pairs as (

    select distinct
        short_name.identity_1 as short_identity,
        name_ends.full_identity

    from identities_1 as short_name
    inner join name_ends
        on short_name.identity_1 = name_ends.name_end
    where not short_name.is_pinned
        and {{ agency_region('short_name.identity_1') }} is not null
        and {{ agency_region('name_ends.place_prefix') }} = name_ends.place_prefix

),

-- pairs that both file in some year are two bodies
prefix_candidates as (

    {{ pairs_never_filing_in_one_year('prefix_pairs', 'short_identity', 'full_identity', 'identity_1_years', 'identity_1') }}

),

prefix_merges as (

    select
        short_identity,
        min(full_identity) as full_identity

    from prefix_candidates
    group by short_identity
    having count(*) = 1

),

step_prefix as (

    select
        step_forms.*,
        coalesce(prefix_merges.full_identity, step_forms.identity_1) as identity_2,
        prefix_merges.full_identity is not null as is_prefix_merged

    from step_forms
    left join prefix_merges
        on step_forms.identity_1 = prefix_merges.short_identity

),

identity_2_years as (

    select distinct
        step_prefix.identity_2,
        name_years.year

    from step_prefix
    inner join name_years
        on step_prefix.name_reported = name_years.name_reported

),

identities_2 as (

    select
        step_prefix.identity_2,
        {{ agency_region('step_prefix.identity_2') }} as region,
        max(case when step_prefix.is_pinned then 1 else 0 end) = 1 as is_pinned,
        sum(step_prefix.report_count) as report_count,
        max(identity_2_years.year) as last_year

    from step_prefix
    left join identity_2_years
        on step_prefix.identity_2 = identity_2_years.identity_2
    group by step_prefix.identity_2

),

departments_2 as (

    select
        *,
        length(identity_2) - length(region) as department_length,
        md5(identity_2) as tie_break

    from identities_2
    where region is not null
        and region <> identity_2

),

-- step 4: one substituted, dropped or added character in the department part of the name
typo_pairs as (

    select
        variant.identity_2 as variant_identity,
        canonical.identity_2 as canonical_identity,
        canonical.report_count as canonical_report_count,
        canonical.last_year as canonical_last_year,
        canonical.tie_break as canonical_tie_break

    from departments_2 as variant
    inner join departments_2 as canonical
        on variant.region = canonical.region
        and variant.identity_2 <> canonical.identity_2
        and abs(length(variant.identity_2) - length(canonical.identity_2)) <= 1
        and least(variant.department_length, canonical.department_length) >= 4
    where not variant.is_pinned
        and length(variant.identity_2) <= 60
        and length(canonical.identity_2) <= 60
        -- the spelling used more (then more recently) is the canonical one
        and (
            canonical.report_count > variant.report_count
            or (canonical.report_count = variant.report_count and canonical.last_year > variant.last_year)
            or (canonical.report_count = variant.report_count and canonical.last_year = variant.last_year
                and canonical.tie_break < variant.tie_break)
        )
        and (
            (
                length(variant.identity_2) = length(canonical.identity_2)
                and (
                    select count(*)
                    from positions
                    where positions.position <= length(variant.identity_2)
                        and substr(variant.identity_2, positions.position, 1)
                            <> substr(canonical.identity_2, positions.position, 1)
                ) = 1
            )
            or exists (
                select 1
                from positions
                where length(variant.identity_2) = length(canonical.identity_2) + 1
                    and positions.position <= length(variant.identity_2)
                    and left(variant.identity_2, positions.position - 1)
                        || substr(variant.identity_2, positions.position + 1) = canonical.identity_2
            )
            or exists (
                select 1
                from positions
                where length(canonical.identity_2) = length(variant.identity_2) + 1
                    and positions.position <= length(canonical.identity_2)
                    and left(canonical.identity_2, positions.position - 1)
                        || substr(canonical.identity_2, positions.position + 1) = variant.identity_2
            )
        )

),

typo_pairs_apart as (

    {{ pairs_never_filing_in_one_year('typo_pairs', 'variant_identity', 'canonical_identity', 'identity_2_years', 'identity_2') }}

),

typo_candidates as (

    select
        variant_identity,
        canonical_identity,
        row_number() over (
            partition by variant_identity
            order by canonical_report_count desc, canonical_last_year desc, canonical_tie_break
        ) as candidate_rank

    from typo_pairs_apart

),

typo_merges as (

    select
        variant_identity,
        canonical_identity

    from typo_candidates
    where candidate_rank = 1

),

step_typos as (

    select
        step_prefix.*,
        -- two hops: a variant of a variant reaches the spelling used most
        coalesce(second_hop.canonical_identity, first_hop.canonical_identity, step_prefix.identity_2)
            as agency_identity,
        first_hop.canonical_identity is not null as is_typo_merged

    from step_prefix
    left join typo_merges as first_hop
        on step_prefix.identity_2 = first_hop.variant_identity
    left join typo_merges as second_hop
        on first_hop.canonical_identity = second_hop.variant_identity

),

final as (

    select
        cast(name_reported as varchar) as name_reported,
        cast(name_clean as varchar) as name_clean,
        cast(name_form as varchar) as name_form,
        cast(normal_name as varchar) as normal_name,
        cast(agency_identity as varchar) as agency_identity,
        cast({{ stable_key('ag_', 'agency_identity') }} as varchar) as agency_key,
        cast(
            case
                when override_action = 'merge' then 'override: merge'
                when override_action = 'separate' then 'override: separate'
                when is_typo_merged then 'one-character variant'
                when is_prefix_merged then 'parent area prefix'
                when is_kept_apart then 'kept apart (same year as the government)'
                when name_form = 'government_office' then 'government office'
                when name_form = 'admin_committee' then 'zone committee'
                when name_clean <> name_reported or name_expanded <> name_clean or normal_name <> name_expanded
                    then 'normalised'
                else 'as reported'
            end as varchar
        ) as identity_rule,
        cast(report_count as integer) as report_count

    from step_typos

)

select * from final
