"""The keyboard-only walk of issue 17: a faxed MO 500-2356 from arrival to an applied grant.

Shared by the pytest-qt test (``test_time_on_task.py``) and ``python -m bench gui``. The form is
generated for an entity with the project's own generators, filled in on a computer (so its data
barcode carries the typed fields) and printed; the signer writes the PIN, their name and the date
by hand and signs in ink; it is faxed (a 200 x 100 dpi Group 4 TIFF, the way the intake tests fax)
and taken in through the intake service like a file from the fax folder.

The walk then drives the real main window with key events only (``QTest.keyClick`` and
``keyClicks`` to the focused widget: no mouse, no method calls on widgets): go to the queue, take
the table, claim, key what a human must read, verify, attest the ink signature, approve and
confirm. Every key press counts as one keystroke (a chord such as Ctrl+1 is one); the characters a
human must type (the handwritten values, the attestation note) are counted apart.
"""

from __future__ import annotations

import faulthandler
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtTest import QTest  # tests may name PySide6; the package goes through desk_app.qt

from desk_app.qt import QApplication, QLineEdit, QMessageBox, QPushButton, Qt, QTimer, QWidget
from desk_app.services.context import ServiceContext
from desk_app.services.listing import ListQuery
from desk_app.services.queue.intake import IntakeService
from desk_app.services.queue.listing import QueueList
from desk_app.services.review import pins
from desk_app.views.watchdog import Watchdog
from tests.intake.makers import fax_tiff, printed_form
from tests.services.review.conftest import build_world, letter_pin

KEYSTROKE_BUDGET = 25
FORM = "MO 500-2356"

# what the requester typed before printing (the data barcode carries it)
TYPED = {
    "entity_name": "Blue Springs R-IV",
    "entity_code": "048-078",
    "requester_email": "office@bluesprings.k12.mo.us",
    "signer_title": "Superintendent",
    "um_action": "add",
    "um_first_name": "Lee",
    "um_last_name": "Park",
    "um_email": "lpark@bluesprings.k12.mo.us",
    "um_username": "lpark",
}


@dataclass
class Arrival:
    """The faxed form, taken in: what the human reads off the page (written by hand)."""

    submission_id: str
    handwritten: dict[str, str]  # field name -> what is written on the faxed page
    entity_id: str


def faxed_2356_arrives(ctx: ServiceContext, folder: Path) -> Arrival:
    """An LEA with its superintendent and a PIN letter; the superintendent's faxed 2356 asking
    for a new user manager arrives in the fax folder and is taken in."""
    world = build_world(ctx.store)
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    signed = (date.today() - timedelta(days=2)).strftime("%m/%d/%Y")
    handwritten = {"signer_name": "Jane Doe", "signed_date": signed, "pin": pin}
    pdf = printed_form(FORM, token="tok-walk", **TYPED, signer_name="", signed_date="")
    folder.mkdir(parents=True, exist_ok=True)
    fax = folder / "0001.tif"
    fax.write_bytes(fax_tiff(_with_ink(pdf)))
    IntakeService(ctx).ingest_files([fax])
    [row] = QueueList(ctx).fetch(ListQuery(filters=(("state", "ready_for_review"),)), 0, 5)
    return Arrival(row.id, handwritten, world.lea_id)


def _with_ink(pdf: bytes) -> bytes:
    """The printed page signed in ink (a pen scribble across the signature box)."""
    import pymupdf

    from desk_app.pdf.generate import generate_form
    from desk_app.pdf.signatures import signature_boxes

    page_no, (x0, y0, x1, y1) = signature_boxes(generate_form(FORM))["signature"]
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    h = y1 - y0
    points = [(x0 + 20 + i * 9, y0 + h * (0.35 if i % 2 else 0.75)) for i in range(18)]
    doc[page_no].draw_polyline(points, color=(0.05, 0.05, 0.2), width=1.6)
    return bytes(doc.tobytes())


@dataclass
class WalkResult:
    keystrokes: int = 0  # navigation and commands: what the budget counts
    typed: int = 0  # characters a human must type (read off the page, or the note)
    seconds: float = 0.0
    longest_block_ms: float = 0.0
    longest_block_at: str = ""  # where the GUI thread was (the watchdog's stack)
    steps: list[str] = field(default_factory=list)  # each key, in order, for the report


