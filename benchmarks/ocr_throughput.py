"""OCR: pages per second per core, and (with the hand-checked corpus) the engines compared on
scanned versions of the real PDFs.

Usage:
    .venv/bin/python benchmarks/ocr_throughput.py [--pages 4] [--dpi 200]
    .venv/bin/python benchmarks/ocr_throughput.py --corpus ../shared/corpus/real [--engines rapidocr,tesseract]
    .venv/bin/python benchmarks/ocr_throughput.py --memory 6 [--workers 2]
    .venv/bin/python benchmarks/ocr_throughput.py --generated 4

The first form scans a generated report (turned by up to 1°, blurred, JPEG'd) and reads it with
the engine on one thread (DISCLOSURE_OCR_THREADS=1): the figure is per core, model load apart.
The second scans every PDF of the corpus the same way and scores the cells a person checked:
right, wrong, missing, wrong cells without an ``ocr_uncertain`` issue (silent), right cells with
one; ``tesseract`` runs the same pipeline with Debian's tesseract (``-l chi_sim``) in place of
RapidOCR's detection and recognition.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DISCLOSURE_OCR_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.parsing import ocr, parse_document  # noqa: E402
from orchestration.synthetic import forms, samples  # noqa: E402


def _tesseract_run(gray):
    """Tesseract's word boxes in RapidOCR's result shape: (quad, text, confidence 0–1)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "page.png"
        Image.fromarray(gray).save(path)
        tsv = subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim", "--psm", "3", "tsv"],
                             capture_output=True, text=True, check=True).stdout
    out = []
    for line in tsv.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        x, y, w, h = map(int, parts[6:10])
        out.append(([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], parts[11].strip(), max(0.0, float(parts[10])) / 100))
    return out


def throughput(pages: int, dpi: int) -> None:
    report = next(r for r in samples.generate_panel(seed=20190101, agencies=1) if r.layout == "2021")
    pdf = samples.render_as(report, "pdf")
    scan = forms.scan_pdf(pdf, seed=1, dpi=dpi, jpeg_quality=60)
    started = time.perf_counter()
    ocr.engine()
    load = time.perf_counter() - started
    import pypdfium2 as pdfium
    count = min(pages, len(pdfium.PdfDocument(scan)))
    started = time.perf_counter()
    ocr.pdf_pages(scan, list(range(1, count + 1)), {})
    elapsed = time.perf_counter() - started
    threads = int(os.environ["DISCLOSURE_OCR_THREADS"])
    print(f"OCR ({dpi} dpi scan of a generated report, {count} pages, {threads} thread"
          f"{'s' if threads > 1 else ''}): {count / elapsed / threads:.2f} pages/s per core "
          f"({elapsed / count:.1f} s/page; model load {load:.1f} s once per process; "
          f"load average {os.getloadavg()[0]:.1f})")


def compare(corpus: Path, engines: list[str], dpi: int) -> None:
    cases = []
    for exp in sorted(corpus.glob("*.pdf.expected.json")):
        spec = json.loads(exp.read_text(encoding="utf-8"))
        doc = exp.with_name(spec.get("document") or exp.name.removesuffix(".expected.json"))
        cases.append((doc, spec["metrics"], forms.scan_pdf(doc.read_bytes(), seed=len(doc.name), dpi=dpi, jpeg_quality=60)))
    original_run = ocr._run
    for engine in engines:
        if engine == "tesseract":
            ocr._run = _tesseract_run
        else:
            ocr._run = original_run
        totals = dict(cells=0, right=0, wrong=0, missing=0, silent=0, doubted_right=0, seconds=0.0, pages=0)
        for doc, want, scan in cases:
            started = time.perf_counter()
            got = parse_document(scan, doc.name)
            totals["seconds"] += time.perf_counter() - started
            import pypdfium2 as pdfium
            totals["pages"] += len(pdfium.PdfDocument(scan))
            flagged = {i.location for i in got.issues if i.code == "ocr_uncertain"}
            for key, value in want.items():
                totals["cells"] += 1
                have = got.values.get(key)
                if have is None or (have.value is None) != (value is None):
                    totals["missing"] += 1
                elif value is None or abs(float(have.value) - float(value)) < 1e-6:
                    totals["right"] += 1
                    totals["doubted_right"] += have.location in flagged
                else:
                    totals["wrong"] += 1
                    totals["silent"] += have.location not in flagged
        print(f"{engine}: {totals['right']}/{totals['cells']} right, {totals['wrong']} wrong "
              f"({totals['silent']} silent), {totals['missing']} missing; "
              f"{totals['doubted_right']} right cells flagged ocr_uncertain; "
              f"{totals['seconds'] / max(1, totals['pages']):.1f} s/page")
    ocr._run = original_run


