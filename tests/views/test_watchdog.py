"""The GUI-stall watchdog sees a deliberate block and names where the GUI thread was."""

from __future__ import annotations

import time

import pytest

from desk_app.views.watchdog import Watchdog


@pytest.fixture
def watchdog(qtbot):
    dog = Watchdog(threshold_ms=100)
    dog.start()
    qtbot.wait(60)  # let a few heartbeats through
    yield dog
    dog.stop()


def deliberately_block_the_gui_thread(ms: int) -> None:
    time.sleep(ms / 1000)


def test_detects_a_200_ms_block_with_its_stack(watchdog, qtbot, caplog) -> None:
    deliberately_block_the_gui_thread(200)
    qtbot.waitUntil(lambda: bool(watchdog.stalls), timeout=2000)
    stall = watchdog.stalls[0]
    assert 150 <= stall.duration_ms < 1000
    assert "deliberately_block_the_gui_thread" in stall.stack
    assert "other threads meanwhile" in stall.stack
    assert any("blocked" in r.getMessage() for r in caplog.records)


def test_quiet_event_loop_records_nothing(watchdog, qtbot) -> None:
    qtbot.wait(300)
    assert watchdog.stalls == []
    assert watchdog.running
