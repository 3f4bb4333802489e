"""The demo-data seed: determinism, realistic shapes, valid codes, user managers, closed data."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from desk_app.crypto import normalise_ssn
from desk_app.errors import ConflictError, PermissionDenied, ValidationError
from desk_app.models.auditchain import verify_chain
from desk_app.models.educators import Educator
from desk_app.models.entities import EducationalEntity
from desk_app.models.submissions import QueueState
from desk_app.rules.codes import EntityKind, building_code_problem, code_problem
from desk_app.seed import seed_database
from desk_app.services.directory.staff import identify_operator
from desk_app.services.educators.profiles import closed_context
from tests.seed.conftest import SCALE, Seeded, seed_into

FIRST_ROWS = {
    "educational_entity": "SELECT kind, code, name, city FROM educational_entity ORDER BY id LIMIT 25",
    "building": "SELECT code, name, grades FROM building ORDER BY id LIMIT 25",
    "educator": "SELECT id, last_name, first_name, email, username, fingerprint_status FROM educator ORDER BY id LIMIT 25",
    "certificate": "SELECT number, effective_date, expiration_date, status FROM certificate ORDER BY id LIMIT 25",
    "user_account": "SELECT username, email, status FROM user_account ORDER BY id LIMIT 25",
    "role_grant": "SELECT user_account_id, role_id, building_id FROM role_grant ORDER BY id LIMIT 25",
    "form_submission": "SELECT state, channel, form_number, entity_code, sender FROM form_submission ORDER BY id LIMIT 25",
}


def rows(seeded: Seeded, sql: str) -> list[tuple[object, ...]]:
    with seeded.store.read() as s:
        return [tuple(r) for r in s.execute(text(sql))]


def scalar(seeded: Seeded, sql: str) -> object:
    return rows(seeded, sql)[0][0]


def test_same_scale_gives_the_same_data(seeded: Seeded, tmp_path: Path) -> None:
    again = seed_into(tmp_path / "again")
    try:
        assert again.summary.counts == seeded.summary.counts
        for table, sql in FIRST_ROWS.items():
            assert rows(again, sql) == rows(seeded, sql), table
    finally:
        again.store.dispose()


def test_counts_are_realistic_and_only_people_scale(seeded: Seeded) -> None:
    counts = seeded.summary.counts
    assert counts["county"] == 115
    kinds = dict(rows(seeded, "SELECT kind, count(*) FROM educational_entity GROUP BY kind"))
    assert (
        kinds["lea"] == 520
        and kinds["ihe"] == 30
        and kinds["nonpublic"] == 900
        and kinds["public"] == 115
    )
    assert kinds["consultant"] >= 3
    assert counts["building"] == 2200
    assert counts["educator"] == round(100_000 * SCALE)
    assert counts["user_account"] >= round(20_000 * SCALE)
    assert counts["form_submission"] == round(2_000 * SCALE)
    states = {s for (s,) in rows(seeded, "SELECT DISTINCT state FROM form_submission")}
    assert states == {s.value for s in QueueState}
    assert counts["certificate"] > counts["educator"]
    assert counts["certificate_classification"] >= 5


def test_every_code_is_valid_for_its_kind(seeded: Seeded) -> None:
    for kind, code in rows(seeded, "SELECT kind, code FROM educational_entity"):
        assert code_problem(EntityKind(kind), code) is None, (kind, code)
    for code, lea_code, county in rows(
        seeded,
        """
            SELECT b.code, e.code, c.code FROM building b JOIN educational_entity e ON e.id = b.entity_id
            JOIN county c ON c.id = e.county_id""",
    ):
        assert building_code_problem(code) is None
        assert lea_code[:3] == county
    assert (
        scalar(
            seeded,
            "SELECT count(*) FROM (SELECT entity_id, code FROM building GROUP BY 1, 2 HAVING count(*) > 1)",
        )
        == 0
    )
    county_codes = sorted(c for (c,) in rows(seeded, "SELECT code FROM county"))
    assert county_codes == [f"{n:03d}" for n in range(1, 116)]
    assert ("048", "Jackson County") in rows(seeded, "SELECT code, name FROM county")


def test_every_lea_and_ihe_has_a_user_manager(seeded: Seeded) -> None:
    without = scalar(
        seeded,
        """
        SELECT count(*) FROM educational_entity e WHERE e.kind IN ('lea', 'ihe') AND NOT EXISTS (
            SELECT 1 FROM user_manager_designation d JOIN user_account a ON a.id = d.user_account_id
            WHERE d.entity_id = e.id AND d.end_at IS NULL AND a.status = 'active')""",
    )
    assert without == 0
    # agency-managed kinds have none
    assert (
        scalar(
            seeded,
            """SELECT count(*) FROM user_manager_designation d JOIN educational_entity e
                             ON e.id = d.entity_id WHERE e.kind NOT IN ('lea', 'ihe')""",
        )
        == 0
    )


def test_officers_keep_history_and_grants_use_building_scope(seeded: Seeded) -> None:
    assert scalar(seeded, "SELECT count(*) FROM entity_officer WHERE end_date IS NOT NULL") > 100
    current = scalar(
        seeded, """SELECT count(DISTINCT entity_id) FROM entity_officer WHERE end_date IS NULL"""
    )
    assert current == scalar(seeded, "SELECT count(*) FROM educational_entity")
    building_grants = rows(
        seeded,
        """
        SELECT a.building_scope, count(*) FROM role_grant g JOIN application_role r ON r.id = g.role_id
        JOIN web_application a ON a.id = r.application_id WHERE g.building_id IS NOT NULL GROUP BY 1""",
    )
    assert building_grants and all(scope for scope, _n in building_grants)
    apps = {c for (c,) in rows(seeded, "SELECT code FROM web_application")}
    assert {"MOSIS", "ECS"} <= apps


def test_closed_data_is_encrypted_and_findable_by_identity(seeded: Seeded) -> None:
    cipher = seeded.ctx.cipher
    with seeded.store.read() as s:
        educators = s.query(Educator).order_by(Educator.id).limit(50).all()
        for e in educators:
            ssn = cipher.decrypt(e.ssn_cipher, context=closed_context(e.id, "ssn"))
            dob = cipher.decrypt(e.dob_cipher, context=closed_context(e.id, "dob"))
            assert normalise_ssn(ssn) == ssn and ssn[:3] != "666"
            assert ssn.encode() not in e.ssn_cipher
            assert e.identity_hash == cipher.identity_hash(ssn, dob)
            assert re.fullmatch(r"[^@\s]+@[^@\s]+\.example|[^@\s]+@example\.(com|net|org)", e.email)
    assert scalar(seeded, "SELECT count(DISTINCT identity_hash) = count(*) FROM educator") == 1


def test_bulk_rows_read_back_through_the_orm(seeded: Seeded) -> None:
    with seeded.store.read() as s:
        entity = (
            s.query(EducationalEntity)
            .filter_by(kind="lea")
            .order_by(EducationalEntity.code)
            .first()
        )
        assert entity is not None and entity.county is not None
        assert isinstance(entity.created_at, datetime) and entity.created_at.tzinfo is not None
        assert entity.row_version == 1 and entity.updated_by == "seed" and entity.buildings
    assert scalar(seeded, "SELECT count(*) FROM staff WHERE last_seen_at IS NOT NULL") == 0


def test_one_audit_event_summarises_the_seed(seeded: Seeded) -> None:
    events = rows(
        seeded, "SELECT summary, details FROM audit_event WHERE action = 'seed.demo_data'"
    )
    assert len(events) == 1
    assert "scale 0.02" in events[0][0]
    with seeded.store.read() as s:
        assert verify_chain(s).ok


def test_a_database_with_entities_is_refused(seeded: Seeded) -> None:
    with pytest.raises(ConflictError):
        seed_database(seeded.ctx, SCALE)


def test_bad_scale_and_missing_permission_are_refused(make_ctx) -> None:
    with pytest.raises(ValidationError):
        seed_database(make_ctx(), 0)
    with pytest.raises(PermissionDenied):
        seed_database(make_ctx(role="auditor"), SCALE)


def test_the_real_first_user_still_becomes_security_administrator(seeded: Seeded) -> None:
    operator = identify_operator(seeded.store, "agency\\first.user", "ws-1")
    assert operator.role == "security_admin"


def test_a_failed_seed_leaves_the_database_untouched(
    make_ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desk_app.seed.run as run

    def broken(*_args: object) -> int:
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(run, "seed_submissions", broken)
    ctx = make_ctx()
    with ctx.store.read() as s:
        indexes_before = sorted(
            r[0] for r in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        )
    with pytest.raises(RuntimeError):
        seed_database(ctx, 0.005)
    with ctx.store.read() as s:
        indexes_after = sorted(
            r[0] for r in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        )
        assert s.execute(text("SELECT count(*) FROM educator")).scalar_one() == 0
        assert s.execute(text("SELECT count(*) FROM educational_entity")).scalar_one() == 0
    assert indexes_after == indexes_before and "ix_educator_last_first" in indexes_after
