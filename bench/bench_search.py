"""Searching entities and educators through the services, beside raw SQLite running the same SQL.

For each search the service call is run once with a cursor listener that records the exact
statements and parameters SQLAlchemy sends; the reference replays those statements with the
``sqlite3`` module on the same file (same page cache size) and fetches every row. The ratio is
therefore the services' own cost: session, compilation cache, row and DTO building.
Also measured: seeding scale 1 from nothing (set ``DESK_BENCH_SKIP_SEED=1`` to skip it).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import BenchEnv, Figure, best_of, capture_statements

REPEAT = 25
PAGE = 50


def _raw(path: Path, statements: list[tuple[str, Any]]) -> Callable[[], object]:
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA cache_size=-32000")  # as desk_app's store sets it

    def run() -> object:
        return [conn.execute(sql, params).fetchall() for sql, params in statements]

    return run


def _figure(name: str, engine: Any, path: Path, call: Callable[[], object]) -> Figure:
    call()  # warm the compilation cache and the page cache, as a second search would find them
    raw = _raw(path, capture_statements(engine, call))
    raw()
    value = best_of(call, REPEAT)
    reference = best_of(raw, REPEAT)
    return Figure(
        name,
        value,
        "ms",
        "raw sqlite3, same SQL",
        reference,
        "<= 2x raw SQLite",
        value <= 2 * reference,
    )


def _samples(path: Path) -> dict[str, str]:
    """A real username, email and certificate number from the database to search for."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        username, email = conn.execute(
            "SELECT username, email FROM educator WHERE username IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
        (number,) = conn.execute("SELECT number FROM certificate ORDER BY id LIMIT 1").fetchone()
    finally:
        conn.close()
    return {"username": username, "email": email, "number": number}


def _searches(env: BenchEnv, scale: float) -> list[Figure]:
    from desk_app.app import open_app
    from desk_app.secrets import MemorySecrets
    from desk_app.services.directory.entities import EntityService
    from desk_app.services.educators.profiles import EducatorService
    from desk_app.services.listing import ListQuery

    folder = env.demo_data_dir(scale)
    app = open_app(folder, secrets=MemorySecrets(), username="bench")
    try:
        engine, path = app.store.engine, app.paths.database
        entities, educators = EntityService(app.services), EducatorService(app.services)
        sample = _samples(path)
        tag = f"(scale {scale:g})"
        cases: list[tuple[str, Callable[[], object]]] = [
            (
                f"entity search 'spring' page {tag}",
                lambda: entities.fetch(ListQuery("spring"), 0, PAGE),
            ),
            (
                f"entity search code '048' page {tag}",
                lambda: entities.fetch(ListQuery("048"), 0, PAGE),
            ),
            (
                f"educator search 'smi' page {tag}",
                lambda: educators.fetch(ListQuery("smi"), 0, PAGE),
            ),
            (f"educator search 'smi' count {tag}", lambda: educators.count(ListQuery("smi"))),
            (
                f"educator search 'smith, j' page {tag}",
                lambda: educators.fetch(ListQuery("smith, j"), 0, PAGE),
            ),
            (
                f"educator exact username page {tag}",
                lambda: educators.fetch(ListQuery(sample["username"]), 0, PAGE),
            ),
            (
                f"educator exact email page {tag}",
                lambda: educators.fetch(ListQuery(sample["email"]), 0, PAGE),
            ),
            (
                f"educator exact certificate no. page {tag}",
                lambda: educators.fetch(ListQuery(sample["number"]), 0, PAGE),
            ),
            (f"educator list open: count all {tag}", lambda: educators.count(ListQuery())),
            (
                f"educator list open: first page {tag}",
                lambda: educators.fetch(ListQuery(), 0, PAGE),
            ),
        ]
        return [_figure(name, engine, path, call) for name, call in cases]
    finally:
        app.close()


def _seed_time(env: BenchEnv) -> Figure:
    from desk_app.app import open_app
    from desk_app.secrets import MemorySecrets
    from desk_app.seed import seed_database

    app = open_app(env.scratch("seed-scale-1"), secrets=MemorySecrets(), username="bench")
    try:
        started = time.perf_counter()
        summary = seed_database(app.services, scale=1.0)
        seconds = time.perf_counter() - started
    finally:
        app.close()
    return Figure(
        f"seed scale 1 ({summary.total_rows:,} rows)",
        seconds,
        "s",
        target="well under 60 s",
        ok=seconds < 60,
    )


def run(env: BenchEnv) -> list[Figure]:
    figures: list[Figure] = []
    for scale in dict.fromkeys((env.scale, env.big_scale)):
        figures += _searches(env, scale)
    if not os.environ.get("DESK_BENCH_SKIP_SEED"):
        figures.append(_seed_time(env))
    return figures
