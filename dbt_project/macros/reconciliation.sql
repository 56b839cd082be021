{#- Helpers shared by the reconciliation rules (rules R1–R11 of shared/domain/metrics.md). -#}

{#- The applicant columns of table 三, in the order of the printed table.
    legal_person_subtotal (法人或其他组织 小计) is printed by some reports only. -#}
{% macro table_three_columns() -%}
    {{ return([
        'natural_person',
        'commercial',
        'research',
        'social_welfare',
        'legal_services',
        'other_org',
        'legal_person_subtotal',
        'total',
    ]) }}
{%- endmacro %}

{#- 'pass' / 'fail' / 'not_assessable' for one rule row. A side is null when any of its
    cells is missing or blank: that is never a pass. -#}
{% macro reconciliation_status(lhs, rhs) -%}
    case
        when ({{ lhs }}) is null or ({{ rhs }}) is null then 'not_assessable'
        when abs(({{ lhs }}) - ({{ rhs }})) <= {{ var('reconciliation_tolerance') }} then 'pass'
        else 'fail'
    end
{%- endmacro %}
