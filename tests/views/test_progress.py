"""Progress with cancel for long actions: the operation object carries progress to the GUI
thread and a cancel to the call's next safe point; the strip shows both and hides at the end.
Taking in a folder stops between items, keeping what was taken and leaving the rest."""

from __future__ import annotations

import os
import threading

from desk_app.services.queue.intake import IntakeService
from desk_app.views import ops
from desk_app.views.widgets.progress import ProgressStrip
from tests.intake.makers import fax_tiff, printed_form


def _count_to(total: int, gate: threading.Event, progress, cancelled) -> int:
    """A long job: reports each step, waits at the gate after the first, stops when asked."""
    done = 0
    for done in range(1, total + 1):
        if cancelled():
            return done - 1
        progress(done, total, f"item {done} of {total}")
        if done == 1:
            gate.wait(10)
    return done


def test_strip_shows_progress_and_cancel_stops_at_the_next_safe_point(qtbot, drain) -> None:
    strip = ProgressStrip("counting")
    qtbot.addWidget(strip)
    strip.show()
    gate = threading.Event()
    results = []
    op = strip.track(ops.op(_count_to, 100, gate)).success(results.append)
    op.run("general")
    assert strip.isVisible() and strip.label.text() == "Starting counting…"
    qtbot.waitUntil(lambda: strip.label.text() == "item 1 of 100", timeout=5000)
    assert (strip.bar.maximum(), strip.bar.value()) == (100, 1)
    strip.cancel_button.click()
    assert strip.label.text() == "Stopping counting after the current item…"
    assert not strip.cancel_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: results == [1], timeout=5000)
    assert not strip.isVisible()  # hidden once the job ended


def test_taking_in_a_folder_stops_between_items_and_leaves_the_rest(ctx, tmp_path) -> None:
    drop = tmp_path / "fax"
    drop.mkdir()
    for n in range(3):
        (drop / f"573555010{n}.tif").write_bytes(fax_tiff(printed_form(token=f"tok-{n}")))
    service = IntakeService(ctx)
    steps: list[tuple[int, int, str]] = []
    report = service.run(
        [service.fax_source(drop, settle=0)],
        progress=lambda d, t, w: steps.append((d, t, w)),
        cancelled=lambda: len(steps) >= 1,  # the operator pressed Stop after the first file
    )
    assert report.taken == 1 and report.stopped and report.submissions == 1
    assert steps == [(1, 0, "Took 5735550100.tif")]
    assert sorted(p.name for p in drop.glob("*.tif")) == ["5735550101.tif", "5735550102.tif"]
    assert "stopped by the operator (the rest stays at the source" in report.summary()
    rest = service.run([service.fax_source(drop, settle=0)])
    assert rest.taken == 2 and not rest.stopped  # the next run takes the rest


def test_the_queue_page_shows_intake_progress_and_hides_it_after(
    ctx, main_window, qtbot, tmp_path, drain
) -> None:
    drop = tmp_path / "fax"
    drop.mkdir()
    fax = drop / "5735550100.tif"
    fax.write_bytes(fax_tiff(printed_form()))
    os.utime(fax, (fax.stat().st_mtime - 60,) * 2)  # arrived a minute ago: settled
    (drop / "5735550199.tif").write_bytes(fax_tiff(printed_form(token="tok-9")))  # just now
    ctx.settings["fax_folder"] = str(drop)
    main_window.show_page("queue")
    page = main_window.pages["queue"]
    page.run_intake("fax")
    assert page.intake_progress.isVisible()
    qtbot.waitUntil(lambda: page.status.text().startswith("1 item(s) taken"), timeout=30_000)
    assert page.status.text().endswith("; 1 file(s) too new, taken at the next run")
    assert not page.intake_progress.isVisible()


def test_dropped_files_stop_between_files(ctx, tmp_path) -> None:
    files = []
    for n in range(3):
        path = tmp_path / f"form-{n}.pdf"
        path.write_bytes(printed_form(token=f"drop-{n}"))
        files.append(path)
    steps: list[tuple[int, int, str]] = []
    IntakeService(ctx).ingest_files(
        files, progress=lambda *s: steps.append(s), cancelled=lambda: len(steps) >= 2
    )
    assert [s[2] for s in steps] == ["Took form-0.pdf", "Took form-1.pdf"]
    assert all(p.exists() for p in files)  # dropped files are never moved
