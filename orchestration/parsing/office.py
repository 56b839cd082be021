"""Legacy Word documents (DOC, WPS, RTF) and OpenDocument text (ODT) → DOCX by LibreOffice
headless, then the DOCX reader.

Each conversion runs ``soffice`` in a fresh profile folder of its own (``-env:UserInstallation``):
two conversions at once never share a profile (which LibreOffice locks, making the second one
exit without output), and a profile a crashed conversion broke is never reused. Each has a time
limit; past it the process group is killed and the document gets a reason. A ``.wps`` file is
in practice Word 97 bytes (what WPS Office writes under that name; LibreOffice reads it as
such), and an old WPS 文字 file that LibreOffice cannot read gets LibreOffice's failure as its
reason.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

CONVERT_TIMEOUT = 60.0   # seconds for one conversion
INSTALL_HINT = ("LibreOffice is needed to read DOC, WPS, RTF and ODT files: "
                "apt-get install libreoffice-writer-nogui (Debian/Ubuntu)")


class ConversionError(RuntimeError):
    """LibreOffice is missing, failed, or ran past its time limit."""


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice"):
        if os.path.exists(candidate):
            return candidate
    return None


def available() -> bool:
    return soffice() is not None


def convert(data: bytes, suffix: str, target_filter: str, timeout: float = CONVERT_TIMEOUT,
            input_filter: str | None = None) -> bytes:
    """``data`` (a file named ``*suffix``) converted with LibreOffice's ``--convert-to
    target_filter`` (e.g. ``docx:MS Word 2007 XML``), opened with ``input_filter`` when one is
    given (``draw_pdf_import``: a PDF as a drawing); the converted bytes."""
    program = soffice()
    if program is None:
        raise ConversionError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="soffice-") as work:
        work_dir = Path(work)
        source = work_dir / f"document{suffix}"
        source.write_bytes(data)
        out_dir = work_dir / "out"
        profile = (work_dir / "profile").as_uri()
        argv = [program, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
                "--nologo", "--nodefault", "--nolockcheck"] + ([f"--infilter={input_filter}"] if input_filter else []) + [
                "--convert-to", target_filter, "--outdir", str(out_dir), str(source)]
        env = {**os.environ, "HOME": work, "SAL_USE_VCLPLUGIN": "svp"}
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ConversionError(f"LibreOffice ran past its {timeout:.0f} s limit converting the "
                                  "document (killed)") from None
        produced = sorted(out_dir.glob("*")) if out_dir.exists() else []
        if not produced:
            said = (stderr or stdout or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise ConversionError(f"LibreOffice could not convert the document (exit {proc.returncode}: {said[0]})")
        return produced[0].read_bytes()


def read_legacy_word(data: bytes, form: str):
    """A DOC, WPS, RTF or ODT document, read as the DOCX LibreOffice makes of it."""
    from . import MissingTool, UnreadableDocument
    from .documents import read_docx

    if not available():
        raise MissingTool(f"a {form.upper()} file: {INSTALL_HINT}")
    suffix = {"doc": ".doc", "wps": ".wps", "rtf": ".rtf", "odt": ".odt"}[form]
    if form == "odt":
        from .bounded_zip import ZipBombError, check_inflated_size
        try:
            check_inflated_size(data)   # LibreOffice would inflate whatever the zip holds
        except ZipBombError as exc:
            raise UnreadableDocument(f"refused ODT: {exc}") from exc
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError) as exc:
            raise UnreadableDocument(f"not a readable ODT file ({type(exc).__name__}: {exc})") from exc
    try:
        docx = convert(data, suffix, "docx:MS Word 2007 XML")
    except ConversionError as exc:
        raise UnreadableDocument(f"a {form.upper()} file: {exc}") from exc
    doc = read_docx(docx)
    doc.form = form
    return doc
