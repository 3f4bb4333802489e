"""Keyed values reach the submission's list columns at once: the entity filter and the search
find a keyed fax by its entity and requester."""

from __future__ import annotations

from desk_app.models.base import utcnow
from desk_app.models.submissions import FormSubmission
from desk_app.services.listing import ListQuery
from desk_app.services.queue.listing import QueueList
from desk_app.services.queue.service import QueueService
from tests.views.conftest import add_demo_rows


def _faxed(ctx) -> str:
    with ctx.uow() as uow:
        sub = FormSubmission(
            state="needs_keying",
            form_number="MO 500-2356",
            channel="fax",
            received_at=utcnow(),
            sender="5735550100",
        )
        uow.session.add(sub)
        uow.commit()
        return str(sub.id)


def test_keyed_entity_and_signer_reach_the_row(ctx) -> None:
    add_demo_rows(ctx)
    sid = _faxed(ctx)
    QueueService(ctx).save_keyed_values(
        sid, {"entity_code": "048-078", "entity_name": "typed name", "signer_name": "Ann Smith"}
    )
    listing = QueueList(ctx)
    row = listing.detail(sid).row
    assert row.entity_code == "048-078"
    assert row.entity_name != "typed name"  # the entity on file names itself
    assert row.requester_name == "Ann Smith"
    by_entity = listing.fetch(
        ListQuery().with_filter("state", "all").with_filter("entity", "048-078"), 0, 10
    )
    assert sid in [r.id for r in by_entity]
    by_requester = listing.fetch(ListQuery("Ann Smith").with_filter("state", "all"), 0, 10)
    assert sid in [r.id for r in by_requester]


def test_an_unknown_keyed_code_is_shown_as_keyed(ctx) -> None:
    sid = _faxed(ctx)
    QueueService(ctx).save_keyed_values(sid, {"entity_code": "999-999", "entity_name": "Nowhere"})
    row = QueueList(ctx).detail(sid).row
    assert (row.entity_code, row.entity_name) == ("999-999", "Nowhere")
