"""Cells read from what real text extractors make of the hand-checked corpus (docs/degraded-text.md).

benchmarks/degraded_text.py flattens pages the ways extractors do, with the project's own code.
This runs the extractors themselves, where they are installed (pdfplumber, pdfminer and pypdfium2
are the project's dependencies, the others not): BeautifulSoup's get_text() four ways, html2text,
markdownify, trafilatura, html_text, inscriptis, resiliparse (web-archive dumps) and
readability-lxml on the HTML documents, with the text browsers w3m and lynx (-dump), Chromium's
innerText (a page copied out of the browser) and pandoc (plain, markdown, gfm); pdfplumber's and
pdfminer's extract_text(), poppler's pdftotext (with and without -layout), pypdf (plain and
layout), pypdfium2, PyMuPDF (as is and sorted) and pymupdf4llm on the PDFs. Each output is also read
with its white space collapsed into single spaces (" ".join(text.split())), as scraped datasets
often store text. Cells are counted as in degraded_text.py: right, misplaced (a value the
document does not have under that key), the rest left unread with an issue.

Needs the hand-checked corpus beside the project (../shared/corpus/real). Install the extractors
into the project's environment first (and the programs: apt-get install w3m lynx poppler-utils
pandoc chromium), for example:
    .venv/bin/pip install beautifulsoup4 html2text markdownify trafilatura lxml_html_clean \
        html-text inscriptis resiliparse readability-lxml pypdf pymupdf pymupdf4llm docx2txt mammoth
Usage: .venv/bin/python benchmarks/real_extractors.py [--generated]

--generated runs them on the generator's panel instead (needs no corpus), written as HTML, PDF and
DOCX, against what each report's HTML page reads; DOCX extractors too (docx2txt, mammoth, pandoc).
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from degraded_text import CORPUS, count  # noqa: E402  (a sibling script, not a package)

from orchestration.parsing import parse_document  # noqa: E402


def _soup(html: str):
    import bs4

    soup = bs4.BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return soup


def _pdfplumber(path: Path, layout: bool = False) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(page.extract_text(layout=layout) or "" for page in pdf.pages)


def _pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def _pdftotext(path: Path, *options: str) -> str:
    """poppler's pdftotext (poppler-utils, a Debian package): the program, not a module."""
    return subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True, timeout=120).stdout.decode("utf-8")


def _text_browser(path: Path, *command: str) -> str:
    """A program's text of the page (w3m, lynx, pandoc: Debian packages)."""
    return subprocess.run([*command, str(path)], capture_output=True, check=True, timeout=120).stdout.decode("utf-8")


def _available(need: str) -> bool:
    """A module to import, or "program:<name>" on the PATH."""
    if need.startswith("program:"):
        return shutil.which(need.removeprefix("program:")) is not None
    return importlib.util.find_spec(need) is not None


def _trafilatura(html: str, markdown: bool = False) -> str:
    import trafilatura

    return trafilatura.extract(html, include_tables=True, favor_recall=True,
                               output_format="markdown" if markdown else "txt") or ""


def _html(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _readability(html: str) -> str:
    """readability-lxml's main content, as the article's text (lxml's text_content(): no separator)."""
    import lxml.html
    from readability import Document

    return lxml.html.fromstring(Document(html).summary()).text_content()


def _pypdf(path: Path, mode: str = "plain") -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text(extraction_mode=mode) for page in PdfReader(str(path)).pages)


def _pdfium(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def _pymupdf(path: Path, sort: bool = False) -> str:
    import pymupdf

    return "\n".join(page.get_text(sort=sort) for page in pymupdf.open(str(path)))


def _browser_text(path: Path) -> str:
    """What a reader copies out of Chromium (select all, copy): the page's innerText."""
    import re
    import tempfile

    import lxml.html

    script = ("<script>document.addEventListener('DOMContentLoaded',()=>{const t=document.body.innerText;"
              "document.body.textContent='';const pre=document.createElement('pre');pre.id='innertext';"
              "pre.textContent=t;document.body.appendChild(pre);});</script>")
    page = path.read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", page)
    page = page[:head.end()] + script + page[head.end():] if head else script + page
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "page.html"
        copy.write_text(page, encoding="utf-8")
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              f"--user-data-dir={folder}/profile", "--dump-dom", copy.as_uri()],
                             capture_output=True, text=True, timeout=120).stdout
    return lxml.html.fromstring(dom).get_element_by_id("innertext").text_content()