def generated(count: int) -> None:
    """Scans of generated reports (150, 200 and 300 dpi in turn, every other one with page 2 fed
    turned by 90°) scored against what their text layer reads."""
    reports = [r for r in samples.generate_panel() if r.layout in ("2019", "2021")]
    totals = dict(cells=0, right=0, wrong=0, silent=0, doubted_right=0)
    for i, report in enumerate(reports[:count]):
        pdf = samples.render_as(report, "pdf")
        want = parse_document(pdf, "report.pdf").metrics
        scan = forms.scan_pdf(pdf, seed=i, dpi=(150, 200, 300)[i % 3], turn_page=2 if i % 2 == 0 else None,
                              jpeg_quality=50)
        got = parse_document(scan, "report-scan.pdf")
        flagged = {x.location for x in got.issues if x.code == "ocr_uncertain"}
        for key, value in want.items():
            totals["cells"] += 1
            have = got.values.get(key)
            if have is None:
                continue
            if have.value == value:
                totals["right"] += 1
                totals["doubted_right"] += have.location in flagged
            else:
                totals["wrong"] += 1
                totals["silent"] += have.location not in flagged
    print(f"generated scans ({count} reports): {totals['right']}/{totals['cells']} right, {totals['wrong']} wrong "
          f"({totals['silent']} silent), {totals['doubted_right']} right cells flagged ocr_uncertain")


def _parse_file(path: str) -> int:
    return len(parse_document(Path(path).read_bytes(), path).values)


def memory(documents: int, workers: int, dpi: int) -> None:
    """Peak Σ PSS of this process and its parse workers (spawned, as parsing/batch.py does)
    while they read ``documents`` scanned 4-page reports."""
    import multiprocessing
    import threading

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from end_to_end import _tree_memory

    reports = [r for r in samples.generate_panel(seed=5, agencies=2) if r.layout == "2021"]
    with tempfile.TemporaryDirectory() as work:
        paths = []
        for i in range(documents):
            report = reports[i % len(reports)]
            path = Path(work) / f"scan-{i}.pdf"
            path.write_bytes(forms.scan_pdf(samples.render_as(report, "pdf"), seed=i, dpi=dpi, jpeg_quality=60))
            paths.append(str(path))
        peak = [0]
        done = threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], _tree_memory(os.getpid())[1])
                done.wait(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            values = pool.map(_parse_file, paths, chunksize=1)
        elapsed = time.perf_counter() - started
        done.set()
        watcher.join()
    print(f"{documents} scanned 4-page reports ({dpi} dpi) in {workers} parse workers: "
          f"peak Σ PSS {peak[0] / 2**20:.0f} MB, {elapsed:.0f} s, {sum(values)} values")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--engines", default="rapidocr,tesseract")
    ap.add_argument("--memory", type=int, default=0, metavar="N",
                    help="parse N scanned reports in --workers processes and print the peak Σ PSS")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--generated", type=int, default=0, metavar="N",
                    help="score scans of N generated reports against their text layer")
    args = ap.parse_args()
    if args.generated:
        generated(args.generated)
        return 0
    if args.memory:
        memory(args.memory, args.workers, args.dpi)
        return 0
    if args.corpus is None:
        throughput(args.pages, args.dpi)
        return 0
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    compare(args.corpus, [e for e in args.engines.split(",") if e], args.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
