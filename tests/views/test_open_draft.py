"""Open draft: a saved .eml goes to the system's mail program; when none takes it, the operator
is told where the file is and its path is on the clipboard (never a silent failure)."""

from __future__ import annotations

from desk_app.qt import QApplication, QDesktopServices, QObject, QUrl, Slot
from desk_app.views.widgets.open_draft import open_draft


class _MailProgram(QObject):
    """Stands where Windows' registered handler for file: URLs would (Qt's own URL-handler hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


def test_a_draft_opens_in_the_program_registered_for_it(tmp_path, qtbot) -> None:
    draft = tmp_path / "2356 for 048-078.eml"
    draft.write_text("Subject: MO 500-2356\n\nPlease sign.\n")
    program = _MailProgram()
    QDesktopServices.setUrlHandler("file", program, "open")
    try:
        said: list[str] = []
        assert open_draft(str(draft), said.append)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert program.opened == [str(draft)]
    assert said == ["Opened 2356 for 048-078.eml in the mail program."]


def test_when_no_program_opens_it_the_path_is_given_and_copied(tmp_path, qtbot) -> None:
    draft = tmp_path / "reply.eml"
    draft.write_text("Subject: reply\n\n")
    said: list[str] = []
    assert not open_draft(str(draft), said.append, opener=lambda _url: False)
    assert said[0].startswith(f"No program opened reply.eml. It is saved at {draft}")
    assert QApplication.clipboard().text() == str(draft)


def test_a_draft_that_is_gone_is_named(tmp_path, qtbot) -> None:
    said: list[str] = []
    assert not open_draft(str(tmp_path / "gone.eml"), said.append, opener=lambda _url: True)
    assert said == [f"The draft gone.eml is no longer at {tmp_path}."]