def wait_until(
    predicate: Callable[[], object], timeout: float = 20.0, what: str | Callable[[], str] = ""
) -> None:
    """Turn the event loop until ``predicate()`` holds (test and benchmark alike); ``what`` names
    the wait in the timeout's message (a callable: the state at the timeout)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            faulthandler.dump_traceback(all_threads=True)  # what every thread was doing
            raise TimeoutError(f"waited {timeout:.0f} s for {said or predicate}")
        QApplication.processEvents()
        time.sleep(0.005)


class Keyboard:
    """Key presses to whatever has the keyboard focus, counted."""

    def __init__(self, window: QWidget, result: WalkResult) -> None:
        self.window = window
        self.result = result

    def target(self) -> QWidget:
        modal = QApplication.activeModalWidget()
        if modal is None and QApplication.activeWindow() is None:
            # Qt's offscreen platform drops the window's activation when a page is first shown
            # (a real desktop keeps it): activate it again, as the window system would
            self.window.activateWindow()
            wait_until(lambda: QApplication.activeWindow() is not None, 5, "activation")
        return QApplication.focusWidget() or modal or self.window

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
              label: str = "") -> None:  # fmt: skip
        self.result.keystrokes += 1
        self.result.steps.append(label or QTest.__name__)
        QTest.keyClick(self.target(), key, modifier)
        QApplication.processEvents()

    def type(self, text: str) -> None:
        """Characters read off the page (not counted against the budget)."""
        self.result.typed += len(text)
        self.result.steps.append(f"type {len(text)} chars")
        QTest.keyClicks(self.target(), text)
        QApplication.processEvents()

    def tab_to(self, wanted: Callable[[QWidget | None], bool], limit: int = 12) -> None:
        """Press Tab until the focus is on the wanted widget (each Tab counts)."""
        for _ in range(limit):
            if wanted(QApplication.focusWidget()):
                return
            self.press(Qt.Key.Key_Tab, label="Tab")
        if not wanted(QApplication.focusWidget()):
            raise AssertionError(f"{limit} Tabs did not reach the wanted widget")


ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def walk(window: Any, arrival: Arrival) -> WalkResult:
    """Drive ``window`` (a shown MainWindow) from the arrival to the applied grant by keys."""
    result = WalkResult()
    keys = Keyboard(window, result)
    watchdog = Watchdog()
    window.activateWindow()  # offscreen windows are not activated by themselves
    wait_until(lambda: QApplication.activeWindow() is window, 5, "the window to be active")
    started = time.perf_counter()
    watchdog.start()
    try:
        _go_to_the_item(window, keys, arrival)
        _claim_and_key(window, keys, arrival)
        _verify_attest_approve(window, keys, arrival)
    finally:
        watchdog.stop()
    result.seconds = time.perf_counter() - started
    worst = max(watchdog.stalls, key=lambda s: s.duration_ms, default=None)
    if worst is not None:
        result.longest_block_ms, result.longest_block_at = worst.duration_ms, worst.stack
    return result


def _go_to_the_item(window: Any, keys: Keyboard, arrival: Arrival) -> None:
    keys.press(Qt.Key.Key_1, CTRL, "Ctrl+1 (Work queue)")
    wait_until(lambda: "queue" in window.pages and window.current_key() == "queue", 10, "queue")
    page = window.pages["queue"]
    if QApplication.focusWidget() is not page.table:  # Ctrl+1 puts the focus in the table
        keys.press(Qt.Key.Key_2, ALT, "Alt+2 (the table)")
    wait_until(lambda: QApplication.focusWidget() is page.table, 5, "the table's focus")
    # the new arrival is the only row of "Ready for review"; the list makes its first row current
    wait_until(lambda: page.detail is not None and page.detail.row.id == arrival.submission_id,
               10, "the arrival to be shown")  # fmt: skip


def _claim_and_key(window: Any, keys: Keyboard, arrival: Arrival) -> None:
    page = window.pages["queue"]
    keys.press(Qt.Key.Key_C, label="C (claim)")
    # the claimed item leaves "Ready for review"; the panes keep showing it (never another one)
    wait_until(lambda: _stored(page, arrival).row.state == "in_review", 10, "the claim")
    keys.press(Qt.Key.Key_K, label="K (key values)")
    station = page.keying
    wait_until(lambda: station.save_button.isEnabled() and station.editors, 20, "keying fields")
    wait_until(lambda: isinstance(QApplication.focusWidget(), QLineEdit), 5, "a field's focus")
    for name, text in arrival.handwritten.items():
        editor = station.editors[name]
        if isinstance(editor, QLineEdit) and editor.text() == text:
            continue  # prefilled (from the entity record) and right: read, nothing to type
        keys.tab_to(lambda w, e=editor: w is e)
        if isinstance(editor, QLineEdit) and editor.text():
            keys.press(Qt.Key.Key_A, CTRL, "Ctrl+A (replace the prefill)")
        keys.type(text)
    keys.press(Qt.Key.Key_A, ALT, "Alt+A (save)")
    wait_until(lambda: "Saved" in station.problem_label.text() or not station.problem_label.text(),
               10, "the save")  # fmt: skip
    wait_until(lambda: _stored(page, arrival).values.get("signed_date")
               == arrival.handwritten["signed_date"], 10, "the keyed values")  # fmt: skip


def _verify_attest_approve(window: Any, keys: Keyboard, arrival: Arrival) -> None:
    page = window.pages["queue"]
    pane = page.review
    keys.press(Qt.Key.Key_R, ALT, "Alt+R (review: verifies)")
    wait_until(lambda: pane.report is not None and pane.report.submission_id
               == arrival.submission_id, 30, "the verification report")  # fmt: skip
    box = _ink_box(pane)
    keys.press(Qt.Key.Key_G, CTRL, "Ctrl+G (the signature to attest)")
    keys.tab_to(lambda w: w is box.note, limit=15)
    keys.type("the superintendent's signature on the PIN letter file copy")
    matches = box.attest_buttons["matches"]
    keys.tab_to(lambda w: w is matches)
    before = pane.report
    keys.press(Qt.Key.Key_Space, label="Space (attest: matches)")
    wait_until(lambda: pane.report is not None and pane.report is not before
               and pane.approve_button.isEnabled(), 30,
               lambda: f"the report after attesting ({_pane_state(pane, before)})")  # fmt: skip
    problems = _answer_next_box(keys, QMessageBox.StandardButton.Yes)
    keys.press(Qt.Key.Key_P, ALT, "Alt+P (approve and apply)")
    assert not problems, problems
    wait_until(lambda: bool(problems) or _stored(page, arrival).row.state in ("applied", "approved"),
               30, f"the decision ({pane.status.text()} {pane.why_not.text()})")  # fmt: skip
    assert not problems, problems


def _pane_state(pane: Any, before: Any) -> str:
    """What the review pane shows (a timed-out wait says it)."""
    focus = QApplication.focusWidget()
    return (
        f"status {pane.status.text()!r}, why not {pane.why_not.text()!r}, "
        f"report {'replaced' if pane.report is not before else 'unchanged'}, "
        f"approve {'enabled' if pane.approve_button.isEnabled() else 'disabled'}, "
        f"focus {type(focus).__name__} {focus.accessibleName() if focus else ''!r}"
    )


def _stored(page: Any, arrival: Arrival) -> Any:
    """The submission as stored (read through the queue's list service: an observation)."""
    return page.listing.detail(arrival.submission_id)


def _ink_box(pane: Any) -> Any:
    from desk_app.views.widgets.verification_report import SignatureBox

    boxes = [b for b in pane.signature_area.findChildren(SignatureBox) if hasattr(b, "note")]
    assert boxes, "the report shows no ink signature to attest"
    return boxes[0]


def _answer_next_box(keys: Keyboard, expected: QMessageBox.StandardButton) -> list[str]:
    """The confirmation is modal (its own event loop): answer it with Enter once it shows. It is
    the approval's diff (what approving changes, its Apply button focused) or a message box whose
    default button must be ``expected``. What went wrong is returned in the list (an exception in
    a timer's callback would be lost), and a dialog that cannot be answered is closed, so the walk
    fails instead of waiting for ever."""
    from desk_app.views.dialogs.approval_diff import ApprovalDiffDialog

    problems: list[str] = []
    deadline = time.monotonic() + 30

    def fail(box: QWidget | None, why: str) -> None:
        problems.append(why)
        if box is not None:
            box.close()

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, ApprovalDiffDialog):
            if not box.apply_button.isEnabled():
                fail(box, f"the diff offers no Apply: {box.text()}")
                return
            if QApplication.focusWidget() is not box.apply_button:
                if time.monotonic() > deadline:
                    fail(box, "the diff's Apply button never had the focus")
                    return
                box.activateWindow()  # offscreen: a new window is not activated by itself
                QTimer.singleShot(20, answer)
                return
            keys.press(Qt.Key.Key_Return, label="Enter (apply the changes shown)")
            return
        if not isinstance(box, QMessageBox):
            if time.monotonic() > deadline:
                fail(box, "no confirmation was shown")
                return
            QTimer.singleShot(20, answer)
            return
        default = box.defaultButton()
        if not isinstance(default, QPushButton) or box.standardButton(default) != expected:
            fail(box, "the confirmation's default button is not the expected one")
            return
        keys.press(Qt.Key.Key_Return, label="Enter (confirm)")

    QTimer.singleShot(20, answer)
    return problems
