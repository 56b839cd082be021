"""The fetch stage: from the catalogue of report sources to bytes in the raw store.

- ``catalogue``: the catalogue CSVs read into sources, and what a run selects of them;
- ``http``: one fetch (HTTP or a local file), with retries, redirects and limits;
- ``politeness``: the per-site gate and robots.txt;
- ``raw_store``: the content-addressed store of fetched bytes;
- ``decoding``: the charset decisions recorded in the manifest;
- ``discovery``: reading listing pages and report pages for links;
- ``batch``, ``following``, ``tasks``: the fetch batch (the loop), what a page leads to, the
  units of work;
- ``report``: the fetch report of the latest batch.

No Dagster here: the fetch asset in ``orchestration/defs/ingest.py`` calls ``run_fetch_batch``.
"""
