"""The read path of the list pages: a Core SELECT compiled once, run on a bare DBAPI cursor.

A list page or a search is one small indexed statement, typed once per keystroke. Through a
SQLAlchemy ``Connection`` each one pays for a pool checkout, the statement's cache key, parameter
processing, a ``CursorResult`` and a ``Row`` per row: about 50-100 us, several times what SQLite
itself takes for an indexed page (10-20 us for an exact look-up). The statements are still written
with SQLAlchemy Core (so they stay typed, dialect-correct and checked against the models); this
module compiles each one once for the store's dialect and keeps:

- the SQL text and the order of its positional parameters;
- the values of the literals the statement carries (``status = 'active'``, ``LIMIT 1``);
- the bind and result processors SQLAlchemy's types declare, applied only where one exists
  (a UTC timestamp column parses; plain text and integers pass through untouched).

:class:`ReaderPool` lends DBAPI connections made by the store's engine (so they carry the same
pragmas) to one reader at a time. SQLite's module in its default mode opens no transaction for a
SELECT: every statement reads the newest committed snapshot, as a pooled connection would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Select

Processor = Callable[[Any], Any]
MAX_COMPILED = 1024  # statements kept compiled per store (callers build each shape once)


class CompiledRead:
    """One SELECT compiled for one dialect (qmark or numeric-positional paramstyle)."""

    __slots__ = ("sql", "_names", "_defaults", "_binders", "_results", "_plain")

    def __init__(self, stmt: Select[Any], engine: Engine) -> None:
        dialect = engine.dialect
        compiled = stmt.compile(dialect=dialect)
        if not compiled.positional or compiled.positiontup is None:
            raise TypeError(f"the {dialect.name} dialect does not bind by position")
        if any(bind.expanding for bind in compiled.binds.values()):
            raise TypeError(
                "an IN list bound as one parameter is expanded per call; write a fixed "
                "list into the SQL or bind its items one by one"
            )
        self.sql = compiled.string
        self._names: tuple[str, ...] = tuple(compiled.positiontup)
        binds = compiled.binds
        self._defaults: dict[str, Any] = {
            name: bind.effective_value for name, bind in binds.items() if not bind.required
        }
        self._binders: tuple[tuple[int, Processor], ...] = tuple(
            (i, proc)
            for i, name in enumerate(self._names)
            if (proc := binds[name].type.bind_processor(dialect)) is not None
        )
        self._results: tuple[tuple[int, Processor], ...] = tuple(
            (i, proc)
            for i, column in enumerate(stmt.selected_columns)
            if (proc := column.type.result_processor(dialect, None)) is not None
        )
        self._plain = not self._results

    def parameters(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional parameters for ``params`` (a missing required one raises KeyError)."""
        defaults = self._defaults
        values = [params[n] if n in params else defaults[n] for n in self._names]
        for i, proc in self._binders:
            values[i] = proc(values[i])
        return values

    def all(self, cursor: Any, params: Mapping[str, Any]) -> list[Any]:
        """Every row, as tuples (processed) or lists (when a column has a result processor)."""
        rows = cursor.execute(self.sql, self.parameters(params)).fetchall()
        if self._plain:
            return rows  # type: ignore[no-any-return]
        results = self._results
        out = []
        for row in rows:
            values = list(row)
            for i, proc in results:
                values[i] = proc(values[i])
            out.append(values)
        return out


class ReaderPool:
    """DBAPI connections of one engine, each lent to one thread at a time, closed together."""

    def __init__(self, engine: Engine, keep: int = 2) -> None:
        self.engine = engine
        self.keep = keep
        self._idle: list[Any] = []
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False
        # by identity, holding the statement so its id is not reused: callers build each
        # statement once per shape (lru_cache) and pass the same object on every keystroke
        self._compiled: dict[int, tuple[Select[Any], CompiledRead]] = {}

    def compiled(self, stmt: Select[Any]) -> CompiledRead:
        """``stmt`` compiled for this engine."""
        found = self._compiled.get(id(stmt))
        if found is None:
            if len(self._compiled) >= MAX_COMPILED:
                # a caller building statements per call instead of per shape: stay bounded
                self._compiled.clear()
            found = self._compiled[id(stmt)] = (stmt, CompiledRead(stmt, self.engine))
        return found[1]

    def _new(self) -> Any:
        fairy = self.engine.raw_connection()  # the engine's connect events (pragmas) have run
        conn = fairy.driver_connection
        fairy.detach()  # ours from now on: the engine's pool will neither reuse nor close it
        return conn

    def lend(self) -> Any:
        """A cursor of an idle connection (a new connection when all are lent); give it back
        with :meth:`give_back`. Each connection keeps its one cursor while it is idle."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the database is closed")
            if self._idle:
                return self._idle.pop()
        cursor = self._new().cursor()
        with self._lock:
            self._all.append(cursor)
        return cursor

    def give_back(self, cursor: Any) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self.keep:
                self._idle.append(cursor)
                return
            self._all.remove(cursor)
        cursor.connection.close()

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """:meth:`lend` and :meth:`give_back` around a block."""
        cursor = self.lend()
        try:
            yield cursor
        finally:
            self.give_back(cursor)

    def reading(self) -> Reading:
        return Reading(self)

    def close(self) -> None:
        """Close every connection that is not lent (lent ones close when they come back)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            for cursor in idle:
                self._all.remove(cursor)
        for cursor in idle:
            cursor.connection.close()


class Reading:
    """``with pool.reading() as read: rows = read(stmt, params)``: statements on one lent cursor.

    A class rather than a generator-based context manager: a search runs several of these per
    keystroke, and each microsecond shows beside an exact look-up's ten.
    """

    __slots__ = ("_pool", "_cursor")

    def __init__(self, pool: ReaderPool) -> None:
        self._pool = pool
        self._cursor: Any = None

    def __enter__(self) -> Reading:
        self._cursor = self._pool.lend()
        return self

    def __call__(self, stmt: Select[Any], params: Mapping[str, Any]) -> list[Any]:
        return self._pool.compiled(stmt).all(self._cursor, params)

    def __exit__(self, *exc: object) -> None:
        cursor, self._cursor = self._cursor, None
        self._pool.give_back(cursor)
