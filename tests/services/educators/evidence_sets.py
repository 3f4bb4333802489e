"""Evidence that meets the ISS -> CSS upgrade's requirements, shared by the service and page tests."""

from __future__ import annotations

from datetime import date

from desk_app.rules.certification import MISSOURI_PUBLIC_SCHOOL
from desk_app.services.educators.evidence import EvidenceEntry, add_evidence

CSS_UPGRADE = (
    EvidenceEntry(
        "experience",
        "contract",
        employer="Columbia 93",
        setting=MISSOURI_PUBLIC_SCHOOL,
        fte=1.0,
        contracted=True,
        start=date(2021, 8, 1),
        end=date(2025, 7, 31),
    ),
    EvidenceEntry("mentoring", "log", on=date(2023, 6, 1), quantity=2),
    EvidenceEntry(
        "professional_development", "log", on=date(2024, 6, 1), quantity=40, unit="contact_hours"
    ),
    EvidenceEntry("evaluation", "PBSSE", on=date(2024, 5, 30)),
)


def make_eligible(ctx, key) -> None:
    """Record the evidence of :data:`CSS_UPGRADE` for educator ``key``."""
    for entry in CSS_UPGRADE:
        add_evidence(ctx, key, entry)
