"""What an operator sees: `disclosure run`'s summary and log, the run's place in the Dagster
instance, the schedule's cron, `disclosure parse --pretty / --summary`, `dbt build` with defaults."""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.cli import main
from orchestration.season import RefreshSeason
from orchestration.synthetic import samples

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    """One real `disclosure run` over a small panel with one planted R1 break."""
    tmp = tmp_path_factory.mktemp("operator")
    data_dir, home = tmp / "data", tmp / "dagster_home"
    (data_dir / "sources").mkdir(parents=True)
    home.mkdir()
    env = {"DISCLOSURE_DATA_DIR": str(data_dir), "DISCLOSURE_WAREHOUSE": str(data_dir / "warehouse.duckdb"),
           "DAGSTER_HOME": str(home), "DISCLOSURE_DBT_DOCS": "1"}
    reports = samples.generate_panel(agencies=2, years=range(2020, 2022))
    broken = samples.plant_r1_violation(reports[1], column="natural_person")
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv",
                          [reports[0], broken] + reports[2:])
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=PROJECT_ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
    return {"data_dir": data_dir, "home": home, "env": env, "broken": broken, "stdout": done.stdout,
            "stderr": done.stderr, "returncode": done.returncode}


def test_run_summary_names_reports_rows_and_failing_reports(planted_run):
    out, broken = planted_run["stdout"], planted_run["broken"]
    assert planted_run["returncode"] == 0, planted_run["stderr"][-3000:]
    assert " of job refresh: succeeded" in out
    # The three kinds of checks are told apart, each with its own counts.
    assert "rule checks (R1–R11, Great Expectations): " in out and "(rule_r1_table_three_balance" in out
    assert "dbt data tests: " in out
    # Rules are counted in reports, in words, not as Python dicts.
    assert "{'" not in out
    r1 = next(line for line in out.splitlines() if line.strip().startswith("R1 (error):"))
    assert "1 fail" in r1 and "3 pass" in r1
    # The failing report is named with agency, year and rule.
    assert "failing reports (agency, year, rules): 1" in out
    assert f"{broken.agency} {broken.year}: R1" in out
    assert "marts.mart_agency_year: 4 rows" in out
    published = planted_run["data_dir"] / "published"
    for label, path in (("data docs", published / "data_docs" / "index.html"),
                        ("dbt docs", published / "dbt_docs" / "index.html"),
                        ("dashboard", published / "dashboard.html")):
        assert f"{label}:" in out and str(path) in out and path.exists()


def test_dbt_lines_go_to_the_log_file_not_the_output(planted_run):
    out = planted_run["stdout"] + planted_run["stderr"]
    assert "Running with dbt=" not in out and "Completed successfully" not in out
    logs = list((planted_run["home"] / "logs").glob("run-*.log"))
    assert len(logs) == 1 and "Running with dbt=" in logs[0].read_text(encoding="utf-8")
    assert str(logs[0]) in planted_run["stderr"]
    # The singular test reads the model it is attached to: no unattached-observation warning.
    assert "Logging an `AssetObservation` instead of an `AssetCheckResult`" not in out


def test_cli_run_is_a_run_of_refresh_in_the_code_location(planted_run, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(planted_run["home"]))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        assert runs and runs[0].job_name == "refresh"
        # The tag the UI filters a job's runs by (the job page, the Overview timeline).
        assert runs[0].tags[".dagster/repository"] == "__repository__@disclosure"
        assert instance.get_runs(filters=dg.RunsFilter(job_name="refresh",
                                                       tags={".dagster/repository": "__repository__@disclosure"}))


def test_partitioned_assets_carry_a_table_per_year(planted_run, monkeypatch):
    """One run covers every year partition; its by_year table says what each year had."""
    monkeypatch.setenv("DAGSTER_HOME", str(planted_run["home"]))
    with dg.DagsterInstance.get() as instance:
        def by_year(asset: str) -> dict:
            record = instance.fetch_materializations(dg.AssetKey(asset), limit=1).records[0]
            return {row.data["year"]: row.data for row in record.asset_materialization.metadata["by_year"].records}
        fetched = by_year("raw_documents")
        assert set(fetched) == {"2020", "2021"}   # the years with sources, nothing for the 17 others
        assert all((r["sources"], r["fetched"], r["failed"]) == (2, 2, 0) for r in fetched.values())
        parsed = by_year("parsed_reports")
        assert {y: (r["reports"], r["parsed_now"]) for y, r in parsed.items()} == {"2020": (2, 2), "2021": (2, 2)}


