"""Certification rules: classifications as data, upgrade evaluation, re-registration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.rules import certification as rules
from desk_app.rules.certification import (
    Evidence,
    evaluate_upgrade,
    needs_reregistration,
    oldest_login_in_time,
)

AS_OF = date(2026, 6, 30)
HELD = date(2022, 7, 1)


def full_evidence(hours: float = 40, unit: str = "contact_hours") -> list[Evidence]:
    return [
        Evidence("experience", 4, "years", date(2026, 5, 31), rules.MISSOURI_PUBLIC_SCHOOL),
        Evidence("mentoring", 2, "years", date(2024, 5, 31)),
        Evidence("professional_development", hours, unit, date(2025, 3, 1)),
        Evidence("evaluation", 1, "evaluations", date(2026, 5, 1)),
    ]


def by_code(progress: rules.UpgradeProgress) -> dict[str, rules.RequirementProgress]:
    return {p.code: p for p in progress.requirements}


def test_classifications_hold_the_published_validity_and_upgrade_paths() -> None:
    assert rules.classification("ISS").validity_years == 4
    assert rules.classification("ISS").upgrade_to == "CSS"
    assert rules.classification("CSS").validity_years == 99
    assert rules.classification("IPC").upgrade_to == "CCPC"
    assert rules.classification("ccpc").validity_years == 99
    iss = {r.code: r.quantity for r in rules.classification("ISS").requirements}
    ipc = {r.code: r.quantity for r in rules.classification("IPC").requirements}
    assert iss == {"experience": 4, "mentoring": 2, "professional_development": 40, "evaluation": 1}
    assert ipc["professional_development"] == 30


def test_iss_with_everything_is_eligible_for_css() -> None:
    progress = evaluate_upgrade("ISS", full_evidence(), AS_OF, held_since=HELD)
    assert progress.eligible and progress.upgrade_to == "CSS"
    assert all(p.met for p in progress.requirements)


def test_semester_hours_count_fifteen_contact_hours_each() -> None:
    # 2 semester hours (30 contact hours) + 10 contact hours = 40: exactly enough for ISS
    evidence = full_evidence(10) + [
        Evidence("professional_development", 2, "semester_hours", date(2025, 9, 1))
    ]
    pd = by_code(evaluate_upgrade("ISS", evidence, AS_OF, held_since=HELD))[
        "professional_development"
    ]
    assert pd.completed == 40 and pd.met
    short = full_evidence(9) + [
        Evidence("professional_development", 2, "semester_hours", date(2025, 9, 1))
    ]
    progress = evaluate_upgrade("ISS", short, AS_OF, held_since=HELD)
    assert by_code(progress)["professional_development"].completed == 39
    assert not progress.eligible


def test_ipc_needs_only_thirty_contact_hours() -> None:
    assert evaluate_upgrade(
        "IPC", full_evidence(2, "semester_hours"), AS_OF, held_since=HELD
    ).eligible
    assert not evaluate_upgrade(
        "ISS", full_evidence(2, "semester_hours"), AS_OF, held_since=HELD
    ).eligible


def test_unapproved_experience_and_wrong_units_do_not_count() -> None:
    evidence = [
        Evidence("experience", 4, "years", date(2026, 1, 1), "Unaccredited private academy"),
        Evidence("experience", 3, "contact_hours", date(2026, 1, 1), rules.MISSOURI_PUBLIC_SCHOOL),
        Evidence("experience", 1, "years", date(2026, 1, 1), rules.ACCREDITING_ASSOCIATIONS[-1]),
    ]
    experience = by_code(evaluate_upgrade("ISS", evidence, AS_OF))["experience"]
    assert experience.completed == 1 and not experience.met
    assert len(experience.not_counted) == 2
    assert any("not approved" in why for why in experience.not_counted)


def test_evidence_outside_the_certificate_period_does_not_count() -> None:
    evidence = [
        Evidence("mentoring", 2, "years", date(2021, 5, 1)),  # before the ISS was held
        Evidence("mentoring", 2, "years", date(2027, 1, 1)),
    ]  # not yet earned
    mentoring = by_code(evaluate_upgrade("ISS", evidence, AS_OF, held_since=HELD))["mentoring"]
    assert mentoring.completed == 0 and len(mentoring.not_counted) == 2


def test_career_classifications_have_nothing_to_upgrade_to() -> None:
    progress = evaluate_upgrade("CSS", full_evidence(), AS_OF)
    assert not progress.eligible and progress.requirements == ()


def test_rows_round_trip_through_the_classification_table_shape() -> None:
    rows = {r["code"]: r for r in rules.classification_rows()}
    assert {"ISS", "CSS", "IPC", "CCPC", "SUB"} <= set(rows)
    iss = rows["ISS"]
    rebuilt = rules.from_row(
        iss["code"],
        iss["name"],
        iss["track"],
        iss["validity_years"],
        iss["upgrade_to"],
        iss["requirements"],
    )
    assert evaluate_upgrade(rebuilt, full_evidence(), AS_OF, held_since=HELD).eligible
    # a rule change in the data (50 hours) changes the outcome without a code change
    iss["requirements"]["professional_development"]["quantity"] = 50
    stricter = rules.from_row(
        iss["code"],
        iss["name"],
        iss["track"],
        iss["validity_years"],
        iss["upgrade_to"],
        iss["requirements"],
    )
    assert not evaluate_upgrade(stricter, full_evidence(), AS_OF, held_since=HELD).eligible


@pytest.mark.parametrize(
    ("last_login", "expected"),
    [
        (datetime(2025, 6, 30, 12, tzinfo=UTC), False),  # exactly 12 months
        (datetime(2025, 6, 29, 12, tzinfo=UTC), True),  # over 12 months
        (date(2026, 1, 1), False),
        (None, True),
    ],
)
def test_reregistration_after_twelve_months(
    last_login: datetime | date | None, expected: bool
) -> None:
    assert rules.needs_reregistration(last_login, AS_OF) is expected


def test_expiration_dates() -> None:
    assert rules.expiration_date("ISS", date(2024, 2, 29)) == date(2028, 2, 29)
    assert rules.expiration_date("IPC", date(2023, 2, 28)) == date(2027, 2, 28)
    assert rules.expiration_date("CSS", date(2020, 8, 1)) == date(2119, 8, 1)
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=-800, max_value=10),
)
def test_one_cutoff_per_list_matches_the_reregistration_rule(as_of: date, days_before: int) -> None:
    """Lists compare each login with one cutoff; it must be exactly the per-account rule,
    month ends and leap days included."""
    last = as_of + timedelta(days=days_before)
    assert needs_reregistration(last, as_of) == (last < oldest_login_in_time(as_of))
