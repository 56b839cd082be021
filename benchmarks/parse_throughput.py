"""Parser throughput by physical form, against the floor of merely reading the bytes and
building the document model (DOM, the PDF's text through pdfium, DOCX XML) on the same files.
The parse ÷ floor ratios of issue 19, CPU time, side by side: benchmarks/parser_floors.py.

Usage: .venv/bin/python benchmarks/parse_throughput.py [--per-form 40] [--markdown]
One process, one core: the figures are per core. Times are the process's CPU time
(`time.process_time`), so other work on the machine does not inflate them.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import time

from orchestration.parsing import parse_document
from orchestration.synthetic import samples
from orchestration.synthetic.degraded import DEGRADED_FORMS, render_degraded


def floor(form: str, data: bytes) -> None:
    """The cost we cannot beat: decode and build the document model, read nothing from it."""
    if form == "html":
        import lxml.html
        lxml.html.document_fromstring(data.decode("utf-8"))
    elif form == "pdf":
        from parser_floors import pdfium_text
        pdfium_text(data)   # pdfium's text extraction: what the text layer costs to read
    elif form == "docx":
        import docx
        docx.Document(io.BytesIO(data))
    else:
        data.decode("utf-8").splitlines()


def pages_of(form: str, data: bytes) -> int:
    if form != "pdf":
        return 1
    import pypdfium2 as pdfium
    return len(pdfium.PdfDocument(data))


def timed(fn, repeat: int = 1) -> float:
    """CPU seconds of this process per call: what a core spends, whatever else the machine runs."""
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat


def big_html(report) -> bytes:
    """A 5 MB page: the report inside a CMS page padded with long prose and site chrome."""
    page = samples.render_html(report)
    filler = "<p>" + "本机关持续推进政务公开标准化规范化建设，" * 40 + "</p>\n"
    padding = filler * (5_000_000 // len(filler.encode("utf-8")))
    return page.replace("<p>一、总体情况</p>", "<p>一、总体情况</p>" + padding, 1).encode("utf-8")


def long_pdf(report) -> bytes:
    """A PDF of about 100 pages: the report's tables after ~95 pages of prose."""
    filler = "本机关持续推进政务公开标准化规范化建设，不断提升政府信息公开质量和实效。" * 12
    import orchestration.synthetic.samples as module
    # The generator has no knob for length: pad the prose of section 一 it renders.
    saved = module._sections

    def padded(r):
        sections = saved(r)
        return {**sections, "一、总体情况": sections["一、总体情况"] + [filler] * 330}

    module._sections = padded
    try:
        return module.render_pdf(report)
    finally:
        module._sections = saved


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--per-form", type=int, default=40)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()

    # 8 agencies is the generator's most; years make up the count (early years use the 2019 layout).
    years = -(-args.per_form * len(samples.FORMS) // 8) + 1
    reports = samples.generate_panel(agencies=8, years=range(2024 - years, 2024), forms=samples.FORMS)
    by_form: dict[str, list[bytes]] = {}
    for report in reports:
        if len(by_form.setdefault(report.form, [])) < args.per_form:
            by_form[report.form].append(samples.render_bytes(report))

    # The degraded text forms (docs/degraded-text.md): the same reports' pages flattened as
    # extractors flatten them; "text:<form>" in the table.
    for form in DEGRADED_FORMS:
        by_form[f"text:{form}"] = [render_degraded(r, form).encode("utf-8") for r in reports[:args.per_form]]

    rows = []
    for form in [*samples.FORMS, *(f"text:{f}" for f in DEGRADED_FORMS)]:
        docs = by_form[form]
        size = sum(len(d) for d in docs)
        pages = sum(pages_of(form, d) for d in docs)
        suffix = "txt" if form.startswith("text:") else form
        parse_s = timed(lambda: [parse_document(d, f"x.{suffix}") for d in docs])
        floor_s = timed(lambda: [floor(form, d) for d in docs])
        rows.append((form, len(docs), size / len(docs) / 1024, len(docs) / parse_s, size / parse_s / 2**20,
                     pages / parse_s, len(docs) / floor_s, parse_s / floor_s))

    big = big_html(reports[0])
    big_s = timed(lambda: parse_document(big, "big.html"))
    pdf = long_pdf(reports[0])
    pdf_pages = pages_of("pdf", pdf)
    pdf_s = timed(lambda: parse_document(pdf, "long.pdf"))

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; one process")
    print("| form | docs | KB/doc | docs/s | MB/s | pages/s | floor docs/s | parse ÷ floor |")
    print("|---|---|---|---|---|---|---|---|")
    for form, n, kb, dps, mbps, pps, floor_dps, ratio in rows:
        print(f"| {form} | {n} | {kb:.0f} | {dps:.0f} | {mbps:.2f} | {pps:.1f} | {floor_dps:.0f} | {ratio:.1f} |")
    print(f"\n5 MB HTML page ({len(big) / 2**20:.1f} MB): parsed in {big_s:.2f} s")
    print(f"{pdf_pages}-page PDF ({len(pdf) / 2**20:.1f} MB): parsed in {pdf_s:.2f} s ({pdf_pages / pdf_s:.1f} pages/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
