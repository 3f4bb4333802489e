"""The Operators dialog: lists, adds, changes roles, refuses to remove the last administrator."""

from __future__ import annotations

from desk_app.services.directory.staff import identify_operator
from desk_app.views import ops
from desk_app.views.dialogs.staff import StaffDialog


def test_staff_model(qtmodeltester, store, make_ctx) -> None:
    from desk_app.services.directory.staff import add_staff, list_staff
    from desk_app.views.tablemodels.staff import StaffTableModel

    identify_operator(store, "agency\\jdoe", "ws")
    add_staff(make_ctx(username="agency\\jdoe"), "agency\\mroe", "Mary Roe", "auditor")
    model = StaffTableModel()
    model.set_rows(list_staff(make_ctx()))
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.index(1, 2).data() == "Auditor"


def test_dialog_adds_and_guards_last_admin(qtbot, store, make_ctx) -> None:
    identify_operator(store, "agency\\jdoe", "ws")
    dialog = StaffDialog(make_ctx(username="agency\\jdoe"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    qtbot.keyClicks(dialog.username, "agency\\mroe")
    qtbot.keyClicks(dialog.display_name, "Mary Roe")
    dialog.role.setCurrentIndex(dialog.role.findData("certification_specialist"))
    dialog.on_add()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    dialog.table.selectRow(0)  # jdoe, the only administrator
    dialog.on_toggle()
    qtbot.waitUntil(lambda: "must remain" in dialog.message.text())
    ops.wait_for_all()
