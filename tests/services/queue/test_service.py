"""The queue's state machine, claims by two operators, bulk assign, keying, and the list source."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desk_app.errors import ConflictError, PermissionDenied, ValidationError
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.submissions import FormSubmission, QueueState
from desk_app.services.listing import ListQuery
from desk_app.services.queue.dto import business_cutoff, business_days_between
from desk_app.services.queue.listing import QueueList
from desk_app.services.queue.service import TRANSITIONS, QueueService


def add(ctx, state: str = "ready_for_review", **fields) -> str:
    values = dict(
        form_number="MO 500-2356",
        channel="fax",
        received_at=utcnow(),
        sender="5735550100",
        entity_code="048-078",
        entity_name="Springfield R-XII",
        requester_name="Ann Smith",
    )
    values.update(fields)
    with ctx.uow() as uow:
        sub = FormSubmission(state=state, **values)
        uow.session.add(sub)
        uow.commit()
        return str(sub.id)


def state_of(ctx, sid: str) -> tuple[str, str]:
    with ctx.store.read() as s:
        sub = s.get(FormSubmission, __import__("uuid").UUID(sid))
        return sub.state, sub.assigned_to


def actions(ctx, sid: str) -> list[str]:
    import uuid

    with ctx.store.read() as s:
        return list(
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.record_id == uuid.UUID(sid))
                .order_by(AuditEvent.seq)
            ).scalars()
        )


@pytest.mark.parametrize("source", list(QueueState))
def test_every_transition_is_allowed_exactly_when_the_table_says(ctx, source):
    service = QueueService(ctx)
    for target in QueueState:
        sid = add(ctx, source.value, assigned_to="alice")
        allowed = target in TRANSITIONS[source]
        if allowed:
            service.transition(sid, target.value, reason="because")
            assert state_of(ctx, sid)[0] == target.value
            assert actions(ctx, sid) == ["queue.transition"]
        else:
            with pytest.raises(ConflictError, match="cannot move"):
                service.transition(sid, target.value, reason="because")
            assert state_of(ctx, sid)[0] == source.value
            assert actions(ctx, sid) == []


def test_unknown_state_and_missing_reason_are_refused(ctx):
    sid = add(ctx, "in_review", assigned_to="alice")
    with pytest.raises(ValidationError):
        QueueService(ctx).transition(sid, "lost")
    with pytest.raises(ValidationError, match="say why"):
        QueueService(ctx).transition(sid, "rejected", reason="  ")


def test_two_operators_claim_one_wins_and_the_holder_is_visible(make_ctx):
    alice = QueueService(make_ctx(username="alice"))
    bob = QueueService(make_ctx(role="certification_specialist", username="bob"))
    sid = add(alice.ctx)
    alice.claim(sid)
    assert state_of(alice.ctx, sid) == ("in_review", "alice")
    with pytest.raises(ConflictError, match="already claimed by alice"):
        bob.claim(sid)
    with pytest.raises(ConflictError, match="only they may release"):
        bob.release(sid)
    with pytest.raises(ConflictError, match="held by alice"):
        bob.transition(sid, "approved")
    alice.release(sid)
    assert state_of(alice.ctx, sid) == ("ready_for_review", "")
    bob.claim(sid)
    assert state_of(alice.ctx, sid) == ("in_review", "bob")
    assert actions(alice.ctx, sid) == ["queue.claim", "queue.release", "queue.claim"]


def test_simultaneous_claims_from_two_threads_have_one_winner(make_ctx):
    ctxs = [make_ctx(username=name) for name in ("alice", "bob", "carol", "dave")]
    sid = add(ctxs[0])
    barrier = threading.Barrier(len(ctxs))
    outcomes: dict[str, str] = {}

    def claim(ctx) -> None:
        barrier.wait()
        try:
            QueueService(ctx).claim(sid)
            outcomes[ctx.actor.username] = "won"
        except ConflictError as exc:
            outcomes[ctx.actor.username] = str(exc)

    threads = [threading.Thread(target=claim, args=(c,)) for c in ctxs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [u for u, o in outcomes.items() if o == "won"]
    assert len(winners) == 1
    assert state_of(ctxs[0], sid) == ("in_review", winners[0])
    assert all(
        o == f"already claimed by {winners[0]}" for u, o in outcomes.items() if u not in winners
    )


def test_decision_only_by_holder_and_recorded(ctx):
    service = QueueService(ctx)
    sid = add(ctx)
    service.claim(sid)
    service.transition(sid, "approved")
    service.transition(sid, "applied")
    service.transition(sid, "closed", reason="access granted")
    with ctx.store.read() as s:
        sub = s.get(FormSubmission, __import__("uuid").UUID(sid))
        assert (sub.decision, sub.decided_by, sub.closed_at is not None) == (
            "approved",
            "alice",
            True,
        )


def test_bulk_assign_audits_each_submission(ctx):
    ids = [add(ctx, "needs_keying") for _ in range(3)]
    QueueService(ctx).assign(ids, "bob")
    assert [state_of(ctx, i)[1] for i in ids] == ["bob"] * 3
    assert all(actions(ctx, i) == ["queue.assign"] for i in ids)
    closed = add(ctx, "closed")
    with pytest.raises(ConflictError):
        QueueService(ctx).assign([closed], "bob")


def test_keyed_values_are_saved_and_names_not_values_are_audited(ctx):
    service = QueueService(ctx)
    sid = add(ctx, "needs_keying")
    service.claim(sid)
    service.save_keyed_values(sid, {"entity_code": "048-078", "pin": "4711"})
    service.save_keyed_values(sid, {"signer_name": "Ann Smith"}, complete=True)
    assert state_of(ctx, sid)[0] == "ready_for_review"
    with ctx.store.read() as s:
        events = (
            s.execute(select(AuditEvent).where(AuditEvent.action == "queue.key_values"))
            .scalars()
            .all()
        )
        assert events[0].details == {"fields": ["entity_code", "pin"]}
        assert all("4711" not in (e.summary + str(e.details)) for e in events)


def test_keying_someone_elses_submission_is_refused(make_ctx):
    alice, bob = make_ctx(username="alice"), make_ctx(username="bob")
    sid = add(alice, "needs_keying")
    QueueService(alice).claim(sid)
    with pytest.raises(ConflictError, match="held by alice"):
        QueueService(bob).save_keyed_values(sid, {"entity_code": "048-078"})


def test_auditor_may_not_work_the_queue(make_ctx):
    auditor = make_ctx(role="auditor", username="audrey")
    sid = add(auditor)
    with pytest.raises(PermissionDenied):
        QueueService(auditor).claim(sid)
    with pytest.raises(PermissionDenied):
        QueueList(auditor).fetch(ListQuery(), 0, 10)


def test_list_filters_search_sort_and_counts(ctx):
    now = utcnow()
    add(
        ctx,
        received_at=now - timedelta(days=10),
        channel="email",
        sender="supt@springfield.k12.mo.us",
    )
    add(
        ctx,
        received_at=now - timedelta(hours=2),
        form_number="MO 500-2377",
        entity_code="026-000",
        entity_name="Cole County Clerk",
        requester_name="Carl Cole",
    )
    add(ctx, received_at=now - timedelta(days=1), assigned_to="bob")
    add(ctx, "quarantine", quarantine_reason="encrypted")
    listing = QueueList(ctx)

    def names(**filters: str) -> list[str]:
        q = ListQuery(text=filters.pop("text", ""), filters=tuple(filters.items()))
        return [r.entity_name + "/" + r.channel for r in listing.fetch(q, 0, 50)]

    assert names() == ["Springfield R-XII/email", "Springfield R-XII/fax", "Cole County Clerk/fax"]
    assert names(form="MO 500-2377") == ["Cole County Clerk/fax"]
    assert names(channel="email") == ["Springfield R-XII/email"]
    assert names(entity="026-000") == ["Cole County Clerk/fax"]
    assert names(assignee="bob") == ["Springfield R-XII/fax"]
    assert len(names(assignee="none")) == 2
    assert names(age="overdue") == ["Springfield R-XII/email"]
    assert names(text="cole") == ["Cole County Clerk/fax"]
    assert names(text="carl") == ["Cole County Clerk/fax"]
    assert names(text="SUPT@") == ["Springfield R-XII/email"]
    assert names(state="quarantine") == ["Springfield R-XII/fax"]
    assert names(age="5d") == ["Springfield R-XII/email"]
    assert len(names(state="open")) == 4 and len(names(state="all")) == 4
    assert names(text="%") == [] and names(text="_ole") == []  # wildcards typed are literal
    assert names(duplicate="yes") == []
    assert listing.count(ListQuery(filters=(("assignee", "bob"),))) == 1
    q = ListQuery(sort="entity", descending=False)
    assert [r.entity_name for r in listing.fetch(q, 0, 50)][0] == "Cole County Clerk"
    assert listing.count(ListQuery()) == 3
    counts = {c.state: c.count for c in listing.state_counts()}
    assert (
        counts["ready_for_review"] == 3 and counts["quarantine"] == 1 and counts["closed"] is None
    )
    assert {c.state: c.count for c in listing.state_counts(include_done=True)}["closed"] == 0


def test_detail_and_stats(ctx):
    sid = add(ctx, values={"entity_code": "048-078"})
    detail = QueueList(ctx).detail(sid)
    assert detail.row.id == sid and detail.values == {"entity_code": "048-078"}
    assert detail.allowed_states == ("needs_keying", "in_review", "waiting_on_requester", "closed")
    stats = QueueList(ctx).stats(days=7)
    assert len(stats.days) == 7 and stats.days[-1].arrivals == 1
    assert stats.open_total == 1 and dict(stats.channels) == {"Fax": 1}


def test_business_days_skip_weekends():
    from datetime import UTC, datetime

    friday = datetime(2026, 11, 20, 12, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert business_days_between(friday, monday) == pytest.approx(1.0)
    assert business_cutoff(monday, 1) == friday
    assert business_cutoff(monday, 2) == datetime(2026, 11, 19, 12, tzinfo=UTC)


def test_list_rows_carry_canonical_ids_and_the_duplicate_flag(ctx):
    original = add(ctx, received_at=utcnow() - timedelta(hours=3))
    copy = add(ctx, duplicate_of_id=uuid.UUID(original))
    listing = QueueList(ctx)
    rows = {r.id: r for r in listing.fetch(ListQuery(), 0, 10)}
    assert set(rows) == {original, copy}  # the same text as str(uuid) elsewhere in the app
    assert rows[copy].duplicate and not rows[original].duplicate
    only = listing.fetch(ListQuery(filters=(("duplicate", "yes"),)), 0, 10)
    assert [r.id for r in only] == [copy]
    assert listing.detail(copy).row == rows[copy]


def test_counting_business_days_stops_past_the_limit() -> None:
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)  # a Friday
    year_ago = now - timedelta(days=430)
    assert business_days_between(year_ago, now) > 300
    stopped = business_days_between(year_ago, now, limit=2)
    assert 2 < stopped < 4  # enough to tell it is past a 2-day SLA, no more counted
