"""Intake bookkeeping: which source items this workstation has taken in, and how far each got.

One row per item a source offered (a mail by folder + UIDVALIDITY + UID, a file by name, size,
modification time and hash). The pair (source kind, source key) is unique, so a re-run after a
crash finds the row and resumes from the stored blob instead of creating a second submission.
The table is local to the workstation (the blobs it names are local too), so it is not synced.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.models.base import Base, UTCDateTime


class ItemStatus(StrEnum):
    STORED = "stored"  # original bytes in the blob store; not yet in the queue
    DONE = "done"  # its submissions are in the queue (same transaction as this status)


class SourceItem(Base):
    """One item taken from a source (mailbox, mail folder, fax folder, dropped file)."""

    __tablename__ = "intake_source_item"
    __table_args__ = (UniqueConstraint("source_kind", "source_key", name="uq_intake_source_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_kind: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # a mail's Message-ID once read: the same mail through another door is recognised by it
    message_id: Mapped[str] = mapped_column(String(300), default="", index=True)
    filename: Mapped[str] = mapped_column(String(260), default="")
    channel: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default=ItemStatus.STORED.value, index=True)
    acknowledged: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    submissions: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
