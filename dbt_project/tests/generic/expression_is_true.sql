{#-
    Fails for every row where the SQL expression is not true (false or null).
    A stand-in for dbt_utils.expression_is_true.

        data_tests:
          - expression_is_true:
              arguments:
                expression: "lhs is not null"
-#}
{% test expression_is_true(model, expression) %}

with

final as (

    select * from {{ model }}
    where not coalesce(({{ expression }}), false)

)

select * from final

{% endtest %}
