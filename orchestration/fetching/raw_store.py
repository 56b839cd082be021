"""The content-addressed store of fetched documents: every distinct content once, under its
sha256, never overwritten, so what was fetched is never lost, whatever a later fetch returns."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class RawStore:
    def __init__(self, root: Path):
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.bin"

    def has(self, sha256: str | None) -> bool:
        return bool(sha256) and self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)   # a reader never sees half a file
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


