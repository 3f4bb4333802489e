"""Signing dates that make sense, and PINs as people type them."""

from __future__ import annotations

from datetime import date

import pymupdf
import pytest

from desk_app.pdf.catalogue import find_form
from desk_app.pdf.validate import field_problem
from desk_app.rules.verification import (
    edition_date,
    normalise_pin,
    pin_problem,
    signing_date_problem,
)
from desk_app.services.review import pins, verification
from desk_app.services.review.pins import PinOutcome
from tests.services.review.conftest import LEA_VALUES, submit

MOSIS = dict(
    LEA_VALUES,
    user_1_first_name="Lee",
    user_1_last_name="Park",
    user_1_email="lpark@bluesprings.k12.mo.us",
    role_1_app="MOSIS",
    role_1_role="MOSIS_ENTRY",
    role_1_action="add",
    role_1_building="1050",
    user_agrees="Yes",
    user_signed_date="11/02/2026",
)


def test_edition_dates() -> None:
    assert edition_date("2026-1") == date(2026, 1, 1)
    assert edition_date("2025-7") == date(2025, 7, 1)
    assert edition_date("2024") == date(2024, 1, 1)
    assert edition_date("draft") is None


def test_signing_date_problem_with_grace() -> None:
    received = date(2026, 11, 20)
    assert signing_date_problem(date(2026, 11, 2), "2026-1", received, 2) is None
    assert signing_date_problem(date(2026, 11, 22), "2026-1", received, 2) is None  # grace
    late = signing_date_problem(date(2026, 11, 23), "2026-1", received, 2)
    assert late == "dated 11/23/2026, after the form was received on 11/20/2026"
    early = signing_date_problem(date(2019, 3, 1), "2026-1", received, 2)
    assert early == "dated 03/01/2019, before edition 2026-1 of the form existed (01/01/2026)"
    assert signing_date_problem(date(2025, 12, 31), "2026-1", received, 2) is None


def _signing_check(ctx, values: dict):
    report = verification.verify_submission(ctx, submit(ctx, "DA-102", values))
    return report, report.check("signing_date")


def test_a_date_years_before_the_edition_blocks_approval(ctx, world) -> None:
    report, check = _signing_check(ctx, dict(MOSIS, signed_date="03/01/2019"))
    assert check.outcome == "fail" and not report.can_approve
    assert "the signer's signature dated 03/01/2019, before edition 2026-1" in check.reason


def test_a_date_in_the_future_blocks_approval(ctx, world) -> None:
    report, check = _signing_check(ctx, dict(MOSIS, user_signed_date="01/15/2099"))
    assert check.outcome == "fail" and not report.can_approve
    assert "the user's signature dated 01/15/2099, after the form was received" in check.reason


def test_sensible_dates_pass(ctx, world) -> None:
    _report, check = _signing_check(ctx, MOSIS)
    assert check.outcome == "pass" and "11/02/2026" in check.reason


def test_the_grace_is_a_setting(ctx, world) -> None:
    ctx.settings["signing_date_grace_days"] = 0
    _report, check = _signing_check(ctx, dict(MOSIS, signed_date="12/31/2025"))
    assert check.outcome == "fail"


@pytest.mark.parametrize(
    "typed", ["9736 8916", "9736-8916", " 9736  8916 ", "9736\u20138916", "97-36-89-16"]
)
def test_pins_are_normalised_as_people_type_them(typed: str) -> None:
    assert normalise_pin(typed) == "97368916"
    assert pin_problem(typed) is None
    pin_field = find_form("MO 500-2356").field("pin")
    assert field_problem(pin_field, typed) is None


def test_letter_case_does_not_matter() -> None:
    assert normalise_pin("ab12-cd34") == "AB12CD34"


def test_the_pin_as_printed_on_the_letter_matches(ctx, world) -> None:
    issued = pins.issue_pin(ctx, world.lea_id)
    text = pymupdf.open(stream=issued.letter_pdf, filetype="pdf")[0].get_text()
    printed = next(
        line.strip()
        for line in text.splitlines()
        if line.replace(" ", "").isdigit() and len(line.replace(" ", "")) >= 6
    )
    assert " " in printed  # printed in groups of four
    assert "spaces and dashes between the groups do not matter" in " ".join(text.split())
    assert pins.check_pin(ctx, world.lea_id, printed).outcome is PinOutcome.MATCH
    dashed = printed.replace(" ", "-")
    assert pins.check_pin(ctx, world.lea_id, dashed).outcome is PinOutcome.MATCH
    assert pins.check_pin(ctx, world.lea_id, "1234 5678").outcome is PinOutcome.MISMATCH
