"""The list pages' read path: statements compiled once and run on bare DBAPI cursors."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Integer, bindparam, func, literal, select

from desk_app.models.people import Person
from desk_app.models.readpath import CompiledRead
from desk_app.models.store import Actor, Store

ACTOR = Actor("tester", "ws-1", "security_admin")
P = Person.__table__.c

BY_LAST = (
    select(P.id, P.last_name, P.first_name, P.updated_at, literal("x").label("mark"))
    .where(P.last_name_search >= bindparam("prefix"), P.deleted_at.is_(None))
    .order_by(P.last_name_search, P.id)
    .limit(bindparam("n", type_=Integer))
)


def _people(store: Store, *names: str) -> None:
    with store.uow(ACTOR) as uow:
        for name in names:
            uow.session.add(
                Person(
                    first_name="Ann",
                    last_name=name,
                    last_name_search=name.lower(),
                    email=f"{name.lower()}@example.org",
                )
            )
        uow.commit()


def test_rows_equal_what_a_core_connection_returns(store: Store) -> None:
    _people(store, "Adams", "Baker", "Clark")
    params = {"prefix": "b", "n": 10}
    with store.engine.connect() as conn:
        expected = [tuple(r) for r in conn.execute(BY_LAST, params)]
    got = [tuple(r) for r in store.read_rows(BY_LAST, params)]
    assert got == expected
    assert [r[1] for r in got] == ["Baker", "Clark"]
    # the UTC timestamp went through the column type's result processing, literals were bound
    assert isinstance(got[0][3], datetime) and got[0][3].tzinfo is not None
    assert got[0][3] <= datetime.now(UTC)
    assert got[0][4] == "x"


def test_a_missing_parameter_is_an_error_not_a_null(store: Store) -> None:
    compiled = CompiledRead(BY_LAST, store.engine)
    with pytest.raises(KeyError):
        compiled.parameters({"prefix": "a"})
    # the select list's literal, then the WHERE and LIMIT values, then SQLite's OFFSET 0
    assert compiled.parameters({"prefix": "a", "n": 3}) == ["x", "a", 3, 0]


def test_readers_see_each_commit_and_keep_the_store_pragmas(store: Store) -> None:
    assert store.reader is not None
    count = select(func.count()).select_from(Person.__table__)
    assert store.read_rows(count, {})[0][0] == 0
    _people(store, "Adams")
    assert store.read_rows(count, {})[0][0] == 1  # the same (reused) connection, a new snapshot
    with store.reader.cursor() as cur:
        assert cur.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert cur.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert cur.connection.in_transaction is False


def test_concurrent_readers_get_their_own_connections(store: Store) -> None:
    assert store.reader is not None
    _people(store, *(f"Name{i:03d}" for i in range(200)))
    barrier = threading.Barrier(4)
    seen: list[object] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            assert store.reader is not None
            with store.reader.cursor() as cur:
                seen.append(cur.connection)
                barrier.wait(timeout=10)  # all four lent at the same moment
                for _ in range(20):
                    assert len(store.read_rows(BY_LAST, {"prefix": "name", "n": 500})) == 200
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({id(c) for c in seen}) == 4


def test_closing_the_store_closes_its_readers(store: Store) -> None:
    import sqlite3

    reader = store.reader
    assert reader is not None
    store.read_rows(BY_LAST, {"prefix": "", "n": 1})
    with reader.cursor() as cur:
        lent = cur.connection
        idle_before = [c.connection for c in reader._idle]
        store.dispose()
        lent.execute("SELECT 1")  # a lent connection stays usable until it comes back
    for conn in [lent, *idle_before]:
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    with pytest.raises(RuntimeError, match="closed"):
        store.read_rows(BY_LAST, {"prefix": "", "n": 1})


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-11-23 13:41:11.123456", datetime(2026, 11, 23, 13, 41, 11, 123456, tzinfo=UTC)),
        ("2026-11-23 13:41:11", datetime(2026, 11, 23, 13, 41, 11, tzinfo=UTC)),
        # text written by another tool, with an offset of its own: converted, not mislabelled
        ("2026-11-23T15:41:11+02:00", datetime(2026, 11, 23, 13, 41, 11, tzinfo=UTC)),
    ],
)
def test_utc_timestamps_read_back_aware_on_both_paths(
    store: Store, stored: str, expected: datetime
) -> None:
    _people(store, "Adams")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE person SET updated_at = ?", (stored,))
    stmt = select(P.updated_at)
    with store.engine.connect() as conn:
        core = conn.execute(stmt).scalar_one()
    fast = store.read_rows(stmt, {})[0][0]
    assert core == fast == expected
    assert core.utcoffset() == fast.utcoffset() == expected.utcoffset()


def test_the_compiled_statements_stay_bounded(store: Store, monkeypatch) -> None:
    from desk_app.models import readpath

    assert store.reader is not None
    monkeypatch.setattr(readpath, "MAX_COMPILED", 3)
    for n in range(10):  # a new statement object each time, as a careless caller would make
        assert store.read_rows(select(literal(n)), {})[0][0] == n
        assert len(store.reader._compiled) <= 3


def test_idle_readers_hold_no_snapshot_that_would_stop_a_checkpoint(store: Store) -> None:
    _people(store, "Adams", "Baker")
    assert len(store.read_rows(BY_LAST, {"prefix": "", "n": 10})) == 2  # the reader is now idle
    _people(store, "Clark")  # more WAL frames
    with store.engine.connect() as conn:
        busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    assert busy == 0 and frames == 0 == copied  # truncated: no reader pinned an older snapshot


def test_uuid_parameters_are_bound_as_the_column_type_stores_them(store: Store) -> None:
    _people(store, "Adams", "Baker")
    with store.read() as s:
        baker_id = s.execute(select(P.id).where(P.last_name == "Baker")).scalar_one()
    by_id = select(P.last_name).where(P.id == bindparam("id"))
    assert store.read_rows(by_id, {"id": baker_id})[0][0] == "Baker"  # a uuid.UUID, converted


def test_an_expanding_in_list_is_refused_clearly(store: Store) -> None:
    with pytest.raises(TypeError, match="IN list"):
        CompiledRead(select(P.id).where(P.last_name.in_(["Adams", "Baker"])), store.engine)


def test_a_store_without_a_file_reads_through_a_core_connection() -> None:
    from desk_app.models.store import open_url

    memory = open_url("sqlite://")  # one in-memory database: its engine must keep its connection
    try:
        assert memory.reader is None
        _people(memory, "Adams", "Baker")
        rows = memory.read_rows(BY_LAST, {"prefix": "b", "n": 5})
        assert [r[1] for r in rows] == ["Baker"] and rows[0][3].tzinfo is not None
    finally:
        memory.dispose()
