"""Property: random offline edits on two workstations converge after sync, and every concurrent
edit of the same field of the same row surfaces as a conflict (never a silent overwrite)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desk_app.models.entities import EducationalEntity
from desk_app.models.sync_state import SyncConflict
from desk_app.services.sync.service import SyncService
from tests.sync.helpers import add_entity, assert_converged, edit, get

FIELDS = ("city", "phone", "address", "fax")
ROWS = 3
_codes = itertools.count(100)

edits = st.lists(
    st.tuples(
        st.sampled_from("AB"),
        st.integers(0, ROWS - 1),
        st.sampled_from(FIELDS),
        st.sampled_from(["x", "y", "z"]),
    ),
    min_size=1,
    max_size=12,
)


def _open_conflicts(ws) -> dict[str, set[str]]:
    with ws.store.read() as s:
        rows = s.scalars(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))).all()
        return {c.row_id: set(c.mine_columns) & set(c.theirs_columns) for c in rows}


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=edits, keep_mine=st.booleans())
def test_random_offline_edits_converge_with_every_same_field_edit_a_conflict(
    ws_a, ws_b, server, ops, keep_mine
) -> None:
    # fresh rows for each example; the stores and the server carry on between examples
    ids = [add_entity(ws_a, f"048-{next(_codes):03d}", f"District {i}") for i in range(ROWS)]
    ws_a.sync(), ws_b.sync(), ws_a.sync()
    stations = {"A": ws_a, "B": ws_b}
    touched: dict[str, dict[tuple[int, str], str]] = {"A": {}, "B": {}}
    for who, row, field, value in ops:
        value = f"{who}-{value}"
        edit(stations[who], EducationalEntity, ids[row], **{field: value})
        touched[who][(row, field)] = value
    ws_a.sync()
    ws_b.sync()  # B pushes second: it meets A's changes
    both = set(touched["A"]) & set(touched["B"])
    expected = {ids[r].hex: {f for rr, f in both if rr == r} for r, _ in both}
    assert _open_conflicts(ws_a) == {}
    assert _open_conflicts(ws_b) == expected
    service = SyncService(ws_b.ctx)
    for conflict in service.conflicts():
        service.resolve(conflict.id, "mine" if keep_mine else "theirs")
    ws_b.sync(), ws_a.sync(), ws_b.sync()
    assert_converged(server, ws_a, ws_b)
    for r, eid in enumerate(ids):
        row = get(ws_a, EducationalEntity, eid)
        for field in FIELDS:
            a, b = touched["A"].get((r, field)), touched["B"].get((r, field))
            if eid.hex in expected:  # the decision takes one side's whole row
                want = (b if keep_mine else a) or ""
            else:
                want = a or b or ""
            assert getattr(row, field) == want, (r, field, a, b, keep_mine)
