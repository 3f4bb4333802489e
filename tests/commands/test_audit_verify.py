"""``desk-app audit verify`` changes nothing and sees the newest events deleted (issue 13 item 7)."""

from __future__ import annotations

import sqlite3

from desk_app.cli import main


def _events(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq").fetchall()


def test_verify_appends_nothing_and_catches_a_deleted_newest_event(tmp_path, capsys) -> None:
    data = tmp_path / "ws"
    assert main(["--data-dir", str(data), "audit", "list"]) == 0  # an operator's session
    assert main(["--data-dir", str(data), "audit", "list"]) == 0
    db = data / "desk_app.sqlite3"
    if not db.exists():
        db = next(data.rglob("*.sqlite3"))
    before = _events(db)
    capsys.readouterr()
    assert main(["--data-dir", str(data), "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert _events(db) == before  # verifying appended nothing
    with sqlite3.connect(db) as conn:  # the newest event goes: the rest of the chain is intact
        conn.execute("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
    assert main(["--data-dir", str(data), "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "anchored but missing" in out and "deleted or the log truncated" in out
    anchor = data / "audit-anchor.json"
    anchor.write_text(anchor.read_text().replace('"seq": ', '"seq": 1'))  # moving the anchor
    assert main(["--data-dir", str(data), "audit", "verify", "--json"]) == 1
    assert "was edited" in capsys.readouterr().out
