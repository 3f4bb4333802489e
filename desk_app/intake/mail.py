"""Reading a received mail (MIME ``.eml`` or Outlook ``.msg``) into its sender and attachments.

Only what intake needs: who sent it, the subject, when, its Message-ID, and each attachment's
(sanitised) name, media type and bytes. The parsing itself runs in a sandbox child
(:mod:`desk_app.sandbox.mailparse`, with limits on size, attachments and nesting); the body
text is not kept (the requester's covering note stays readable in the stored original).
"""

from __future__ import annotations

from desk_app.received import Received
from desk_app.sandbox import api as sandbox
from desk_app.sandbox.results import Attachment, MailLimits, MailUnreadable, ParsedMail

__all__ = ["Attachment", "MailLimits", "MailUnreadable", "ParsedMail", "is_msg", "parse_mail"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_msg(data: Received) -> bool:
    """Outlook .msg files are OLE2 compound documents."""
    return data.head(8) == OLE_MAGIC


def parse_mail(data: Received, limits: MailLimits | None = None) -> ParsedMail:
    """Parse ``data`` as an Outlook message (OLE2) or a MIME message, in a sandbox child.

    Raises:
        MailUnreadable: neither format could be read, or the mail is over a limit.
    """
    return sandbox.parse_mail(data, limits)
