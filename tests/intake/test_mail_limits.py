"""Mail limits, in the sandbox child: size, attachment count and size, nesting, safe names."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from desk_app.intake.mail import MailLimits, MailUnreadable, parse_mail
from desk_app.intake.sources import FileList
from desk_app.sandbox.mailparse import safe_name
from tests.intake.makers import documents, eml_with, filled_form, submissions


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\Windows\\system32\\evil.pdf", "evil.pdf"),
        ("/etc/passwd", "passwd"),
        ("CON", "attachment_CON"),
        ("nul.pdf", "attachment_nul.pdf"),
        ("re\x00quest\x07.pdf", "re_quest_.pdf"),
        ("..", "attachment"),
        ("", "attachment"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("Access request (signed).pdf", "Access request (signed).pdf"),
    ],
)
def test_attachment_names_are_made_safe(given: str, safe: str) -> None:
    assert safe_name(given) == safe


def test_names_are_sanitised_before_intake_uses_them(tmp_path, ctx, run_intake) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(eml_with([("../../outside.pdf", "application/pdf", filled_form())]))
    run_intake(FileList([path]))
    [sub] = submissions(ctx)
    names = {d.filename for d in documents(ctx, sub)}
    assert "outside.pdf" in names and not any("/" in n or ".." in n for n in names)


def _wrapped(inner: bytes, depth: int, encoded: bool = False) -> bytes:
    """``inner`` attached as message/rfc822, ``depth`` times over (base64-encoded, as some
    mailers do against the RFC, when ``encoded``)."""
    data = inner
    for level in range(depth):
        outer = EmailMessage()
        outer["From"] = f"relay{level}@example.org"
        outer["Subject"] = f"Fwd {level}"
        outer.set_content("forwarded")
        if encoded:
            outer.add_attachment(
                data, maintype="message", subtype="rfc822", filename=f"fwd{level}.eml"
            )
        else:
            attached = email.message_from_bytes(data, policy=email.policy.default)
            outer.add_attachment(attached, filename=f"fwd{level}.eml")
        data = outer.as_bytes()
    return data


@pytest.mark.parametrize("encoded", [False, True])
def test_a_forwarded_mail_is_opened_one_level_deep(encoded: bool) -> None:
    inner = eml_with([("request.pdf", "application/pdf", filled_form())])
    mail = parse_mail(_wrapped(inner, 1, encoded))
    [att] = mail.attachments
    assert att.filename == "request.pdf" and att.data[:4] == b"%PDF"
    assert att.nested_in == "fwd0.eml"


def test_deeper_nesting_is_noted_not_followed() -> None:
    inner = eml_with([("request.pdf", "application/pdf", filled_form())])
    mail = parse_mail(_wrapped(inner, 3))
    assert [a.data for a in mail.attachments] == [b""]  # kept by name: quarantined visibly
    assert mail.attachments[0].left_out == "an attached mail nested deeper than 1 level: not opened"
    assert any("nested deeper than 1" in note for note in mail.notes)
    deeper = parse_mail(_wrapped(inner, 3), MailLimits(max_depth=3))
    assert [a.filename for a in deeper.attachments] == ["request.pdf"]


def test_attachment_count_and_size_and_message_size_limits() -> None:
    many = eml_with([(f"f{i}.pdf", "application/pdf", b"%PDF-1.7 x") for i in range(30)])
    mail = parse_mail(many)
    assert len(mail.attachments) == 21  # twenty opened, one entry for the ten left out
    assert [a.filename for a in mail.attachments if a.left_out] == ["f20.pdf"]
    assert mail.attachments[-1].left_out == (
        "the mail has 30 attachments, over the 20-attachment limit: this one and 9 more not opened"
    )
    assert any("over the 20-attachment limit" in n for n in mail.notes)
    big = eml_with([("big.pdf", "application/pdf", b"%PDF" + b"0" * 3_000_000)])
    [att] = parse_mail(big, MailLimits(max_attachment_bytes=1_000_000)).attachments
    assert att.data == b""
    assert att.left_out == "the attachment is 2.9 MB, over the 1 MB attachment limit: not opened"
    with pytest.raises(MailUnreadable, match="over the 1 MB limit"):
        parse_mail(big, MailLimits(max_message_bytes=1024 * 1024))


def test_a_forwarded_form_goes_through_intake(tmp_path, ctx, run_intake) -> None:
    inner = eml_with([("request.pdf", "application/pdf", filled_form())])
    path = tmp_path / "fwd.eml"
    path.write_bytes(_wrapped(inner, 1))
    report = run_intake(FileList([path]))
    assert (report.submissions, report.quarantined) == (1, 0)
    [sub] = submissions(ctx)
    assert sub.form_number == "MO 500-2356" and sub.state == "ready_for_review"


LIMITS = {
    "attachment size": (
        MailLimits(max_attachment_bytes=1_000_000),
        lambda: eml_with(
            [
                ("big.pdf", "application/pdf", b"%PDF" + b"0" * 3_000_000),
                ("ok.pdf", "application/pdf", filled_form()),
            ]
        ),
        "big.pdf: the attachment is 2.9 MB, over the 1 MB attachment limit: not opened",
    ),
    "attachment count": (
        MailLimits(max_attachments=1),
        lambda: eml_with(
            [
                ("ok.pdf", "application/pdf", filled_form()),
                ("second.pdf", "application/pdf", filled_form(token="t2")),
                ("third.pdf", "application/pdf", filled_form(token="t3")),
            ]
        ),
        "second.pdf: the mail has 3 attachments, over the 1-attachment limit: "
        "this one and 1 more not opened",
    ),
    "nesting depth": (
        MailLimits(),
        lambda: _wrapped(eml_with([("request.pdf", "application/pdf", filled_form())]), 2),
        "fwd0.eml: an attached mail nested deeper than 1 level: not opened",
    ),
    "message size": (
        MailLimits(max_message_bytes=100_000),
        lambda: eml_with([("ok.pdf", "application/pdf", filled_form() + b"%" * 200_000)]),
        "over the 0 MB limit",  # the whole mail: nothing opened, the mail kept
    ),
}


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_each_mail_limit_quarantines_with_its_own_reason_and_keeps_the_mail(
    tmp_path, ctx, run_intake, monkeypatch, limit
) -> None:
    from desk_app.sandbox import api

    limits, make, reason = LIMITS[limit]
    real = api.parse_mail
    monkeypatch.setattr(api, "parse_mail", lambda data, _limits=None: real(data, limits))
    data = make()
    path = tmp_path / "request.eml"
    path.write_bytes(data)
    report = run_intake(FileList([path]))
    assert report.quarantined == 1
    [bad] = [s for s in submissions(ctx) if s.state == "quarantine"]
    assert reason in bad.quarantine_reason, bad.quarantine_reason
    roles = {d.role: d.sha256 for d in documents(ctx, bad)}
    assert ctx.blobs().get(roles["envelope"]) == data  # the whole mail is kept as it came
    if limit.startswith("attachment"):  # the attachments within the limits still go on
        assert any(s.state == "ready_for_review" for s in submissions(ctx))
