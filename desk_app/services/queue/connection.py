""" "Test connection" for the mailbox forms arrive in, before the settings are saved.

The test signs in with the values the operator is editing (not yet saved) and the password from
the secret store, opens the folder, counts its mails and signs out: nothing is fetched, moved or
flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.intake.imap import ImapMailbox, ImapSettings
from desk_app.intake.sources import SourceUnreachable
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.queue.intake import IMAP_PASSWORD

CHECK_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class MailboxCheck:
    """What a mailbox test found: ``ok`` and one line saying what was reached (or why not)."""

    ok: bool
    message: str


def check_mailbox(
    ctx: ServiceContext,
    host: str,
    port: int,
    security: str,
    user: str,
    folder: str,
    password: str | None = None,
) -> MailboxCheck:
    """Sign in to the IMAP server and open ``folder``; never raises for a known cause.

    Args:
        password: the password to try (default: the one in the secret store).
    """
    ctx.require(Perm.SETTINGS)
    if not host.strip():
        return MailboxCheck(False, "Not tested: no IMAP server is given.")
    secret = password if password is not None else ctx.secrets.get(IMAP_PASSWORD)
    if not secret:
        return MailboxCheck(False, "Not tested: no IMAP password is given or stored.")
    settings = ImapSettings(
        host.strip(),
        int(port),
        security,
        user.strip(),
        folder.strip() or "INBOX",
        timeout=CHECK_TIMEOUT_S,
    )
    try:
        held = ImapMailbox(settings, secret).probe()
    except SourceUnreachable as exc:
        return MailboxCheck(False, f"Failed: {exc}.")
    return MailboxCheck(
        True,
        f"Signed in to {settings.host}:{settings.port} as {settings.user}; "
        f"the folder {settings.folder!r} holds {held} mail(s).",
    )
