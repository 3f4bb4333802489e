"""Child side: a received mail (MIME ``.eml`` or Outlook ``.msg``) into sender and attachments.

Runs only in the sandbox child (the ``email`` package and extract-msg are parsers of hostile
bytes like any other). Limits (:class:`~desk_app.sandbox.results.MailLimits`): the whole message's
size, the number and size of attachments, the MIME parts walked, and how deep attached mails
(``message/rfc822`` parts, ``.eml`` / ``.msg`` attachments) are opened: one level by default,
their own attachments taken as if sent directly; anything beyond is noted, not followed.
Attachment names are made safe before anything uses them (:func:`safe_name`).
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import email.utils
import quopri
import re
import unicodedata
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from pathlib import PurePosixPath, PureWindowsPath

from desk_app.sandbox.results import Attachment, MailLimits, MailUnreadable, ParsedMail

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UNSAFE = re.compile(r"[^\w.\- ()+,]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", re.IGNORECASE)
MAX_NAME = 120


def safe_name(name: str, fallback: str = "attachment") -> str:
    """A bare file name safe on Windows and POSIX: no folders, no ``..``, no control or
    reserved characters, no device names, at most :data:`MAX_NAME` characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name.replace("\\", "/")).name).name
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or _RESERVED.match(name):
        name = f"{fallback}{('_' + name) if name else ''}"
    if len(name) > MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot else name[:MAX_NAME]
    return name


def is_msg(data: bytes) -> bool:
    """Outlook .msg files are OLE2 compound documents."""
    return data[:8] == OLE_MAGIC


class _Collector:
    """Attachments gathered under the limits; what a limit left out is listed with its reason."""

    def __init__(self, limits: MailLimits) -> None:
        self.limits = limits
        self.found: list[Attachment] = []
        self.notes: list[str] = []
        self.parts = 0
        self.over_count: list[str] = []  # names past the attachment-count limit

    def add(self, name: str, media: str, data: bytes, nested_in: str = "") -> None:
        if len(self.found) >= self.limits.max_attachments:
            self.over_count.append(name)
            return
        if len(data) > self.limits.max_attachment_bytes:
            self.leave_out(
                name,
                f"the attachment is {len(data) / 2**20:.1f} MB, over the "
                f"{self.limits.max_attachment_bytes / 2**20:.0f} MB attachment limit: not opened",
                media,
                nested_in,
            )
            return
        self.found.append(Attachment(name, media, data, nested_in))

    def leave_out(self, name: str, reason: str, media: str = "", nested_in: str = "") -> None:
        """List ``name`` without its bytes, with the reason (it is quarantined as such)."""
        self.notes.append(f"{name}: {reason}")
        if len(self.found) >= self.limits.max_attachments:
            self.over_count.append(name)
            return
        self.found.append(Attachment(name, media, b"", nested_in, left_out=reason))

    def finish(self) -> tuple[Attachment, ...]:
        """The attachments, with one more entry naming those past the count limit."""
        if not self.over_count:
            return tuple(self.found)
        first, more = self.over_count[0], len(self.over_count) - 1
        reason = (
            f"the mail has {self.limits.max_attachments + len(self.over_count)} attachments, "
            f"over the {self.limits.max_attachments}-attachment limit: this one"
            + (f" and {more} more" if more else "")
            + " not opened"
        )
        self.notes.append(f"{first}: {reason}")
        return (*self.found, Attachment(first, "", b"", "", left_out=reason))


def parse_mail(data: bytes, limits: MailLimits) -> ParsedMail:
    """Parse ``data`` as an Outlook message (OLE2) or a MIME message, within ``limits``.

    Raises:
        MailUnreadable: neither format could be read, or the message is over the size limit.
    """
    if len(data) > limits.max_message_bytes:
        raise MailUnreadable(
            f"the mail is {len(data) / 2**20:.1f} MB, over the "
            f"{limits.max_message_bytes / 2**20:.0f} MB limit"
        )
    out = _Collector(limits)
    head = _read_msg(data, out, 0, "") if is_msg(data) else _read_eml(data, out, 0, "")
    sender, subject, sent, message_id = head
    attachments = out.finish()
    return ParsedMail(sender, subject, sent, attachments, message_id, tuple(out.notes[:50]))


Head = tuple[str, str, datetime | None, str]  # sender, subject, sent, Message-ID


def _read_eml(data: bytes, out: _Collector, depth: int, within: str) -> Head:
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the email package raises assorted errors on garbage
        raise MailUnreadable(f"the mail could not be read ({type(exc).__name__})") from exc
    if not isinstance(msg, EmailMessage) or not (msg.keys() or msg.get_payload()):
        raise MailUnreadable("the file is not a mail (no headers)")
    _walk(msg, out, depth, within)
    return (
        _address(str(msg.get("From", ""))),
        str(msg.get("Subject", ""))[:300],
        _date(str(msg.get("Date", ""))),
        _message_id(str(msg.get("Message-ID", "") or "")),
    )


