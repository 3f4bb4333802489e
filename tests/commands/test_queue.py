"""``desk-app queue`` and ``desk-app entities officer``: the GUI's services from the command line."""

from __future__ import annotations

import getpass
import json
import uuid
from contextlib import nullcontext
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.models.audit import AuditEvent
from desk_app.models.people import EntityOfficer
from desk_app.models.submissions import FormSubmission
from tests.services.review.conftest import LEA_VALUES, build_world

UM_ADD = dict(
    LEA_VALUES,
    um_action="add",
    um_first_name="Lee",
    um_last_name="Park",
    um_email="lpark@bluesprings.k12.mo.us",
)


@pytest.fixture
def data(tmp_path):
    """A data folder with the small world and two submissions (one ready, one new)."""
    folder = tmp_path / "data"
    app = open_app(folder, username=getpass.getuser())  # the CLI's operator, registered first
    build_world(app.store)
    with app.store.uow(app.services.actor) as uow:
        for state in ("ready_for_review", "new"):
            uow.session.add(
                FormSubmission(
                    form_number="MO 500-2356",
                    channel="email",
                    state=state,
                    received_at=datetime.now(UTC),
                    sender="office@bluesprings.k12.mo.us",
                    entity_code="048-078",
                    entity_name="Blue Springs R-IV",
                    values=dict(UM_ADD),
                )
            )
        uow.commit()
    app.close()
    return folder


def run(data, *args: str) -> int:
    return main(["--data-dir", str(data), *args])


def _ids(data, capsys, *filters: str) -> list[dict]:
    assert run(data, "queue", "list", "--json", *filters) == 0
    return json.loads(capsys.readouterr().out)


def test_list_filters_and_json(data, capsys) -> None:
    rows = _ids(data, capsys)
    assert sorted(r["state"] for r in rows) == ["new", "ready_for_review"]
    assert [r["state"] for r in _ids(data, capsys, "--state", "new")] == ["new"]
    assert len(_ids(data, capsys, "--entity", "048-078", "--form", "MO 500-2356")) == 2
    assert _ids(data, capsys, "--entity", "999-999") == []
    assert run(data, "queue", "list") == 0
    assert "2 submission(s)" in capsys.readouterr().out


