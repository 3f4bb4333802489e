"""Issue 17's time on task: a faxed MO 500-2356 from arrival to an applied grant, keyboard only
(the walk is in ``keyboard_walk.py``, shared with ``python -m bench gui``)."""

from __future__ import annotations

from sqlalchemy import select

from desk_app.models.access import UserAccount, UserManagerDesignation
from tests.views.keyboard_walk import KEYSTROKE_BUDGET, faxed_2356_arrives, walk


def test_a_faxed_2356_reaches_its_grant_by_keyboard_alone(ctx, main_window, qtbot, tmp_path):
    arrival = faxed_2356_arrives(ctx, tmp_path / "fax")
    main_window.resize(1280, 720)
    result = walk(main_window, arrival)
    print(f"\nkeystrokes {result.keystrokes}, typed {result.typed} characters, "
          f"{result.seconds:.1f} s, longest GUI block {result.longest_block_ms:.0f} ms\n  "
          + "\n  ".join(result.steps))  # fmt: skip
    with ctx.store.read() as s:
        lee = s.execute(select(UserAccount).where(UserAccount.username == "lpark")).scalar_one()
        designation = s.execute(
            select(UserManagerDesignation).where(
                UserManagerDesignation.user_account_id == lee.id,
                UserManagerDesignation.end_at.is_(None),
            )
        ).scalar_one()
        assert str(designation.entity_id) == arrival.entity_id
    assert result.keystrokes <= KEYSTROKE_BUDGET, result.steps
