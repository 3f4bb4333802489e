"""Frozen values the Educators page receives. None of them carries an SSN or date of birth,
except :class:`ClosedData`, which hides both from ``repr`` so a stray log line cannot leak them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class EducatorRow:
    id: str
    last_name: str
    first_name: str
    middle_name: str
    username: str
    email: str
    fingerprint_status: str
    classification: str  # the newest active certificate's classification code, "" if none
    last_login_at: datetime | None
    needs_registration: bool  # not logged in for over 12 months

    @property
    def display_name(self) -> str:
        middle = f" {self.middle_name}" if self.middle_name else ""
        return f"{self.last_name}, {self.first_name}{middle}"


@dataclass(frozen=True)
class CertificateDTO:
    id: str
    number: str
    classification: str
    classification_name: str
    subject_area: str
    effective_date: date
    expiration_date: date
    status: str
    valid_through: str = ""  # said exactly as the printed certificate says it


@dataclass(frozen=True)
class ApplicationDTO:
    id: str
    classification: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class AssessmentDTO:
    assessment: str
    score: int
    passing_score: int
    taken_on: date

    @property
    def passed(self) -> bool:
        return self.score >= self.passing_score


@dataclass(frozen=True)
class TranscriptDTO:
    institution: str
    degree: str
    received_on: date


@dataclass(frozen=True)
class RequirementDTO:
    code: str
    title: str
    required: float
    completed: float
    unit: str
    met: bool
    not_counted: tuple[str, ...]

    @property
    def fraction(self) -> float:
        return 1.0 if self.required <= 0 else min(1.0, self.completed / self.required)


@dataclass(frozen=True)
class UpgradeDTO:
    """Progress of one initial certificate toward its career classification."""

    certificate_number: str
    classification: str
    upgrade_to: str
    eligible: bool
    requirements: tuple[RequirementDTO, ...]


@dataclass(frozen=True)
class EducatorProfile:
    row: EducatorRow
    fingerprint_date: date | None
    certificates: tuple[CertificateDTO, ...]
    pending_applications: tuple[ApplicationDTO, ...]
    assessment_scores: tuple[AssessmentDTO, ...]
    transcripts: tuple[TranscriptDTO, ...]
    upgrades: tuple[UpgradeDTO, ...]
    row_version: int
    updated_at: datetime
    updated_by: str
    background_status: str = "none"
    background_date: date | None = None
    reregistration_marked_at: datetime | None = None  # the username is closed: register again


@dataclass(frozen=True)
class ClosedData:
    """SSN and date of birth, shown only to roles allowed to see closed data (each view audited)."""

    educator_id: str
    ssn_masked: str
    ssn: str | None = field(default=None, repr=False)  # only when asked for unmasked
    date_of_birth: date | None = field(default=None, repr=False)
