#!/usr/bin/env python3
"""Silent errors under small damage: degraded text with one cell or label lost (docs/degraded-text.md).

Takes the generator's reports in the degraded text forms, damages each once, and parses both:
every value the damaged text reads must be one the undamaged text reads under that key (a lost
cell or label may leave values unread, never give a row another row's numbers). Damage:

  drop_label   a row label removed (its numbers stay, with no label in front of them)
  drop_number  a number a space apart from its neighbours removed (a blank cell dropped, a lost cell)
  noise        a note put before a row (「（注：本表数据截至年底）」)
  dup_space    a space doubled
  drop_space   a space removed
  swap_rows    two neighbouring rows of table 三 swapped, each with its numbers
  page_break   table 三's column header repeated between two of its rows, as the text of a PDF
               whose table runs over a page has it (page numbers are read as a chain counting up,
               see running_text.page_numbers; one alone is not put in)

Prints, per damage, the trials and how many misplaced a value, then each misplacement (the
form, the report, the keys with the undamaged and the damaged reading).

    .venv/bin/python benchmarks/mutated_text.py [--trials 300] [--seed 1] [--kinds drop_label,...]
        [--forms crawler,...] [--code DIR]

``--code DIR`` imports the parser from another checkout (``git archive <commit> | tar -x -C DIR``).
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("drop_label", "drop_number", "noise", "dup_space", "drop_space", "swap_rows", "page_break")
FORMS = ("crawler", "spaced", "lines", "cells", "tabbed", "page_text")

# A row label: an item mark, then words without digits.
_LABEL = re.compile(r"(?:[一二三四五六七八九十]+、|（[一二三四五六七]）|\d\.)[^\d\s]{2,40}")
_NUMBER = re.compile(r"(?<![\d.])\d+(?![\d.])")


# A table 三 sub-row with its numbers, up to the next sub-row, group or heading.
_APPS_ROW = re.compile(r"\d\.[^\d\s]{2,60}?[\s\xa0]*[\d\s\xa0]+?(?=\d\.[^\d]|（|[一二三四五六七八九十]、)")
_APPS_HEADER = "申请人情况 自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他 "


def damaged(text: str, kind: str, rng: random.Random) -> str | None:
    """The text with one piece of damage of ``kind``, or None when it has no place for it."""
    if kind in ("swap_rows", "page_break"):
        start = text.find("本年新收")
        rows = [m for m in _APPS_ROW.finditer(text, start) if start >= 0]
        pairs = [(a, b) for a, b in zip(rows, rows[1:]) if a.end() == b.start()]
        if not pairs:
            return None
        a, b = rng.choice(pairs)
        if kind == "swap_rows":
            return text[:a.start()] + b.group(0) + a.group(0) + text[b.end():]
        gap = "\n" if "\n" in a.group(0) else " "
        return text[:b.start()] + f"{gap}{_APPS_HEADER.strip()}{gap}" + text[b.start():]
    if kind in ("drop_label", "noise"):
        labels = list(_LABEL.finditer(text))
        if not labels:
            return None
        m = rng.choice(labels)
        return (text[:m.start()] + text[m.end():] if kind == "drop_label"
                else text[:m.start()] + "（注：本表数据截至年底） " + text[m.start():])
    if kind == "drop_number":
        alone = [m for m in _NUMBER.finditer(text)
                 if text[m.start() - 1:m.start()] == " " and text[m.end():m.end() + 1] == " "]
        if not alone:
            return None
        m = rng.choice(alone)
        return text[:m.start()] + text[m.end() + 1:]
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return None
    i = rng.choice(spaces)
    return text[:i] + "  " + text[i:] if kind == "dup_space" else text[:i] + text[i + 1:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--forms", default=",".join(FORMS),
                    help="the degraded forms tried (orchestration.synthetic.degraded)")
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose parser is tried")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    from orchestration.parsing import parse_document
    from orchestration.synthetic import freeform, samples
    from orchestration.synthetic.degraded import render_degraded

    rng = random.Random(args.seed)
    kinds = args.kinds.split(",")
    forms = args.forms.split(",")
    reports = samples.generate_panel(agencies=4, years=range(2019, 2023)) + freeform.generate_panel(agencies=2)
    trials, bad, found, had, kept = Counter(), Counter(), [], Counter(), Counter()
    for _ in range(args.trials):
        report, form, kind = rng.choice(reports), rng.choice(forms), rng.choice(kinds)
        text = render_degraded(report, form)
        damaged_text = damaged(text, kind, rng)
        if damaged_text is None:
            continue
        trials[kind] += 1
        before = parse_document(text.encode("utf-8"), "text.txt").metrics
        after = parse_document(damaged_text.encode("utf-8"), "text.txt").metrics
        wrong = {k: (before.get(k), v) for k, v in after.items() if v is not None and before.get(k) != v}
        had[kind] += sum(1 for v in before.values() if v is not None)
        kept[kind] += sum(1 for k, v in before.items() if v is not None and after.get(k) == v)
        if wrong:
            bad[kind] += 1
            found.append(f"{kind} {form} {report.agency} {report.year}: {sorted(wrong.items())[:4]}")
    print("| damage | trials | with a misplaced value | values the undamaged text reads, still read |\n|---|---|---|---|")
    for kind in kinds:
        share = f"{kept[kind] / had[kind]:.1%}" if had[kind] else "–"
        print(f"| {kind} | {trials[kind]} | {bad[kind]} | {kept[kind]}/{had[kind]} ({share}) |")
    print(f"| all | {sum(trials.values())} | {sum(bad.values())} | {sum(kept.values())}/{sum(had.values())} |")
    for line in found:
        print("-", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
