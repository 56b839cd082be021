{#-
    Fails for every combination of the given columns that occurs more than once.
    A stand-in for dbt_utils.unique_combination_of_columns (the package hub is unreachable).

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [report_id, metric_key]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

grouped as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count

    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

),

final as (

    select * from grouped
    where row_count > 1

)

select * from final

{% endtest %}
