"""One person, one username: likely duplicate accounts, found without comparing every pair.

Accounts are put in blocks by keys a duplicate shares with its original: the same e-mail
(ignoring case), the same linked person (the educator record), the same first and last name,
the same mailbox name at another domain. Only accounts within a block are compared (rapidfuzz
on the full name and the mailbox, a block at a time; alike names alone count only within one
entity, since two people of one name are common), so 200,000 accounts make a few hundred
thousand comparisons, not twenty billion. Runs off the GUI thread with progress and cancel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import String, select, type_coerce

from desk_app.errors import KnownError
from desk_app.models.access import UserAccount
from desk_app.models.entities import EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.listing import row_id

BLOCK_LIMIT = 40  # a larger block (a very common name) is compared by e-mail blocks only
NAME_SCORE = 88.0


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


def _keys(row: tuple[str, ...]) -> list[str]:
    _id, _u, first, last, email, _code, _status, person = row
    mailbox = email.lower().split("@")[0]
    keys = [f"e:{email.lower()}", f"n:{last.lower()}:{first.lower()}"]
    if len(mailbox) >= 5:
        keys.append(f"m:{mailbox}")
    if person:
        keys.append(f"p:{person}")
    return keys


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


def _side(row: tuple[str, ...]) -> AccountSide:
    return AccountSide(row[0], row[1], f"{row[2]} {row[3]}", row[4], row[5], row[6])


def find_duplicates(
    ctx: ServiceContext,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[LikelyDuplicate]:
    """Likely duplicate accounts, the likeliest first."""
    ctx.require(Perm.VIEW_ACCESS)
    stmt = (
        select(
            type_coerce(UserAccount.id, String),
            UserAccount.username,
            UserAccount.first_name,
            UserAccount.last_name,
            UserAccount.email,
            EducationalEntity.code,
            UserAccount.status,
            UserAccount.person_id,
        )
        .outerjoin(EducationalEntity, EducationalEntity.id == UserAccount.entity_id)
        .where(UserAccount.deleted_at.is_(None))
    )
    with ctx.store.read() as s:
        rows = [
            (row_id(i), u, f, la, e, c or "", st, str(p) if p else "")
            for i, u, f, la, e, c, st, p in s.execute(stmt)
        ]
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        for key in _keys(row):
            blocks[key].append(index)
    prepared = [(f"{r[2]} {r[3]}".lower(), r[4].split("@")[0].lower(), r[4].lower()) for r in rows]
    found: dict[tuple[int, int], LikelyDuplicate] = {}
    groups = [m for m in blocks.values() if 1 < len(m) <= BLOCK_LIMIT]
    for done, members in enumerate(groups):
        if cancelled is not None and done % 500 == 0 and cancelled():
            raise SearchCancelled("the duplicate search was stopped")
        for a, b, score, reasons in _block_matches(rows, members, prepared):
            pair = (min(a, b), max(a, b))
            if pair not in found:
                found[pair] = LikelyDuplicate(
                    _side(rows[pair[0]]), _side(rows[pair[1]]), round(score, 1), reasons
                )
        if progress is not None and (done % 1000 == 0 or done == len(groups) - 1):
            progress(done + 1, len(groups))
    return sorted(found.values(), key=lambda d: (-d.score, d.first.username))
