"""The catalogue is consistent data: shared field names, valid kinds, rules per form."""

from __future__ import annotations

import re

import pytest

from desk_app.pdf.catalogue import (
    FIELD_KINDS,
    FORMS,
    PIN_POLICIES,
    WEB_APPLICATIONS,
    find_form,
    form_by_key,
    get_form,
)
from desk_app.pdf.derive import role_level
from desk_app.pdf.samples import example_values
from desk_app.pdf.validate import field_problem, validate

REQUIRED_FORMS = {"MO 500-2356", "MO 500-2377", "MO 500-3125", "MO 500-3209"}


def test_catalogue_has_the_request_forms_and_the_attestation() -> None:
    assert REQUIRED_FORMS <= set(FORMS)
    titles = " ".join(f.title for f in FORMS.values())
    for words in (
        "Consultant and Contractor",
        "MOSIS User Access Assurance",
        "Educator Certification System",
    ):
        assert words in titles
    assert len({f.key for f in FORMS.values()}) == len(FORMS) == 8


def test_lookup_forgives_spacing_and_case() -> None:
    assert get_form("mo 500-2356").key == "user_manager"
    assert form_by_key("mosis_assurance").number == "DA-102"
    assert find_form("MO500-3209") is FORMS["MO 500-3209"]
    assert find_form("nonsense") is None
    with pytest.raises(KeyError):
        get_form("MO 500-0000")


def test_fields_use_known_kinds_and_compile(form_number: str) -> None:
    spec = FORMS[form_number]
    assert spec.pin_policy in PIN_POLICIES and spec.edition
    names = [f.name for f in spec.fields]
    assert len(names) == len(set(names))
    sections = {s.key for s in spec.sections}
    for f in spec.fields:
        assert f.kind in FIELD_KINDS, f.name
        assert f.section in sections, f.name
        if f.pattern:
            re.compile(f.pattern)
        if f.kind == "choice":
            assert f.options, f.name


def test_every_form_names_its_entity_and_signers(form_number: str) -> None:
    spec = FORMS[form_number]
    assert spec.field(spec.entity_name_field).required
    assert spec.field(spec.entity_code_field).required
    assert any(f.kind == "signature" for f in spec.fields)
    assert spec.has_field("pin") == (spec.pin_policy != "none")
    if spec.pin_policy == "required":
        assert spec.field("pin").required


def test_special_sections() -> None:
    consultant = form_by_key("consultant_request")
    for name in ("org_name", "org_code", "contact_name", "contact_signature", "contact_date"):
        assert consultant.has_field(name)
    assert consultant.signer_roles == ("agency_contact",)
    mosis = form_by_key("mosis_assurance")
    assert mosis.field("user_signature").kind == mosis.field("signature").kind == "signature"
    assert mosis.pin_policy == "required" and "user" in mosis.signer_roles
    um = get_form("MO 500-2356")
    assert um.field("um_action").options == ("add", "remove")
    assert get_form("MO 500-3209").field("role_1_action").options == ("delete",)


def test_building_column_only_where_an_application_has_building_scope(form_number: str) -> None:
    spec = FORMS[form_number]
    if not spec.role_rows:
        return
    apps = spec.field("role_1_app").options
    assert spec.has_field("role_1_building") == any(
        WEB_APPLICATIONS[a].building_scope for a in apps
    )


def test_web_applications_levels() -> None:
    assert WEB_APPLICATIONS["MOSIS"].building_scope
    assert not WEB_APPLICATIONS["ECS"].building_scope
    for app in WEB_APPLICATIONS.values():
        assert [r.level for r in app.roles] == list(range(1, len(app.roles) + 1))
    assert role_level("MOSIS_ENTRY") == "2"
    assert role_level("NOPE") == ""


def test_sample_values_are_valid(form_number: str) -> None:
    spec = FORMS[form_number]
    for variant in range(4):
        assert validate(spec, example_values(spec, variant, rows=3)) == {}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("entity_code", "48-078", "not in the expected format"),
        ("entity_code", "048-078", None),
        ("requester_email", "someone@", "not a valid email address"),
        ("signed_date", "2026-11-20", "write the date as MM/DD/YYYY"),
        ("signed_date", "02/30/2026", "not a real date"),
        ("pin", "", "required"),
        ("pin", "12", "a PIN code is 4 to 12 letters or digits"),
        ("um_action", "promote", "choose one of: add, remove"),
    ],
)
def test_field_problems_while_typing(name: str, value: str, problem: str | None) -> None:
    spec = get_form("MO 500-2356")
    assert field_problem(spec.field(name), value) == problem


def test_row_rules() -> None:
    spec = get_form("MO 500-2377")
    values = example_values(spec, rows=1)
    values.update({"role_2_app": "FINANCE", "role_2_role": "CORE_DATA_VIEW"})
    problems = validate(spec, values)
    assert problems["role_2_role"] == "CORE_DATA_VIEW is not a role of FINANCE"
    assert problems["role_2_action"] == "required when the row is used"
    values = example_values(get_form("MO 500-3209"), rows=1)
    values.update({"role_1_app": "ECS", "role_1_role": "ECS_VIEW", "role_1_building": "1050"})
    assert (
        validate(get_form("MO 500-3209"), values)["role_1_building"]
        == "ECS has no building-level access"
    )
