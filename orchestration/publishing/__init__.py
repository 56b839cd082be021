"""The publish stage: what readers get, never the live warehouse.

- ``mart_copy``: the BI copy of the marts (a DuckDB file and Parquet), swapped in atomically;
- ``dashboard``: one self-contained HTML page of trends, read from the published copy.
"""
