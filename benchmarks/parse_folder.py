#!/usr/bin/env python3
"""Parse every file of a folder once, printing nothing: a batch of different documents, for
timing the whole process from outside (``farm-bench``), this checkout's parser against another's.

    .venv/bin/python benchmarks/parse_folder.py FOLDER [--code DIR]

``--code DIR`` imports the parser from another checkout (e.g. one made with
``git archive <commit> | tar -x -C DIR``). Unlike ``parser_floors.py``, which parses the same
documents in several rounds, every document is seen once, so caches keyed by a document's own
text start cold, as in a real batch.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose parser is timed")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    from orchestration.parsing import parse_document

    files = sorted(p for p in args.folder.iterdir() if p.is_file())
    if not files:
        print(f"no files in {args.folder}", file=sys.stderr)
        return 2
    for path in files:
        parse_document(path.read_bytes(), path.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
