"""An approval can be undone until the next sync; once pushed to the central database, undo is
refused with the reason (a real push to the private PostgreSQL). Request tokens sync too."""

from __future__ import annotations

import pytest

from desk_app.errors import ConflictError
from desk_app.services.directory.forms import generate_with_token
from desk_app.services.review import decisions
from desk_app.services.review.undo import undo_approval, undo_state
from tests.services.review.conftest import LEA_VALUES, build_world, submit

UM_ADD = dict(
    LEA_VALUES,
    um_action="add",
    um_first_name="Lee",
    um_last_name="Park",
    um_email="lpark@bluesprings.k12.mo.us",
)
WHY = "confirmed by telephone with the superintendent's office"


def test_undo_until_the_sync_then_refused_with_the_reason(ws_a) -> None:
    build_world(ws_a.store)
    ctx = ws_a.ctx
    first = submit(ctx, "MO 500-2356", UM_ADD)
    decisions.approve(ctx, first, WHY)
    assert undo_state(ctx, first).allowed  # not yet sent: the operator may still undo
    undo_approval(ctx, first)
    decisions.approve(ctx, first, WHY)
    made = generate_with_token(ctx, "MO 500-2356", "048-078")  # a request token, synced too
    ws_a.sync()
    with ws_a.server.engine.connect() as conn:
        tokens = conn.exec_driver_sql("SELECT token, entity_code FROM request_token").all()
    assert [tuple(t) for t in tokens] == [(made.token, "048-078")]
    state = undo_state(ctx, first)
    assert not state.allowed and "sent to the central database" in state.reason
    with pytest.raises(ConflictError, match="undo is possible only until then"):
        undo_approval(ctx, first)
