"""Received bytes: whatever arrived from outside, as a type of its own.

A fax, a mail, an attachment or a dropped file is hostile until the sandbox child has parsed it.
Holding it as :class:`Received` rather than ``bytes`` means the type checker refuses to hand it
to a parser in this process (``pymupdf.open``, Pillow, ``email``, pyHanko all want ``bytes``).
Only two places take the bytes back out, both named for it and both checked by
``tests/test_received_boundary.py``: the sandbox's parent side (to send them to the child) and
the blob store (to keep the original). Everything the blob store gives back is ``Received``
again (what it holds came from outside, or from a child that read something from outside), so
the type follows a document from the fax folder through intake, the queue, the review checks
and the viewer, and mypy refuses it to every in-process parser of :mod:`desk_app.pdf`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import final

SNIFF_BYTES = 1024


@final
class Received:
    """Bytes from outside, opened only by the sandbox.

    Comparing, hashing, measuring and looking at the first bytes (to pick the kind of document)
    are not parsing and are allowed anywhere.
    """

    __slots__ = ("_data", "_sha256", "origin")

    def __init__(self, data: bytes, origin: str = "") -> None:
        if not isinstance(data, bytes):
            raise TypeError(f"Received wraps bytes, not {type(data).__name__}")
        self._data = data
        self._sha256 = ""
        self.origin = origin  # a file name or a mail part, for log lines only

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        # equal to the same bytes too (a comparison is not a parse): tests and de-duplication
        # compare what was stored with what was sent
        if isinstance(other, Received):
            return other._data == self._data
        return isinstance(other, bytes) and other == self._data

    def __hash__(self) -> int:
        return hash(self._data)

    def __repr__(self) -> str:
        return f"Received({len(self._data)} bytes, {self.origin!r})"

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes (hex), the blob store's key."""
        if not self._sha256:
            self._sha256 = hashlib.sha256(self._data).hexdigest()
        return self._sha256

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        """The first ``size`` bytes, for sniffing the kind of file by its magic number."""
        return self._data[:size]

    def contains(self, marker: bytes) -> bool:
        """Whether ``marker`` occurs anywhere (a substring test, not a parse)."""
        return marker in self._data

    def save_copy(self, path: Path) -> None:
        """Write the bytes, unchanged, to ``path`` (the operator's "Save as"): a copy, not a
        parse, and the bytes never pass through this process's hands as ``bytes``."""
        path.write_bytes(self._data)

    def bytes_for_sandbox(self) -> bytes:
        """The bytes, for the sandbox parent to send to its child. Nothing else may call this."""
        return self._data

    def bytes_for_storage(self) -> bytes:
        """The bytes, for the blob store to write unchanged. Nothing else may call this."""
        return self._data


def received(data: bytes | Received, origin: str = "") -> Received:
    """``data`` as :class:`Received` (unchanged when it already is)."""
    return data if isinstance(data, Received) else Received(data, origin)
