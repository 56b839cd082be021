#!/usr/bin/env python3
"""Which PDF library should read the reports? Speed and table recovery, measured.

For each library that is installed (pdfplumber, pymupdf, pypdfium2, pypdf) and each PDF
(by default the two hand-checked PDFs of ../shared/corpus/real):

- text pages/s: open the file and extract the text of every page;
- +tables pages/s: the same plus the library's own table finder (pdfplumber, pymupdf only);
- reader pages/s: the whole way to a Document, where an adapter exists (pypdfium2 is
  orchestration/parsing/pdf.py itself: pdfium's characters under pdfplumber's table finding;
  pdfplumber is its pdfminer fallback; pymupdf feeds the same later stages);
- numbers: how many of the expected numbers (non-null cells of *.expected.json, counted
  with repeats) occur as numbers in the extracted text;
- cells / fields: the Document read by the table interpreter and scored against the
  expectations (cells right, and agency / year / template right).

Timings are the median of --repeat runs in this one process (one core).

    .venv/bin/python benchmarks/compare_pdf_libraries.py [PDF ...] [--repeat 5]

pymupdf and pypdf are not project dependencies: `.venv/bin/pip install pymupdf pypdf` to
include them. pymupdf is AGPL-3.0 (or a commercial licence from Artifex).
"""
from __future__ import annotations

import argparse
import io
import json
import math
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.parsing import metadata  # noqa: E402
from orchestration.parsing import pdf as pdfmod
from orchestration.parsing.tables import TableReader  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "real"
DEFAULT_PDFS = [CORPUS / "hongze-2023.pdf", CORPUS / "huaian-2024.pdf"]

LICENCES = {
    "pdfplumber": "MIT (pdfminer.six MIT)",
    "pymupdf": "AGPL-3.0 or commercial",
    "pypdfium2": "Apache-2.0 / BSD-3 (PDFium BSD-3)",
    "pypdf": "BSD-3",
}


# ---- pdfplumber ---------------------------------------------------------------------

def plumber_text(data: bytes) -> tuple[int, str]:
    import pdfplumber
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return len(doc.pages), "\n".join(page.extract_text() or "" for page in doc.pages)


def plumber_tables(data: bytes) -> tuple[int, str]:
    import pdfplumber
    with pdfplumber.open(io.BytesIO(data)) as doc:
        texts = []
        for page in doc.pages:
            texts.append(page.extract_text() or "")
            for table in page.find_tables():
                table.extract()
        return len(doc.pages), "\n".join(texts)


def plumber_reader(data: bytes):
    """pdfplumber over pdfminer, as the parser read PDFs before pdfium (now its fallback)."""
    pages = pdfmod._extract_pdfminer(pdfmod._readable_copy(data))
    return pdfmod.document_from_pages(pages)


def pdfium_reader(data: bytes):
    """The parser's reader: pdfium's characters and paths under pdfplumber's table finding
    (orchestration/parsing/pdf.py)."""
    return pdfmod.read_pdf(data)


# ---- pymupdf ------------------------------------------------------------------------

def _pymupdf():
    import pymupdf
    return pymupdf


def _mupdf_tables(page):
    """The classic line-based finder; pymupdf 2 runs an ONNX layout model first unless told not
    to (use_layout=False), which is ten times slower and not what is compared here."""
    try:
        return page.find_tables(strategy="lines_strict", use_layout=False)
    except TypeError:   # pymupdf < 2 has no layout stage
        return page.find_tables(strategy="lines_strict")


def mupdf_text(data: bytes) -> tuple[int, str]:
    with _pymupdf().open(stream=data, filetype="pdf") as doc:
        return doc.page_count, "\n".join(page.get_text() for page in doc)


def mupdf_tables(data: bytes) -> tuple[int, str]:
    with _pymupdf().open(stream=data, filetype="pdf") as doc:
        texts = []
        for page in doc:
            texts.append(page.get_text())
            for table in _mupdf_tables(page):
                table.extract()
        return doc.page_count, "\n".join(texts)


