"""Cells read from degraded text, per form (docs/degraded-text.md).

Flattens generated reports (both layouts and free-form, orchestration.synthetic) and, when the
hand-checked corpus is beside the project (../shared/corpus/real), its HTML documents, in every
degraded form, parses each, and counts the cells read right, left unread, and misplaced (a
value under a key the original leaves empty, or a different number).

Usage: .venv/bin/python benchmarks/degraded_text.py [--agencies 8] [--years 2019-2024]
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from orchestration.parsing import parse_document
from orchestration.parsing.across_years import resolve
from orchestration.synthetic import freeform, samples
from orchestration.synthetic.degraded import DEGRADED_FORMS, flatten_html, render_degraded

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"


def _same(a, b) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)


def count(pairs) -> tuple[int, int, int]:
    """(cells, right, misplaced) over (expected metrics, parsed metrics) pairs; an expected None
    is right when nothing is read."""
    cells = right = wrong = 0
    for expected, got in pairs:
        for key, want in expected.items():
            cells += 1
            have = got.get(key)
            if want is None:
                right += have is None
                wrong += have is not None
            elif have is not None:
                right += _same(want, have)
                wrong += not _same(want, have)
    return cells, right, wrong


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--agencies", type=int, default=8)
    ap.add_argument("--years", default="2019-2024")
    args = ap.parse_args()
    first, last = map(int, args.years.split("-"))
    reports = samples.generate_panel(agencies=args.agencies, years=range(first, last + 1)) + freeform.generate_panel()
    truth = []
    for r in reports:
        page = freeform.render_html(r) if isinstance(r, freeform.FreeformReport) else samples.render_html(r)
        original = parse_document(page.encode("utf-8"), "page.html").metrics
        truth.append({k: v for k, v in original.items() if v is not None})
    print(f"Generated: {len(reports)} reports ({args.agencies} agencies × {first}–{last}, both layouts, "
          "and the free-form panel); the cells the HTML page reads.\n")
    print("| form | cells read alone | misplaced | with the agency's other years |")
    print("|---|---|---|---|")
    for form in DEGRADED_FORMS:
        parsed = [parse_document(render_degraded(r, form).encode("utf-8"), f"{i}.txt") for i, r in enumerate(reports)]
        cells, right, wrong = count(zip(truth, (p.metrics for p in parsed)))
        resolve(parsed)
        _, right_x, wrong_x = count(zip(truth, (p.metrics for p in parsed)))
        print(f"| {form} | {right}/{cells} ({100 * right / cells:.1f}%) | {wrong + wrong_x} | "
              f"{right_x}/{cells} ({100 * right_x / cells:.1f}%) |")
    if not CORPUS.is_dir():
        print("\nThe hand-checked corpus (../shared/corpus/real) is absent: its part is skipped.")
        return 0
    cases = []
    for exp in sorted(CORPUS.glob("*.expected.json")):
        spec = json.loads(exp.read_text(encoding="utf-8"))
        doc = exp.with_name(spec["document"])
        if doc.suffix == ".html":
            cases.append((doc, spec))
    print(f"\nHand-checked corpus: its {len(cases)} HTML documents, every labelled cell (blank cells count "
          "as right when nothing is read).\n")
    print("| form | cells right | misplaced | layout right |")
    print("|---|---|---|---|")
    for form in DEGRADED_FORMS:
        parsed = [parse_document(flatten_html(doc.read_text(encoding="utf-8"), form).encode("utf-8"),
                                 f"{doc.stem}-{form}.txt")
                  for doc, _ in cases]
        cells, right, wrong = count(zip((s["metrics"] for _, s in cases), (p.metrics for p in parsed)))
        layouts = sum(p.template == s["template"] for p, (_, s) in zip(parsed, cases))
        print(f"| {form} | {right}/{cells} ({100 * right / cells:.1f}%) | {wrong} | {layouts}/{len(cases)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