def test_a_full_refresh_marks_only_the_years_with_sources(planted_run, monkeypatch):
    """The catalogue names 2020 and 2021: the run covers those year partitions, not the 17 empty
    others, and still fetches every source (the every-source tag)."""
    monkeypatch.setenv("DAGSTER_HOME", str(planted_run["home"]))
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        assert run.tags["disclosure/every_source"] == "true"
        for asset in ("raw_documents", "parsed_reports", "parsed_metric_values"):
            assert instance.get_materialized_partitions(dg.AssetKey(asset)) == {"2020", "2021"}, asset


def test_rule_checks_are_checks_of_their_own_asset_and_say_when_nothing_was_assessed(planted_run, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(planted_run["home"]))
    with dg.DagsterInstance.get() as instance:
        record = instance.fetch_materializations(dg.AssetKey("rule_checks"), limit=1).records[0]
        rules = {row.data["rule"]: row.data for row in record.asset_materialization.metadata["rules"].records}
        assert len(rules) == 11
        assert rules["R1"]["outcome"] == "fail" and rules["R1"]["reports_failed"] == 1
        assert rules["R4"]["outcome"] == "pass"
        # no free-form report: the annex rules passed nothing, and say so, on the check's page too
        assert rules["R10"]["outcome"] == rules["R11"]["outcome"] == "nothing to assess"
        from expectations.rules import RULES
        described = {}
        for rule_id in ("R1", "R10"):
            key = dg.AssetCheckKey(dg.AssetKey("rule_checks"), RULES[rule_id].check_name)
            execution = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)[0]
            described[rule_id] = execution.event.dagster_event.event_specific_data.description
        assert described["R10"].startswith("R10: nothing to assess"), described
        assert described["R1"] == "R1: 3 reports pass, 1 fail, 0 not assessable.", described


def test_code_location_name_matches_pyproject():
    import tomllib

    from orchestration.defs.shared import CODE_LOCATION
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["dg"]["project"]["code_location_name"] == CODE_LOCATION


def test_schedule_and_sensor_target_the_refresh_job():
    from orchestration.definitions import defs

    repo = defs().get_repository_def()
    assert repo.get_schedule_def("seasonal_refresh").job_name == "refresh"
    assert repo.get_sensor_def("inbox_sensor").job_name == "refresh"


@pytest.mark.parametrize("season", [RefreshSeason(), RefreshSeason(frozenset({1, 2, 3}), 4),
                                    RefreshSeason(frozenset(range(1, 13)), 0)])
def test_schedule_cron_fires_exactly_on_refresh_days(season):
    from dagster._utils.schedules import cron_string_iterator

    start = datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    fired = set()
    for cron in season.cron_schedules(6):
        for tick in cron_string_iterator(start.timestamp(), cron, "Asia/Shanghai"):
            if tick.year > 2026:
                break
            assert (tick.hour, tick.minute) == (6, 0)
            fired.add(tick.date())
    days = {date(2026, 1, 1) + timedelta(d) for d in range(365)}
    assert fired == {d for d in days if season.refreshes_on(d)}


def test_parse_pretty_and_summary(capsys):
    document = PROJECT_ROOT / "data" / "samples" / "lanchuan-2019.html"
    assert main(["parse", str(document)]) == 0
    plain = capsys.readouterr().out
    assert len(plain.strip().splitlines()) == 1
    assert main(["parse", "--pretty", str(document)]) == 0
    pretty = capsys.readouterr().out
    assert len(pretty.splitlines()) > 100 and json.loads(pretty) == json.loads(plain)
    assert main(["parse", "--summary", str(document)]) == 0
    summary = capsys.readouterr().out
    parsed = json.loads(plain)
    given = sum(v is not None for v in parsed["metrics"].values())
    assert summary.startswith(f"{document}: {parsed['agency']}, year {parsed['year']}, 2019 layout")
    assert f"{len(parsed['metrics'])} metric keys read, {given} with a value" in summary
    assert len(summary) < 1000


def test_warnings_and_library_log_lines_go_to_the_log_file(tmp_path, capfd):
    """While the progress bar is shown, a Python warning, a library's log line (through the root
    logger) and a library logger that prints on stderr itself all go to the run's log file."""
    import logging
    import warnings

    from orchestration.cli import library_output_to

    log = tmp_path / "run.log"
    noisy = logging.getLogger("test_operator_views.noisy_library")
    noisy.propagate = False
    own_handler = logging.StreamHandler(sys.stderr)
    noisy.addHandler(own_handler)
    try:
        with library_output_to(log):
            warnings.warn("planted-warning-7f3", UserWarning)
            logging.getLogger("test_operator_views.quiet_library").warning("planted-library-line-7f3")
            noisy.error("planted-noisy-line-7f3")
        out, err = capfd.readouterr()
        assert "7f3" not in out + err
        written = log.read_text(encoding="utf-8")
        for planted in ("planted-warning-7f3", "planted-library-line-7f3", "planted-noisy-line-7f3"):
            assert planted in written, planted
        # afterwards everything is as before: the library's own handler is back, and prints
        assert noisy.handlers == [own_handler]
        noisy.error("after-7f3")
        assert "after-7f3" in capfd.readouterr().err and "after-7f3" not in log.read_text(encoding="utf-8")
    finally:
        noisy.removeHandler(own_handler)


