"""Educators with certificates, applications, assessment scores, transcripts and evidence.

Written in blocks of :data:`BLOCK` educators, so a million educators never sit in memory at once. SSN and date of birth are encrypted with the
agency data key (bound to the educator's id) and the profile is findable by ``identity_hash``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from desk_app.crypto import FieldCipher
from desk_app.models.educators import (
    AssessmentScore,
    Certificate,
    CertificateApplication,
    CertificateClassification,
    Educator,
    RequirementEvidence,
    TranscriptRecord,
)
from desk_app.rules.certification import (
    ACCREDITING_ASSOCIATIONS,
    MISSOURI_PUBLIC_SCHOOL,
    classification_rows,
    expiration_date,
)
from desk_app.seed.bulk import ANCHOR, BulkWriter, rank_weights, stream
from desk_app.seed.names import FIRST_NAMES, IHE_NAMES, LAST_NAMES, MIDDLE_INITIAL_NAMES
from desk_app.services.educators.profiles import closed_context

EDUCATORS_AT_SCALE_1 = 100_000
BLOCK = 20_000
FIRST_W = rank_weights(len(FIRST_NAMES))
LAST_W = rank_weights(len(LAST_NAMES))
PROVIDERS = ("example.com", "example.net", "example.org", "mail.example", "inbox.example")
TEACHING_AREAS = (
    "Elementary Education (Grades 1-6)",
    "Early Childhood Education (Birth-Grade 3)",
    "English Language Arts (Grades 9-12)",
    "Mathematics (Grades 9-12)",
    "Social Science (Grades 9-12)",
    "Biology (Grades 9-12)",
    "Chemistry (Grades 9-12)",
    "Middle School Mathematics (Grades 5-9)",
    "Special Education: Mild/Moderate Cross-Categorical (K-12)",
    "Physical Education (K-12)",
    "Music: Vocal (K-12)",
    "Music: Instrumental (K-12)",
    "Art (K-12)",
    "Spanish (K-12)",
    "Agricultural Education (Grades 9-12)",
    "Business Education (Grades 9-12)",
    "Library Media Specialist (K-12)",
)
SERVICES_AREAS = (
    "School Counselor (K-8)",
    "School Counselor (7-12)",
    "School Psychological Examiner",
    "Speech-Language Pathologist (K-12)",
    "School Psychologist",
)
ASSESSMENTS = (
    ("Missouri Content Assessment", 220),
    ("Missouri General Education Assessment", 220),
    ("Missouri Educator Profile", 0),
    ("Missouri Pre-Service Teacher Assessment", 42),
)
DEGREES = (
    "B.S. in Education",
    "B.A. in Education",
    "M.Ed.",
    "M.A. in Teaching",
    "M.S. in School Counseling",
    "Ed.S.",
    "Coursework (no degree)",
)
# career stage -> weight
STAGES = (
    ("student", 10),
    ("substitute", 10),
    ("initial", 22),
    ("career", 40),
    ("iss", 5),
    ("css", 5),
    ("temporary", 3),
    ("lapsed", 5),
)
FINGERPRINT = (("cleared", 82), ("pending", 8), ("none", 6), ("flagged", 2), ("expired", 2))


def seed_classifications(bulk: BulkWriter) -> dict[str, uuid.UUID]:
    rng = stream("classifications")
    ids = {}
    rows = []
    for values in classification_rows():
        ids[values["code"]] = rng.uuid4()
        rows.append(bulk.row(ids[values["code"]], values))
    bulk.write(CertificateClassification.__table__, rows)
    return ids


class _EducatorWriter:
    """Generates one educator and everything under them as plain rows."""

    def __init__(
        self, bulk: BulkWriter, cipher: FieldCipher, classes: dict[str, uuid.UUID]
    ) -> None:
        self.bulk = bulk
        self.cipher = cipher
        self.classes = classes
        self.rng = stream("educators")
        self.ssns: set[int] = set()
        self.handles: dict[str, int] = {}
        self.cert_serial = 0
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.stage_names = [s for s, _ in STAGES]
        self.stage_weights = list(accumulate(w for _, w in STAGES))
        self.fp_names = [s for s, _ in FINGERPRINT]
        self.fp_weights = list(accumulate(w for _, w in FINGERPRINT))

    def add(self, table: Any, row_id: uuid.UUID, values: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(self.bulk.row(row_id, values))

    def flush(self) -> None:
        for table in (
            Educator.__table__,
            Certificate.__table__,
            CertificateApplication.__table__,
            AssessmentScore.__table__,
            TranscriptRecord.__table__,
            RequirementEvidence.__table__,
        ):
            self.bulk.write(table, self.rows.pop(table, []))

    def _ssn(self) -> str:
        rng = self.rng
        while True:
            area = 1 + rng.below(899)  # area 001-899 except 666: format-valid, synthetic
            if area == 666:
                continue
            value = area * 1_000_000 + (1 + rng.below(99)) * 10_000 + (1 + rng.below(9_999))
            if value not in self.ssns:
                self.ssns.add(value)
                return f"{value:09d}"

    def _handle(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower()
        n = self.handles.get(base, 0) + 1
        self.handles[base] = n
        return base if n == 1 else f"{base}{n}"

    def educator(self) -> None:
        rng = self.rng
        educator_id = rng.uuid4()
        first, last = rng.ranked(FIRST_NAMES, FIRST_W), rng.ranked(LAST_NAMES, LAST_W)
        handle = self._handle(first, last)
        stage = rng.choices(self.stage_names, cum_weights=self.stage_weights)[0]
        born = rng.day_between(
            date(1956, 1, 1), date(2004, 12, 31) if stage == "student" else date(1999, 12, 31)
        )
        ssn = self._ssn()
        login = (
            None
            if rng.random() < 0.03
            else rng.moment(ANCHOR - timedelta(days=int(rng.expovariate(1 / 200))))
        )
        fingerprint = (
            "pending"
            if stage == "student" and rng.random() < 0.5
            else rng.choices(self.fp_names, cum_weights=self.fp_weights)[0]
        )
        self.add(
            Educator.__table__,
            educator_id,
            {
                "identity_hash": self.cipher.identity_hash(ssn, born.isoformat()),
                "ssn_cipher": self.cipher.encrypt(ssn, context=closed_context(educator_id, "ssn")),
                "dob_cipher": self.cipher.encrypt(
                    born.isoformat(), context=closed_context(educator_id, "dob")
                ),
                "first_name": first,
                "middle_name": rng.choice(MIDDLE_INITIAL_NAMES),
                "last_name": last,
                "first_name_search": first.lower(),
                "last_name_search": last.lower(),
                "email": f"{handle}@{rng.choice(PROVIDERS)}",
                "username": None if rng.random() < 0.04 else handle.replace(".", ""),
                "last_login_at": login,
                "fingerprint_status": fingerprint,
                "fingerprint_date": None
                if fingerprint == "none"
                else rng.day_between(ANCHOR - timedelta(days=3000), ANCHOR),
            },
        )
        self._career(educator_id, stage)
        self._records(educator_id, stage)

    def _certificate(
        self, educator_id: uuid.UUID, code: str, area: str, effective: date, status: str
    ) -> None:
        self.cert_serial += 1
        self.add(
            Certificate.__table__,
            self.rng.uuid4(),
            {
                "educator_id": educator_id,
                "classification_id": self.classes[code],
                "number": f"{effective.year % 100:02d}{self.cert_serial:08d}",
                "subject_area": area,
                "effective_date": effective,
                "expiration_date": expiration_date(code, effective),
                "status": status,
                "printed_at": None,
            },
        )

    def _career(self, educator_id: uuid.UUID, stage: str) -> None:
        rng = self.rng
        area = rng.choice(SERVICES_AREAS if stage in ("iss", "css") else TEACHING_AREAS)
        recent = rng.day_between(ANCHOR - timedelta(days=4 * 365 - 30), ANCHOR - timedelta(days=20))
        if stage == "student":
            self._application(educator_id, rng.choice(("SUB", "IPC")), "pending")
        elif stage == "substitute":
            self._certificate(educator_id, "SUB", "Substitute (K-12)", recent, "active")
        elif stage in ("initial", "iss"):
            code = "ISS" if stage == "iss" else "IPC"
            self._certificate(educator_id, code, area, recent, "active")
            self._evidence(educator_id, code, recent)
        elif stage in ("career", "css"):
            initial, career = ("ISS", "CSS") if stage == "css" else ("IPC", "CCPC")
            start = rng.day_between(date(1985, 1, 1), ANCHOR - timedelta(days=5 * 365))
            upgraded = start + timedelta(days=4 * 365 - rng.below(120))
            self._certificate(educator_id, initial, area, start, "superseded")
            self._certificate(educator_id, career, area, upgraded, "active")
            if rng.random() < 0.15:
                self._certificate(
                    educator_id,
                    career,
                    rng.choice(TEACHING_AREAS),
                    upgraded + timedelta(days=300 + rng.below(2700)),
                    "active",
                )
        elif stage == "temporary":
            self._certificate(
                educator_id, "TAC", area, ANCHOR - timedelta(days=20 + rng.below(310)), "active"
            )
            self._application(educator_id, "IPC", "pending")
        else:  # lapsed: an initial certificate that expired without an upgrade
            start = rng.day_between(date(2005, 1, 1), ANCHOR - timedelta(days=5 * 365))
            self._certificate(educator_id, "IPC", area, start, "expired")

    def _application(self, educator_id: uuid.UUID, code: str, status: str) -> None:
        submitted = self.rng.moment(ANCHOR - timedelta(days=1 + self.rng.below(119)))
        self.add(
            CertificateApplication.__table__,
            self.rng.uuid4(),
            {
                "educator_id": educator_id,
                "classification_code": code,
                "status": status,
                "submitted_at": submitted,
                "decided_at": None,
            },
        )

    def _evidence(self, educator_id: uuid.UUID, code: str, since: date) -> None:
        """Evidence toward the upgrade: some educators are nearly there, a few already eligible."""
        rng = self.rng
        years_held = max(0, (ANCHOR - since).days // 365)
        if years_held == 0 and rng.random() < 0.7:
            return
        hours_needed = 40 if code == "ISS" else 30
        source = (
            MISSOURI_PUBLIC_SCHOOL
            if rng.random() < 0.9
            else rng.choice(ACCREDITING_ASSOCIATIONS + ("Unaccredited private academy",))
        )
        for requirement, quantity, unit, what in (
            ("experience", years_held, "years", "contracted full-time employment"),
            ("mentoring", min(2, years_held), "years", "district mentoring program"),
            (
                "professional_development",
                rng.below(hours_needed + 10),
                "contact_hours",
                "district PD workshops",
            ),
            (
                "professional_development",
                rng.choice((0, 0, 1, 2, 3)),
                "semester_hours",
                "graduate coursework",
            ),
            (
                "evaluation",
                1 if years_held else 0,
                "evaluations",
                "annual performance-based evaluation",
            ),
        ):
            if quantity:
                self.add(
                    RequirementEvidence.__table__,
                    rng.uuid4(),
                    {
                        "educator_id": educator_id,
                        "requirement": requirement,
                        "quantity": float(quantity),
                        "unit": unit,
                        "description": what,
                        "source": source if requirement == "experience" else "",
                        "verified_by": "",
                        "evidence_date": rng.day_between(since, ANCHOR),
                    },
                )

    def _records(self, educator_id: uuid.UUID, stage: str) -> None:
        rng = self.rng
        for _ in range(1 if stage == "student" else rng.choice((1, 1, 2))):
            name, passing = rng.choice(ASSESSMENTS)
            self.add(
                AssessmentScore.__table__,
                rng.uuid4(),
                {
                    "educator_id": educator_id,
                    "assessment": name,
                    "score": passing + (rng.below(75) - 15) if passing else 1 + rng.below(99),
                    "passing_score": passing,
                    "taken_on": rng.day_between(date(2000, 1, 1), ANCHOR),
                },
            )
        if rng.random() < 0.9:
            self.add(
                TranscriptRecord.__table__,
                rng.uuid4(),
                {
                    "educator_id": educator_id,
                    "institution": rng.choice(IHE_NAMES)[0],
                    "degree": rng.choice(DEGREES),
                    "received_on": rng.day_between(date(1990, 1, 1), ANCHOR),
                },
            )


def seed_educators(
    bulk: BulkWriter,
    cipher: FieldCipher,
    classes: dict[str, uuid.UUID],
    scale: float,
    block_done: Callable[[int, int], None],
) -> int:
    """Write ``100,000 * scale`` educators; ``block_done(done, total)`` runs after each block."""
    total = round(EDUCATORS_AT_SCALE_1 * scale)
    writer = _EducatorWriter(bulk, cipher, classes)
    for done in range(1, total + 1):
        writer.educator()
        if done % BLOCK == 0 or done == total:
            writer.flush()
            block_done(done, total)
    return total
