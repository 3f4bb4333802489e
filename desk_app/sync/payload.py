"""The portable row form: one JSON object per row that both SQLite and PostgreSQL read.

A row travels as ``{"column": value}`` with UUIDs as hex text, timestamps as ISO text in UTC,
booleans as JSON booleans, binary columns (the SSN / date-of-birth ciphertexts) as ``\\x``-hex
text (PostgreSQL's own bytea text form) and JSON columns nested. Reading a batch from SQLite is
done by SQLite itself (``json_object``), which keeps a 100,000-row push fast; PostgreSQL turns the
same text into a typed row with ``jsonb_populate_record``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    Table,
)
from sqlalchemy import Uuid as UuidType

from desk_app.models.base import Base, UTCDateTime


def table(name: str) -> Table:
    """The SQLAlchemy table called ``name`` (every table is registered by ``desk_app.models``)."""
    return Base.metadata.tables[name]


def _kind(col_type: Any) -> str:
    for klass, kind in (
        (UuidType, "uuid"),
        (LargeBinary, "bytes"),
        (JSON, "json"),
        (Boolean, "bool"),
        (UTCDateTime, "datetime"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Numeric, "number"),
        (Integer, "int"),
    ):
        if isinstance(col_type, klass):
            return kind
    return "text"


def _sqlite_expr(name: str, kind: str) -> str:
    q = f'"{name}"'
    if kind == "bytes":
        return f"CASE WHEN {q} IS NULL THEN NULL ELSE '\\x' || lower(hex({q})) END"
    if kind == "json":
        return f"json({q})"
    if kind == "bool":
        return f"CASE {q} WHEN 1 THEN json('true') WHEN 0 THEN json('false') END"
    return q


@cache
def sqlite_json_select(table_name: str) -> str:
    """SQL selecting ``id`` and the portable JSON of each row of ``table_name`` (ids bound as ``:ids``)."""
    parts = []
    for col in table(table_name).columns:
        parts.append(f"'{col.name}', {_sqlite_expr(col.name, _kind(col.type))}")
    return (
        f'SELECT id, row_version, json_object({", ".join(parts)}) FROM "{table_name}" WHERE id IN '
    )


def _copy_text(expr: str) -> str:
    """SQL escaping ``expr`` (text) for PostgreSQL's COPY text format: backslash, tab, newline and
    carriage return become backslash sequences."""
    return (
        f"replace(replace(replace(replace({expr}, '\\', '\\\\'), char(9), '\\t'), "
        f"char(10), '\\n'), char(13), '\\r')"
    )


def _copy_expr(name: str, kind: str) -> str:
    q = f'"{name}"'
    if kind == "bytes":  # bytea's hex input, its backslash escaped for COPY
        value = f"'\\\\x' || lower(hex({q}))"
    elif kind == "bool":
        value = f"CASE {q} WHEN 1 THEN 't' WHEN 0 THEN 'f' END"
    elif kind == "json":
        value = _copy_text(f"json({q})")
    elif kind in ("int", "number", "uuid", "datetime", "date"):
        # integers and numbers print as PostgreSQL reads them; uuids are 32 hex digits, times and
        # dates ISO text in UTC, none of which can hold a character COPY would need escaped
        value = f"CAST({q} AS TEXT)"
    else:
        value = _copy_text(q)
    return f"coalesce({value}, '\\N')"


@cache
def sqlite_copy_select(table_name: str) -> str:
    """SQL selecting ``id``, ``row_version`` and each row of ``table_name`` as one line of
    PostgreSQL's COPY text format (the table's columns in model order, no newline), ids bound as
    one JSON array. SQLite writes the lines itself: a 100,000-row push formats no value in Python.
    """
    parts = " || char(9) || ".join(
        _copy_expr(c.name, _kind(c.type)) for c in table(table_name).columns
    )
    return (
        f'SELECT id, row_version, {parts} FROM "{table_name}" '
        f"WHERE id IN (SELECT value FROM json_each(?))"
    )


def copy_columns(table_name: str) -> list[str]:
    """The column order of :func:`sqlite_copy_select`'s lines."""
    return [c.name for c in table(table_name).columns]


def read_copy_lines(
    conn: Connection, table_name: str, row_ids: list[str]
) -> dict[str, tuple[int, str]]:
    """``{id hex: (row_version, COPY line)}`` of the rows ``row_ids`` of a local table."""
    sql = sqlite_copy_select(table_name)
    return {r[0]: (int(r[1]), r[2]) for r in conn.exec_driver_sql(sql, (json.dumps(row_ids),))}


def read_versioned(
    conn: Connection, table_name: str, row_ids: list[str]
) -> dict[str, tuple[int, str]]:
    """``{id hex: (row_version, portable JSON text)}`` of the rows ``row_ids`` of a local table."""
    # one statement per table: the ids travel as one JSON array (no bound-parameter limit)
    sql = sqlite_json_select(table_name) + "(SELECT value FROM json_each(?))"
    return {r[0]: (int(r[1]), r[2]) for r in conn.exec_driver_sql(sql, (json.dumps(row_ids),))}


def read_rows(conn: Connection, table_name: str, row_ids: list[str]) -> dict[str, str]:
    """Portable JSON text of the rows ``row_ids`` (uuid hex) of a local table, keyed by id hex."""
    return {k: body for k, (_v, body) in read_versioned(conn, table_name, row_ids).items()}


def _to_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_FROM_PORTABLE: dict[str, Callable[[Any], Any]] = {
    "uuid": lambda v: uuid.UUID(str(v)),
    "bytes": lambda v: bytes.fromhex(v[2:] if v.startswith("\\x") else v),
    "json": lambda v: v,
    "bool": bool,
    "datetime": _to_datetime,
    "date": lambda v: date.fromisoformat(str(v)[:10]),
    "number": float,
    "int": int,
    "text": str,
}


@cache
def converters(table_name: str) -> dict[str, Callable[[Any], Any]]:
    """Column name -> function turning a portable value into the Python value the ORM expects."""
    return {c.name: _FROM_PORTABLE[_kind(c.type)] for c in table(table_name).columns}


def to_python(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """Convert one portable row to Python values (``None`` stays ``None``)."""
    conv = converters(table_name)
    return {k: (None if v is None else conv[k](v)) for k, v in row.items() if k in conv}


def display_value(value: Any) -> str:
    """A short text for the Conflicts view (binary columns are ciphertext: never shown)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("\\x"):
        return "(encrypted)"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)[:200]
    return str(value)


def data_columns(table_name: str) -> list[str]:
    """Columns an operator may choose between when merging (no bookkeeping)."""
    skip = {"id", "row_version", "created_at", "updated_at", "updated_by", "workstation_id"}
    return [c.name for c in table(table_name).columns if c.name not in skip]


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
