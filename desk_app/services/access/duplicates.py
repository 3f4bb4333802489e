"""One person, one username: likely duplicate accounts, found without comparing every pair.

Accounts are put in blocks by keys a duplicate shares with its original: the same e-mail
(ignoring case), the same linked person (the educator record), the same first and last name,
the same mailbox name at another domain. Only accounts within a block are compared (rapidfuzz
on the full name and the mailbox, a block at a time; alike names alone count only within one
entity, since two people of one name are common), so 200,000 accounts make a few hundred
thousand comparisons, not twenty billion. Runs off the GUI thread with progress and cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import Select, String, func, select, type_coerce

from desk_app.errors import KnownError
from desk_app.models.access import UserAccount
from desk_app.models.entities import EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.listing import row_id

BLOCK_LIMIT = 40  # a larger block (a very common name) is compared by e-mail blocks only
NAME_SCORE = 88.0
SMALL_BLOCK = 8  # up to this many accounts, pairs are compared one by one (no matrices to build)


class SearchCancelled(KnownError):
    """The operator stopped the duplicate search."""


@dataclass(frozen=True)
class AccountSide:
    id: str
    username: str
    name: str
    email: str
    entity_code: str
    status: str


@dataclass(frozen=True)
class LikelyDuplicate:
    first: AccountSide
    second: AccountSide
    score: float
    reasons: tuple[str, ...]


def _key_columns(rows: Sequence[tuple[str, ...]]) -> Iterator[list[str]]:
    """The blocking keys, one column per kind, one value per account ("" for none): the same
    e-mail, the same last and first name, the same mailbox (5 letters or more), the same
    linked educator record."""
    emails = [r[4].lower() for r in rows]
    yield emails
    yield [f"{r[3].lower()}:{r[2].lower()}" for r in rows]
    boxes = [e.partition("@")[0] for e in emails]
    yield [b if len(b) >= 5 else "" for b in boxes]
    yield [r[7] for r in rows]


def _blocks(rows: Sequence[tuple[str, ...]]) -> list[np.ndarray]:
    """Groups of 2 to :data:`BLOCK_LIMIT` accounts sharing a key, as arrays of row indexes.

    Grouping is a sort (``numpy.unique``) per kind of key rather than a dictionary filled row by
    row: at 200,000 accounts the dictionary alone took seconds.
    """
    out: list[np.ndarray] = []
    for column in _key_columns(rows):
        values = np.asarray(column)  # fixed-width text: sorted in C, not by Python compares
        keys, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        wanted = (counts >= 2) & (counts <= BLOCK_LIMIT) & (keys != "")
        members = np.flatnonzero(wanted[inverse])
        if not len(members):
            continue
        order = members[np.argsort(inverse[members], kind="stable")]
        cuts = np.flatnonzero(np.diff(inverse[order])) + 1
        out.extend(np.split(order, cuts))
    return out


def _pair_match(
    rows: Sequence[tuple[str, ...]], prepared: list[tuple[str, str, str]], a: int, b: int
) -> tuple[float, tuple[str, ...]] | None:
    """One pair of a small block: the block test without building matrices, the cheap
    equalities first (most pairs share a common name across two entities and stop there)."""
    (name_a, box_a, email_a), (name_b, box_b, email_b) = prepared[a], prepared[b]
    same_email = email_a == email_b
    same_person = bool(rows[a][7]) and rows[a][7] == rows[b][7]
    same_entity = bool(rows[a][5]) and rows[a][5] == rows[b][5]
    if not (same_email or same_person or same_entity):
        return None
    name = round(fuzz.ratio(name_a, name_b))
    mailbox = round(fuzz.ratio(box_a, box_b))
    alike = name >= NAME_SCORE and mailbox >= NAME_SCORE and same_entity
    if not (same_email or same_person or alike):
        return None
    reasons = []
    if same_email:
        reasons.append("same e-mail")
    if same_person:
        reasons.append("same educator record")
    if name >= NAME_SCORE:
        reasons.append(f"names alike ({name})")
    if mailbox >= NAME_SCORE and not same_email:
        reasons.append(f"mailboxes alike ({mailbox})")
    score = 100.0 if same_email or same_person else (name + mailbox) / 2
    return score, tuple(reasons)


def _block_matches(
    rows: Sequence[tuple[str, ...]], members: list[int], prepared: list[tuple[str, str, str]]
) -> Iterator[tuple[int, int, float, tuple[str, ...]]]:
    """Likely pairs inside one block: names and mailboxes scored all at once (rapidfuzz
    ``cdist``), then only the candidate pairs looked at one by one."""
    names = [prepared[m][0] for m in members]
    boxes = [prepared[m][1] for m in members]
    emails = np.array([prepared[m][2] for m in members])
    persons = np.array([rows[m][7] or f"-{m}" for m in members])
    entities = np.array([rows[m][5] or f"-{m}" for m in members])
    name = process.cdist(names, names, scorer=fuzz.ratio, dtype=np.uint8)
    mailbox = process.cdist(boxes, boxes, scorer=fuzz.ratio, dtype=np.uint8)
    same_email = emails[:, None] == emails[None, :]
    same_person = persons[:, None] == persons[None, :]
    # two people of the same name are common; alike names count only within one entity
    alike = (
        (name >= NAME_SCORE) & (mailbox >= NAME_SCORE) & (entities[:, None] == entities[None, :])
    )
    candidates = np.triu(same_email | same_person | alike, k=1)
    for i, j in zip(*np.nonzero(candidates), strict=True):
        reasons = []
        if same_email[i, j]:
            reasons.append("same e-mail")
        if same_person[i, j]:
            reasons.append("same educator record")
        if name[i, j] >= NAME_SCORE:
            reasons.append(f"names alike ({name[i, j]})")
        if mailbox[i, j] >= NAME_SCORE and not same_email[i, j]:
            reasons.append(f"mailboxes alike ({mailbox[i, j]})")
        strong = same_email[i, j] or same_person[i, j]
        score = 100.0 if strong else (float(name[i, j]) + float(mailbox[i, j])) / 2
        yield members[i], members[j], score, tuple(reasons)


def _side(row: Sequence[str], codes: dict[str, str]) -> AccountSide:
    return AccountSide(
        row_id(row[0]), row[1], f"{row[2]} {row[3]}", row[4], codes.get(row[5], ""), row[6]
    )


def find_duplicates(
    ctx: ServiceContext,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[LikelyDuplicate]:
    """Likely duplicate accounts, the likeliest first."""
    ctx.require(Perm.VIEW_ACCESS)
    stmt = cast(
        "Select[Any]",
        select(
            type_coerce(UserAccount.id, String),
            UserAccount.username,
            UserAccount.first_name,
            UserAccount.last_name,
            UserAccount.email,
            func.coalesce(type_coerce(UserAccount.entity_id, String), ""),
            UserAccount.status,
            func.coalesce(type_coerce(UserAccount.person_id, String), ""),
        ).where(UserAccount.deleted_at.is_(None)),
    )
    # bare DBAPI rows lent by the store (as the lists read), no join: reading 200,000 accounts
    # was a third of the search; entity codes are looked up for the pairs found
    rows: Sequence[Any] = ctx.store.read_rows(stmt, {})
    entity_codes = cast(
        "Select[Any]", select(type_coerce(EducationalEntity.id, String), EducationalEntity.code)
    )
    codes = {str(i): str(c) for i, c in ctx.store.read_rows(entity_codes, {})}
    groups = _blocks(rows)
    prepared = [(f"{r[2]} {r[3]}".lower(), r[4].split("@")[0].lower(), r[4].lower()) for r in rows]
    found: dict[tuple[int, int], LikelyDuplicate] = {}
    for done, members in enumerate(groups):
        if cancelled is not None and done % 500 == 0 and cancelled():
            raise SearchCancelled("the duplicate search was stopped")
        if len(members) <= SMALL_BLOCK:
            indexes = [int(m) for m in members]
            matches = [
                (a, b, *match)
                for i, a in enumerate(indexes)
                for b in indexes[i + 1 :]
                if (match := _pair_match(rows, prepared, a, b))
            ]
        else:
            matches = list(_block_matches(rows, [int(m) for m in members], prepared))
        for a, b, score, reasons in matches:
            pair = (min(a, b), max(a, b))
            if pair not in found:
                found[pair] = LikelyDuplicate(
                    _side(rows[pair[0]], codes),
                    _side(rows[pair[1]], codes),
                    round(score, 1),
                    reasons,
                )
        if progress is not None and (done % 1000 == 0 or done == len(groups) - 1):
            progress(done + 1, len(groups))
    return sorted(found.values(), key=lambda d: (-d.score, d.first.username))
