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
    assert any("nested deeper than 1" in note for note in mail.notes)
    deeper = parse_mail(_wrapped(inner, 3), MailLimits(max_depth=3))
    assert [a.filename for a in deeper.attachments] == ["request.pdf"]


def test_attachment_count_and_size_and_message_size_limits() -> None:
    many = eml_with([(f"f{i}.pdf", "application/pdf", b"%PDF-1.7 x") for i in range(30)])
    mail = parse_mail(many)
    assert len(mail.attachments) == 20
    assert any("over the 20-attachment limit" in n for n in mail.notes)
    big = eml_with([("big.pdf", "application/pdf", b"%PDF" + b"0" * 3_000_000)])
    [att] = parse_mail(big, MailLimits(max_attachment_bytes=1_000_000)).attachments
    assert att.data == b""
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
