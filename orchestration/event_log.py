"""Dagster's SQLite event log with its connections kept open between events.

The project's Dagster instance (``.dagster_home/dagster.yaml``) keeps the run history in SQLite,
as Dagster does by default, in the same files (``<DAGSTER_HOME>/history/runs/``). Dagster's
``SqliteEventLogStorage`` creates an engine and opens a connection for every read and write and
closes them after; closing the last connection to a database in WAL mode checkpoints its log. A
refresh stores close to a thousand events (every planned and reported materialisation of the
partitioned assets, every dbt model and data test, every rule check), several writes each: at
100,000 reports that was about 7 s of a 77 s incremental refresh, on the step's own thread.

This storage keeps one engine, and through its pool one open connection, per database: the index
and the few run databases used last. Everything else is Dagster's: the schema, the files, what is
written and when. Each process keeps its own (a process started by fork drops those it inherited)
and ``wipe`` closes them before deleting the files.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

# Databases kept open: the index and the runs a process writes or reads (a refresh writes one;
# the UI and the daemon read a few). Others are closed when a newer one is opened.
OPEN_DATABASES = 4


def default_event_log_dir() -> str:
    """Where Dagster's default storage keeps the event log of the instance at ``DAGSTER_HOME``."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError("DAGSTER_HOME is not set: the event log's base_dir must be given in dagster.yaml")
    return os.path.join(os.path.abspath(home), "history", "runs", "")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose connections stay open (see the module's docstring).

    Config (``dagster.yaml``, ``event_log_storage``): ``base_dir``, optional, the folder of the
    databases; by default ``<DAGSTER_HOME>/history/runs``, where Dagster's default storage puts
    them, so an instance's history reads the same with either class."""

    def __init__(self, base_dir: str | None = None, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir or default_event_log_dir(), inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(config_value.get("base_dir"), inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            if self._engines_pid != os.getpid():
                # Inherited from the parent process by fork: its connections are the parent's.
                for engine in self._engines.values():
                    engine.dispose(close=False)
                self._engines.clear()
                self._engines_pid = os.getpid()
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = create_engine(self.conn_string_for_shard(shard),
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            self._engines[shard] = engine
            while len(self._engines) > OPEN_DATABASES:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As Dagster's own _connect (one transaction, the database created on first use), but
        # with the shard's engine kept; the lock is Dagster's, so connections are never nested.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def close_databases(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self.close_databases()   # the run databases are deleted: no connection may hold them
        super().wipe()

    def dispose(self) -> None:
        self.close_databases()
        super().dispose()
