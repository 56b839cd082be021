"""The dbt documentation, published beside the mart on every refresh."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg

from orchestration import warehouse
from orchestration.config import DBT_PROJECT_DIR, paths
from orchestration.defs.mart import (
    MART_TABLES,
    dbt_environment,
    ensure_manifest,
    keep_partial_parse,
    project_fingerprint,
    seed_partial_parse,
)
from orchestration.defs.shared import WAREHOUSE_POOL

DBT_DOCS_DIR = "dbt_docs"
BUILT_FROM = ".built-from"   # beside index.html: the fingerprint of what it was generated from


def docs_fingerprint(warehouse_path: Path, schemas: list[str]) -> str:
    """What the docs are made of: the dbt project (models, descriptions, tests, lineage) and
    the tables and column types of the schemas dbt documents (its catalog: the models' and the
    sources'). Not the data: the docs hold no row counts. Same fingerprint, same docs but for
    their generated_at. (Not the other schemas: the rule checks create theirs after the docs.)"""
    digest = hashlib.sha256(project_fingerprint().encode())
    with warehouse.connect(warehouse_path) as con:
        for row in con.execute("select table_schema, table_name, column_name, data_type from information_schema.columns "
                               "where table_schema in (select unnest(?)) order by all", [sorted(schemas)]).fetchall():
            digest.update("\t".join(map(str, row)).encode() + b"\n")
    return digest.hexdigest()


def documented_schemas(manifest: Path) -> list[str]:
    """The schemas of the dbt project's models, seeds and sources, from its manifest."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return sorted({n["schema"] for n in (*data.get("nodes", {}).values(), *data.get("sources", {}).values())
                   if n.get("schema")})


@dg.asset(group_name="publish", kinds={"dbt", "html"}, pool=WAREHOUSE_POOL,
          deps=[dg.AssetKey(["marts", t]) for t in MART_TABLES])
def dbt_docs(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """``data/published/dbt_docs/index.html``: every model, column, test and the lineage graph
    (``dbt docs generate --static``), one file that opens without a server or a network. The
    catalog is read from the warehouse just built, so the column types are those BI users see."""
    if os.environ.get("DISCLOSURE_DBT_DOCS", "1") == "0":
        # The test suite's many refreshes skip the 10–40 s of dbt docs; one test builds them.
        context.log.info("dbt docs skipped (DISCLOSURE_DBT_DOCS=0)")
        return dg.MaterializeResult(metadata={"dbt_docs": "skipped (DISCLOSURE_DBT_DOCS=0)"})
    out = paths().published_dir / DBT_DOCS_DIR
    out.mkdir(parents=True, exist_ok=True)
    # A refresh that changed data only (every scheduled one) keeps the docs it has: generating
    # them costs 10–60 s, a third of an incremental refresh at national scale.
    fingerprint = docs_fingerprint(paths().warehouse, documented_schemas(ensure_manifest()))
    marker = out / BUILT_FROM
    if (out / "index.html").exists() and marker.exists() and marker.read_text().strip() == fingerprint:
        context.log.info(f"dbt docs unchanged (same dbt project and warehouse columns): {out / 'index.html'}")
        return dg.MaterializeResult(metadata={"dbt_docs": dg.MetadataValue.url((out / "index.html").as_uri()),
                                              "regenerated": False})
    marker.unlink(missing_ok=True)
    dbt = Path(sys.executable).with_name("dbt")
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as target:
        # A target path of its own: the project's target/ holds the manifest Dagster loads. It
        # starts from the build's parse state (the whole project parsed anew: 3.6 s more).
        seed_partial_parse(Path(target))
        done = subprocess.run([str(dbt), "docs", "generate", "--static", "--project-dir", str(DBT_PROJECT_DIR),
                               "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", target],
                              capture_output=True, text=True, env={**os.environ, **dbt_environment()})
        if done.returncode != 0:
            raise RuntimeError(f"dbt docs generate failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
        tmp = out / ".index.html.tmp"
        shutil.copyfile(Path(target) / "static_index.html", tmp)
        os.replace(tmp, out / "index.html")
        keep_partial_parse(Path(target))
    marker.write_text(fingerprint + "\n")
    context.log.info(f"dbt docs written to {out / 'index.html'}")
    return dg.MaterializeResult(metadata={"dbt_docs": dg.MetadataValue.url((out / "index.html").as_uri()),
                                          "regenerated": True})
