{#-
    How an agency's name is normalised (used by int_agency_names_resolved; documented in its
    .yml and in the README). Each macro is a SQL expression over a name column, the same on
    DuckDB and PostgreSQL.
-#}

{#- Characters that never tell two bodies apart: spaces of every width, brackets, quotes. -#}
{% macro clean_agency_name(name) -%}
    nullif(translate(({{ name }}), ' 　	' || chr(160) || '（）()【】〔〕［］[]“”"‘’·・', ''), '')
{%- endmacro %}

{#- Customary short forms, expanded where they end a name (上海市科委 → 上海市科学技术委员会).
    Only suffixes: the same letters inside a name may mean something else. -#}
{% macro agency_abbreviations() -%}
    {{ return([
        ('管委会', '管理委员会'),
        ('发改委', '发展和改革委员会'),
        ('发改局', '发展和改革局'),
        ('科委', '科学技术委员会'),
        ('人社局', '人力资源和社会保障局'),
        ('卫健委', '卫生健康委员会'),
        ('卫健局', '卫生健康局'),
        ('住建局', '住房和城乡建设局'),
        ('市监局', '市场监督管理局'),
        ('资规局', '自然资源和规划局'),
        ('文旅局', '文化和旅游局'),
        ('应急局', '应急管理局'),
        ('医保局', '医疗保障局'),
        ('城管局', '城市管理局'),
    ]) }}
{%- endmacro %}

{% macro expand_agency_abbreviations(name) -%}
    case
        {%- for short, long in agency_abbreviations() %}
        when ({{ name }}) like '%{{ short }}' then left(({{ name }}), length(({{ name }})) - {{ short | length }}) || '{{ long }}'
        {%- endfor %}
        else ({{ name }})
    end
{%- endmacro %}

{#- The endings that name a government rather than one of its departments, longest first, with
    the form they give: the government itself (人民政府, 政府), its general office, which issues
    the government's report (人民政府办公室 / 办公厅), or the administrative committee of a zone
    (管理委员会, after expansion of 管委会). -#}
{% macro government_suffixes() -%}
    {{ return([
        ('人民政府办公室', 'government_office'),
        ('人民政府办公厅', 'government_office'),
        ('政府办公室', 'government_office'),
        ('政府办公厅', 'government_office'),
        ('政府办', 'government_office'),
        ('管理委员会', 'admin_committee'),
        ('人民政府', 'government'),
        ('政府', 'government'),
    ]) }}
{%- endmacro %}

{% macro government_suffix_form(name) -%}
    case
        {%- for suffix, form in government_suffixes() %}
        when ({{ name }}) like '%{{ suffix }}' then '{{ form }}'
        {%- endfor %}
    end
{%- endmacro %}

{% macro strip_government_suffix(name) -%}
    case
        {%- for suffix, form in government_suffixes() %}
        when ({{ name }}) like '%{{ suffix }}' then left(({{ name }}), length(({{ name }})) - {{ suffix | length }})
        {%- endfor %}
        else ({{ name }})
    end
{%- endmacro %}

{#- The place a name starts with: one or more administrative areas (澜川市云溪区, 内蒙古自治区,
    平潭综合实验区), each ending in 省 / 自治区 / 市 / 州 / 盟 / 地区 / 县 / 区 / 旗. An area after the
    first needs two characters before its ending, so 市场监督管理局 or 城市管理局 are not read as
    areas; a character of a body's name (局 委 办 厅 府) ends the place. 州 may also stand inside a
    place name (福州市, 杭州市): the engines take the longest reading, 福州市 + 鼓楼区. Null when the
    name does not start with a place (国家税务总局…). -#}
{% macro agency_region(name) -%}
    {{ regexp_first_group(name, '^([^省市县区旗盟局委办厅府]{1,10}(省|市|州|盟|县|区|旗)([^省市县区旗盟局委办厅府]{2,10}(省|市|州|盟|县|区|旗))*)') }}
{%- endmacro %}

{#- The level of government of a place (the region of a name): a province (and the four
    municipalities), a city (prefecture level: 市, 州, 盟, 地区), or a county (县, 旗, districts 区, and
    county-level cities below a prefecture). -#}
{% macro region_level(region) -%}
    case
        when ({{ region }}) is null then null
        when ({{ region }}) in ('北京市', '上海市', '天津市', '重庆市') then 'province'
        when ({{ region }}) like '%自治区' and ({{ region }}) not like '%市%' and ({{ region }}) not like '%州%' then 'province'
        when ({{ region }}) like '%省' then 'province'
        when ({{ region }}) like '%县' or ({{ region }}) like '%旗' then 'county'
        when ({{ region }}) like '%地区' or ({{ region }}) like '%州' or ({{ region }}) like '%盟' then 'city'
        when ({{ region }}) like '%区' then 'county'
        when ({{ region }}) like '%市_%市' or ({{ region }}) like '%州_%市' or ({{ region }}) like '%盟_%市'
            or ({{ region }}) like '%地区_%市' then 'county'
        when ({{ region }}) like '%市' then 'city'
    end
{%- endmacro %}


{#- The candidate pairs (of names that may be one body), all their columns, less those whose two
    names both file a report in some year: two bodies, then. Found from the pairs outward:
    each pair with its left name's years, then the right name's filing in that year, looked up
    by one key (name|year). A "not exists" over the years, or a join on name and on year
    separately, lets DuckDB join every name to every other name of the same year first (at
    10,000 reports 12.5 million rows and 20 s; at national scale more than the disk holds);
    the one key leaves it nothing to join before the pairs. A year has no '|', so the key is
    unambiguous. -#}
{% macro pairs_never_filing_in_one_year(pairs, left_column, right_column, name_years, name_column) %}
    select {{ pairs }}.*

    from {{ pairs }}
    left join (
        select distinct
            pair_years.{{ left_column }},
            pair_years.{{ right_column }}

        from (
            select
                {{ pairs }}.{{ left_column }},
                {{ pairs }}.{{ right_column }},
                {{ pairs }}.{{ right_column }} || '|' || cast(left_years.year as varchar) as right_name_year

            from {{ pairs }}
            inner join {{ name_years }} as left_years
                on {{ pairs }}.{{ left_column }} = left_years.{{ name_column }}
        ) as pair_years
        inner join (
            select {{ name_column }} || '|' || cast(year as varchar) as name_year
            from {{ name_years }}
        ) as right_years
            on pair_years.right_name_year = right_years.name_year
    ) as same_year
        on {{ pairs }}.{{ left_column }} = same_year.{{ left_column }}
        and {{ pairs }}.{{ right_column }} = same_year.{{ right_column }}
    where same_year.{{ left_column }} is null
{% endmacro %}