def test_the_runs_own_warnings_print_above_the_bar_not_across_it():
    """Dagster's console logger (which looks up sys.stderr for every message) keeps printing the
    run's warnings while the bar is shown; each line lands whole, and the bar is drawn again
    after it rather than the line being written into the bar's."""
    import io
    import logging

    import coloredlogs
    from tqdm import tqdm

    from orchestration.cli import _lines_above_the_bar

    terminal = io.StringIO()
    logger = logging.getLogger("test_operator_views.run_console")
    logger.propagate = False
    handler = coloredlogs.StandardErrorHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        with _lines_above_the_bar(terminal), tqdm(total=4, desc="refresh", file=terminal) as bar:
            bar.update(1)
            logger.warning("a catalogue row was skipped (sources.csv line 7)")
            bar.update(1)
    finally:
        logger.removeHandler(handler)
    written = terminal.getvalue()
    # the bar is cleared before the line and the line ends before the bar is drawn again
    before, line, after = written.partition("WARNING a catalogue row was skipped (sources.csv line 7)\n")
    assert line, written
    assert before.rstrip(" ").endswith("\r"), repr(before[-80:])
    assert "refresh:" in after and "2/4" in after


CDN_HOSTS = ("unpkg.com", "jsdelivr.net", "bootstrapcdn.com", "cdnjs.cloudflare.com", "code.jquery.com")


def _loads(page: Path) -> list[str]:
    """Every URL a page loads (scripts, stylesheets, images), as written in it."""
    import re

    text = page.read_text(encoding="utf-8")
    return re.findall(r'<(?:script|img)[^>]*\bsrc="([^"]+)"', text) + \
        re.findall(r'<link[^>]*\bhref="([^"]+)"', text)


def test_data_docs_load_nothing_from_a_network(planted_run):
    site = planted_run["data_dir"] / "published" / "data_docs"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 11   # the index, every suite, the validations
    for page in pages:
        for url in _loads(page):
            assert "://" not in url, f"{page.relative_to(site)} loads {url}"
            if "static/vendor/" in url:   # (GX's own favicon link is one level off on some pages)
                assert (page.parent / url.split("?")[0]).exists(), f"{page.relative_to(site)}: {url} is missing"
    assert not any(host in page.read_text(encoding="utf-8") for page in pages for host in CDN_HOSTS)


def _summary_rows(index: Path) -> dict[str, tuple[str, str]]:
    import re

    text = index.read_text(encoding="utf-8")
    block = text[text.index('id="mart-summary"'):]
    return {rule: (state, failing) for rule, state, failing in re.findall(
        r"<tr[^>]*><td>(R\d+)</td><td>\w+</td><td>.*?</td><td>([\w ]+)</td><td>(\d+)</td></tr>", block)}


def test_data_docs_open_on_the_whole_mart_and_name_failing_reports(planted_run, monkeypatch):
    site, broken = planted_run["data_dir"] / "published" / "data_docs", planted_run["broken"]
    index = site / "index.html"
    rows = _summary_rows(index)
    assert len(rows) == 11 and rows["R1"] == ("fails", "1")
    # no free-form report: the annex rules had nothing to assess, and do not claim to pass
    assert rows["R10"] == rows["R11"] == ("nothing to assess", "0") and rows["R4"] == ("passes", "0")
    import duckdb
    con = duckdb.connect(str(planted_run["data_dir"] / "published" / "mart.duckdb"), read_only=True)
    failing = {r: str(n) for r, n in con.execute("select rule_id, count(distinct report_id) from mart_reconciliation "
                                                 "where status = 'fail' group by rule_id").fetchall()}
    con.close()
    assert {rule: n for rule, (state, n) in rows.items() if state == "fails"} == failing
    text = index.read_text(encoding="utf-8")
    assert f"<td>{broken.agency}</td><td>{broken.year}</td><td>natural_person</td>" in text
    # The R1 validation page names the failing row by agency and year; the suite's page states its rule.
    r1_pages = [p for p in site.glob("validations/reconciliation_r1/**/*.html")]
    assert r1_pages
    # Listed under the Dagster run that validated it (GX's default run name is "__none__").
    monkeypatch.setenv("DAGSTER_HOME", str(planted_run["home"]))
    with dg.DagsterInstance.get() as instance:
        run_ids = {run.run_id for run in instance.get_runs()}
    names = {p.relative_to(site / "validations" / "reconciliation_r1").parts[0] for p in r1_pages}
    assert names and all(name.startswith("dagster run ") and name.removeprefix("dagster run ") in run_ids
                         for name in names), names
    page = html.unescape(r1_pages[0].read_text(encoding="utf-8"))
    assert re.search(rf"{broken.agency}\W+{broken.year}\W+\w+\W+natural_person", re.sub(r"<[^>]+>", " ", page))
    suite_page = html.unescape((site / "expectations" / "reconciliation_r1.html").read_text(encoding="utf-8"))
    assert "new_received + carried_over = processed_total + carried_forward" in suite_page


