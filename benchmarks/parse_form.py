"""Parse the generated panel in one text form, several times: a whole process to time from
outside, and to compare two parser versions with (docs/degraded-text.md's forms).

Usage: .venv/bin/python benchmarks/parse_form.py FORM [--rounds 20] [--agencies 6]
FORM is a degraded form (orchestration/synthetic/degraded.py: crawler, spaced, page_text, …) or
w3m (the page as `w3m -dump` writes it; needs w3m). Prints the documents parsed a CPU second.

Compare with another version of the parser (a worktree of another commit):
    farm-bench -n 9 --pin 0 --vs "env PYTHONPATH=/path/to/worktree .venv/bin/python benchmarks/parse_form.py crawler" \\
        -- env PYTHONPATH=$PWD .venv/bin/python benchmarks/parse_form.py crawler
"""
from __future__ import annotations

import argparse
import subprocess
import time

from orchestration.parsing import parse_document
from orchestration.synthetic import samples
from orchestration.synthetic.degraded import render_degraded


def documents(form: str, agencies: int) -> list[bytes]:
    reports = samples.generate_panel(agencies=agencies, years=range(2019, 2023))
    if form == "w3m":
        return [subprocess.run(["w3m", "-dump", "-O", "UTF-8", "-T", "text/html"], input=samples.render_html(r).encode(),
                               capture_output=True, check=True, timeout=60).stdout for r in reports]
    return [render_degraded(r, form).encode("utf-8") for r in reports]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("form")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--agencies", type=int, default=6)
    args = ap.parse_args()
    docs = documents(args.form, args.agencies)
    started = time.process_time()
    for _ in range(args.rounds):
        for data in docs:
            parse_document(data, "report.txt")
    spent = time.process_time() - started
    print(f"{args.form}: {len(docs) * args.rounds / spent:.0f} documents a CPU second ({len(docs)} documents, "
          f"{args.rounds} rounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
