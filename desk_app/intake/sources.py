"""Where forms come from: what every source offers (arrivals) and how it is told they are safe.

A source lists :class:`Arrival` values and, once the pipeline has stored an arrival's bytes in
the blob store and recorded it, is asked to :meth:`~Source.acknowledge` it: a drop folder moves
the file into its ``processed`` subfolder, a mailbox moves or flags the mail. Nothing is ever
deleted. Each arrival carries a stable ``source_key``, so a re-run after a crash recognises an
item it has already taken.

The IMAP mailbox lives in :mod:`desk_app.intake.imap`; the folder and file sources are here.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from desk_app.errors import KnownError
from desk_app.models.submissions import Channel
from desk_app.received import Received

log = logging.getLogger(__name__)

MAIL_SUFFIXES = frozenset({".eml", ".msg"})
FAX_SUFFIXES = frozenset({".tif", ".tiff", ".pdf", ".png", ".jpg", ".jpeg"})
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
PROCESSED = "processed"


class SourceUnreachable(KnownError):
    """A source cannot be reached (server down, wrong password, folder missing)."""

    exit_code = 3


@dataclass(frozen=True)
class Arrival:
    """One item a source offers: a mail, or a file."""

    source_kind: str  # imap / mail_folder / fax_folder / file
    source_key: str  # stable across re-runs; unique within the kind
    channel: Channel
    filename: str
    data: Received  # from outside: only the blob store and the sandbox take it
    is_mail: bool
    sender: str = ""
    subject: str = ""
    received_at: datetime | None = None


class Source(Protocol):
    """What the pipeline needs from a source."""

    kind: str
    description: str

    def arrivals(self) -> Iterator[Arrival]:
        """Offer what is waiting. Raises :class:`SourceUnreachable` if the source cannot be read."""
        ...

    def acknowledge(self, arrival: Arrival) -> None:
        """Tell the source that ``arrival`` is safely stored (move or flag; never delete)."""
        ...

    def close(self) -> None: ...


def file_key(path: Path, data: Received) -> str:
    """Name, size, modification time and hash: the same file seen again after a crash has the same
    key, while the same bytes sent again later (a new file) get a new key and a duplicate flag."""
    stat = path.stat()
    return f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}|{data.sha256}"


def fax_number(text: str, pattern: str) -> str:
    """The sender's fax number found in ``text`` by the operator's ``pattern`` ("" if none).

    The pattern's ``fax`` group is used when it has one, else its first group, else the match.
    """
    try:
        match = re.search(pattern, text)
    except re.error:
        log.warning("the fax number pattern %r is not a valid regular expression", pattern)
        return ""
    if not match:
        return ""
    if "fax" in match.groupdict():
        return match.group("fax") or ""
    return match.group(1) if match.groups() else match.group(0)


def tiff_fax_number(data: Received, pattern: str) -> str:
    """The sender's fax number from a TIFF's text tags (description, artist, make, model, page
    name), read by a sandbox child; "" when there is none or the file cannot be read."""
    if data.head(4) not in (b"II*\x00", b"MM\x00*"):
        return ""
    from desk_app.pdf.errors import PdfRejected
    from desk_app.sandbox import api

    try:
        texts = api.tiff_text_tags(data)
    except PdfRejected as exc:  # the pipeline judges (and quarantines) the image itself later
        log.info("no fax number from TIFF tags: %s", exc.reason)
        return ""
    for value in texts:
        found = fax_number(value, pattern) if value else ""
        if found:
            return found
    return ""


def _candidates(
    folder: Path, suffixes: frozenset[str], min_age: float, settling: list[str] | None = None
) -> list[Path]:
    """The files to take now; the names of those left to settle go into ``settling``."""
    now = time.time()
    out = []
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        if not path.is_file() or name in IGNORED_NAMES or name.startswith((".", "~$")):
            continue
        if name.endswith((".tmp", ".part", ".crdownload")):
            continue  # still being written by the scanner or the browser
        if suffixes and path.suffix.lower() not in suffixes:
            log.info("left %s in %s: not a kind of file this folder takes", path.name, folder)
            continue
        if min_age and now - path.stat().st_mtime < min_age:
            if settling is not None:
                settling.append(path.name)
            continue  # give the fax server time to finish writing it
        out.append(path)
    return out


class DropFolder:
    """A folder that a fax server, scanner or mail rule drops files into.

    Taken files are moved into ``<folder>/processed/`` (a same-volume rename) once stored.
    """

    def __init__(
        self,
        folder: Path,
        *,
        kind: str,
        channel: Channel,
        suffixes: frozenset[str],
        fax_pattern: str = "",
        min_age_seconds: float = 0.0,
    ) -> None:
        self.folder = folder
        self.kind = kind
        self.channel = channel
        self.suffixes = suffixes
        self.fax_pattern = fax_pattern
        self.min_age = min_age_seconds
        self.description = f"{kind.replace('_', ' ')} {folder}"
        self._paths: dict[str, Path] = {}
        self.settling: list[str] = []  # files left at the last look: too new to be complete

    def arrivals(self) -> Iterator[Arrival]:
        if not self.folder.is_dir():
            raise SourceUnreachable(f"the folder {self.folder} does not exist or is not reachable")
        try:
            self.settling = []
            paths = _candidates(self.folder, self.suffixes, self.min_age, self.settling)
        except OSError as exc:
            raise SourceUnreachable(
                f"the folder {self.folder} cannot be read: {exc.strerror}"
            ) from exc
        for path in paths:
            arrival = self._arrival(path)
            if arrival is not None:
                yield arrival

    def _arrival(self, path: Path) -> Arrival | None:
        try:
            data = Received(path.read_bytes(), path.name)
            key = file_key(path, data)
            received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError as exc:  # locked by the writer, vanished: try again next run
            log.warning("skipped %s for now: %s", path.name, exc.strerror)
            return None
        self._paths[key] = path
        is_mail = path.suffix.lower() in MAIL_SUFFIXES
        sender = ""
        if self.channel is Channel.FAX and self.fax_pattern:
            sender = fax_number(path.stem, self.fax_pattern) or tiff_fax_number(
                data, self.fax_pattern
            )
        return Arrival(
            self.kind,
            key,
            self.channel,
            path.name,
            data,
            is_mail,
            sender=sender,
            received_at=received,
        )

    def acknowledge(self, arrival: Arrival) -> None:
        path = self._paths.pop(arrival.source_key, self.folder / arrival.filename)
        if not path.exists():
            return  # already moved by an earlier run
        done = self.folder / PROCESSED
        done.mkdir(exist_ok=True)
        target = done / path.name
        n = 1
        while target.exists():
            target = done / f"{path.stem}.{n}{path.suffix}"
            n += 1
        path.rename(target)

    def close(self) -> None:
        self._paths.clear()


def fax_folder(folder: Path, fax_pattern: str, min_age_seconds: float = 0.0) -> DropFolder:
    """The fax / scan drop folder (TIFF, PDF, PNG, JPEG)."""
    return DropFolder(
        folder,
        kind="fax_folder",
        channel=Channel.FAX,
        suffixes=FAX_SUFFIXES,
        fax_pattern=fax_pattern,
        min_age_seconds=min_age_seconds,
    )


def mail_folder(folder: Path, min_age_seconds: float = 0.0) -> DropFolder:
    """A folder of saved mails (Outlook .msg, .eml)."""
    return DropFolder(
        folder,
        kind="mail_folder",
        channel=Channel.EMAIL,
        suffixes=MAIL_SUFFIXES,
        min_age_seconds=min_age_seconds,
    )


class FileList:
    """Files named on the command line or dropped on the window. They are never moved."""

    kind = "file"

    def __init__(self, paths: Iterable[Path]) -> None:
        self.paths = [Path(p) for p in paths]
        self.description = f"{len(self.paths)} file(s)"

    def arrivals(self) -> Iterator[Arrival]:
        missing = [p for p in self.paths if not p.is_file()]
        if missing:
            raise SourceUnreachable(f"cannot read {', '.join(str(p) for p in missing)}")
        for path in self.paths:
            data = Received(path.read_bytes(), path.name)
            is_mail = path.suffix.lower() in MAIL_SUFFIXES
            yield Arrival(
                self.kind,
                file_key(path, data),
                Channel.EMAIL if is_mail else Channel.FILE,
                path.name,
                data,
                is_mail,
                received_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
            )

    def acknowledge(self, arrival: Arrival) -> None:
        """The operator's own files stay where they are."""

    def close(self) -> None:
        """Nothing held open."""
