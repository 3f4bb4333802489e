"""Property: approving creates exactly the grants the form's add rows ask for, no more, no fewer."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desk_app.models.access import ApplicationRole, RoleGrant, UserAccount
from desk_app.services.review import decisions
from tests.services.review.conftest import LEA_VALUES, submit

USERS = (("Ann", "Lee", "alee"), ("Bo", "Ray", "bray"), ("Cy", "Moe", "cmoe"))
ROLES = ("ECS_VIEW", "ECS_ENTRY", "ECS_APPROVE")
rows = st.lists(st.tuples(st.integers(1, 3), st.sampled_from(ROLES)), min_size=1, max_size=6)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows)
def test_approve_grants_exactly_the_add_rows(ctx, world, requested) -> None:
    values = dict(LEA_VALUES)
    for i, (first, last, username) in enumerate(USERS, start=1):
        values.update(
            {
                f"user_{i}_first_name": first,
                f"user_{i}_last_name": last,
                f"user_{i}_email": f"{username}@bluesprings.k12.mo.us",
                f"user_{i}_username": username,
            }
        )
    for i, (user, role) in enumerate(requested, start=1):
        values.update(
            {
                f"role_{i}_user": str(user),
                f"role_{i}_app": "ECS",
                f"role_{i}_role": role,
                f"role_{i}_action": "add",
            }
        )
    sid = submit(ctx, "DA-103", values)
    # unsigned fillable form: the signature check fails, so a Security Administrator overrides
    decisions.approve(ctx, sid, override_reason="confirmed with the superintendent by telephone")
    with ctx.store.read() as s:
        made = s.execute(
            select(UserAccount.username, ApplicationRole.code)
            .join(RoleGrant, RoleGrant.user_account_id == UserAccount.id)
            .join(ApplicationRole, RoleGrant.role_id == ApplicationRole.id)
            .where(RoleGrant.source_submission_id == uuid.UUID(sid))
        ).all()
        held = set(
            s.execute(
                select(UserAccount.username, ApplicationRole.code)
                .join(RoleGrant, RoleGrant.user_account_id == UserAccount.id)
                .join(ApplicationRole, RoleGrant.role_id == ApplicationRole.id)
                .where(RoleGrant.revoked_at.is_(None))
            ).all()
        )
    wanted = {(USERS[u - 1][2], r) for u, r in requested}
    assert len(made) == len(set(made))  # never two grants for one row pair
    assert set(made) <= wanted and wanted <= held  # new grants only where asked; all asked are held
