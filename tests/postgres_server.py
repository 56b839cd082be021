"""A throwaway PostgreSQL server for the tests (Debian's package `postgresql`, which .ci/run
installs): initdb and pg_ctl in a temporary folder, on 127.0.0.1 and a free port, run as the
postgres user when the tests run as root (initdb refuses root). Shared by the dbt parity test
(tests/test_dbt_mart.py) and the publication test (tests/test_published_mart.py)."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    candidates = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(v) for v in versions), key=lambda p: float(p.parent.name), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_postgres(find=postgres_bindir) -> Path:
    """The server binaries' folder; without them skip, except under CI, where it is a failure."""
    bindir = find()
    if bindir is None:
        reason = ("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
                  "/usr/lib/postgresql/*/bin: install Debian's package `postgresql` (.ci/run does)")
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — under CI this is a failure, not a skip")
        pytest.skip(reason)
    return bindir


@contextmanager
def running_postgres() -> Iterator[dict]:
    """Start a cluster; yield its connection parameters (host, port, user); stop and remove it."""
    bindir = require_postgres()
    folder = Path(tempfile.mkdtemp(prefix="disclosure-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    port = free_port()
    try:
        subprocess.run(run_as + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "--encoding=UTF8", "--locale=C", "--no-sync"],
                       check=True, capture_output=True, text=True)
        subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                                 "-w", "-t", "60", "-o",
                                 f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off", "start"],
                       check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as error:
        log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {error.stderr}\n{log}")
    try:
        yield {"host": "127.0.0.1", "port": port, "user": "postgres"}
    finally:
        subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
