"""The GUI's start holds the audit anchor's writes (its key is not read before the window shows)
and writes the newest head at release, and at close at the latest. (The agency keys' check and
the audit signing key are read at start all the same: issue 11 asks for both before any work.)"""

from __future__ import annotations

import json

from desk_app.app import AUDIT_ANCHOR_KEY, HeldAnchor, open_app
from desk_app.secrets import MemorySecrets


class CountingSecrets(MemorySecrets):
    """Counts reads of the audit anchor's key."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, name: str) -> str | None:
        if name == AUDIT_ANCHOR_KEY:
            self.reads += 1
        return super().get(name)


def _anchored_seq(data) -> dict[str, int]:
    path = data / "audit-anchor.json"
    if not path.exists():
        return {}
    return {ws: int(head["seq"]) for ws, head in json.loads(path.read_text()).items()}


def test_held_start_reads_no_anchor_key_until_release(tmp_path) -> None:
    data = tmp_path / "ws"
    open_app(data, secrets=MemorySecrets(), username="carol").close()  # a first session
    first = _anchored_seq(data)
    assert first  # an ordinary opening writes the anchor at once

    secrets = CountingSecrets()
    app = open_app(data, secrets=secrets, username="carol", hold_anchor=True)
    try:
        assert isinstance(app.anchor, HeldAnchor)
        assert secrets.reads == 0  # the session.start commit did not reach for the key
        assert _anchored_seq(data) == first  # behind, never ahead
        app.release_anchor()
        assert secrets.reads >= 1
        released = _anchored_seq(data)
        assert all(released[ws] > seq for ws, seq in first.items())
        app.release_anchor()  # a second release changes nothing
        assert _anchored_seq(data) == released
    finally:
        app.close()


def test_close_writes_what_was_still_held(tmp_path) -> None:
    data = tmp_path / "ws"
    open_app(data, secrets=MemorySecrets(), username="carol").close()
    first = _anchored_seq(data)
    app = open_app(data, secrets=MemorySecrets(), username="carol", hold_anchor=True)
    app.close()
    assert all(_anchored_seq(data)[ws] > seq for ws, seq in first.items())


def test_held_anchor_keeps_only_the_newest_head_per_workstation(tmp_path) -> None:
    written = []

    class Recording(HeldAnchor):
        def _mac(self, key: bytes, workstation: str, seq: int, digest: str) -> str:
            written.append((workstation, seq))
            return super()._mac(key, workstation, seq, digest)

    anchor = Recording(tmp_path / "audit-anchor.json", lambda: b"k" * 32)
    anchor.write("ws1", 3, "c")
    anchor.write("ws1", 2, "b")  # older: never replaces a newer held head
    anchor.write("ws2", 1, "a")
    assert written == [] and not (tmp_path / "audit-anchor.json").exists()
    anchor.release()
    assert written == [("ws1", 3), ("ws2", 1)]
    anchor.write("ws1", 4, "d")  # after release, written at once
    assert written[-1] == ("ws1", 4)
