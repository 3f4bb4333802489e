"""One person, one username: likely duplicate accounts, found without comparing every pair.

Accounts are put in blocks by keys a duplicate shares with its original: the same e-mail
(ignoring case), the same linked person (the educator record), the same last name with the same
first initial, the same e-mail mailbox name at another domain. Only accounts within a block are
compared (rapidfuzz on the full name and the mailbox), so 200,000 accounts make a few hundred
thousand comparisons, not twenty billion. Runs off the GUI thread with progress and cancel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select

from desk_app.errors import KnownError
from desk_app.models.access import UserAccount
from desk_app.models.entities import EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext

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


def _compare(a: tuple[str, ...], b: tuple[str, ...]) -> LikelyDuplicate | None:
    reasons = []
    if a[4].lower() == b[4].lower():
        reasons.append("same e-mail")
    if a[7] and a[7] == b[7]:
        reasons.append("same educator record")
    name = fuzz.ratio(f"{a[2]} {a[3]}".lower(), f"{b[2]} {b[3]}".lower())
    mailbox = fuzz.ratio(a[4].split("@")[0].lower(), b[4].split("@")[0].lower())
    if name >= NAME_SCORE:
        reasons.append(f"names alike ({name:.0f})")
    if mailbox >= NAME_SCORE and "same e-mail" not in reasons:
        reasons.append(f"mailboxes alike ({mailbox:.0f})")
    strong = {"same e-mail", "same educator record"} & set(reasons)
    if not strong and len(reasons) < 2:
        return None
    score = 100.0 if strong else (name + mailbox) / 2
    return LikelyDuplicate(_side(a), _side(b), round(score, 1), tuple(reasons))


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
            UserAccount.id,
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
            (str(i), u, f, la, e, c or "", st, str(p) if p else "")
            for i, u, f, la, e, c, st, p in s.execute(stmt)
        ]
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        for key in _keys(row):
            blocks[key].append(index)
    found: dict[tuple[int, int], LikelyDuplicate] = {}
    seen: set[tuple[int, int]] = set()
    groups = [m for m in blocks.values() if 1 < len(m) <= BLOCK_LIMIT]
    for done, members in enumerate(groups):
        if cancelled is not None and done % 500 == 0 and cancelled():
            raise SearchCancelled("the duplicate search was stopped")
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pair = (min(a, b), max(a, b))
                if pair not in seen:
                    seen.add(pair)
                    match = _compare(rows[pair[0]], rows[pair[1]])
                    if match is not None:
                        found[pair] = match
        if progress is not None and (done % 1000 == 0 or done == len(groups) - 1):
            progress(done + 1, len(groups))
    return sorted(found.values(), key=lambda d: (-d.score, d.first.username))