def test_claim_show_and_decide_use_the_services_and_audit(data, capsys) -> None:
    (ready,) = _ids(data, capsys, "--state", "ready_for_review")
    assert run(data, "queue", "claim", ready["id"]) == 0
    assert "claimed by" in capsys.readouterr().out
    assert run(data, "queue", "show", ready["id"], "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "in_review" and shown["values"]["um_last_name"] == "Park"
    # unsigned: approval is refused, the claim kept as chosen, one clear line, non-zero exit
    assert run(data, "queue", "decide", ready["id"], "--approve") != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot approve" in err and "you still hold" in err
    assert run(data, "queue", "decide", ready["id"], "--wait", "pin_missing", "--json") == 0
    assert json.loads(capsys.readouterr().out)["state"] == "waiting_on_requester"
    app = open_app(data, username=getpass.getuser())
    with app.store.read() as s:
        actions = set(s.execute(select(AuditEvent.action)).scalars())
    app.close()
    assert {"queue.claim", "verification.run", "queue.transition"} <= actions


def test_a_refused_decision_can_release_the_claim(data, capsys) -> None:
    (ready,) = _ids(data, capsys, "--state", "ready_for_review")
    run(data, "queue", "claim", ready["id"])
    capsys.readouterr()
    assert run(data, "queue", "decide", ready["id"], "--approve", "--on-failure", "release") != 0
    assert "the claim was released" in capsys.readouterr().err
    (back,) = _ids(data, capsys, "--state", "ready_for_review")
    assert back["assigned_to"] == ""


@pytest.mark.parametrize(
    "args, words",
    [
        (("queue", "show", "not-a-uuid"), "not a submission id: 'not-a-uuid'"),
        (("queue", "claim", str(uuid.uuid4())), "no longer exists"),
        (("queue", "list", "--state", "bogus"), "unknown state 'bogus'"),
        (("queue", "decide", str(uuid.uuid4()), "--reject", "nonsense"), "unknown reason code"),
        (("queue", "decide", str(uuid.uuid4())), "one of the arguments"),
        (("queue", "frobnicate"), "invalid choice"),
        (("verify", "--submission", "not-a-uuid"), "no submission 'not-a-uuid'"),
        (
            ("entities", "officer", "048-078", "--superintendent", "Ann Lee", "--from", "soon"),
            "not a date",
        ),
        (
            (
                "entities",
                "officer",
                "999-999",
                "--superintendent",
                "Ann Lee",
                "--from",
                "2026-07-01",
            ),
            "no entity with code 999-999",
        ),
    ],
)
def test_bad_ids_and_options_are_one_clear_line(data, capsys, args, words) -> None:
    argparse_refuses = "one of the arguments" in words or "invalid" in words
    with pytest.raises(SystemExit) if argparse_refuses else nullcontext():
        assert run(data, *args) != 0
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_entities_officer_records_a_change_of_superintendent(data, capsys) -> None:
    assert (
        run(
            data,
            "entities",
            "officer",
            "048-078",
            "--superintendent",
            "Maria Gomez",
            "--from",
            "2026-07-01",
        )
        == 0
    )
    assert "Maria Gomez is superintendent of 048-078 from 07/01/2026" in capsys.readouterr().out
    app = open_app(data, username=getpass.getuser())
    with app.store.read() as s:
        rows = (
            s.execute(
                select(EntityOfficer)
                .where(EntityOfficer.role == "superintendent")
                .order_by(EntityOfficer.start_date)
            )
            .scalars()
            .all()
        )
        history = [(o.person.full_name, str(o.start_date), str(o.end_date)) for o in rows]
        audited = (
            s.execute(
                select(AuditEvent.summary).where(AuditEvent.action == "directory.officer_appoint")
            )
            .scalars()
            .all()
        )
    app.close()
    assert history == [
        ("Jane Doe", "2020-07-01", "2026-06-30"),
        ("Maria Gomez", "2026-07-01", "None"),
    ]
    assert audited == ["Maria Gomez superintendent of 048-078 from 07/01/2026 (after Jane Doe)"]
    assert (
        run(
            data,
            "entities",
            "officer",
            "048-078",
            "--superintendent",
            "Maria Gomez",
            "--from",
            "2026-08-01",
        )
        != 0
    )
    assert "already superintendent" in capsys.readouterr().err


def test_diff_approve_as_shown_then_undo(data, capsys) -> None:
    (ready,) = _ids(data, capsys, "--state", "ready_for_review")
    sid = ready["id"]
    assert run(data, "queue", "diff", sid, "--json") == 0
    diff = json.loads(capsys.readouterr().out)
    assert [(c["kind"], c["subject"], c["person"]) for c in diff["changes"]] == [
        ("added", "user manager", "Lee Park")
    ]
    assert run(data, "queue", "diff", sid) == 0
    assert "becomes a user manager of 048-078" in capsys.readouterr().out
    run(data, "queue", "claim", sid)
    why = "confirmed by telephone with the superintendent's office"
    args = ("queue", "decide", sid, "--approve", "--override", why)
    assert run(data, *args, "--expect", "0" * 64) != 0  # not the diff that was shown
    assert "changed since you saw" in capsys.readouterr().err
    assert run(data, *args, "--expect", diff["fingerprint"]) == 0
    capsys.readouterr()
    assert run(data, "queue", "undo", sid, "--note", "wrong entity", "--json") == 0
    undone = json.loads(capsys.readouterr().out)
    assert undone["state"] == "in_review" and "key the PIN" in undone["todo"]  # a 2356 needs one
    # nothing left to undo: one clear line, non-zero exit
    assert run(data, "queue", "undo", sid) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "only an applied approval can be undone" in err
