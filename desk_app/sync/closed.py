"""Closed columns: which synced columns the central database reads out only to some roles.

The app withholds SSN and date of birth from roles without :attr:`Perm.VIEW_CLOSED_DATA`, and
keeps PINs away from everyone who does not check them. The central database follows the same
rules (the ``sync_closed_column`` rows ``server init`` writes from :data:`CLOSED_COLUMNS`): no
operator login may SELECT a closed column directly, and ``desk_read_rows`` (revision
0007_central), the one way a workstation reads rows, leaves out what the caller's central role
may not read. A pulled row that lacks a column is kept as the workstation has it; a new one gets
a :func:`placeholder` (withheld is not empty: nothing is overwritten with a guess).

Kinds: ``column`` withholds the whole column; ``sealed`` keeps a JSON column but leaves out its
values sealed under the agency key (``sealed:v1:...``, a form's PIN: see
:mod:`desk_app.services.sealing`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Integer, LargeBinary

from desk_app.models.base import Base
from desk_app.rules.permissions import ROLE_PERMISSIONS, Perm

# (table, column) -> (kind, the permission whose roles may read it)
CLOSED_COLUMNS: dict[tuple[str, str], tuple[str, Perm]] = {
    ("educator", "ssn_cipher"): ("column", Perm.VIEW_CLOSED_DATA),
    ("educator", "dob_cipher"): ("column", Perm.VIEW_CLOSED_DATA),
    # a keyed hash of SSN and date of birth: with the look-up key it can be searched by guessing
    ("educator", "identity_hash"): ("column", Perm.VIEW_CLOSED_DATA),
    # the PIN check runs for whoever works the queue
    ("educational_entity", "pin_hash"): ("column", Perm.WORK_QUEUE),
    ("educational_entity", "pin_failures"): ("column", Perm.WORK_QUEUE),
    ("educational_entity", "pin_locked_at"): ("column", Perm.WORK_QUEUE),
    ("form_submission", "values"): ("sealed", Perm.WORK_QUEUE),
    # document originals as received (a form's PIN in its own box), read by desk_read_blob
    ("sync_blob", "data"): ("column", Perm.WORK_QUEUE),
}

WITHHELD = "withheld:"  # a placeholder's prefix where the column must hold unique text


def readers(perm: Perm) -> list[str]:
    """The central staff roles holding ``perm`` (the app's own permission table)."""
    return sorted(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)


def closed_rows() -> list[dict[str, Any]]:
    """The ``sync_closed_column`` rows: table, column, kind and the roles that may read it."""
    return [
        {"t": t, "c": c, "k": kind, "r": readers(perm)}
        for (t, c), (kind, perm) in sorted(CLOSED_COLUMNS.items())
    ]


def closed_by_table() -> dict[str, set[str]]:
    """Table -> its closed columns (of either kind: no operator SELECTs them directly)."""
    out: dict[str, set[str]] = {}
    for t, c in CLOSED_COLUMNS:
        out.setdefault(t, set()).add(c)
    return out


def unreadable_by_writers(table_roles: dict[str, frozenset[str]]) -> list[str]:
    """Closed columns of a table some role may change but not read (must be none: a workstation
    that never saw a column would send its placeholder back)."""
    problems = []
    for (t, c), (_kind, perm) in sorted(CLOSED_COLUMNS.items()):
        blind = set(table_roles.get(t, ())) - set(readers(perm))
        if blind:
            problems.append(f"{t}.{c} (changed but not read by {', '.join(sorted(blind))})")
    return problems


def placeholder(table_name: str, column: str, row_id: uuid.UUID) -> Any:
    """What a new local row holds in a column the server withheld: NULL where allowed, else an
    empty value of the column's type (unique text: ``withheld:<id>``)."""
    col = Base.metadata.tables[table_name].c[column]
    if col.nullable:
        return None
    if isinstance(col.type, LargeBinary):
        return b""
    if isinstance(col.type, Integer):
        return 0
    if col.unique:
        return f"{WITHHELD}{row_id.hex}"
    return ""
