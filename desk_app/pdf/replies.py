"""Reply drafts as .eml files (stdlib ``email``), ready for Outlook even when offline.

An .eml with ``X-Unsent: 1`` opens in Outlook as a new, unsent message: the operator reads it,
adds anything personal, and sends it from their own mailbox. Nothing is sent from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid


def draft_eml(
    sender: str,
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    cc: Sequence[str] = (),
) -> bytes:
    """Build an unsent message.

    Args:
        sender: the agency mailbox the reply goes from (may be empty: Outlook fills it in).
        to: recipients.
        subject: the subject line.
        body: plain-text body.
        attachments: (file name, bytes, MIME type "type/subtype") triples, e.g. a letter PDF.
        cc: copy recipients.

    Returns:
        The message as bytes (CRLF line ends, as .eml files carry them).
    """
    msg = EmailMessage(policy=SMTP)
    if sender:
        msg["From"] = sender
    msg["To"] = ", ".join(a for a in to if a)
    if cc:
        msg["Cc"] = ", ".join(a for a in cc if a)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="desk-app.local")
    msg["X-Unsent"] = "1"  # Outlook opens the file as a draft to send
    msg.set_content(body)
    for name, data, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=name
        )
    return msg.as_bytes()
