"""The IMAP source against a real Dovecot on loopback: fetch, store, move or flag, never delete."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk_app.intake.imap import DONE_KEYWORD, ImapMailbox, ImapSettings
from desk_app.intake.sources import SourceUnreachable
from desk_app.models.submissions import FormSubmission, QueueState
from desk_app.services.queue.intake import IMAP_PASSWORD, IntakeService
from tests.intake.makers import crash_at, eml_with, filled_form, submissions

pytestmark = pytest.mark.imap


def _mailbox(server, folder: str, processed: str = "", password: str | None = None) -> ImapMailbox:
    settings = ImapSettings(
        server.host, server.port, "none", server.user, folder, processed, timeout=10
    )
    return ImapMailbox(settings, password if password is not None else server.password)


def _append(server, folder: str, *messages: bytes) -> None:
    client = server.client()
    for msg in messages:
        client.append(folder, msg)
    client.logout()


def _uids(server, folder: str, criteria=("ALL",)) -> list[int]:
    client = server.client()
    client.select_folder(folder)
    uids = client.search(list(criteria))
    client.logout()
    return uids


def test_mail_with_form_is_queued_and_moved_to_processed(imap_server, mailbox, ctx, run_intake):
    _append(imap_server, mailbox, eml_with([("request.pdf", "application/pdf", filled_form())]))
    report = run_intake(_mailbox(imap_server, mailbox, f"{mailbox}-done"))
    assert (report.taken, report.submissions, report.quarantined) == (1, 1, 0)
    [sub] = submissions(ctx)
    assert sub.state == QueueState.READY_FOR_REVIEW.value
    assert (sub.form_number, sub.channel, sub.sender) == (
        "MO 500-2356",
        "email",
        "supt@springfield.k12.mo.us",
    )
    assert sub.entity_code == "048-078" and sub.token == "tok-1"
    assert _uids(imap_server, mailbox) == []  # moved, not left behind
    assert len(_uids(imap_server, f"{mailbox}-done")) == 1  # and not deleted


def test_flag_mode_marks_the_mail_and_a_second_run_takes_nothing(
    imap_server, mailbox, ctx, run_intake
):
    _append(
        imap_server,
        mailbox,
        eml_with([("a.pdf", "application/pdf", filled_form())]),
        eml_with([], subject="no attachment"),
    )
    first = run_intake(_mailbox(imap_server, mailbox))
    assert (first.taken, first.submissions, first.quarantined) == (2, 2, 1)
    assert len(_uids(imap_server, mailbox)) == 2  # both still there...
    assert len(_uids(imap_server, mailbox, ("KEYWORD", DONE_KEYWORD))) == 2  # ...and flagged
    second = run_intake(_mailbox(imap_server, mailbox))
    assert (second.taken, second.submissions) == (0, 0)
    quarantined = [s for s in submissions(ctx) if s.state == QueueState.QUARANTINE.value]
    assert [s.quarantine_reason for s in quarantined] == [
        "the mail has no attachment: no form to read"
    ]


def test_crash_after_store_before_move_leaves_no_duplicate(imap_server, mailbox, ctx, run_intake):
    _append(imap_server, mailbox, eml_with([("a.pdf", "application/pdf", filled_form())]))
    with pytest.raises(BaseException, match="record"):
        run_intake(_mailbox(imap_server, mailbox, f"{mailbox}-done"), hook=crash_at("record"))
    assert len(_uids(imap_server, mailbox)) == 1  # not acknowledged: still in the inbox
    report = run_intake(_mailbox(imap_server, mailbox, f"{mailbox}-done"))
    assert report.submissions == 1
    assert _uids(imap_server, mailbox) == []
    with ctx.store.read() as s:
        assert s.execute(select(func.count()).select_from(FormSubmission)).scalar_one() == 1


def test_wrong_password_is_an_unreachable_source(imap_server, mailbox, run_intake):
    report = run_intake(_mailbox(imap_server, mailbox, password="wrong"))
    assert report.unreachable and "refused the login" in report.unreachable[0]


def test_missing_folder_is_an_unreachable_source(imap_server, run_intake):
    report = run_intake(_mailbox(imap_server, "NoSuchFolder"))
    assert report.unreachable and "NoSuchFolder" in report.unreachable[0]


def test_password_comes_from_the_secret_store(imap_server, mailbox, ctx):
    for key, value in {
        "imap_host": imap_server.host,
        "imap_port": imap_server.port,
        "imap_security": "none",
        "imap_user": imap_server.user,
        "imap_folder": mailbox,
        "imap_processed_folder": "",
    }.items():
        ctx.settings[key] = value
    service = IntakeService(ctx)
    with pytest.raises(SourceUnreachable, match="no IMAP password"):
        service.imap_source()
    service.set_imap_password(imap_server.password)
    assert ctx.secrets.get(IMAP_PASSWORD) == imap_server.password
    _append(imap_server, mailbox, eml_with([("a.pdf", "application/pdf", filled_form())]))
    report = service.run([service.imap_source()])
    assert report.submissions == 1 and not report.unreachable


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_against_the_real_server(imap_server, mailbox, ctx, run_intake, security):
    port = imap_server.tls_port if security == "tls" else imap_server.port
    settings = ImapSettings(
        imap_server.host, port, security, imap_server.user, mailbox, "", timeout=10
    )
    _append(imap_server, mailbox, eml_with([("a.pdf", "application/pdf", filled_form())]))
    source = ImapMailbox(settings, imap_server.password, ssl_context=imap_server.ssl_context())
    report = run_intake(source)
    assert (report.submissions, report.unreachable) == (1, [])


def test_untrusted_certificate_is_an_unreachable_source(imap_server, mailbox, run_intake):
    settings = ImapSettings(
        imap_server.host, imap_server.tls_port, "tls", imap_server.user, mailbox, "", timeout=10
    )
    report = run_intake(ImapMailbox(settings, imap_server.password))  # system CAs only
    assert report.unreachable and "cannot reach the mail server" in report.unreachable[0]


def test_bodies_come_in_bounded_chunks_and_an_oversized_mail_stays_on_the_server(
    imap_server, mailbox, ctx, run_intake, monkeypatch
):
    from desk_app.intake import imap

    monkeypatch.setattr(imap, "FETCH_BYTES", 1)  # every mail over the chunk size alone
    monkeypatch.setattr(imap, "MAX_MESSAGE_BYTES", 1_000_000)
    forms = [
        eml_with([(f"r{i}.pdf", "application/pdf", filled_form(token=f"c{i}"))]) for i in range(5)
    ]
    huge = eml_with([("big.pdf", "application/pdf", b"%PDF-1.7\n" + b"0" * 1_500_000)])
    _append(imap_server, mailbox, *forms, huge)
    box = _mailbox(imap_server, mailbox, f"{mailbox}-done")
    fetched: list[int] = []
    real_chunks = box._chunks

    def counting(uids, sizes):
        for chunk in real_chunks(uids, sizes):
            fetched.append(len(chunk))
            yield chunk

    monkeypatch.setattr(box, "_chunks", counting)
    report = run_intake(box)
    assert report.taken == 5 and report.submissions == 5
    assert fetched == [1, 1, 1, 1, 1]  # one body per fetch, never all five at once
    assert len(box.oversized) == 1
    assert "over the 1 MB limit: left on the server, not taken" in report.summary()
    assert len(_uids(imap_server, mailbox)) == 1  # the big one is still there, untouched
