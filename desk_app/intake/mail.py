"""Reading a received mail (MIME ``.eml`` or Outlook ``.msg``) into its sender and attachments.

Only what intake needs: who sent it, the subject, when, and each attachment's name, media type
and bytes. The body text is not kept (a form arrives as an attachment; the body is the
requester's covering note, which stays readable in the stored original).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from desk_app.errors import KnownError

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class MailUnreadable(KnownError):
    """The bytes are not a mail this workstation can read."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    sender: str
    subject: str
    sent_at: datetime | None
    attachments: tuple[Attachment, ...] = field(default=())
    # the sender's Message-ID: the same mail saved twice or taken through two doors keeps it
    message_id: str = ""


def is_msg(data: bytes) -> bool:
    """Outlook .msg files are OLE2 compound documents."""
    return data[:8] == OLE_MAGIC


def parse_mail(data: bytes) -> ParsedMail:
    """Parse ``data`` as an Outlook message (OLE2) or a MIME message.

    Raises:
        MailUnreadable: neither format could be read.
    """
    return _parse_msg(data) if is_msg(data) else _parse_eml(data)


def _parse_eml(data: bytes) -> ParsedMail:
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the email package raises assorted errors on garbage
        raise MailUnreadable(f"the mail could not be read ({type(exc).__name__})") from exc
    if not isinstance(msg, EmailMessage) or not (msg.keys() or msg.get_payload()):
        raise MailUnreadable("the file is not a mail (no headers)")
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        disposition = part.get_content_disposition()
        if not name and disposition != "attachment":
            continue  # body text / alternatives, not a document
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append(Attachment(name or "attachment", part.get_content_type(), payload))
    return ParsedMail(
        sender=_address(str(msg.get("From", ""))),
        subject=str(msg.get("Subject", ""))[:300],
        sent_at=_date(str(msg.get("Date", ""))),
        attachments=tuple(attachments),
        message_id=_message_id(str(msg.get("Message-ID", "") or "")),
    )


def _parse_msg(data: bytes) -> ParsedMail:
    import extract_msg
    from extract_msg.msg_classes import MessageBase

    try:
        msg = extract_msg.openMsg(data)
    except Exception as exc:  # extract-msg / olefile raise many kinds on a damaged file
        raise MailUnreadable(
            f"the Outlook message could not be read ({type(exc).__name__})"
        ) from exc
    try:
        if not isinstance(msg, MessageBase):
            # openMsg gives a bare MSGFile (no sender, subject or date) for an item of class "IPM"
            raise MailUnreadable(
                "the Outlook item is not a message (it has no sender, subject or date)"
            )
        attachments = []
        for att in msg.attachments:
            name = att.longFilename or att.shortFilename or "attachment"
            payload = att.data
            if isinstance(payload, bytes):
                media = getattr(att, "mimetype", None) or "application/octet-stream"
                attachments.append(Attachment(name, media, payload))
            else:  # an embedded message or OLE object: keep its name so it is quarantined visibly
                attachments.append(Attachment(name, "application/vnd.ms-outlook-embedded", b""))
        sent = msg.date if isinstance(msg.date, datetime) else None
        return ParsedMail(
            sender=_address(msg.sender or ""),
            subject=(msg.subject or "")[:300],
            sent_at=sent.astimezone(UTC) if sent and sent.tzinfo else None,
            attachments=tuple(attachments),
            message_id=_message_id(str(getattr(msg, "messageId", "") or "")),
        )
    finally:
        msg.close()


def _message_id(value: str) -> str:
    """A Message-ID as compared: angle brackets and folding white space dropped."""
    return "".join(value.split()).strip("<>")[:300]


def _address(value: str) -> str:
    name, addr = email.utils.parseaddr(value)
    return (addr or name or value).strip()[:200]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
