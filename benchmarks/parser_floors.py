#!/usr/bin/env python3
"""The parser against the floor of its input form, side by side in one run (issue 19's check):

- PDF parse ÷ pdfium text extraction, on the real PDFs of ../shared/corpus/real (skipped with a
  message when absent) and on the generator's PDFs; "pdfium text" is opening the file and
  taking every page's text (``PdfTextPage.get_text_range``), nothing else. The same documents
  are also parsed with the text layer read by pdfminer (the reader before pdfium, kept as the
  fallback) for the speed-up.
- HTML parse ÷ DOM floor, on the generator's HTML reports and the real HTML pages; the DOM
  floor is decoding the bytes and building ``lxml.html``'s tree, nothing else. Printed after the
  table: the parse against that floor plus one Python visit of every element (its text and tail
  read), what any reader of the DOM written in Python pays.

Times are CPU seconds of this process (``time.process_time``: other work on the machine slows
the wall clock more than the CPU time), the median of --repeat rounds, the parse and its floor
measured alternately in each round. One process: the figures are per core.

    .venv/bin/python benchmarks/parser_floors.py [--repeat 7] [--per-form 40] [--stages] [--forms html]

``--stages`` adds where the time goes, per document, on the generated reports: for a PDF,
pdfium loading the pages and their text, the characters and paths into Python, the tables, the
cells' text and the prose lines; for HTML, the DOM, the cells into records, the rest of the page
walk, the table interpreter, sections and metadata.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "real"


def pdfium_text(data: bytes) -> int:
    """The PDF floor: open, every page's text. Returns the page count. pdfium is set up as the
    parser sets it up (fonts a PDF does not embed get the parser's substitute font), so both
    sides do the same font work."""
    from orchestration.parsing.pdf_layer import open_document

    document = open_document(data)
    try:
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            text_page.get_text_range()
            text_page.close()
            page.close()
        return len(document)
    finally:
        document.close()


def dom(data: bytes) -> None:
    """The HTML floor: decode and build the DOM."""
    import lxml.html
    lxml.html.document_fromstring(data.decode("utf-8"))


def dom_visited(data: bytes) -> None:
    """The DOM floor plus what any reader in Python pays on top of it: one visit of every
    element, its text and its tail handed to Python. Shown beside the floor, not instead of it."""
    import lxml.html
    for element in lxml.html.document_fromstring(data.decode("utf-8")).iter():
        element.text, element.tail


def parse_with_pdfminer(data: bytes, name: str):
    """The parse with the text layer read by pdfminer, as before pdfium (its fallback path)."""
    from orchestration.parsing import parse_document, pdf_layer

    saved = pdf_layer.open_document

    def refuse(data):
        raise RuntimeError("pdfminer measured")

    pdf_layer.open_document = refuse
    try:
        return parse_document(data, name)
    finally:
        pdf_layer.open_document = saved


def measure(docs: list[tuple[bytes, str]], runs: dict, repeat: int) -> dict[str, float]:
    """Median CPU seconds over the documents of each way of reading them, rounds interleaved."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            start = time.process_time()
            for data, file_name in docs:
                fn(data, file_name)
            times[name].append(time.process_time() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def pdf_stages(docs, repeat: int) -> dict[str, float]:
    """CPU seconds per document of each step of the PDF reader (timed by wrapping them)."""
    import pdfplumber.page
    import pypdfium2 as pdfium

    from orchestration.parsing import parse_document, pdf, pdf_layer, pdf_tables

    spent: dict[str, float] = {}

    def timed_by(name, fn):
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                result = fn(*args, **kwargs)
                return list(result) if name == "paths" else result
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - start
        return wrapper

    saved = [(pdf_layer, "_chars"), (pdf_layer, "_paths"), (pdf_tables, "find_tables"),
             (pdf_tables, "table_texts"), (pdf, "document_from_pages"), (pdfplumber.page.Page, "extract_text_lines")]
    originals = [getattr(owner, name) for owner, name in saved]
    labels = ["characters into Python", "paths", "finding the tables", "cells' text",
              "page cuts, paragraphs", "prose lines (pdfplumber)"]
    try:
        for (owner, name), fn, label in zip(saved, originals, labels):
            setattr(owner, name, timed_by(label if name != "_paths" else "paths", fn))
        total = 0.0
        for _ in range(repeat):
            start = time.process_time()
            for data, name in docs:
                parse_document(data, name)
            total += time.process_time() - start
    finally:
        for (owner, name), fn in zip(saved, originals):
            setattr(owner, name, fn)
    start = time.process_time()
    for _ in range(repeat):
        for data, _ in docs:
            document = pdfium.PdfDocument(data)
            for index in range(len(document)):
                page = document[index]
                page.get_textpage().close()
                page.close()
            document.close()
    loading = time.process_time() - start
    per_doc = {"whole parse": total, "pdfium: pages and their text loaded": loading, **spent}
    if "paths" in per_doc:
        per_doc["drawn paths into Python"] = per_doc.pop("paths")
    return {k: v / repeat / len(docs) for k, v in per_doc.items()}


def html_stages(docs, repeat: int) -> dict[str, float]:
    """CPU seconds per document of each step of an HTML parse."""
    from orchestration.parsing import documents, metadata, parse_document, split_sections
    from orchestration.parsing.tables import TableReader

    spent: dict[str, float] = {}

    def add(name, start):
        spent[name] = spent.get(name, 0.0) + time.process_time() - start

    for _ in range(repeat):
        start = time.process_time()
        for data, name in docs:
            parse_document(data, name)
        add("whole parse", start)
        for data, _ in docs:
            text = documents.decode(data)[0]
            start = time.process_time()
            root = documents._html_root(text)
            add("DOM (decode and parse)", start)
            start = time.process_time()
            for n, table in enumerate(root.iter("table"), start=1):
                rows = [list(tr.iterchildren("td", "th")) for tr in table.iter("tr")]   # as read_html
                documents._table_rows_of_cells(rows, n)
            add("cells into records (all tables)", start)
            start = time.process_time()
            doc = documents.read_html(data)
            add("read_html (DOM, cells, page walk)", start)
            start = time.process_time()
            reader = TableReader(method=doc.method)
            reader.read(doc.items)
            add("table interpreter", start)
            start = time.process_time()
            split_sections(doc)
            add("sections", start)
            start = time.process_time()
            agency = metadata.find_agency(doc)
            metadata.find_year(doc), metadata.find_published_with_basis(doc)
            metadata.find_scope_with_basis(doc, agency), metadata.find_title(doc)
            add("agency, year, date, scope, title", start)
    return {k: v / repeat / len(docs) for k, v in spent.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--per-form", type=int, default=40)
    ap.add_argument("--stages", action="store_true", help="where the time goes, per step")
    ap.add_argument("--forms", default="pdf,html", help="which forms to measure (default: pdf,html)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from orchestration.parsing import parse_document
    from orchestration.synthetic import samples

    years = -(-args.per_form * 2 // 8) + 1
    reports = samples.generate_panel(agencies=8, years=range(2024 - years, 2024), forms=("html", "pdf"))
    generated = {form: [(samples.render_bytes(r), f"r.{form}") for r in reports if r.form == form][:args.per_form]
                 for form in ("html", "pdf")}
    real = {suffix: [(p.read_bytes(), p.name) for p in sorted(CORPUS.glob(f"*.{suffix}"))]
            for suffix in ("pdf", "html")} if CORPUS.is_dir() else {}

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"one process; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("CPU ms per document, median of", args.repeat, "rounds\n")
    print("| documents | n | pages | parse ms/doc | floor ms/doc | parse ÷ floor | pages/s | "
          "with pdfminer ms/doc | pdfminer pages/s | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|")

    def pdf_row(label: str, docs) -> None:
        if not docs:
            print(f"| {label} | – | skipped: no documents ({CORPUS} absent) |")
            return
        pages = sum(pdfium_text(data) for data, _ in docs)
        t = measure(docs, {"parse": parse_document, "floor": lambda d, n: pdfium_text(d),
                           "pdfminer": parse_with_pdfminer}, args.repeat)
        n = len(docs)
        print(f"| {label} | {n} | {pages} | {t['parse'] / n * 1000:.1f} | {t['floor'] / n * 1000:.2f} | "
              f"**{t['parse'] / t['floor']:.1f}** | {pages / t['parse']:.1f} | {t['pdfminer'] / n * 1000:.1f} | "
              f"{pages / t['pdfminer']:.1f} | ×{t['pdfminer'] / t['parse']:.1f} |")

    visited: list[str] = []

    def html_row(label: str, docs) -> None:
        if not docs:
            print(f"| {label} | – | skipped: no documents ({CORPUS} absent) |")
            return
        t = measure(docs, {"parse": parse_document, "floor": lambda d, n: dom(d),
                           "visited": lambda d, n: dom_visited(d)}, args.repeat)
        n = len(docs)
        print(f"| {label} | {n} | {n} | {t['parse'] / n * 1000:.2f} | {t['floor'] / n * 1000:.3f} | "
              f"**{t['parse'] / t['floor']:.1f}** | – | – | – | – |")
        visited.append(f"{label}: {t['visited'] / n * 1000:.3f} ms/doc, parse ÷ it {t['parse'] / t['visited']:.1f}")

    forms = set(args.forms.split(","))
    if "pdf" in forms:
        pdf_row("PDF, real (../shared/corpus/real)", real.get("pdf", []))
        pdf_row("PDF, generated", generated["pdf"])
    if "html" in forms:
        html_row("HTML, real (../shared/corpus/real)", real.get("html", []))
        html_row("HTML, generated", generated["html"])
    if visited:
        print("\nHTML against the DOM floor plus one Python visit of every element (its text and tail), "
              "beside the floor above, not instead of it:\n- " + "\n- ".join(visited))
    if args.stages:
        stage_runs = [(label, fn, docs) for label, fn, docs, form in (
            ("PDF, generated", pdf_stages, generated["pdf"], "pdf"),
            ("HTML, generated", html_stages, generated["html"], "html")) if form in forms]
        for label, stages in ((label, fn(docs, args.repeat)) for label, fn, docs in stage_runs):
            print(f"\n{label}, CPU ms per document: " + "; ".join(
                f"{name} {seconds * 1000:.2f}" for name, seconds in stages.items()))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