def mupdf_reader(data: bytes):
    """pymupdf's extraction fed to the same later stages as pdfplumber's, for a fair score.
    "lines_strict" leaves out unstroked rectangles (the WPS text-line boxes)."""
    pages = []
    with _pymupdf().open(stream=data, filetype="pdf") as doc:
        for number, page in enumerate(doc, start=1):
            result = pdfmod._Page(number, page.rect.width, page.rect.height)
            text = page.get_text()
            result.chars = sum(1 for ch in text if not ch.isspace())
            result.unmapped = text.count("\ufffd")
            boxes = []
            for table in _mupdf_tables(page):
                texts = table.extract()
                if max((len(r) for r in texts), default=0) < 2:
                    continue
                grid = pdfmod._Table(len(result.tables) + 1, tuple(table.bbox), [])
                for r, (row, row_texts) in enumerate(zip(table.rows, texts)):
                    cells = [pdfmod._Cell(pdfmod._clean(t or ""), tuple(b), r + 1, c + 1)
                             for c, (b, t) in enumerate(zip(row.cells, row_texts)) if b is not None]
                    grid.rows.append(cells)
                    boxes.extend(cell.bbox for cell in cells)
                result.tables.append(grid)
            spans = []
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        x0, top, x1, bottom = span["bbox"]
                        x, y = (x0 + x1) / 2, (top + bottom) / 2
                        if span["text"].strip() and not any(a <= x <= c and b <= y <= d for a, b, c, d in boxes):
                            spans.append(span)
            spans.sort(key=lambda s: (s["bbox"][1], s["bbox"][0]))
            grouped: list[list[dict]] = []
            for span in spans:   # spans on one baseline make one line, as pdfplumber groups them
                if grouped and abs(grouped[-1][0]["bbox"][1] - span["bbox"][1]) < 3:
                    grouped[-1].append(span)
                else:
                    grouped.append([span])
            for n, group in enumerate(grouped, start=1):
                group.sort(key=lambda s: s["bbox"][0])
                sizes = [round(s["size"], 1) for s in group]
                text = pdfmod._clean(" ".join(s["text"] for s in group))
                result.lines.append(pdfmod._TextLine(
                    text, min(s["bbox"][0] for s in group), max(s["bbox"][2] for s in group),
                    min(s["bbox"][1] for s in group), max(s["bbox"][3] for s in group),
                    max(set(sizes), key=sizes.count), n))
            pages.append(result)
    return pdfmod.document_from_pages(pages)


# ---- pypdfium2, pypdf (text only: neither finds tables) ------------------------------

def pdfium_text(data: bytes) -> tuple[int, str]:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(data)
    try:
        texts = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return len(doc), "\n".join(texts)
    finally:
        doc.close()


def pypdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


LIBRARIES = {
    # name: (module to import, text, text + tables, reader)
    "pdfplumber": ("pdfplumber", plumber_text, plumber_tables, plumber_reader),
    "pymupdf": ("pymupdf", mupdf_text, mupdf_tables, mupdf_reader),
    "pypdfium2": ("pypdfium2", pdfium_text, None, pdfium_reader),
    "pypdf": ("pypdf", pypdf_text, None, None),
}


# ---- measuring ----------------------------------------------------------------------

def timed(fn, data: bytes, repeat: int):
    fn(data)   # warm: imports, font and CMap caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def expected_of(path: Path) -> dict:
    spec_path = path.with_name(path.name + ".expected.json")
    return json.loads(spec_path.read_text(encoding="utf-8")) if spec_path.exists() else {}


def printed(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def number_recall(text: str, spec: dict) -> str:
    want = Counter(printed(v) for v in spec.get("metrics", {}).values() if v is not None)
    if not want:
        return "-"
    have = Counter(re.findall(r"\d+(?:\.\d+)?", re.sub(r"(?<=\d),(?=\d{3})", "", text)))
    found = sum((want & have).values())
    return f"{found}/{sum(want.values())}"


def score(doc, spec: dict) -> tuple[str, str]:
    metrics = spec.get("metrics", {})
    if not metrics:
        return "-", "-"
    reader = TableReader(method=doc.method)
    reader.read(doc.items)
    got = {k: v.value for k, v in reader.values.items()}

    def same(want, have) -> bool:
        if want is None:
            return have is None
        return have is not None and math.isclose(float(want), float(have), rel_tol=1e-9, abs_tol=1e-6)

    right = sum(same(v, got.get(k)) for k, v in metrics.items())
    checks = [metadata.find_year(doc) == spec.get("year"),
              str(reader.layout() or "freeform") == str(spec.get("template")),
              spec.get("agency_contains", "") in (metadata.find_agency(doc) or "")]
    return f"{right}/{len(metrics)}", f"{sum(checks)}/{len(checks)}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    pdfs = args.pdfs or DEFAULT_PDFS
    missing = [p for p in pdfs if not p.exists()]
    if missing:
        print(f"missing: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    files = [(p, p.read_bytes(), expected_of(p)) for p in pdfs]

    header = ["library", "licence", "text p/s", "+tables p/s", "reader p/s"]
    for p, _, _ in files:
        header += [f"{p.stem}: numbers in text", f"{p.stem}: cells", f"{p.stem}: fields"]
    rows = []
    for name, (module, text_fn, tables_fn, reader_fn) in LIBRARIES.items():
        try:
            __import__(module)
        except ImportError:
            rows.append([name, LICENCES[name], "not installed"] + [""] * (len(header) - 3))
            continue
        pages = sum(text_fn(data)[0] for _, data, _ in files)
        row = [name, LICENCES[name]]
        per_file = []
        for fn in (text_fn, tables_fn, reader_fn):
            if fn is None:
                row.append("-")
                continue
            total = 0.0
            for _, data, _ in files:
                seconds, _ = timed(fn, data, args.repeat)
                total += seconds
            row.append(f"{pages / total:.1f}")
        for _, data, spec in files:
            _, text = text_fn(data)
            cells, fields = score(reader_fn(data), spec) if reader_fn else ("-", "-")
            per_file += [number_recall(text, spec), cells, fields]
        rows.append(row + per_file)

    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print(f"\n{sum(1 for _ in files)} PDFs, {pages} pages; median of {args.repeat} runs, one process. "
          "numbers in text: expected non-null cells found as numbers in the plain text (with repeats); "
          "cells/fields: the Document scored by the table interpreter (libraries with a table finder).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
