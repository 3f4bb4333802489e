"""The content-addressed store of every original received: ``blobs/<sha[:2]>/<sha>``.

A blob is written to a temporary file in the same folder, flushed and ``fsync``-ed, renamed into
place, and the folder itself is ``fsync``-ed, so once :meth:`BlobStore.put` returns the bytes
survive a power cut. Only then may the pipeline acknowledge the source (move the fax file, move or
flag the mail). Writing the same bytes twice is a no-op, which is what makes re-runs after a crash
safe: the name is the hash, so a second copy can never disagree with the first.

With a cipher (the running app always passes the agency data key) each file holds ``DAB1`` and
the AES-GCM ciphertext of the original, bound to its hash: received forms carry PINs and names,
and nothing of them lies on disk in clear. The name stays the SHA-256 of the *original* bytes, so
de-duplication, the database rows and the central server's copy all agree. Files written without
a cipher (tests, older folders) are still read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.exceptions import InvalidTag

from desk_app.crypto import FieldCipher
from desk_app.errors import KnownError, StoreError
from desk_app.received import Received

MAGIC = b"DAB1"
SEAL_OVERHEAD = len(MAGIC) + 1 + 12 + 16  # magic, cipher version, nonce, GCM tag

_HEX = frozenset("0123456789abcdef")
# fsyncs issued together are folded by the file system into one journal commit (ext4 here: 64
# blobs cost 6.5 ms each one by one, 0.3 ms each sixteen at a time), so a batch syncs in parallel
SYNC_THREADS = 16


class BlobMissing(KnownError):
    """A blob named by a record is not in the store (deleted or damaged by hand)."""


def sha256_hex(data: bytes | Received) -> str:
    """The SHA-256 of ``data`` as 64 lower-case hex digits."""
    return data.sha256 if isinstance(data, Received) else hashlib.sha256(data).hexdigest()


def _check_name(sha: str) -> str:
    if len(sha) != 64 or not set(sha) <= _HEX:
        raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
    return sha


_SYNCERS: list[ThreadPoolExecutor] = []
_SYNCERS_LOCK = threading.Lock()


def _syncers() -> ThreadPoolExecutor:
    """The threads that write and fsync a batch's blobs side by side (kept: starting sixteen
    threads per batch cost more than the fsyncs on a busy machine)."""
    with _SYNCERS_LOCK:
        if not _SYNCERS:
            _SYNCERS.append(ThreadPoolExecutor(SYNC_THREADS, "blob-sync"))
        return _SYNCERS[0]


def _stored(data: bytes | Received) -> bytes:
    return data.bytes_for_storage() if isinstance(data, Received) else data


def _fsync_dir(folder: Path) -> None:
    # Windows cannot open a directory for fsync; NTFS journals the rename itself.
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Originals and derived files kept by content hash under ``root``."""

    def __init__(self, root: Path, cipher: FieldCipher | None = None) -> None:
        self.root = root
        self.cipher = cipher

    def path(self, sha: str) -> Path:
        """Where the blob ``sha`` lives (whether or not it exists)."""
        _check_name(sha)
        return self.root / sha[:2] / sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes | Received) -> str:
        """Store ``data`` durably and return its SHA-256.

        Returns only after the bytes and the folder entry are on disk.
        """
        raw = _stored(data)
        return self._put(raw, sha256_hex(raw))

    def put_many(self, items: Sequence[bytes | Received]) -> list[str]:
        """Store several originals durably (each as :meth:`put` would) and return their hashes.

        Returns only after every one of them is on disk; their fsyncs run side by side, which
        the file system folds into a few journal commits.

        Raises:
            StoreError: any one of them could not be written (the others may have been).
        """
        raws = [_stored(d) for d in items]
        names = [sha256_hex(d) for d in raws]
        if len(raws) <= 1:
            return [self._put(d, sha) for d, sha in zip(raws, names, strict=True)]
        return list(_syncers().map(self._put, raws, names))

    def _put(self, data: bytes, sha: str) -> str:
        target = self.path(sha)
        if target.is_file() and target.stat().st_size in (len(data), len(data) + SEAL_OVERHEAD):
            return sha
        stored = (
            MAGIC + self.cipher.encrypt_bytes(data, context=sha.encode()) if self.cipher else data
        )
        try:
            self._write(target, stored)
        except (
            OSError
        ) as exc:  # disk full, folder gone: nothing was acknowledged, so nothing is lost
            raise StoreError(
                f"cannot store a received document in {self.root}: {exc.strerror or exc}",
                hint="free disk space or check the data folder; the source keeps the item",
            ) from exc
        return sha

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        folder = target.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(folder)

    def put_received(self, item: Received) -> str:
        """Store a received original unchanged (it is kept, not parsed) and return its SHA-256."""
        return self.put(item.bytes_for_storage())

    def get(self, sha: str) -> Received:
        """The document stored as ``sha``, checked against its hash, as :class:`Received`:
        every blob came from outside (or from a sandbox child that read something that did),
        so it goes back to the sandbox, never to a parser in this process.

        Raises:
            BlobMissing: the blob is absent or its bytes no longer match the name.
        """
        return Received(self._open(sha, self.raw(sha)), sha[:12])

    def raw(self, sha: str) -> bytes:
        """The file as stored (sealed when written with a key): what sync uploads as it is."""
        try:
            return self.path(sha).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(f"stored document {sha[:12]}… is missing from {self.root}") from None

    def put_raw(self, sha: str, raw: bytes) -> None:
        """Keep a file exactly as another workstation stored it (sync downloads), once it is
        proven to open to the original named ``sha``.

        Raises:
            BlobMissing: the bytes do not open to that original.
        """
        self._open(sha, raw)
        if not self.exists(sha):
            self._write(self.path(sha), raw)

    def _open(self, sha: str, raw: bytes) -> bytes:
        if raw[: len(MAGIC)] == MAGIC:
            if self.cipher is None:
                raise BlobMissing(f"stored document {sha[:12]}… is sealed and no key was given")
            try:
                raw = self.cipher.decrypt_bytes(raw[len(MAGIC) :], context=sha.encode())
            except (InvalidTag, ValueError):
                raise BlobMissing(
                    f"stored document {sha[:12]}… cannot be opened "
                    "(damaged, or sealed with another agency key)"
                ) from None
        if sha256_hex(raw) != sha:
            raise BlobMissing(f"stored document {sha[:12]}… is damaged (hash mismatch)")
        return raw

    def sweep_temporaries(self, older_than_s: float = 3600.0) -> int:
        """Remove half-written temporaries left by a killed process; returns how many.

        Only old ones: another intake run (the scheduler's, beside the GUI's) may be writing one.
        """
        removed = 0
        if not self.root.exists():
            return 0
        cutoff = time.time() - older_than_s
        for tmp in self.root.glob("*/.incoming-*"):
            try:
                if tmp.stat().st_mtime <= cutoff:
                    tmp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # its writer finished (renamed it) meanwhile
        return removed
