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