# (name, what it needs (a module, or "program:<name>"), document suffix, function of the document's path)
EXTRACTORS = [
    ("bs4 get_text()", "bs4", ".html", lambda p: _soup(p.read_text(encoding="utf-8")).get_text()),
    ("bs4 get_text(strip=True)", "bs4", ".html", lambda p: _soup(p.read_text(encoding="utf-8")).get_text(strip=True)),
    ('bs4 get_text(" ", strip=True)', "bs4", ".html",
     lambda p: _soup(p.read_text(encoding="utf-8")).get_text(" ", strip=True)),
    ('bs4 get_text("\\n", strip=True)', "bs4", ".html",
     lambda p: _soup(p.read_text(encoding="utf-8")).get_text("\n", strip=True)),
    ("html2text", "html2text", ".html", lambda p: __import__("html2text").html2text(p.read_text(encoding="utf-8"))),
    ("markdownify", "markdownify", ".html",
     lambda p: __import__("markdownify").markdownify(p.read_text(encoding="utf-8"))),
    ("trafilatura (text)", "trafilatura", ".html", lambda p: _trafilatura(p.read_text(encoding="utf-8"))),
    ("trafilatura (markdown)", "trafilatura", ".html", lambda p: _trafilatura(p.read_text(encoding="utf-8"), True)),
    ("w3m -dump", "program:w3m", ".html", lambda p: _text_browser(p, "w3m", "-dump", "-O", "UTF-8", "-T", "text/html")),
    ("w3m -dump -no-graph", "program:w3m", ".html",
     lambda p: _text_browser(p, "w3m", "-dump", "-no-graph", "-O", "UTF-8", "-T", "text/html")),
    ("lynx -dump", "program:lynx", ".html",
     lambda p: _text_browser(p, "lynx", "-dump", "-nolist", "-display_charset=utf-8", "-assume_charset=utf-8")),
    ("Chromium innerText (copied from the browser)", "program:chromium", ".html", _browser_text),
    ("pandoc -t plain", "program:pandoc", ".html", lambda p: _text_browser(p, "pandoc", "-f", "html", "-t", "plain")),
    ("pandoc -t markdown", "program:pandoc", ".html", lambda p: _text_browser(p, "pandoc", "-f", "html", "-t", "markdown")),
    ("pandoc -t gfm", "program:pandoc", ".html", lambda p: _text_browser(p, "pandoc", "-f", "html", "-t", "gfm")),
    ("html_text extract_text()", "html_text", ".html", lambda p: __import__("html_text").extract_text(_html(p))),
    ("inscriptis get_text()", "inscriptis", ".html", lambda p: __import__("inscriptis").get_text(_html(p))),
    ("resiliparse extract_plain_text()", "resiliparse", ".html",
     lambda p: __import__("resiliparse.extract.html2text", fromlist=["x"]).extract_plain_text(_html(p))),
    ("readability-lxml summary, text_content()", "readability", ".html", lambda p: _readability(_html(p))),
    ("pdfplumber extract_text()", "pdfplumber", ".pdf", _pdfplumber),
    ("pdfplumber extract_text(layout=True)", "pdfplumber", ".pdf", lambda p: _pdfplumber(p, layout=True)),
    ("pdfminer extract_text()", "pdfminer", ".pdf", _pdfminer),
    ("poppler pdftotext", "program:pdftotext", ".pdf", _pdftotext),
    ("poppler pdftotext -layout", "program:pdftotext", ".pdf", lambda p: _pdftotext(p, "-layout")),
    ("pypdf extract_text()", "pypdf", ".pdf", _pypdf),
    ('pypdf extract_text(extraction_mode="layout")', "pypdf", ".pdf", lambda p: _pypdf(p, "layout")),
    ("pypdfium2 get_text_range()", "pypdfium2", ".pdf", _pdfium),
    ("PyMuPDF get_text()", "pymupdf", ".pdf", _pymupdf),
    ("PyMuPDF get_text(sort=True)", "pymupdf", ".pdf", lambda p: _pymupdf(p, sort=True)),
    ("pymupdf4llm to_markdown()", "pymupdf4llm", ".pdf", lambda p: __import__("pymupdf4llm").to_markdown(str(p))),
    ("docx2txt process()", "docx2txt", ".docx", lambda p: __import__("docx2txt").process(str(p))),
    ("mammoth extract_raw_text()", "mammoth", ".docx", lambda p: _mammoth(p, markdown=False)),
    ("mammoth convert_to_markdown()", "mammoth", ".docx", lambda p: _mammoth(p, markdown=True)),
    ("pandoc -f docx -t plain", "program:pandoc", ".docx", lambda p: _text_browser(p, "pandoc", "-f", "docx", "-t", "plain")),
    ("pandoc -f docx -t markdown", "program:pandoc", ".docx",
     lambda p: _text_browser(p, "pandoc", "-f", "docx", "-t", "markdown")),
]


