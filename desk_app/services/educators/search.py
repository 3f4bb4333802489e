"""How the Educators page's search box and filters become SQL.

The operator types the way certification staff do: ``smi`` (last-name prefix, or an exact
username), ``smith, jo`` (last name, first-name prefix), ``jo.smith@example.com`` (exact email),
``2400012345`` (exact certificate number). Every form is an index range or equality read in the
order of the sort's index, so a page of a million educators costs the same as a page of a
thousand.

The statements are built once per shape (which search form, which filters, which sort) with
bound parameters and kept: SQLAlchemy then reuses the compiled SQL without rebuilding or
re-keying the statement on every keystroke.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    type_coerce,
)

from desk_app.models.educators import Certificate, CertificateClassification, Educator
from desk_app.services.listing import ListQuery, paged, prefix_upper_bound

E = Educator.__table__.c
C = Certificate.__table__.c
K = CertificateClassification.__table__.c
CERTIFICATE_NUMBER = re.compile(r"^\d{6,14}$")
# sort key -> index-backed ORDER BY columns (each ends in id so paging is stable)
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (E.last_name_search, E.first_name_search, E.id),
    "username": (E.username, E.id),
    "email": (E.email, E.id),
    "fingerprint": (E.fingerprint_status, E.last_name_search, E.first_name_search, E.id),
}
# the id is read as plain text: turning 50 of them into UUID objects and back cost a third of a page
ROW_COLUMNS = (
    type_coerce(E.id, String).label("id"),
    E.last_name,
    E.first_name,
    E.middle_name,
    E.username,
    E.email,
    E.fingerprint_status,
    E.last_login_at,
)
# one indexed probe; it selects the username itself, which needs no conversion on the way out
USERNAME_TAKEN = select(E.username).where(E.username == bindparam("word")).limit(1)


@dataclass(frozen=True)
class SearchPlan:
    """The statement shape (cache key) and the values to bind into it."""

    form: str  # "", email, number, last, last_first, prefix, prefix_or_username
    fingerprint: bool
    classification: bool
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def shape(self) -> tuple[str, bool, bool]:
        return (self.form, self.fingerprint, self.classification)


def plan(query: ListQuery, username_taken: Callable[[str], bool]) -> SearchPlan:
    """Read the search text and filters of ``query`` into a :class:`SearchPlan`.

    ``username_taken(word)`` says whether a typed word is someone's username (run
    :data:`USERNAME_TAKEN`): only then does the search need the slower OR form.
    """
    form, params = _text_form(query.text, username_taken)
    fingerprint = query.filter("fingerprint")
    code = query.filter("classification").upper()
    if fingerprint:
        params["fingerprint"] = fingerprint
    if code:
        params["classification"] = code
    return SearchPlan(form, bool(fingerprint), bool(code), params)


def _text_form(typed: str, username_taken: Callable[[str], bool]) -> tuple[str, dict[str, Any]]:
    typed = typed.strip()
    text = typed.lower()
    if not text:
        return "", {}
    if "@" in text:  # as typed or lower-cased: older profiles kept the case people typed
        return "email", {"typed": typed, "lower": text}
    if CERTIFICATE_NUMBER.fullmatch(text):
        return "number", {"number": text}
    if "," in text:
        last, _, first = (part.strip() for part in text.partition(","))
        if not first:
            return "last", {"last": last}
        return "last_first", {"last": last, "first": first, "first_end": prefix_upper_bound(first)}
    params = {"prefix": text, "prefix_end": prefix_upper_bound(text), "word": text}
    return ("prefix_or_username" if username_taken(text) else "prefix"), params


def _text_condition(form: str) -> Any:
    p = bindparam
    prefix = and_(E.last_name_search >= p("prefix"), E.last_name_search < p("prefix_end"))
    return {
        "": None,
        "email": E.email.in_([p("typed"), p("lower")]),
        "number": E.id.in_(
            select(C.educator_id).where(C.number == p("number"), C.deleted_at.is_(None))
        ),
        "last": E.last_name_search == p("last"),
        "last_first": and_(
            E.last_name_search == p("last"),
            E.first_name_search >= p("first"),
            E.first_name_search < p("first_end"),
        ),
        "prefix": prefix,
        "prefix_or_username": or_(prefix, E.username == p("word")),
    }[form]


def _classification(for_count: bool) -> Any:
    """Holders of an active certificate of the classification: a set (IN) for counting, a
    per-row probe (EXISTS) for a sorted page, which stops after one page of hits."""
    holders = select(C.educator_id).where(
        C.classification_id
        == select(K.id).where(K.code == bindparam("classification")).scalar_subquery(),
        C.status == "active",
        C.deleted_at.is_(None),
    )
    return E.id.in_(holders) if for_count else exists(holders.where(C.educator_id == E.id))


def _where(stmt: Select[Any], shape: tuple[str, bool, bool], for_count: bool) -> Select[Any]:
    form, fingerprint, classification = shape
    stmt = stmt.where(E.deleted_at.is_(None))
    condition = _text_condition(form)
    if condition is not None:
        stmt = stmt.where(condition)
    if fingerprint:
        stmt = stmt.where(E.fingerprint_status == bindparam("fingerprint"))
    if classification:
        stmt = stmt.where(_classification(for_count))
    return stmt


def current_classification() -> Any:
    """The newest active certificate's classification code, per educator row."""
    return (
        select(K.code)
        .select_from(
            Certificate.__table__.join(
                CertificateClassification.__table__, C.classification_id == K.id
            )
        )
        .where(C.educator_id == E.id, C.status == "active", C.deleted_at.is_(None))
        .order_by(C.effective_date.desc())
        .limit(1)
        .correlate(Educator.__table__)
        .scalar_subquery()
    )


@lru_cache(maxsize=128)
def count_statement(shape: tuple[str, bool, bool]) -> Select[Any]:
    return _where(select(func.count()).select_from(Educator.__table__), shape, for_count=True)


@lru_cache(maxsize=256)
def page_statement(shape: tuple[str, bool, bool], sort: str, descending: bool) -> Select[Any]:
    """One page of rows (bind the page too: :func:`desk_app.services.listing.page_params`)."""
    order = SORTS.get(sort, SORTS["name"])
    stmt = select(*ROW_COLUMNS, current_classification()).order_by(
        *(c.desc() for c in order) if descending else order
    )
    return paged(_where(stmt, shape, for_count=False))
