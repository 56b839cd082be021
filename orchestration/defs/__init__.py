"""Self-registering Dagster modules: each file defines the assets, checks or resources of
one stage; ``orchestration/definitions.py`` loads this folder."""