def _mammoth(path: Path, markdown: bool) -> str:
    import mammoth

    with path.open("rb") as handle:
        return (mammoth.convert_to_markdown(handle) if markdown else mammoth.extract_raw_text(handle)).value


def generated_cases(folder: Path) -> list[tuple[Path, dict]]:
    """The generator's panel (4 agencies × 2019–2022, both layouts, one report with blank
    法人或其他组织 columns) written as HTML, PDF and DOCX, each with what its HTML page reads."""
    from orchestration.synthetic import samples

    cases = []
    for n, report in enumerate(samples.generate_panel(agencies=4, years=range(2019, 2023))):
        page = samples.render_html(report)
        expected = {"metrics": parse_document(page.encode("utf-8"), "page.html").metrics}
        for suffix, data in ((".html", page.encode("utf-8")), (".pdf", samples.render_pdf(report)),
                             (".docx", samples.render_docx(report))):
            path = folder / f"{n:02d}{suffix}"
            path.write_bytes(data)
            cases.append((path, expected))
    return cases


def main() -> int:
    if "--generated" in sys.argv[1:]:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            return measure(generated_cases(Path(folder)))
    if not CORPUS.is_dir():
        print(f"the hand-checked corpus is not at {CORPUS}: nothing to measure")
        return 1
    cases = []
    for exp in sorted(CORPUS.glob("*.expected.json")):
        spec = json.loads(exp.read_text(encoding="utf-8"))
        doc = exp.with_name(spec.get("document") or exp.name.removesuffix(".expected.json"))
        if doc.exists():
            cases.append((doc, spec))
    return measure(cases)


def measure(cases: list[tuple[Path, dict]]) -> int:
    """Print each extractor's row: cells right and misplaced, as the text comes and collapsed."""
    print("| extractor | documents | cells right | misplaced | collapsed: cells right | collapsed: misplaced |")
    print("|---|---|---|---|---|---|")
    for name, module, suffix, extract in EXTRACTORS:
        if not _available(module):
            print(f"| {name} | not installed | | | | |")
            continue
        chosen = [(doc, spec) for doc, spec in cases if doc.suffix == suffix]
        if not chosen:
            continue
        texts = [extract(doc) for doc, _ in chosen]
        cells = []
        for variant in (texts, [" ".join(text.split()) for text in texts]):
            parsed = [parse_document(text.encode("utf-8"), f"{doc.stem}.txt").metrics
                      for text, (doc, _) in zip(variant, chosen)]
            cells.append(count(zip((spec["metrics"] for _, spec in chosen), parsed)))
        (total, right, wrong), (_, right_c, wrong_c) = cells
        print(f"| {name} | {len(chosen)} | {right}/{total} ({100 * right / total:.1f}%) | {wrong} "
              f"| {right_c}/{total} ({100 * right_c / total:.1f}%) | {wrong_c} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
