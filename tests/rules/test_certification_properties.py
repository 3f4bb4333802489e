"""The seed's upgrade rules as properties over any evidence: ISS -> CSS needs 4 years of approved
experience, 2 years of mentoring, 40 contact hours and an evaluation; IPC -> CCPC the same with 30
contact hours. Semester hours count 15 contact hours each; unapproved settings, part-time or
uncontracted experience, and evidence outside the certificate's period never count."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from desk_app.rules import certification as rules
from desk_app.rules.certification import Evidence, evaluate_upgrade

AS_OF = date(2026, 6, 30)
HELD = date(2022, 7, 1)
NEEDS = {
    "ISS": {"experience": 4, "mentoring": 2, "professional_development": 40, "evaluation": 1},
    "IPC": {"experience": 4, "mentoring": 2, "professional_development": 30, "evaluation": 1},
}
days_in_period = st.integers(0, (AS_OF - HELD).days).map(lambda d: HELD + timedelta(days=d))
days_outside = st.one_of(
    st.integers(1, 2000).map(lambda d: HELD - timedelta(days=d)),
    st.integers(1, 2000).map(lambda d: AS_OF + timedelta(days=d)),
)
quantities = st.integers(0, 80).map(lambda q: q / 4)  # quarters: exact in binary


@st.composite
def counted_item(draw: st.DrawFn) -> Evidence:
    kind = draw(
        st.sampled_from(["experience", "mentoring", "professional_development", "evaluation"])
    )
    on = draw(days_in_period)
    if kind == "experience":
        setting = draw(st.sampled_from(rules.APPROVED_EXPERIENCE_SETTINGS))
        fte = draw(st.sampled_from([None, 0.5, 0.75, 1.0]))
        return Evidence(
            kind, draw(quantities), "years", on, setting, fte, draw(st.sampled_from([None, True]))
        )
    if kind == "professional_development":
        unit = draw(st.sampled_from(["contact_hours", "semester_hours"]))
        return Evidence(kind, draw(quantities), unit, on)
    if kind == "mentoring":
        return Evidence(kind, draw(quantities), "years", on)
    return Evidence(kind, draw(st.integers(0, 3)), "evaluations", on)


def weight(item: Evidence) -> float:
    return item.quantity * (15 if item.unit == "semester_hours" else 1)


@given(st.sampled_from(["ISS", "IPC"]), st.lists(counted_item(), max_size=12))
def test_eligible_exactly_when_every_total_reaches_its_number(code, items) -> None:
    progress = evaluate_upgrade(code, items, AS_OF, held_since=HELD)
    totals = {k: sum(weight(i) for i in items if i.requirement == k) for k in NEEDS[code]}
    for p in progress.requirements:
        assert p.completed == round(totals[p.code], 2)
        assert p.met == (totals[p.code] >= NEEDS[code][p.code])
    assert progress.eligible == all(totals[k] >= n for k, n in NEEDS[code].items())
    assert progress.upgrade_to == {"ISS": "CSS", "IPC": "CCPC"}[code]


@given(st.integers(0, 40), st.sampled_from(["ISS", "IPC"]))
def test_semester_hours_count_fifteen_contact_hours(semester_hours, code) -> None:
    items = [Evidence("professional_development", semester_hours, "semester_hours", AS_OF)]
    [pd] = [
        p
        for p in evaluate_upgrade(code, items, AS_OF).requirements
        if p.code == "professional_development"
    ]
    assert (
        pd.completed == semester_hours * 15 == rules.contact_hours(semester_hours, "semester_hours")
    )
    assert pd.met == (semester_hours * 15 >= NEEDS[code]["professional_development"])


@given(
    st.lists(counted_item(), max_size=8),
    st.text(min_size=1, max_size=30).filter(lambda s: s not in rules.APPROVED_EXPERIENCE_SETTINGS),
    st.floats(0.01, 0.49),
    quantities,
)
def test_unapproved_part_time_or_uncontracted_experience_never_counts(
    items, setting, fte, years
) -> None:
    base = evaluate_upgrade("ISS", items, AS_OF, held_since=HELD)
    school = rules.MISSOURI_PUBLIC_SCHOOL
    extra = [
        Evidence("experience", years, "years", AS_OF, setting),
        Evidence("experience", years, "years", AS_OF, school, fte, True),
        Evidence("experience", years, "years", AS_OF, school, 1.0, False),
    ]
    more = evaluate_upgrade("ISS", items + extra, AS_OF, held_since=HELD)
    assert [p.completed for p in more.requirements] == [p.completed for p in base.requirements]
    [exp] = [p for p in more.requirements if p.code == "experience"]
    assert len(exp.not_counted) >= 3


@given(st.lists(counted_item(), max_size=8), days_outside, quantities)
def test_evidence_outside_the_period_never_counts(items, on, quantity) -> None:
    base = evaluate_upgrade("IPC", items, AS_OF, held_since=HELD)
    late = [
        Evidence(k, quantity, u, on, s)
        for k, u, s in (
            ("experience", "years", rules.MISSOURI_PUBLIC_SCHOOL),
            ("mentoring", "years", ""),
            ("professional_development", "contact_hours", ""),
            ("evaluation", "evaluations", ""),
        )
    ]
    more = evaluate_upgrade("IPC", items + late, AS_OF, held_since=HELD)
    assert more.eligible == base.eligible
    assert [p.completed for p in more.requirements] == [p.completed for p in base.requirements]


@given(st.floats(0, 200, allow_nan=False))
def test_practicum_needs_a_profile_over_thirty_clock_hours(hours) -> None:
    assert rules.practicum_needs_profile(hours) == (hours > 30)


@given(
    st.sampled_from(["ISS", "IPC"]),
    st.lists(
        st.one_of(counted_item(), counted_item().map(lambda i: replace(i, fte=0.25))), max_size=12
    ),
    st.one_of(days_in_period, days_outside),
)
def test_the_running_out_shortcut_finds_what_the_tracker_finds(code, items, held) -> None:
    """``unmet_requirements`` (one pass, for a million holders) says what ``evaluate_upgrade``
    says, whatever the evidence and whenever the certificate was held from."""
    full = evaluate_upgrade(code, items, AS_OF, held_since=held)
    short = rules.unmet_requirements(rules.classification(code), items, AS_OF, held)
    assert short == tuple(p.code for p in full.requirements if not p.met)
