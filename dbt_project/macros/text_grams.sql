{#-
    Character n-grams of a text column, in SQL both targets run (for int_report_repetition).

    series_column(start, stop): one row per integer of [start, stop] when used in a select
    list: a set-returning generate_series on PostgreSQL, an unnest of DuckDB's list. (DuckDB's
    lateral join on generate_series held every position in memory: 2,000 reports of 3,000
    characters ran out of 768 MB; unnest in the select list streams.)

    text_grams(...): one row per position of every n-gram of the text (not distinct). substr
    of a long UTF-8 text costs the characters before the position, so the text is first cut
    into pieces of `piece` + n − 1 characters overlapping by n − 1, and the grams are read from
    the pieces (2,000 reports of 3,000 characters: 10 s read whole, 1.8 s in pieces).

    gram_value(expression): what the grams are compared by. DuckDB compares 64-bit hashes of
    them (half the time of the 5-character strings); two different grams of one pair of
    reports share a hash with odds of about 10⁻¹¹, far below a figure's last digit.
    PostgreSQL compares the strings.
-#}

{% macro series_column(start, stop) -%}
    {{ return(adapter.dispatch('series_column', 'disclosure')(start, stop)) }}
{%- endmacro %}

{% macro default__series_column(start, stop) -%}
    generate_series({{ start }}, {{ stop }})
{%- endmacro %}

{% macro duckdb__series_column(start, stop) -%}
    unnest(generate_series({{ start }}, {{ stop }}))
{%- endmacro %}

{% macro gram_value(expression) -%}
    {{ return(adapter.dispatch('gram_value', 'disclosure')(expression)) }}
{%- endmacro %}

{% macro default__gram_value(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro duckdb__gram_value(expression) -%}
    hash({{ expression }})
{%- endmacro %}

{#- One row (key_columns…, gram) per position of every n-gram of `text_column` in `relation`. -#}
{% macro text_grams(relation, key_columns, text_column, n=5, piece=60) -%}
    select
        {% for c in key_columns %}{{ c }}, {% endfor %}
        {{ gram_value('substr(piece, position_in_piece, ' ~ n ~ ')') }} as gram
    from (
        select
            {% for c in key_columns %}{{ c }}, {% endfor %}
            piece,
            {{ series_column('1', 'least(' ~ piece ~ ', length(piece) - ' ~ (n - 1) ~ ')') }} as position_in_piece
        from (
            select
                {% for c in key_columns %}{{ c }}, {% endfor %}
                substr({{ text_column }}, 1 + {{ piece }} * piece_index, {{ piece + n - 1 }}) as piece
            from (
                select
                    {% for c in key_columns %}{{ c }}, {% endfor %}
                    {{ text_column }},
                    {{ series_column('0', 'cast(floor((length(' ~ text_column ~ ') - ' ~ n ~ ') / ' ~ piece ~ '.0) as integer)') }}
                        as piece_index
                from {{ relation }}
            ) as indexed
        ) as pieces
    ) as positioned
{%- endmacro %}
