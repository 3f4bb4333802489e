"""One NUL character never blocks sync: refused at the model boundary, quarantined at intake."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk_app.errors import ValidationError
from desk_app.intake.sources import FileList
from desk_app.models.base import utcnow
from desk_app.models.submissions import FormSubmission, QueueState
from desk_app.services.queue.intake import IntakeService
from tests.intake.makers import eml_with, filled_form


@pytest.mark.parametrize(
    "values",
    [{"sender": "a\x00b"}, {"values": {"email": "x\x00y"}}, {"values": {"k\x00": "v"}}],
)
def test_nul_in_text_or_json_is_refused_at_the_model_boundary(ws_a, values) -> None:
    with pytest.raises(ValidationError, match="NUL character"):
        with ws_a.ctx.uow() as uow:
            uow.session.add(FormSubmission(channel="email", received_at=utcnow(), **values))
            uow.commit()


def test_the_nul_mail_is_quarantined_with_its_reason_and_sync_goes_on(
    ws_a, ws_b, server, tmp_path
) -> None:
    mail = tmp_path / "nul.eml"
    form = filled_form(entity_code="048-078")
    mail.write_bytes(eml_with([("form.pdf", "application/pdf", form)], subject="Access\x00request"))
    IntakeService(ws_a.ctx).run([FileList([mail])])
    with ws_a.store.read() as s:
        subs = s.scalars(select(FormSubmission)).all()
        assert [(x.state, x.subject) for x in subs] == [
            (QueueState.QUARANTINE.value, "Accessrequest")
        ]
        assert "NUL character" in subs[0].quarantine_reason
        sub_id = subs[0].id
    summary = ws_a.sync()
    assert summary.conflicts == 0 and summary.pending == 0
    assert server.row("form_submission", sub_id.hex) is not None
    ws_b.sync()
