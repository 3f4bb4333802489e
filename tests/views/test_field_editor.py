"""The field editor: bound to a form, validates while typing, marks required fields."""

from __future__ import annotations

import pytest

from desk_app.pdf.catalogue import FORMS, get_form
from desk_app.pdf.samples import example_values
from desk_app.qt import QCheckBox, QComboBox, QLabel, QLineEdit, Qt
from desk_app.views.widgets.field_editor import FieldEditor


@pytest.fixture
def editor(qtbot) -> FieldEditor:
    e = FieldEditor()
    qtbot.addWidget(e)
    e.resize(620, 900)
    e.show()
    return e


def test_builds_an_input_for_every_field_of_every_form(editor: FieldEditor) -> None:
    for spec in FORMS.values():
        editor.set_form(spec)
        assert set(editor.inputs) == set(spec.field_names)
        assert editor.values().keys() == {f.name for f in spec.fields if f.kind != "signature"}


def test_required_marks(editor: FieldEditor) -> None:
    editor.set_form(get_form("MO 500-2356"))
    labels = [lb.text() for lb in editor.findChildren(QLabel)]
    assert any(t.startswith("Security PIN code") and "*" in t for t in labels)
    assert any(t.startswith("Username (if known)") and "*" not in t for t in labels)


def test_values_round_trip_and_derived_level(editor: FieldEditor) -> None:
    spec = get_form("DA-102")
    values = example_values(spec, variant=1, rows=2)
    with_wrong_level = dict(values, role_1_level="9")
    editor.set_form(spec, with_wrong_level)
    got = editor.values()
    assert {k: v for k, v in got.items() if v} == values  # the level is computed, not taken
    assert editor.problems() == {}
    level = editor.field_widget("role_1_level")
    assert (
        isinstance(level, QLineEdit)
        and level.isReadOnly()
        and level.text() == values["role_1_level"]
    )
    assert isinstance(editor.field_widget("user_agrees"), QCheckBox)


def test_validation_while_typing(qtbot, editor: FieldEditor) -> None:
    spec = get_form("MO 500-2356")
    editor.set_form(spec, example_values(spec))
    email = editor.field_widget("um_email")
    email.clear()
    with qtbot.waitSignal(editor.validity_changed, timeout=2000) as became:
        qtbot.keyClicks(email, "kate@")
    assert became.args == [False]
    assert email.property("invalid") is True
    assert editor.errors["um_email"].text() == "not a valid email address"
    assert editor.summary.text() == "1 field needs attention"
    with qtbot.waitSignal(editor.validity_changed, timeout=2000) as fixed:
        qtbot.keyClicks(email, "school.org")
    assert fixed.args == [True] and not email.property("invalid")
    assert editor.errors["um_email"].isHidden()


def test_untouched_problems_wait_until_asked(editor: FieldEditor) -> None:
    editor.set_form(get_form("MO 500-2377"))
    assert "entity_name" in editor.problems()
    assert not editor.field_widget("entity_name").property("invalid")
    editor.show_all_problems()
    assert editor.field_widget("entity_name").property("invalid") is True
    assert editor.errors["entity_name"].text() == "required"


def test_role_choices_follow_the_application(qtbot, editor: FieldEditor) -> None:
    spec = get_form("MO 500-3209")
    editor.set_form(spec)
    app, role = editor.field_widget("role_1_app"), editor.field_widget("role_1_role")
    assert isinstance(app, QComboBox) and isinstance(role, QComboBox)
    app.setCurrentText("MOSIS")
    assert [role.itemText(i) for i in range(role.count())] == [
        "",
        "MOSIS_VIEW",
        "MOSIS_ENTRY",
        "MOSIS_APPROVE",
    ]
    role.setCurrentText("MOSIS_ENTRY")
    qtbot.waitUntil(lambda: editor.field_widget("role_1_level").text() == "2", timeout=2000)
    building = editor.field_widget("role_1_building")
    qtbot.keyClicks(building, "10a")
    assert building.property("invalid") is True
    assert "building code must be 4 digits" in building.toolTip()


def test_pin_is_masked_while_not_edited(editor: FieldEditor) -> None:
    editor.set_form(get_form("MO 500-2356"))
    pin = editor.field_widget("pin")
    assert pin.echoMode() == QLineEdit.EchoMode.PasswordEchoOnEdit
    assert editor.field_widget("signature").isEnabled() is False
    assert editor.field_widget("signed_date").placeholderText() == "MM/DD/YYYY"
    assert Qt.FocusPolicy.NoFocus != pin.focusPolicy()