def _walk(part: Message, out: _Collector, depth: int, within: str) -> None:
    """Every leaf part of ``part``; attached mails go to :func:`_nested`, not walked into."""
    out.parts += 1
    if out.parts > out.limits.max_parts:
        if out.parts == out.limits.max_parts + 1:
            out.leave_out(
                "the rest of the mail",
                f"the mail has more than {out.limits.max_parts} MIME parts: the rest not read",
            )
        return
    if part.get_content_type() == "message/rfc822":
        name = safe_name(part.get_filename() or "attached-mail.eml")
        _nested(name, _attached_mail(part), out, depth, within)
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk(sub, out, depth, within)
        return
    raw_name = part.get_filename()
    if not raw_name and part.get_content_disposition() != "attachment":
        return  # body text / alternatives, not a document
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        name = safe_name(raw_name or "attachment")
        if name.lower().endswith((".eml", ".msg")) or is_msg(payload):
            _nested(name, payload, out, depth, within)
        else:
            out.add(name, part.get_content_type(), payload, within)


def _attached_mail(part: Message) -> bytes:
    """The bytes of a message/rfc822 part (some mailers base64-encode it, against the RFC)."""
    inner = part.get_payload()
    first = inner[0] if isinstance(inner, list) and inner else None
    if not isinstance(first, Message):
        return b""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        try:
            return base64.b64decode("".join(first.as_string().split()), validate=False)
        except (ValueError, binascii.Error):
            return b""
    if encoding == "quoted-printable":
        return quopri.decodestring(first.as_bytes())
    return first.as_bytes()


def _nested(name: str, data: bytes, out: _Collector, depth: int, within: str) -> None:
    """An attached mail: opened (its attachments taken) while under the depth limit."""
    if not data:
        out.leave_out(name, "an attached mail with nothing in it", "message/rfc822", within)
        return
    if depth + 1 > out.limits.max_depth:
        levels = f"{out.limits.max_depth} level{'s' if out.limits.max_depth != 1 else ''}"
        reason = f"an attached mail nested deeper than {levels}: not opened"
        out.leave_out(name, reason, "message/rfc822", within)
        return
    try:
        if is_msg(data):
            _read_msg(data, out, depth + 1, name)
        else:
            _read_eml(data, out, depth + 1, name)
    except MailUnreadable as exc:
        out.leave_out(
            name, f"an attached mail that cannot be read: {exc}", "message/rfc822", within
        )


def _read_msg(data: bytes, out: _Collector, depth: int, within: str) -> Head:
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
        for att in msg.attachments:
            out.parts += 1
            name = safe_name(att.longFilename or att.shortFilename or "attachment")
            payload = att.data
            if isinstance(payload, bytes):
                media = getattr(att, "mimetype", None) or "application/octet-stream"
                out.add(name, media, payload, within)
            elif isinstance(payload, MessageBase) and depth + 1 <= out.limits.max_depth:
                _msg_attachments(payload, out, name)
            elif isinstance(payload, MessageBase):
                levels = f"{out.limits.max_depth} level{'s' if out.limits.max_depth != 1 else ''}"
                reason = f"an attached mail nested deeper than {levels}: not opened"
                out.leave_out(name, reason, "application/vnd.ms-outlook", within)
            else:  # an embedded OLE object: listed by name, quarantined visibly
                reason = "an object embedded by Outlook, not a file: not opened"
                out.leave_out(name, reason, "application/vnd.ms-outlook-embedded", within)
        sent = msg.date if isinstance(msg.date, datetime) else None
        return (
            _address(msg.sender or ""),
            (msg.subject or "")[:300],
            sent.astimezone(UTC) if sent and sent.tzinfo else None,
            _message_id(str(getattr(msg, "messageId", "") or "")),
        )
    finally:
        msg.close()


def _msg_attachments(inner: object, out: _Collector, within: str) -> None:
    for att in getattr(inner, "attachments", ()):
        name = safe_name(att.longFilename or att.shortFilename or "attachment")
        payload = att.data
        if isinstance(payload, bytes):
            out.add(
                name, getattr(att, "mimetype", None) or "application/octet-stream", payload, within
            )
        else:
            levels = f"{out.limits.max_depth} level{'s' if out.limits.max_depth != 1 else ''}"
            reason = f"an item attached to an attached mail, deeper than {levels}: not opened"
            out.leave_out(name, reason, "application/vnd.ms-outlook-embedded", within)


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


def _message_id(value: str) -> str:
    """A Message-ID as compared: angle brackets and folding white space dropped (the same mail
    saved twice or taken in through two doors keeps it)."""
    return "".join(value.split()).strip("<>")[:300]
