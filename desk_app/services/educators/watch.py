"""Watching time: certificates expiring soon, initial certificates whose four years run out
without the upgrade requirements met, and accounts not used for 12 months.

The expiring and re-registration lists are index reads (a count and a page). The "running out"
list needs the rules applied to each holder's evidence, so it is computed once, off the GUI
thread, streaming candidates and their evidence in educator order with progress and a way to
stop; the result is kept for the store and day, and the list then opens from memory.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, func, or_, select, type_coerce

from desk_app.models.base import utcnow
from desk_app.models.educators import (
    Certificate,
    CertificateClassification,
    Educator,
    RequirementEvidence,
)
from desk_app.rules import certification as rules
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.listing import row_id

DEFAULT_WINDOW_DAYS = 180
CHUNK = 20_000
E, C, K, R = (
    Educator.__table__.c,
    Certificate.__table__.c,
    CertificateClassification.__table__.c,
    RequirementEvidence.__table__.c,
)


@dataclass(frozen=True)
class WatchRow:
    educator_id: str
    name: str
    certificate_number: str
    classification: str
    expires: date
    missing: tuple[str, ...] = ()  # the requirements not met (running-out list)


@dataclass(frozen=True)
class WatchPage:
    title: str
    count: int
    rows: tuple[WatchRow, ...]


class Cancelled(Exception):
    """The operator stopped the computation."""


def _name(last: str, first: str) -> str:
    return f"{last}, {first}"


def expiring(
    ctx: ServiceContext, within_days: int = DEFAULT_WINDOW_DAYS, offset: int = 0, limit: int = 100
) -> WatchPage:
    """Active certificates whose expiration falls within ``within_days`` from today (soonest first)."""
    ctx.require(Perm.VIEW_EDUCATORS)
    today = utcnow().date()
    where = and_(
        C.status == "active",
        C.deleted_at.is_(None),
        C.expiration_date >= today,
        C.expiration_date <= today + timedelta(days=max(0, within_days)),
    )
    with ctx.store.read() as s:
        count = s.execute(
            select(func.count()).select_from(Certificate.__table__).where(where)
        ).scalar_one()
        rows = s.execute(
            select(
                type_coerce(E.id, String),
                E.last_name,
                E.first_name,
                C.number,
                K.code,
                C.expiration_date,
            )
            .select_from(
                Certificate.__table__.join(Educator.__table__).join(
                    CertificateClassification.__table__
                )
            )
            .where(where)
            .order_by(C.expiration_date, C.number)
            .offset(offset)
            .limit(limit)
        ).all()
    return WatchPage(
        f"Certificates expiring within {within_days} days",
        int(count),
        tuple(WatchRow(str(r[0]), _name(r[1], r[2]), r[3], r[4], r[5]) for r in rows),
    )


def _reregistration_where(cutoff: datetime) -> Any:
    """Accounts with a username not used since ``cutoff`` (or never), not yet marked."""
    return and_(
        E.deleted_at.is_(None),
        E.username.is_not(None),
        E.reregistration_marked_at.is_(None),
        or_(E.last_login_at.is_(None), E.last_login_at < cutoff),
    )


def reregistration_due(ctx: ServiceContext, offset: int = 0, limit: int = 100) -> WatchPage:
    """Accounts not used for 12 months (or never), not yet marked: they must register again."""
    ctx.require(Perm.VIEW_EDUCATORS)
    oldest = rules.oldest_login_in_time(utcnow().date())
    cutoff = datetime.combine(oldest, time(), tzinfo=UTC)
    where = _reregistration_where(cutoff)
    with ctx.store.read() as s:
        count = s.execute(
            select(func.count()).select_from(Educator.__table__).where(where)
        ).scalar_one()
        rows = s.execute(
            select(type_coerce(E.id, String), E.last_name, E.first_name, E.username)
            .where(where)
            .order_by(E.last_name_search, E.first_name_search, E.id)
            .offset(offset)
            .limit(limit)
        ).all()
    return WatchPage(
        "Accounts to register again (not used for 12 months)",
        int(count),
        tuple(WatchRow(str(r[0]), _name(r[1], r[2]), r[3] or "", "", oldest) for r in rows),
    )


# --- the running-out list ---------------------------------------------------------------------
@dataclass(frozen=True)
class RunningOut:
    as_of: date
    window_days: int
    candidates: int  # initial certificates looked at
    rows: tuple[WatchRow, ...]  # not eligible, soonest first


_results: dict[tuple[int, date, int], RunningOut] = {}
_lock = threading.Lock()


def _rules_in_force(s: Any) -> dict[str, rules.Classification]:
    found = s.execute(
        select(CertificateClassification).where(CertificateClassification.upgrade_to != "")
    ).scalars()
    return {
        k.code: rules.from_row(
            k.code, k.name, k.track, k.validity_years, k.upgrade_to, k.requirements or {}
        )
        for k in found
    }


def compute_running_out(
    ctx: ServiceContext,
    window_days: int = DEFAULT_WINDOW_DAYS,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RunningOut:
    """Pool thread: initial certificates (ISS, IPC...) in force that expire within ``window_days``
    (or are already past their date) whose holder does not meet the upgrade requirements.

    Raises:
        Cancelled: ``cancelled()`` turned true.
    """
    ctx.require(Perm.VIEW_EDUCATORS)
    today = utcnow().date()
    until = today + timedelta(days=max(0, window_days))
    candidate_where = and_(
        C.status == "active", C.deleted_at.is_(None), C.expiration_date <= until, K.upgrade_to != ""
    )
    joined = Certificate.__table__.join(CertificateClassification.__table__)
    with ctx.store.read() as s:
        in_force = _rules_in_force(s)
        # raw column values (``_raw``): SQLAlchemy's per-row date parsing and numeric
        # processing cost more than SQLite's own reading; the merge converts what it uses
        # the candidates are read whole (a few hundred thousand short rows): their number is
        # the progress total, without a separate count over the same join
        certs = list(
            s.execute(
                select(
                    _raw(C.educator_id),
                    C.number,
                    K.code,
                    _raw(C.effective_date),
                    _raw(C.expiration_date),
                )
                # no names here: a page of the list looks up the names it shows (a join of
                # every candidate with the educator table cost as much as the rules)
                .select_from(joined)
                .where(candidate_where)
                .order_by(C.educator_id)
            )
        )
        total = len(certs)
        evidence = iter(
            s.execute(
                select(
                    _raw(R.educator_id),
                    R.requirement,
                    _raw(R.quantity),
                    R.unit,
                    _raw(R.evidence_date),
                    R.source,
                    _raw(R.fte),
                    _raw(R.contracted),
                )
                # every item, in the educator index's order (no sort); the merge skips the
                # educators that are not candidates (cheaper than a second pass over them)
                .where(R.deleted_at.is_(None))
                .order_by(R.educator_id)
            ).yield_per(CHUNK)
        )
        rows = _weigh(iter(certs), evidence, in_force, today, total, progress, cancelled)
    rows.sort(key=lambda r: (r.expires, r.certificate_number))
    result = RunningOut(today, window_days, int(total), tuple(rows))
    with _lock:
        _results[(id(ctx.store), today, window_days)] = result
    return result


def _raw(column: Any) -> Any:
    """``column`` as the driver gives it (no SQLAlchemy result processing)."""
    return type_coerce(column, String)


def _day(value: Any) -> date:
    """A date as SQLite keeps it (ISO text) or as PostgreSQL's driver gives it (a date)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _weigh(
    certs: Any,
    evidence: Any,
    in_force: dict[str, rules.Classification],
    today: date,
    total: int,
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> list[WatchRow]:
    """Merge the two educator-ordered streams and apply the rules to each candidate."""
    pending = next(evidence, None)
    out: list[WatchRow] = []
    items: list[rules.Evidence] = []
    current: str | None = None
    for done, (educator, number, code, effective, expires) in enumerate(certs, 1):
        if educator != current:
            current, items = educator, []
            while pending is not None and pending[0] < educator:
                pending = next(evidence, None)
            while pending is not None and pending[0] == educator:
                _, req, qty, unit, on, source, fte, contracted = pending
                items.append(
                    rules.Evidence(
                        req,
                        float(qty),
                        unit,
                        _day(on),
                        source,
                        None if fte is None else float(fte),
                        None if contracted is None else bool(contracted),
                    )
                )
                pending = next(evidence, None)
        rule = in_force[code]
        if items:
            missing = rules.unmet_requirements(rule, items, today, _day(effective))
        else:  # nothing on file: every requirement is missing (the rules would say the same)
            missing = tuple(r.code for r in rule.requirements)
        if missing:
            row = WatchRow(row_id(educator), "", number, code, _day(expires), missing)
            out.append(row)
        if done % CHUNK == 0:
            if cancelled is not None and cancelled():
                raise Cancelled("the running-out list was stopped")
            if progress is not None:
                progress(done, total)
    if progress is not None:
        progress(total, total)
    return out


