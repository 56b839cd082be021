"""The data dictionary of the published mart, read from its one source of truth: the dbt
models' .yml files, as dbt compiles them into ``target/manifest.json``.

Each published table has its description and grain (model ``meta.grain``); each column its
description, SQL type, unit (column ``meta.unit``), whether it may be null and what a null
means (``meta.null_means``; a column is not nullable when a ``not_null`` constraint or an
error-severity ``not_null`` test guards it), and which checks look at it: the dbt data tests
attached to it and the rule suites named in ``meta.checked_by``. The publication writes the
same text as ``COMMENT ON`` in the DuckDB copy and PostgreSQL, as Parquet key-value metadata,
and as ``dictionary.md`` and ``dictionary.csv``.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

DICTIONARY_CSV = "dictionary.csv"
DICTIONARY_MD = "dictionary.md"
CSV_COLUMNS = ["table", "column", "data_type", "nullable", "unit", "null_means", "checked_by", "grain",
               "description"]


def _clean(text: str | None) -> str:
    """One line: the .yml's folded blocks end in a newline and may wrap."""
    return re.sub(r"\s+", " ", text or "").strip()


@dataclass
class ColumnEntry:
    name: str
    data_type: str
    description: str
    unit: str = ""
    nullable: bool = True
    null_means: str = ""
    checked_by: str = ""

    def comment(self) -> str:
        """What BI tools show beside the column: the description, then its unit and what a null means."""
        parts = [self.description]
        if self.unit:
            parts.append(f"Unit: {self.unit}.")
        parts.append(f"Null: {self.null_means}." if self.nullable and self.null_means
                     else "Never null." if not self.nullable else "")
        return " ".join(p for p in parts if p)


@dataclass
class TableEntry:
    name: str
    description: str
    grain: str
    columns: list[ColumnEntry] = field(default_factory=list)

    def comment(self) -> str:
        return f"{self.description} Grain: {self.grain}." if self.grain else self.description

    def column(self, name: str) -> ColumnEntry | None:
        return next((c for c in self.columns if c.name == name), None)


def _meta(node: dict) -> dict:
    return {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}


def read_dictionary(manifest: Path, schema: str = "marts") -> dict[str, TableEntry]:
    """Every model dbt builds in ``schema``, by table name, from ``manifest.json``."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    tests: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for node in nodes.values():
        if node.get("resource_type") != "test" or not node.get("attached_node") or not node.get("column_name"):
            continue
        name = (node.get("test_metadata") or {}).get("name") or node["name"]
        severity = str((node.get("config") or {}).get("severity") or "error").lower()
        tests.setdefault((node["attached_node"], node["column_name"]), []).append((name, severity))
    tables: dict[str, TableEntry] = {}
    for unique_id, node in sorted(nodes.items()):
        if node.get("resource_type") != "model" or node.get("schema") != schema:
            continue
        table = TableEntry(node.get("alias") or node["name"], _clean(node.get("description")),
                           _clean(_meta(node).get("grain")))
        for name, column in (node.get("columns") or {}).items():
            meta = _meta(column)
            column_tests = tests.get((unique_id, name), [])
            not_null = any(c.get("type") == "not_null" for c in column.get("constraints") or []) or any(
                test == "not_null" and severity == "error" for test, severity in column_tests)
            checks = sorted({test + (" (warns)" if severity == "warn" else "") for test, severity in column_tests})
            checked_by = "; ".join(filter(None, ["dbt tests: " + ", ".join(checks) if checks else "",
                                                 _clean(meta.get("checked_by"))]))
            table.columns.append(ColumnEntry(name, _clean(column.get("data_type")), _clean(column.get("description")),
                                             _clean(meta.get("unit")), not not_null,
                                             _clean(meta.get("null_means")), checked_by))
        tables[table.name] = table
    return tables


def dictionary_rows(tables: dict[str, TableEntry]) -> list[dict[str, str]]:
    """The rows of dictionary.csv: per table one row (column empty) with its grain, then its columns."""
    rows = []
    for table in tables.values():
        rows.append({"table": table.name, "column": "", "data_type": "", "nullable": "", "unit": "",
                     "null_means": "", "checked_by": "", "grain": table.grain, "description": table.description})
        for c in table.columns:
            rows.append({"table": table.name, "column": c.name, "data_type": c.data_type,
                         "nullable": "yes" if c.nullable else "no", "unit": c.unit,
                         "null_means": c.null_means if c.nullable else "", "checked_by": c.checked_by,
                         "grain": "", "description": c.description})
    return rows


def dictionary_csv(tables: dict[str, TableEntry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(dictionary_rows(tables))
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else ""


def dictionary_markdown(tables: dict[str, TableEntry]) -> str:
    lines = ["# Data dictionary of the published mart", "",
             "Generated from the dbt models' descriptions at each publication (the same text is in the",
             "DuckDB file's comments, the Parquet files' key-value metadata and dictionary.csv).", ""]
    for table in tables.values():
        lines += [f"## {table.name}", "", table.description, "", f"**Grain:** {table.grain or '—'}", "",
                  "| column | type | unit | nullable (what null means) | checked by | meaning |",
                  "|---|---|---|---|---|---|"]
        for c in table.columns:
            nullable = f"yes: {c.null_means}" if c.nullable and c.null_means else "yes" if c.nullable else "no"
            lines.append(f"| `{c.name}` | {_cell(c.data_type)} | {_cell(c.unit) or '—'} | {_cell(nullable)} | "
                         f"{_cell(c.checked_by) or '—'} | {_cell(c.description)} |")
        lines.append("")
    return "\n".join(lines)


def parquet_metadata(table: TableEntry) -> dict[str, str]:
    """File-level key-value metadata of a table's Parquet file (DuckDB writes no per-column
    metadata): the table's description and grain, and per column ``column:<name>`` its comment."""
    metadata = {"table": table.name, "description": table.description, "grain": table.grain}
    for c in table.columns:
        metadata[f"column:{c.name}"] = c.comment()
    return metadata
