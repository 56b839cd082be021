"""Replay an incremental refresh on a copy of a large run, without running the full refresh again.

Usage: .venv/bin/python benchmarks/replay_incremental.py RUN_DIR [--seed 12345] [--runs 2]

RUN_DIR is what ``benchmarks/end_to_end.py`` left (``<workdir>/run-<N>-<seed>-<sites>``: the
data folder and Dagster home after its incremental refresh, and its update). At 100,000 reports
the full refresh takes about 15 minutes; this takes about 2 a run, so a change to the incremental
path can be measured several times, against the same state, before a full benchmark.

Each run:

1. copies RUN_DIR to ``RUN_DIR-replay`` (RUN_DIR itself is never changed);
2. makes a second update of the corpus (``--update-share`` of it, 1 % by default, with its own
   ``--seed``: half changed documents, half next-year reports) and serves it, with the first, over
   the corpus, from the same loopback addresses and ports as the run (the catalogue has them);
3. runs ``disclosure run`` with the benchmark's options and prints the wall time, the peak memory
   and each step's window, as ``end_to_end.py`` measures them (``--json`` writes them).

The first run after a change to the dbt project also regenerates the dbt docs and parses the dbt
project again (both then kept for the next run), and a changed dbt project makes the build a
full refresh: compare later runs, or commit to the change first.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import end_to_end as e2e  # noqa: E402
from end_to_end import sc  # noqa: E402


def ports_of(catalogue: Path, corpus: Path) -> dict[str, int]:
    """site → port, from the catalogue the run was refreshed with (its sites' base URLs)."""
    site_of = {t["source_id"]: t["site"] for t in sc.read_truth(corpus, None)}
    ports: dict[str, int] = {}
    with open(catalogue, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            site = site_of.get(row["source_id"])
            if site and site not in ports:
                ports[site] = urlsplit(row["location"]).port
    return ports


def merged_update(run_dir: Path, corpus: Path, into: Path, share: float, seed: int) -> dict:
    """The run's own update and a new one, as one folder to serve over the corpus."""
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(run_dir / "update", into)
    second = into.with_name(into.name + "-new")
    shutil.rmtree(second, ignore_errors=True)
    summary = sc.write_update(corpus, second, share, seed=seed)
    shutil.copytree(second / "docs", into / "docs", dirs_exist_ok=True)
    new_lines = (second / sc.TRUTH).read_text(encoding="utf-8").splitlines()
    replaced = {json.loads(line)["source_id"] for line in new_lines}
    kept = [line for line in (into / sc.TRUTH).read_text(encoding="utf-8").splitlines()
            if json.loads(line)["source_id"] not in replaced]
    (into / sc.TRUTH).write_text("\n".join(kept + new_lines) + "\n", encoding="utf-8")
    shutil.rmtree(second)
    return summary


def replay(run_dir: Path, corpus: Path, update: Path) -> dict:
    work = run_dir.with_name(run_dir.name + "-replay")
    started = time.perf_counter()
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", str(run_dir), str(work)], check=True)
    subprocess.run(["sync"], check=True)   # the copy's writes must not land during the run
    print(f"copied {run_dir} in {time.perf_counter() - started:.0f} s", flush=True)
    data_dir, home = work / "data", work / "dagster_home"
    catalogue = data_dir / "sources" / "bench.csv"
    sites = e2e.Sites(corpus, ports=ports_of(catalogue, corpus))
    try:
        sites.set_overlay(update)
        sc.write_catalogue(corpus, catalogue, sites.base_urls, update)
        result = e2e.run_cli(data_dir, home, work / "replay.log", e2e.cli_options())
        if result["run_id"]:
            result.update(e2e.step_stats(home, result["run_id"], result["started_epoch"]))
    finally:
        sites.close()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--seed", type=int, default=12345, help="the second update's seed (default 12345)")
    ap.add_argument("--update-share", type=float, default=0.01)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--json", type=Path, help="write every run's figures to this file")
    args = ap.parse_args()
    run_dir = args.run_dir.resolve()
    n, seed, sites = run_dir.name.split("-")[1:4]
    corpus = run_dir.with_name(f"corpus-{n}-{seed}-{sites}")
    update = run_dir.with_name(run_dir.name + "-update2")
    summary = merged_update(run_dir, corpus, update, args.update_share, args.seed)
    print(f"second update: {summary['changed']} changed, {summary['new']} new", flush=True)
    results = []
    for _ in range(args.runs):
        result = replay(run_dir, corpus, update)
        results.append(result)
        print(f"{result['status']} in {result['wall']:.1f} s, peak {e2e._mb(result['peak_rss'])}; steps "
              f"(seconds since the start): {json.dumps(result.get('step_windows', {}))}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    return 0 if all(r["status"] == "succeeded" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
