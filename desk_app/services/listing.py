"""The contract between lazy table models and services: a query, a count, and pages of DTOs.

A list page never loads a whole table: it asks for ``count`` (for the header) and then pages of
rows at offsets as the view scrolls (``canFetchMore`` / ``fetchMore``). Sorting and filtering are
pushed into SQL by the service that implements :class:`ListSource`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

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
        return ListQuery(self.text, rest + (((key, value),) if value else ()), self.sort, self.descending)


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
