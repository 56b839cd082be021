"""Generators of synthetic reports with known numbers, for tests, samples and benchmarks.

Nothing in the production path imports this package: the pipeline reads real sources, and these
modules only write documents (and their ground truth) for it to read.

- ``samples``: reports in the 2019 and 2021 national layouts, in every physical form;
- ``freeform``: free-form (pre-2019) reports, prose plus an annex table;
- ``scale_corpus``: a national-scale corpus (thousands of agencies over years) with planted
  rule breaks, for the end-to-end benchmark;
- ``listings``: listing columns paginated the way CMSs do it (TRS static pages, ``createPageHTML``,
  script pagers), for the tests of discovery.
"""
