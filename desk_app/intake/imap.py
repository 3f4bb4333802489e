"""An IMAP mailbox as an intake source (imapclient).

Mails are fetched with ``BODY.PEEK[]`` (the mailbox's "unread" marks are left alone) and keyed by
host, user, folder, UIDVALIDITY and UID. Once a mail's bytes are stored, it is moved to the
processed folder, or, when no processed folder is configured, marked with the keyword
:data:`DONE_KEYWORD` and skipped by later searches. A mail is never deleted or expunged.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from desk_app.intake.sources import Arrival, SourceUnreachable
from desk_app.models.submissions import Channel
from desk_app.received import Received

if TYPE_CHECKING:  # for the annotations; at run time imapclient is imported where we connect
    from imapclient import IMAPClient

log = logging.getLogger(__name__)

DONE_KEYWORD = "DeskAppTaken"
FETCH_BATCH = 50  # sizes asked for this many mails at a time
FETCH_BYTES = 16 * 1024 * 1024  # bodies fetched in chunks of at most this much (or one mail)
MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # a bigger mail is left on the server, named in the log
SECURITY_MODES = ("tls", "starttls", "none")


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # tls / starttls / none (none only for loopback test servers)
    user: str
    folder: str = "INBOX"
    processed_folder: str = "Processed"  # "" = flag instead of move
    timeout: float = 30.0


class ImapMailbox:
    """A mailbox folder whose mails carry forms."""

    kind = "imap"

    def __init__(
        self, settings: ImapSettings, password: str, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        if settings.security not in SECURITY_MODES:
            raise SourceUnreachable(f"IMAP security must be one of {', '.join(SECURITY_MODES)}")
        self.settings = settings
        self._password = password
        self._ssl_context = ssl_context
        self._client: IMAPClient | None = None
        self._uidvalidity = 0
        self.oversized: list[int] = []  # UIDs left on the server for their size
        self.left_behind: list[str] = []  # the same, in words, for the run's report
        self.description = f"IMAP {settings.user}@{settings.host}:{settings.port}/{settings.folder}"

    # --- connection ----------------------------------------------------------------------------
    def _connect(self) -> IMAPClient:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError, LoginError

        s = self.settings
        context = self._ssl_context or ssl.create_default_context()
        try:
            client = IMAPClient(
                s.host, port=s.port, ssl=s.security == "tls", ssl_context=context, timeout=s.timeout
            )
            if s.security == "starttls":
                client.starttls(context)
            client.login(s.user, self._password)
        except LoginError as exc:
            raise SourceUnreachable(
                f"the mail server refused the login of {s.user}",
                hint="check the IMAP password in Settings",
            ) from exc
        except (OSError, ssl.SSLError, IMAPClientError) as exc:
            raise SourceUnreachable(
                f"cannot reach the mail server {s.host}:{s.port} ({exc})"
            ) from exc
        return client

    def _select(self) -> IMAPClient:
        from imapclient.exceptions import IMAPClientError

        if self._client is None:
            self._client = self._connect()
        client = self._client
        try:
            info = client.select_folder(self.settings.folder)
        except IMAPClientError as exc:
            raise SourceUnreachable(
                f"the mail folder {self.settings.folder!r} cannot be opened"
            ) from exc
        self._uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        return client

    def probe(self) -> int:
        """Sign in, open the folder and close again: how many mails the folder holds.

        Raises:
            SourceUnreachable: the server, the login or the folder failed (the reason says which).
        """
        try:
            client = self._select()
            return int(client.folder_status(self.settings.folder, ["MESSAGES"])[b"MESSAGES"])
        finally:
            self.close()

    # --- Source API ------------------------------------------------------------------------------
    def arrivals(self) -> Iterator[Arrival]:
        client = self._select()
        # moved mails leave the folder; flagged ones (and copies without MOVE) carry the keyword
        uids = sorted(client.search(["NOT", "KEYWORD", DONE_KEYWORD]))
        for start in range(0, len(uids), FETCH_BATCH):
            sizes = client.fetch(uids[start : start + FETCH_BATCH], ["RFC822.SIZE"])
            for chunk in self._chunks(uids[start : start + FETCH_BATCH], sizes):
                fetched = client.fetch(chunk, ["BODY.PEEK[]", "INTERNALDATE"])
                for uid in chunk:
                    item = fetched.get(uid)
                    if item and b"BODY[]" in item:
                        yield self._arrival(uid, item)

    def _chunks(
        self, uids: list[int], sizes: dict[int, dict[bytes, object]]
    ) -> Iterator[list[int]]:
        """Runs of mails whose bodies together stay under :data:`FETCH_BYTES`; a mail over
        :data:`MAX_MESSAGE_BYTES` is left on the server (and logged), never downloaded."""
        chunk: list[int] = []
        total = 0
        for uid in uids:
            size = sizes.get(uid, {}).get(b"RFC822.SIZE", 0)
            size = size if isinstance(size, int) else 0
            if size > MAX_MESSAGE_BYTES:
                log.warning(
                    "mail %s in %s is %.1f MB, over the %.1f MB limit: left on the server",
                    uid,
                    self.description,
                    size / 2**20,
                    MAX_MESSAGE_BYTES / 2**20,
                )
                self.oversized.append(uid)
                self.left_behind.append(
                    f"mail {uid} is {size / 2**20:.1f} MB, over the "
                    f"{MAX_MESSAGE_BYTES / 2**20:.0f} MB limit: left on the server, not taken"
                )
                continue
            if chunk and total + size > FETCH_BYTES:
                yield chunk
                chunk, total = [], 0
            chunk.append(uid)
            total += size
        if chunk:
            yield chunk

    def _arrival(self, uid: int, item: dict[bytes, object]) -> Arrival:
        s = self.settings
        when = item.get(b"INTERNALDATE")
        received = when.astimezone(UTC) if isinstance(when, datetime) and when.tzinfo else None
        key = f"{s.host}|{s.user}|{s.folder}|{self._uidvalidity}|{uid}"
        data = item[b"BODY[]"]
        assert isinstance(data, bytes)
        return Arrival(
            self.kind,
            key,
            Channel.EMAIL,
            f"mail-{uid}.eml",
            Received(data, f"mail {uid}"),
            True,
            received_at=received,
        )

    def acknowledge(self, arrival: Arrival) -> None:
        client = self._client or self._select()
        uid = int(arrival.source_key.rsplit("|", 1)[1])
        target = self.settings.processed_folder
        if not target:
            client.add_flags([uid], [DONE_KEYWORD])
            return
        if not client.folder_exists(target):
            client.create_folder(target)
        if client.has_capability("MOVE"):
            client.move([uid], target)
        else:
            # without MOVE, copy and mark: removing the original would need a delete + expunge
            client.copy([uid], target)
            client.add_flags([uid], [DONE_KEYWORD])

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.logout()
            except Exception as exc:  # the connection may already be gone; nothing to save
                log.info("IMAP logout: %s", type(exc).__name__)
            self._client = None
