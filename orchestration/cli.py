"""The ``disclosure`` command."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parse(args: argparse.Namespace) -> int:
    from orchestration.lib.parsing import parse_document

    status = 0
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc}", file=sys.stderr)
            status = 1
            continue
        print(parse_document(data, source=name).to_json(), flush=True)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="disclosure", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    parse = commands.add_parser("parse", help="parse documents; print one JSON object per document per line")
    parse.add_argument("files", nargs="+")
    parse.set_defaults(func=_parse)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
