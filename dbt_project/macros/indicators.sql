{#- The harmonised indicators, in the order mart_agency_year shows them. Their mapping from
    each era's metric keys is the seed seeds/indicator_mapping.csv; the singular test
    assert_indicator_list_matches_mapping keeps this list and the seed in step. -#}
{% macro harmonised_indicators() -%}
    {{ return([
        'applications_received',
        'carried_over',
        'granted',
        'partially_granted',
        'withheld',
        'unavailable',
        'not_processed',
        'other_outcomes',
        'processed_total',
        'carried_forward',
        'reviews',
        'reviews_upheld',
        'reviews_corrected',
        'reviews_other',
        'reviews_pending',
        'lawsuits',
        'lawsuits_upheld',
        'lawsuits_corrected',
        'lawsuits_other',
        'lawsuits_pending',
        'proactive_disclosures',
        'normative_docs_issued',
        'normative_docs_in_force',
        'disclosure_fees_yuan',
        'administrative_fees_wan',
    ]) }}
{%- endmacro %}

{#- The unit of an indicator, from its name: money carries its unit in the name (_yuan 元,
    _wan 万元); every other indicator is a count. -#}
{% macro indicator_unit(expression) -%}
    case
        when right({{ expression }}, 5) = '_yuan' then '元'
        when right({{ expression }}, 4) = '_wan' then '万元'
        else 'count'
    end
{%- endmacro %}

{#- The SQL type of an indicator's column in mart_agency_year: counts are whole numbers,
    money is exact to the 分 in both units (元: 2 decimals; 万元: 6 decimals, as reports print
    amounts like 24252.311082 万元). -#}
{% macro indicator_type(indicator) -%}
    {%- if indicator.endswith('_yuan') -%} decimal(18, 2)
    {%- elif indicator.endswith('_wan') -%} decimal(18, 6)
    {%- else -%} bigint
    {%- endif -%}
{%- endmacro %}
