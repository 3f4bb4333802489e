"""A private PostgreSQL server on loopback for the sync tests, the benchmark and demos.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user in a
temporary folder it owns; otherwise as the current user. Never used by the app itself.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]


class PostgresMissing(RuntimeError):
    pass


def _bin(name: str) -> str:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found:
        return found
    raise PostgresMissing(
        f"PostgreSQL's {name} was not found (looked in {', '.join(map(str, BIN_DIRS))} and PATH): "
        "install the Debian package `postgresql` (scripts/setup.sh test does it)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """Start with :meth:`start`, make databases with :meth:`create_database`, :meth:`stop` at the end."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="desk-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else os.environ.get("USER", "postgres")
        self._admin: object | None = None

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}")

    def start(self) -> PrivatePostgres:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        os.chmod(self.root, 0o755)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            initdb, "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-sync"
        )
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(
            pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-o", opts, "-w", "start"
        )
        return self

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def _admin_exec(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            for _ in range(50):
                try:
                    conn.execute(sql)
                    return
                except psycopg.errors.ObjectInUse:  # template busy for a moment after use
                    time.sleep(0.1)
            conn.execute(sql)

    def create_database(self, template: str | None = None) -> str:
        """Create an empty (or ``template``-copied) database; returns its name."""
        name = f"db_{uuid.uuid4().hex[:12]}"
        self._admin_exec(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        self._admin_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
