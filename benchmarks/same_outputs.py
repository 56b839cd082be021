#!/usr/bin/env python3
"""Are two parser versions' outputs byte for byte the same? For speed work, which must change
nothing a user sees.

``write`` parses a fixed set of documents and writes one JSON line per document: what
``disclosure parse`` prints (``ParsedReport.to_json``) plus the report's title, sections and open
rows. ``compare`` names the documents whose lines differ. The set is the hand-checked corpus
(``../shared/corpus/real``, skipped with a message when absent) and the generator's reports
(``orchestration/synthetic/samples.py``, fixed seed) in every physical form, and the degraded
text forms of docs/degraded-text.md.

    .venv/bin/python benchmarks/same_outputs.py write /tmp/after.jsonl [--per-form 30]
    .venv/bin/python benchmarks/same_outputs.py write /tmp/before.jsonl --code /tmp/old-checkout
    .venv/bin/python benchmarks/same_outputs.py compare /tmp/before.jsonl /tmp/after.jsonl

``--code DIR`` imports the parser (and the generator) from another checkout, e.g. one made with
``git archive <commit> | tar -x -C DIR``. Exit status of ``compare``: 0 when every document is
the same, 1 otherwise.

``--bench-corpus DIR`` parses instead the documents of a corpus `benchmarks/end_to_end.py`
generated (its ``truth.jsonl``): every one but the PDFs and DOCX files, and every tenth web page
(27,757 documents of the 100,000 corpus, two minutes a version on one core). A change that reads
some of its hazards differently, which the fixed set does not hold, shows there:

    .venv/bin/python benchmarks/same_outputs.py write /tmp/after.jsonl --bench-corpus /tmp/bench/corpus-100000-…
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "real"


def documents(per_form: int):
    """(name, bytes, file name for the form sniffing) of every document of the set."""
    from orchestration.synthetic import samples
    from orchestration.synthetic.degraded import DEGRADED_FORMS, render_degraded

    if CORPUS.is_dir():
        for path in sorted(CORPUS.iterdir()):
            if path.is_file() and not path.name.endswith(".json") and path.name != "README.md":
                yield f"real/{path.name}", path.read_bytes(), path.name
    else:
        print(f"note: {CORPUS} is absent: the hand-checked corpus is left out", file=sys.stderr)
    years = -(-per_form * len(samples.FORMS) // 8) + 1
    reports = samples.generate_panel(agencies=8, years=range(2024 - years, 2024), forms=samples.FORMS)
    counts: dict[str, int] = {}
    for n, report in enumerate(reports):
        if counts.get(report.form, 0) < per_form:
            counts[report.form] = counts.get(report.form, 0) + 1
            yield f"generated/{n}.{report.form}", samples.render_bytes(report), f"r.{report.form}"
    for form in DEGRADED_FORMS:
        for n, report in enumerate(reports[:per_form // 3 or 1]):
            yield f"degraded/{form}/{n}.txt", render_degraded(report, form).encode("utf-8"), "r.txt"


def bench_corpus_documents(corpus: Path, every_html: int = 10):
    """(name, bytes, file name) of a benchmark corpus's documents (see the module docstring)."""
    pages = 0
    for line in (corpus / "truth.jsonl").open(encoding="utf-8"):
        truth = json.loads(line)
        if truth["form"] in ("pdf", "docx"):
            continue
        if truth["form"] == "html":
            pages += 1
            if pages % every_html:
                continue
        path = corpus / truth["path"]
        yield truth["path"], path.read_bytes(), path.name


def write(out: Path, per_form: int, bench_corpus: Path | None = None) -> int:
    from orchestration.parsing import parse_document

    count = 0
    docs = bench_corpus_documents(bench_corpus) if bench_corpus else documents(per_form)
    with out.open("w", encoding="utf-8") as f:
        for name, data, file_name in docs:
            report = parse_document(data, file_name)
            extra = {k: getattr(report, k, None) for k in ("title", "sections", "open_rows", "scope_basis")}
            line = report.to_json() + "\t" + json.dumps(extra, ensure_ascii=False, sort_keys=True, default=repr)
            f.write(json.dumps({"document": name, "sha256": hashlib.sha256(data).hexdigest(),
                                "output": line}, ensure_ascii=False) + "\n")
            count += 1
    print(f"{count} documents parsed, outputs in {out}")
    return 0


def compare(a: Path, b: Path) -> int:
    def load(path: Path) -> dict[str, dict]:
        return {row["document"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}

    left, right = load(a), load(b)
    missing = sorted(set(left) ^ set(right))
    inputs = [d for d in sorted(set(left) & set(right)) if left[d]["sha256"] != right[d]["sha256"]]
    differ = [d for d in sorted(set(left) & set(right))
              if left[d]["sha256"] == right[d]["sha256"] and left[d]["output"] != right[d]["output"]]
    for d in missing:
        print(f"only in one file: {d}")
    for d in inputs:
        print(f"not the same input bytes: {d}")
    for d in differ:
        print(f"DIFFERENT output: {d}")
    same = len(set(left) & set(right)) - len(differ) - len(inputs)
    print(f"{same} documents with the same output, {len(differ)} different, "
          f"{len(inputs)} with different inputs, {len(missing)} in one file only")
    return 0 if not (missing or inputs or differ) else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--per-form", type=int, default=30)
    w.add_argument("--code", type=Path, default=ROOT, help="the checkout whose parser is run")
    w.add_argument("--bench-corpus", type=Path, help="a corpus end_to_end.py generated, parsed instead")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.command == "write":
        sys.path.insert(0, str(args.code.resolve()))
        return write(args.out, args.per_form, args.bench_corpus)
    return compare(args.a, args.b)


if __name__ == "__main__":
    raise SystemExit(main())
