"""The contract between lazy table models and services: a query, a count, and pages of DTOs.

A list page never loads a whole table: it asks for ``count`` (for the header) and then pages of
rows at offsets as the view scrolls (``canFetchMore`` / ``fetchMore``). Sorting and filtering are
pushed into SQL by the service that implements :class:`ListSource`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Integer, Select, bindparam

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


@dataclass(frozen=True)
class ListQuery:
    """What a list page asks for. ``filters`` keys are source-specific (``kind``, ``state``...)."""

    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = ""
    descending: bool = False

    def filter(self, key: str) -> str:
        return dict(self.filters).get(key, "")

    def with_filter(self, key: str, value: str) -> ListQuery:
        rest = tuple((k, v) for k, v in self.filters if k != key)
        return ListQuery(
            self.text, rest + (((key, value),) if value else ()), self.sort, self.descending
        )


def paged(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` with its page bound at run time (see :func:`page_params`): one compiled statement
    serves every page of a list."""
    return stmt.offset(bindparam("page_offset", type_=Integer)).limit(
        bindparam("page_limit", type_=Integer)
    )


def page_params(params: dict[str, Any], offset: int, limit: int) -> dict[str, Any]:
    """``params`` plus the page that :func:`paged` binds."""
    return {**params, "page_offset": offset, "page_limit": limit}


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``\\`` as the escape: typed ``%`` and ``_`` stay characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def row_id(value: Any) -> str:
    """A list row's id in its canonical text form. List statements read ids as plain text (32
    hex digits in SQLite): turning each into a UUID object and back cost a third of a small page."""
    h = str(value)
    return (
        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" if len(h) == 32 else str(uuid.UUID(h))
    )


class ListSource(Protocol[T_co]):
    """Implemented by services that back a list page."""

    def count(self, query: ListQuery) -> int: ...

    def fetch(self, query: ListQuery, offset: int, limit: int) -> Sequence[T_co]: ...


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T] = field(default_factory=list)
    offset: int = 0


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (index range scans)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else ""
