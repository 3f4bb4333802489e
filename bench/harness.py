"""Shared pieces of the benchmarks: figures, timing, and cached demo databases."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out"


@dataclass(frozen=True)
class Figure:
    """One measured figure with its reference (measured in the same run) and target."""

    name: str
    value: float
    unit: str
    reference_name: str = ""
    reference: float | None = None
    target: str = ""
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.value / self.reference  # type: ignore[operator]


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """Best wall time of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


def median_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


@dataclass
class BenchEnv:
    """What every benchmark module gets: scratch folder and demo databases by scale."""

    scale: float
    big_scale: float
    work: Path

    def demo_data_dir(self, scale: float) -> Path:
        """A data folder holding a seeded database of ``scale``, built once and cached in bench/out.

        The cache is valid for one schema and one seeder: the marker records the schema head and a
        digest of the seeder's sources, and a folder with another marker is rebuilt. Building
        takes a lock, so two bench runs never seed the same folder at once.
        """
        import fcntl

        from desk_app.app import open_app
        from desk_app.secrets import MemorySecrets

        folder = OUT / f"demo-scale-{scale:g}"
        marker = folder / ".seeded"
        expected = _seed_fingerprint()
        OUT.mkdir(exist_ok=True)
        with open(OUT / f".demo-scale-{scale:g}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not marker.exists() or marker.read_text() != expected:
                if folder.exists():
                    shutil.rmtree(folder)
                from desk_app.seed import seed_database

                app = open_app(folder, secrets=MemorySecrets(), username="bench")
                seed_database(app.services, scale=scale)
                app.close()
                marker.write_text(expected)
        return folder

    def scratch(self, name: str) -> Path:
        path = self.work / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path


def _seed_fingerprint() -> str:
    """The schema head and a digest of the demo-data seeder's sources."""
    import hashlib

    import desk_app.seed
    from desk_app.models.migrations import HEAD_REVISION

    digest = hashlib.sha256()
    for source in sorted(Path(desk_app.seed.__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return f"schema {HEAD_REVISION}, seeder {digest.hexdigest()[:16]}"


def rss_mb() -> float:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 1e6


def capture_statements(engine: Any, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements (and parameters) that ``call`` sends through ``engine`` or through the
    store's read path (:mod:`desk_app.models.readpath`), so a benchmark can replay exactly them on
    the raw driver as its reference. Raises when ``call`` sent nothing."""
    from sqlalchemy import event

    from desk_app.models.readpath import CompiledRead

    seen: list[tuple[str, Any]] = []

    def listener(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        seen.append((statement, parameters))

    original = CompiledRead.all

    def recording(self: CompiledRead, cursor: Any, params: Any) -> list[Any]:
        seen.append((self.sql, tuple(self.parameters(params))))
        return original(self, cursor, params)

    event.listen(engine, "before_cursor_execute", listener)
    CompiledRead.all = recording  # type: ignore[method-assign]
    try:
        call()
    finally:
        CompiledRead.all = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", listener)
    if not seen:
        raise RuntimeError("the measured call sent no SQL: there is nothing to compare it with")
    return seen