def test_data_docs_after_an_incremental_run_still_show_the_failure(planted_run):
    """A second run validates nothing new; the index still says R1 fails (the issue's bug: the
    latest validation said "Succeeded" while the mart held the failure)."""
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=PROJECT_ROOT,
                          env={**os.environ, **planted_run["env"]}, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = _summary_rows(planted_run["data_dir"] / "published" / "data_docs" / "index.html")
    assert rows["R1"] == ("fails", "1")
    assert f"{planted_run['broken'].agency} {planted_run['broken'].year}: R1" in done.stdout


def test_dbt_build_with_defaults_after_a_run(planted_run, tmp_path):
    """`cd dbt_project && dbt build`, nothing set: the profile's default is ../data/warehouse.duckdb.
    Run on a copy of the project whose ../data is the planted run's data folder."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_ROOT / "dbt_project", project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    shutil.copytree(planted_run["data_dir"], tmp_path / "data", ignore=shutil.ignore_patterns("raw", "published"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCLOSURE_")}
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run([str(dbt), "build", "--select", "stg_raw__reports", "dim_agency"], cwd=project,
                          env={**env, "DO_NOT_TRACK": "1"}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "PASS=" in done.stdout and "ERROR=0" in done.stdout


def test_make_test_names_what_it_cannot_install(tmp_path):
    """Not root (a stub `id`), no chromium and no CJK font on PATH: the script used by `make test`
    and .ci/run installs nothing, names the packages and the command, and lets the tests run."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in ("ls", "grep", "bash", "cat"):
        found = shutil.which(tool)
        if found:
            (stubs / tool).symlink_to(found)
    (stubs / "id").write_text("#!/bin/sh\necho 1000\n")
    (stubs / "fc-list").write_text("#!/bin/sh\necho 'DejaVu Sans'\n")
    for stub in ("id", "fc-list"):
        (stubs / stub).chmod(0o755)
    done = subprocess.run([shutil.which("bash"), str(PROJECT_ROOT / ".ci" / "system-packages")],
                          env={"PATH": str(stubs)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "chromium" in done.stderr and "fonts-noto-cjk" in done.stderr
    assert "apt-get install" in done.stderr and "skipped" in done.stderr and "installing" not in done.stderr
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "./.ci/system-packages" in makefile.split("\ntest:")[1].split("\n\n")[0]


def test_the_command_ends_after_its_exit_handlers_with_its_output_and_exit_code(tmp_path):
    """`disclosure` (orchestration.cli:command_line) skips the interpreter's teardown but still
    runs the exit handlers, prints all it wrote, and ends with main()'s exit code."""
    report = samples.generate_panel(agencies=1, years=range(2021, 2022))[0]
    samples.write_samples(tmp_path / "samples", tmp_path / "samples.csv", [report])
    document = next((tmp_path / "samples").iterdir())

    def command(*args: str) -> subprocess.CompletedProcess:
        script = ("import atexit, sys\n"
                  "from orchestration import cli\n"
                  "atexit.register(lambda: print('exit handler ran'))\n"
                  f"sys.argv = ['disclosure', *{list(args)!r}]\n"
                  "cli.command_line()\n")
        return subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=300)

    done = command("parse", str(document))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[-1] == "exit handler ran"
    assert json.loads(lines[0])["year"] == 2021
    failed = command("parse", str(tmp_path / "missing.html"))
    assert failed.returncode == 1
    assert "missing.html: cannot read" in failed.stderr
    assert failed.stdout.splitlines()[-1] == "exit handler ran"
