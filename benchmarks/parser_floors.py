#!/usr/bin/env python3
"""The parser against the floor of its input form, side by side in one run (issue 19's check):

- PDF parse ÷ pdfium text extraction, on the real PDFs of ../shared/corpus/real (skipped with a
  message when absent) and on the generator's PDFs; "pdfium text" is opening the file and
  taking every page's text (``PdfTextPage.get_text_range``), nothing else. The same documents
  are also parsed with the text layer read by pdfminer (the reader before pdfium, kept as the
  fallback) for the speed-up.
- HTML parse ÷ DOM floor, on the generator's HTML reports and the real HTML pages; the DOM
  floor is decoding the bytes and building ``lxml.html``'s tree, nothing else.

Times are CPU seconds of this process (``time.process_time``: other work on the machine slows
the wall clock more than the CPU time), the median of --repeat rounds, the parse and its floor
measured alternately in each round. One process: the figures are per core.

    .venv/bin/python benchmarks/parser_floors.py [--repeat 7] [--per-form 40]
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
    """The PDF floor: open, every page's text. Returns the page count."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--per-form", type=int, default=40)
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

    def html_row(label: str, docs) -> None:
        if not docs:
            print(f"| {label} | – | skipped: no documents ({CORPUS} absent) |")
            return
        t = measure(docs, {"parse": parse_document, "floor": lambda d, n: dom(d)}, args.repeat)
        n = len(docs)
        print(f"| {label} | {n} | {n} | {t['parse'] / n * 1000:.2f} | {t['floor'] / n * 1000:.3f} | "
              f"**{t['parse'] / t['floor']:.1f}** | – | – | – | – |")

    pdf_row("PDF, real (../shared/corpus/real)", real.get("pdf", []))
    pdf_row("PDF, generated", generated["pdf"])
    html_row("HTML, real (../shared/corpus/real)", real.get("html", []))
    html_row("HTML, generated", generated["html"])
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
