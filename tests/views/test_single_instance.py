"""One instance per user and data folder: a second start hands its files to the first and exits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.qt import QLocalServer
from desk_app.views.main import attach_instance
from desk_app.views.single_instance import SingleInstance, server_name
from tests.intake.makers import filled_form

ROOT = Path(__file__).resolve().parents[2]


def test_the_name_belongs_to_one_user_and_one_data_folder(tmp_path: Path) -> None:
    name = server_name(tmp_path / "a", "alice")
    assert name == server_name(tmp_path / "x" / ".." / "a", "ALICE")
    assert name != server_name(tmp_path / "b", "alice")
    assert name != server_name(tmp_path / "a", "bob")
    assert name.startswith("desk_app-") and "/" not in name and "\\" not in name


def test_a_second_instance_hands_over_its_files(qtbot, tmp_path: Path) -> None:
    name = server_name(tmp_path, "alice")
    first, second = SingleInstance(name), SingleInstance(name)
    assert not second.hand_over([])  # nobody is running yet
    assert first.listen()
    try:
        with qtbot.waitSignal(first.received, timeout=5000) as got:
            assert second.hand_over(["/in/fax 1.tif", "/in/mail.msg"])
        assert got.args == [["/in/fax 1.tif", "/in/mail.msg"]]
    finally:
        first.close()
    assert not SingleInstance(name).hand_over([])  # closed: the next start runs itself


def test_files_handed_over_before_the_window_exists_wait_for_it(qtbot, tmp_path: Path) -> None:
    name = server_name(tmp_path, "alice")
    first = SingleInstance(name)
    assert first.listen()
    try:
        with qtbot.waitSignal(first.received, timeout=5000):
            assert SingleInstance(name).hand_over(["/in/early.pdf"])
        assert first.waiting == ["/in/early.pdf"]  # the database is still opening
        taken: list[list[str]] = []
        first.deliver_to(taken.append)
        assert taken == [["/in/early.pdf"]] and first.waiting == []
        with qtbot.waitSignal(first.received, timeout=5000):
            assert SingleInstance(name).hand_over(["/in/later.eml"])
        assert taken == [["/in/early.pdf"], ["/in/later.eml"]]
    finally:
        first.close()


def test_a_crashed_instances_socket_is_taken_over(qtbot, tmp_path: Path) -> None:
    """On Unix a crashed instance leaves its socket file behind (a named pipe dies with it)."""
    name = server_name(tmp_path, "alice")
    probe = QLocalServer()
    assert probe.listen(name)
    path = probe.fullServerName()
    probe.close()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)  # the socket file stays after close, as after a crash
    stale.close()
    assert Path(path).exists()
    guard = SingleInstance(name)
    assert not guard.hand_over([])
    assert guard.listen()
    guard.close()


# the offscreen platform has no window stack to raise a window in; the rest of it works
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_a_second_start_brings_the_window_forward_with_the_file(
    qtbot, main_window, ctx, app_paths, tmp_path: Path, drain
) -> None:
    guard = SingleInstance(server_name(app_paths.data_dir))
    assert guard.listen()
    attach_instance(guard, main_window, ctx)
    main_window.show_page("audit")
    main_window.showMinimized()
    form = tmp_path / "request.pdf"
    form.write_bytes(filled_form())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "desk_app", "--data-dir", str(app_paths.data_dir),
             "--take-in", str(form)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "handed over to the window already open" in done.stdout
        qtbot.waitUntil(
            lambda: main_window.status.currentMessage() == "Took in 1 file(s).", timeout=30_000
        )
        assert main_window.current_key() == "queue"
        assert not main_window.isMinimized()
    finally:
        guard.close()
