"""Two refreshes at once on one warehouse both succeed: every asset that opens the DuckDB file
is in the pool "warehouse" whose limit is 1, so the second run's steps wait for the first's."""
from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from orchestration.synthetic import samples


def test_two_concurrent_materialisations_both_succeed(pipeline_env, tmp_path):
    data_dir = pipeline_env
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv",
                          samples.generate_panel(agencies=2, years=range(2020, 2022)))
    run = [sys.executable, "-m", "orchestration.cli", "run", "--log-level", "DEBUG"]
    env = dict(os.environ)
    first = subprocess.Popen(run, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    second = subprocess.Popen(run, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], "\n\n".join(o[-3000:] for o in outputs)
    assert any("blocked by limit for pool warehouse" in o for o in outputs)   # they did overlap, and queued
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.mart_agency_year").fetchone() == (4,)
        assert con.execute("select count(*) from raw.reports").fetchone() == (4,)
    finally:
        con.close()


def test_a_killed_run_does_not_hold_the_warehouse_pool(pipeline_env):
    """A run killed mid-flight leaves its pool slot claimed; the next run on this machine sees
    that its process is gone, marks it failed, frees the slot and completes."""
    import signal
    import time

    import dagster as dg

    data_dir = pipeline_env
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv",
                          samples.generate_panel(agencies=1, years=range(2021, 2023)))
    run = [sys.executable, "-m", "orchestration.cli", "run", "--log-level", "INFO"]
    victim = subprocess.Popen(run, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    for line in victim.stdout:   # kill it while it holds the slot (inside dbt)
        if "Running dbt command" in line or time.monotonic() > deadline:
            break
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)

    with dg.DagsterInstance.get() as instance:
        claimed = instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
    assert claimed, "the killed run should have left its slot claimed"

    after = subprocess.run(run, env=dict(os.environ), capture_output=True, text=True, timeout=600)
    assert after.returncode == 0, after.stdout[-3000:] + after.stderr[-3000:]
    with dg.DagsterInstance.get() as instance:
        failed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert len(failed) == 1 and "ended before the run finished" in str(
            [e.message for e in instance.all_logs(failed[0].run_id) if e.message][-3:])
        assert not instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
