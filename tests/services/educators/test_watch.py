"""Watch lists: expiring certificates, initial certificates running out without the upgrade
(the same verdict as each profile's tracker), accounts to register again; counts and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from desk_app.models.base import utcnow
from desk_app.models.educators import Certificate, Educator
from desk_app.rules.certification import needs_reregistration
from desk_app.services.educators import watch
from desk_app.services.educators.profiles import EducatorService


@pytest.fixture
def seeded(make_ctx):
    from desk_app.seed import seed_database

    ctx = make_ctx(role="certification_specialist", username="carol")
    seed_database(make_ctx(), scale=0.005)
    return ctx


def test_expiring_counts_and_pages_in_date_order(seeded) -> None:
    today = utcnow().date()
    page = watch.expiring(seeded, within_days=365, limit=20)
    with seeded.store.read() as s:
        expected = [
            c
            for c in s.execute(select(Certificate)).scalars()
            if c.status == "active" and today <= c.expiration_date <= today + timedelta(days=365)
        ]
    assert page.count == len(expected) > 0
    assert [r.expires for r in page.rows] == sorted(r.expires for r in page.rows)
    assert watch.expiring(seeded, within_days=0).count <= page.count


def test_running_out_matches_each_profiles_tracker(seeded) -> None:
    seen: list[tuple[int, int]] = []
    assert watch.running_out_page(seeded, 3650) is None  # not computed yet
    result = watch.compute_running_out(seeded, 3650, progress=lambda d, t: seen.append((d, t)))
    assert result.candidates > 0 and seen[-1] == (result.candidates, result.candidates)
    listed = {r.certificate_number for r in result.rows}
    service = EducatorService(seeded)
    with seeded.store.read() as s:
        holders = {
            str(c.educator_id)
            for c in s.execute(select(Certificate)).scalars()
            if c.status == "active"
            and c.classification.upgrade_to
            and c.expiration_date <= utcnow().date() + timedelta(days=3650)
        }
    assert len(holders) > 5
    for educator in sorted(holders)[:40]:
        for upgrade in service.detail(educator).upgrades:
            assert (upgrade.certificate_number in listed) == (not upgrade.eligible)
    page = watch.running_out_page(seeded, 3650, limit=10)
    assert page is not None and page.count == len(result.rows) and len(page.rows) <= 10
    assert all(r.missing for r in page.rows)


def test_running_out_can_be_stopped(seeded, monkeypatch) -> None:
    monkeypatch.setattr(watch, "CHUNK", 1)
    with pytest.raises(watch.Cancelled):
        watch.compute_running_out(seeded, 3650, cancelled=lambda: True)


def test_reregistration_list_follows_the_twelve_month_rule(seeded) -> None:
    today = utcnow().date()
    page = watch.reregistration_due(seeded, limit=5)
    with seeded.store.read() as s:
        expected = sum(
            1
            for e in s.execute(select(Educator)).scalars()
            if e.username and needs_reregistration(e.last_login_at, today)
        )
    assert page.count == expected > 0 and len(page.rows) == 5


def test_marking_accounts_for_reregistration_is_audited_synced_and_undone_by_a_new_username(
    seeded, make_ctx
) -> None:
    from desk_app.models.audit import AuditEvent
    from desk_app.models.sync_state import OutboxEntry
    from desk_app.services.educators import reregistration
    from desk_app.services.educators.editing import link_username

    due = watch.reregistration_due(seeded, limit=3)
    ticks: list[tuple[int, int]] = []
    first = reregistration.mark_for_reregistration(
        seeded, limit=2, progress=lambda *t: ticks.append(t)
    )
    assert first.count == 2 and ticks[-1] == (2, 2)
    assert watch.reregistration_due(seeded, limit=0).count == due.count - 2
    with pytest.raises(watch.Cancelled):
        reregistration.mark_for_reregistration(seeded, cancelled=lambda: True)
    rest = reregistration.mark_for_reregistration(seeded)
    assert rest.count == due.count - 2
    assert watch.reregistration_due(seeded, limit=0).count == 0
    with seeded.store.read() as s:
        marked = (
            s.execute(select(Educator).where(Educator.reregistration_marked_at.is_not(None)))
            .scalars()
            .all()
        )
        events = (
            s.execute(
                select(AuditEvent.record_id).where(
                    AuditEvent.action == "educator.reregistration_marked"
                )
            )
            .scalars()
            .all()
        )
        outbox = set(
            s.execute(
                select(OutboxEntry.row_id).where(OutboxEntry.table_name == "educator")
            ).scalars()
        )
        person = marked[0]
        old, key = person.username, str(person.id)
        marked_ids = {e.id for e in marked}
    assert len(marked_ids) == due.count and set(events) == marked_ids
    assert {i.hex for i in marked_ids} <= outbox  # each marked row is captured for sync
    # the old username is closed: the new one is linked without "replace", and the mark goes
    link_username(seeded, key, f"{old}2")
    assert EducatorService(seeded).detail(key).reregistration_marked_at is None
