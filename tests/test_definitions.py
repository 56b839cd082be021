"""The code location loads, and its asset graph is the one the README describes."""
import dagster as dg

from orchestration.definitions import defs

EXPECTED_EDGES = {
    "report_sources": set(),
    "raw_documents": {"report_sources"},
    "parsed_reports": {"raw_documents"},
    "parsed_metric_values": {"raw_documents"},
    "parse_issues": {"raw_documents"},
    "reports_settled_across_years": {"raw_documents"},
    "values_settled_across_years": {"raw_documents"},
    "staging/stg_raw__reports": {"parsed_reports", "reports_settled_across_years"},
    "staging/stg_raw__metric_values": {"parsed_metric_values", "values_settled_across_years"},
    "staging/stg_raw__parse_issues": {"parse_issues", "reports_settled_across_years", "values_settled_across_years"},
    "intermediate/int_reports_identified": {"intermediate/int_reports_current", "intermediate/int_agency_names_resolved",
                                            "intermediate/int_agencies"},
    "intermediate/int_agency_names_resolved": {"intermediate/int_reports_current", "seeds/agency_overrides"},
    "marts/dim_agency": {"intermediate/int_agencies"},
    "marts/dim_metric": {"seeds/metric_keys", "seeds/indicator_mapping"},
    "marts/fct_disclosure_metrics": {"intermediate/int_metric_values_current", "intermediate/int_reports_identified",
                                     "seeds/metric_keys"},
    "marts/fct_harmonised_indicators": {"intermediate/int_metric_values_current", "intermediate/int_reports_identified",
                                        "seeds/indicator_mapping"},
    "marts/mart_reconciliation": {"intermediate/int_reports_identified", "intermediate/int_reconciliation_within_report",
                                  "intermediate/int_reconciliation_across_years", "intermediate/int_report_pairs"},
    "marts/mart_agency_year": {"intermediate/int_agency_years", "intermediate/int_reports_identified",
                               "marts/fct_harmonised_indicators", "marts/mart_reconciliation",
                               "intermediate/int_report_sources", "intermediate/int_agency_year_versions"},
    "intermediate/int_agency_year_versions": {"intermediate/int_agency_years", "intermediate/int_report_pairs",
                                              "intermediate/int_report_sources"},
    "marts/mart_report_quality": {"intermediate/int_report_quality_pairs", "intermediate/int_reports_identified",
                                  "intermediate/int_report_repetition", "intermediate/int_metric_values_current",
                                  "staging/stg_raw__report_sections", "marts/mart_reconciliation", "seeds/metric_keys"},
    "staging/stg_raw__report_sections": {"parsed_report_sections"},
    "marts/mart_jurisdiction_departments": {"marts/dim_agency", "intermediate/int_agency_years",
                                            "intermediate/int_reports_identified",
                                            "marts/fct_harmonised_indicators"},
    "rule_checks": {"marts/mart_reconciliation"},
    "published_mart": {"marts/dim_agency", "marts/dim_metric", "marts/fct_disclosure_metrics",
                       "marts/fct_harmonised_indicators", "marts/mart_agency_year", "marts/mart_reconciliation",
                       "marts/mart_report_quality", "marts/mart_jurisdiction_departments"},
}


def test_definitions_load_and_validate():
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.get_repository_def().asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert set(EXPECTED_EDGES) <= keys
    for key, parents in EXPECTED_EDGES.items():
        assert {p.to_user_string() for p in graph.get(dg.AssetKey.from_user_string(key)).parent_keys} == parents, key


def test_rule_checks_sit_apart_from_the_dbt_tests():
    """The eleven rule checks are the checks of their own asset, and only they: the UI shows
    them apart from the dbt data tests, which stay on the dbt models."""
    from expectations.reconciliation import RULES

    graph = defs().get_repository_def().asset_graph
    by_asset: dict[str, set[str]] = {}
    for check in graph.asset_check_keys:
        by_asset.setdefault(check.asset_key.to_user_string(), set()).add(check.name)
    assert by_asset["rule_checks"] == {rule.check_name for rule in RULES.values()}
    assert len(by_asset["rule_checks"]) == 11 and "rule_r1_table_three_balance" in by_asset["rule_checks"]
    # the dbt tests are still checks of the mart they test, and none of them is a rule check
    assert by_asset["marts/mart_reconciliation"] and not any(
        name.startswith("rule_") for name in by_asset["marts/mart_reconciliation"])
    node = graph.get(dg.AssetKey("rule_checks"))
    assert node.group_name == "checks" and node.pools == {"warehouse"}


def test_warehouse_writers_share_one_pool():
    graph = defs().get_repository_def().asset_graph
    for key in ("report_sources", "raw_documents", "parsed_reports", "marts/mart_agency_year", "rule_checks",
                "published_mart"):
        node = graph.get(dg.AssetKey.from_user_string(key))
        assert node.pools == {"warehouse"}, key


def test_marts_have_freshness_policies_and_the_schedule_is_registered():
    repository = defs().get_repository_def()
    graph = repository.asset_graph
    fresh = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).freshness_policy}
    assert {"marts/mart_agency_year", "marts/fct_disclosure_metrics", "published_mart", "dashboard"} <= fresh
    assert "raw_documents" not in fresh
    assert "seasonal_refresh" in {s.name for s in repository.schedule_defs}
