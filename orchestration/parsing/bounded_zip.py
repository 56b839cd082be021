"""Reading zip-based documents (DOCX, XLSX, OFD) with the inflated size bounded.

A zip's headers are written by whoever made the file: the sizes they declare prove nothing.
A 0.8 MB DOCX whose ``document.xml`` inflates to 512 MiB is a valid zip. So every member is
inflated here in chunks and the bytes that actually come out are counted; past the bound the
document is refused with a reason naming the member, before the rest is inflated. The bound
is the smaller of a fixed total and a ratio to the archive's real size (what was fetched), so
a small file cannot unpack to much more than a real report of its size would.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

MAX_TOTAL = 200 * 1024 * 1024     # inflated bytes over all members read, whatever the archive's size
MAX_RATIO = 100                   # inflated bytes per byte of the archive (real reports: 3–20)
RATIO_FLOOR = 16 * 1024 * 1024    # a tiny archive may still inflate this much
MAX_MEMBERS = 20_000
_CHUNK = 1 << 16


class ZipBombError(ValueError):
    """The archive inflates past the bound (or holds too many members)."""


class DamagedMember(ValueError):
    """A member's bytes do not inflate (a damaged deflate stream, a wrong CRC, a header that
    names a method or version no reader knows): the file was cut or altered on its way."""


@dataclass
class BoundedZip:
    """The members of one archive, inflated on demand within one shared budget."""

    archive: zipfile.ZipFile
    budget: int
    used: int = 0

    def names(self) -> list[str]:
        return self.archive.namelist()

    def read(self, name: str, keep: bool = True) -> bytes:
        """The member's bytes (nothing when not ``keep``: only counted); raises :class:`ZipBombError` naming it when the budget runs out,
        ``KeyError`` when there is no such member."""
        out = io.BytesIO()
        try:
            with self.archive.open(name) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    self.used += len(chunk)
                    if self.used > self.budget:
                        raise ZipBombError(
                            f"member {name!r} inflates past the bound of {self.budget // (1024 * 1024)} MB "
                            f"for this archive (a decompression bomb?); refused after {self.used // (1024 * 1024)} MB")
                    if keep:
                        out.write(chunk)
        except (zlib.error, zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
            raise DamagedMember(f"member {name!r} is damaged ({type(exc).__name__}: {exc})") from exc
        return out.getvalue()

    def read_all(self) -> dict[str, bytes]:
        return {name: self.read(name) for name in self.names() if not name.endswith("/")}


def open_bounded(data: bytes, max_total: int = MAX_TOTAL, max_ratio: int = MAX_RATIO) -> BoundedZip:
    """The archive in ``data``; raises ``zipfile.BadZipFile`` when it is not one and
    :class:`ZipBombError` when it declares more members than any document has."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    if len(archive.infolist()) > MAX_MEMBERS:
        raise ZipBombError(f"the archive lists {len(archive.infolist())} members (at most {MAX_MEMBERS} are read)")
    budget = min(max_total, max(RATIO_FLOOR, max_ratio * len(data)))
    return BoundedZip(archive, budget)


def check_inflated_size(data: bytes, max_total: int = MAX_TOTAL, max_ratio: int = MAX_RATIO) -> int:
    """Inflate every member once, counting, and return the total: for readers (python-docx)
    that open the zip themselves, so that they only ever see an archive already proved small."""
    bounded = open_bounded(data, max_total, max_ratio)
    for name in bounded.names():
        if not name.endswith("/"):
            bounded.read(name, keep=False)
    return bounded.used