def running_out_page(
    ctx: ServiceContext, window_days: int = DEFAULT_WINDOW_DAYS, offset: int = 0, limit: int = 100
) -> WatchPage | None:
    """A page of the computed running-out list; ``None`` until :func:`compute_running_out` ran today."""
    ctx.require(Perm.VIEW_EDUCATORS)
    with _lock:
        result = _results.get((id(ctx.store), utcnow().date(), window_days))
    if result is None:
        return None
    return WatchPage(
        f"Initial certificates running out within {window_days} days without the upgrade "
        f"({result.candidates:,} looked at)",
        len(result.rows),
        _with_names(ctx, result.rows[offset : offset + limit]),
    )


def _with_names(ctx: ServiceContext, rows: tuple[WatchRow, ...]) -> tuple[WatchRow, ...]:
    """The page's rows with their holders' names (one indexed look-up per row shown)."""
    if not rows:
        return rows
    ids = [uuid.UUID(r.educator_id) for r in rows]
    with ctx.store.read() as s:
        found = {
            row_id(i): _name(last, first)
            for i, last, first in s.execute(
                select(_raw(E.id), E.last_name, E.first_name).where(E.id.in_(ids))
            )
        }
    return tuple(replace(r, name=found.get(r.educator_id, "")) for r in rows)
