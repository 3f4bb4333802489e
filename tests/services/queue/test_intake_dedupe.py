"""One message, one set of submissions, whatever the door it comes through."""

from __future__ import annotations

from sqlalchemy import select

from desk_app.intake.sources import FileList, mail_folder
from desk_app.models.audit import AuditEvent
from desk_app.models.intake import SourceItem
from tests.intake.makers import eml_with, filled_form, submissions


def _eml(message_id: str, subject: str = "Access request") -> bytes:
    data = eml_with([("form.pdf", "application/pdf", filled_form())], subject=subject)
    return data.replace(b"Subject:", f"Message-ID: <{message_id}>\nSubject:".encode(), 1)


def _items(ctx) -> list[tuple[str, str, int]]:
    with ctx.store.read() as s:
        rows = s.execute(
            select(SourceItem.status, SourceItem.note, SourceItem.submissions).order_by(
                SourceItem.id
            )
        ).all()
    return [tuple(r) for r in rows]


def test_a_mail_taken_from_a_folder_then_as_a_file_is_linked(tmp_path, ctx, run_intake):
    drop = tmp_path / "mail"
    drop.mkdir()
    data = _eml("abc@springfield.k12.mo.us")
    (drop / "request.eml").write_bytes(data)
    copy = tmp_path / "saved-again.eml"
    copy.write_bytes(data)
    run_intake(mail_folder(drop))
    before = [s.id for s in submissions(ctx)]
    report = run_intake(FileList([copy]))
    assert report.submissions == 0
    assert [s.id for s in submissions(ctx)] == before  # not queued again
    (_, _, made), (status, note, none) = _items(ctx)
    assert made == 1 and status == "done" and none == 0
    assert "the same file (same content) was taken in before" in note
    assert str(before[0]) in note
    with ctx.store.read() as s:
        ((record_id, summary),) = s.execute(
            select(AuditEvent.record_id, AuditEvent.summary).where(
                AuditEvent.action == "intake.already_taken"
            )
        ).all()
    assert record_id == before[0] and "linked, not queued again" in summary


def test_the_same_mail_saved_again_is_recognised_by_message_id(tmp_path, ctx, run_intake):
    first, again = tmp_path / "a.eml", tmp_path / "b.eml"
    first.write_bytes(_eml("xyz@springfield.k12.mo.us"))
    # saved again by the mail program: other bytes (a header added), the same Message-ID
    again.write_bytes(_eml("xyz@springfield.k12.mo.us", subject="FW: Access request"))
    run_intake(FileList([first]))
    run_intake(FileList([again]))
    assert len(submissions(ctx)) == 1
    note = _items(ctx)[1][1]
    assert "the same mail (Message-ID xyz@springfield.k12.mo.us) was taken in before" in note


def test_another_mail_with_the_same_form_is_still_queued_and_flagged(tmp_path, ctx, run_intake):
    a, b = tmp_path / "a.eml", tmp_path / "b.eml"
    a.write_bytes(_eml("one@springfield.k12.mo.us"))
    b.write_bytes(_eml("two@springfield.k12.mo.us"))
    run_intake(FileList([a, b]))
    first, second = submissions(ctx)
    assert second.duplicate_of_id == first.id  # a second message: queued, shown as duplicate


def test_within_one_batch_later_items_see_earlier_ones(tmp_path, ctx, run_intake):
    """Items of one batch are enqueued in one transaction; each still sees those before it:
    the same bytes twice are linked, the same Message-ID twice is linked, and the same request
    in another mail is queued and flagged."""
    same = _eml("same@springfield.k12.mo.us")
    paths = []
    for name, data in [
        ("a.eml", same),
        ("a-copy.eml", same),  # the same bytes under another name
        ("a-fwd.eml", _eml("same@springfield.k12.mo.us", subject="FW: Access request")),
        ("b.eml", _eml("other@springfield.k12.mo.us")),
    ]:
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    report = run_intake(FileList(paths))
    assert report.taken == 4 and report.submissions == 2
    first, second = submissions(ctx)
    assert second.duplicate_of_id == first.id
    notes = [note for _status, note, _n in _items(ctx)]
    assert "the same file (same content) was taken in before" in notes[1]
    assert "the same mail (Message-ID same@springfield.k12.mo.us)" in notes[2]
    assert [status for status, _note, _n in _items(ctx)] == ["done"] * 4


def test_a_batch_commits_once_per_step(tmp_path, ctx, run_intake, monkeypatch):
    """Thirty files cost a handful of commits (ledger, acknowledge, enqueue per batch), not
    three per file: the per-item commits and fsyncs were what held intake back."""
    from sqlalchemy import event

    commits: list[int] = []

    def count(_conn: object) -> None:
        commits.append(1)

    event.listen(ctx.store.engine, "commit", count)
    paths = []
    for i in range(30):
        path = tmp_path / f"request-{i}.pdf"
        path.write_bytes(filled_form(token=f"t{i}", entity_code=f"{i:03d}-000"))
        paths.append(path)
    report = run_intake(FileList(paths))
    event.remove(ctx.store.engine, "commit", count)
    assert report.submissions == 30
    assert len(commits) <= 4
