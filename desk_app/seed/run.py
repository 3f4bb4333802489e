"""The seed's entry point: refuse a database that already holds data, write every area in a few
transactions with Core bulk inserts, and record one audit event summarising what was written."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Index, func, select
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, ValidationError
from desk_app.models.educators import (
    AssessmentScore,
    Certificate,
    CertificateApplication,
    Educator,
    RequirementEvidence,
    TranscriptRecord,
)
from desk_app.models.entities import EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.seed.accounts import seed_accounts, seed_applications
from desk_app.seed.bulk import ANCHOR, BulkWriter
from desk_app.seed.educators import seed_classifications, seed_educators
from desk_app.seed.organisations import seed_organisations
from desk_app.seed.submissions import seed_submissions
from desk_app.services import audit
from desk_app.services.context import ServiceContext

Progress = Callable[[str, float], None]
MAX_SCALE = 50.0
# page cache while seeding: random UUID keys thrash a small one (grows with the scale, capped)
SEED_CACHE_KIB = 300_000
SEED_CACHE_KIB_PER_SCALE = 120_000
SEED_CACHE_KIB_MAX = 1_600_000
NORMAL_CACHE_KIB = 32_000  # as desk_app.models.store sets it


@dataclass(frozen=True)
class SeedSummary:
    """What the seed wrote: rows per table, the scale, and how long it took."""

    scale: float
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def has_entities(session: Session) -> bool:
    return bool(session.execute(select(func.count()).select_from(EducationalEntity)).scalar_one())


def _truncate_wal(session: Session) -> None:
    """Copy the (large) write-ahead log into the database and give its space back."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    session.rollback()


def _set_cache(session: Session, kib: int) -> None:
    """Page cache of the seeding connection (pooled: restored before the last commit)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{kib}")


EDUCATOR_TABLES = (Educator, Certificate, CertificateApplication, AssessmentScore, TranscriptRecord,
                   RequirementEvidence)


def _secondary_indexes() -> list[Index]:
    """Non-unique indexes of the educator tables: built once after the bulk load, which is far
    cheaper than keeping them current through millions of random-key inserts."""
    return [ix for model in EDUCATOR_TABLES for ix in sorted(model.__table__.indexes, key=lambda i: str(i.name))
            if not ix.unique]


@contextmanager
def _indexes_built_afterwards(session: Session, report: Progress) -> Iterator[None]:
    """Drop the secondary indexes for the load; always recreate them (also after a failure)."""
    indexes = _secondary_indexes()
    conn = session.connection()
    for index in indexes:
        index.drop(conn, checkfirst=True)
    try:
        yield
    finally:
        report("indexes", 0.95)
        conn = session.connection()
        for index in indexes:
            index.create(conn, checkfirst=True)
        if conn.dialect.name == "sqlite":
            # planner statistics from a sample: the search plans depend on them
            conn.exec_driver_sql("PRAGMA analysis_limit=400")
            conn.exec_driver_sql("ANALYZE")
        session.commit()


def seed_database(ctx: ServiceContext, scale: float = 1.0, progress: Progress | None = None) -> SeedSummary:
    """Fill an empty database with demo data of ``scale`` (1 = 100,000 educators).

    Args:
        ctx: the operator's context (needs permission to edit entities).
        scale: multiplies people, accounts, educators and submissions.
        progress: called with a stage name and the overall fraction done (0..1).

    Returns:
        The rows written per table and the time taken.

    Raises:
        ConflictError: the database already has educational entities.
        ValidationError: the scale is not positive or is absurdly large.
    """
    ctx.require(Perm.EDIT_ENTITIES)
    if not 0 < scale <= MAX_SCALE:
        raise ValidationError("scale", f"must be above 0 and at most {MAX_SCALE:g}")
    report = progress or (lambda _stage, _fraction: None)
    started = time.perf_counter()
    cipher = ctx.cipher
    with ctx.uow() as uow:
        if has_entities(uow.session):
            raise ConflictError("this database already holds entities; seed demo data only into a new data folder")
        bulk = BulkWriter(uow.session)
        cache = min(SEED_CACHE_KIB_MAX, SEED_CACHE_KIB + round(SEED_CACHE_KIB_PER_SCALE * scale))
        _set_cache(uow.session, cache)
        report("entities", 0.0)
        orgs = seed_organisations(bulk)
        report("user accounts", 0.05)
        seed_accounts(bulk, orgs, seed_applications(bulk), scale)
        classes = seed_classifications(bulk)
        uow.commit()
        report("educators", 0.15)

        def block_done(done: int, total: int) -> None:
            uow.commit()  # a block per transaction keeps the write-ahead log small
            _set_cache(uow.session, cache)
            report("educators", 0.15 + 0.8 * done / max(1, total))

        with _indexes_built_afterwards(uow.session, report):
            seed_educators(bulk, cipher, classes, scale, block_done)
        report("submissions", 0.98)
        seed_submissions(bulk, orgs, scale)
        counts = dict(sorted(bulk.counts.items()))
        audit.record(uow, "seed.demo_data", record_type="database",
                     summary=f"demo data written at scale {scale:g}: {sum(counts.values()):,} rows",
                     details={"scale": scale, "anchor": ANCHOR.isoformat(), "rows": counts})
        _set_cache(uow.session, NORMAL_CACHE_KIB)
        uow.commit()
        _truncate_wal(uow.session)
    report("done", 1.0)
    return SeedSummary(scale, counts, time.perf_counter() - started)
