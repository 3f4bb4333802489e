"""The seed's entry point: refuse a database that already holds data, write every area in a few
transactions with Core bulk inserts, and record one audit event summarising what was written."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Index, func, select
from sqlalchemy.orm import Session

from desk_app import collector
from desk_app.errors import ConflictError, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import Base
from desk_app.models.entities import EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.seed.accounts import seed_accounts, seed_applications
from desk_app.seed.bulk import ANCHOR, BulkWriter
from desk_app.seed.educators import seed_classifications, seed_educators
from desk_app.seed.organisations import seed_organisations
from desk_app.seed.submissions import seed_submissions
from desk_app.services.context import ServiceContext

Progress = Callable[[str, float], None]
MAX_SCALE = 50.0
# page cache while seeding: random UUID keys thrash a small one (grows with the scale, capped)
SEED_CACHE_KIB = 300_000
SEED_CACHE_KIB_PER_SCALE = 120_000
SEED_CACHE_KIB_MAX = 1_600_000
NORMAL_CACHE_KIB = 32_000  # as desk_app.models.store sets it
BULK_TABLES = frozenset(
    {
        "county",
        "educational_entity",
        "building",
        "person",
        "entity_officer",
        "staff",
        "web_application",
        "application_role",
        "user_account",
        "user_manager_designation",
        "role_grant",
        "certificate_classification",
        "educator",
        "certificate",
        "certificate_application",
        "assessment_score",
        "transcript_record",
        "requirement_evidence",
        "form_submission",
    }
)


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


def _secondary_indexes() -> list[Index]:
    """Non-unique indexes of every table the seed fills: built once after the bulk load, which is
    far cheaper than keeping them current through millions of random-key inserts."""
    return [
        ix
        for table in Base.metadata.sorted_tables
        if table.name in BULK_TABLES
        for ix in sorted(table.indexes, key=lambda i: str(i.name))
        if not ix.unique
    ]


def _build_indexes(session: Session, indexes: list[Index]) -> None:
    # no ANALYZE: sampled statistics misjudged deleted_at IS NULL as selective and led the
    # planner off the sorted indexes; the default plans are the ones the searches are built for
    conn = session.connection()
    for index in indexes:
        index.create(conn, checkfirst=True)


def seed_database(
    ctx: ServiceContext, scale: float = 1.0, progress: Progress | None = None
) -> SeedSummary:
    """Fill an empty database with demo data of ``scale`` (1 = 100,000 educators).

    Everything, including dropping and rebuilding the secondary indexes, happens in one
    transaction: a failed or interrupted seed leaves the database exactly as it was. (With
    random UUID keys every batch touches most index pages, so committing in batches would
    rewrite the indexes again and again.)

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
    with collector.paused(), ctx.uow() as uow:
        if has_entities(uow.session):
            raise ConflictError(
                "this database already holds entities; seed demo data only into a new data folder"
            )
        bulk = BulkWriter(uow.session)
        _set_cache(
            uow.session,
            min(SEED_CACHE_KIB_MAX, SEED_CACHE_KIB + round(SEED_CACHE_KIB_PER_SCALE * scale)),
        )
        report("entities", 0.0)
        orgs = seed_organisations(bulk)
        # dropped only now: the driver opens the transaction at the first INSERT, and a DROP
        # issued before it would be committed on its own
        indexes = _secondary_indexes()
        for index in indexes:
            index.drop(uow.session.connection(), checkfirst=True)
        report("user accounts", 0.03)
        seed_accounts(bulk, orgs, seed_applications(bulk), scale)
        classes = seed_classifications(bulk)
        report("educators", 0.15)
        seed_educators(
            bulk,
            cipher,
            classes,
            scale,
            lambda done, total: report("educators", 0.15 + 0.7 * done / max(1, total)),
        )
        report("submissions", 0.85)
        seed_submissions(bulk, orgs, scale)
        report("indexes", 0.87)
        _build_indexes(uow.session, indexes)
        counts = dict(sorted(bulk.counts.items()))
        audit.record(
            uow,
            "seed.demo_data",
            record_type="database",
            summary=f"demo data written at scale {scale:g}: {sum(counts.values()):,} rows",
            details={"scale": scale, "anchor": ANCHOR.isoformat(), "rows": counts},
        )
        _set_cache(uow.session, NORMAL_CACHE_KIB)
        report("saving", 0.95)
        uow.commit()
        _truncate_wal(uow.session)
    report("done", 1.0)
    return SeedSummary(scale, counts, time.perf_counter() - started)
