"""Two refreshes at once on one warehouse both succeed: every asset that opens the DuckDB file
is in the pool "warehouse" whose limit is 1, so the second run's steps wait for the first's."""
from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from orchestration.lib import samples


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
