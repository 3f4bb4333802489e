"""Counties, educational entities of every kind, buildings, officers with history, and staff.

Entity counts do not scale: Missouri has about as many districts at scale 10 as at scale 1.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from desk_app.models.entities import Building, County, EducationalEntity
from desk_app.models.people import EntityOfficer, OfficerRole, Person
from desk_app.models.staff import Staff, StaffRole
from desk_app.seed.bulk import ANCHOR, BulkWriter, Rng, rank_weights, stream
from desk_app.seed.geography import COUNTIES
from desk_app.seed.names import (
    FIRST_NAMES,
    IHE_NAMES,
    LAST_NAMES,
    LEVELS,
    NONPUBLIC_PATTERNS,
    SAINTS,
    SCHOOL_STEMS,
)

LEA_TARGET = 520
BUILDING_TARGET = 2200
IHE_TARGET = 30
NONPUBLIC_TARGET = 900
ROMAN = (
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
)
BIG_DISTRICTS = {
    "Kansas City",
    "Springfield",
    "St. Louis",
    "Columbia",
    "Parkway",
    "Rockwood",
    "North Kansas City",
    "Lee's Summit",
    "Independence",
    "Hazelwood",
    "Fort Zumwalt",
    "Francis Howell",
    "Joplin",
    "Blue Springs",
    "Ferguson-Florissant",
    "Jefferson City",
}
CONSULTANTS = (
    "Central Regional Professional Development Center",
    "Heart of Missouri RPDC",
    "Kansas City Regional Professional Development Center",
    "Northeast RPDC",
    "Northwest Regional Professional Development Center",
    "South Central RPDC",
    "Southeast Regional Professional Development Center",
    "Southwest RPDC",
    "St. Louis Regional Professional Development Center",
    "Missouri Migrant Education Program - Recruiters",
    "Statewide Assessment Scoring Contractor",
)
FIRST_W = rank_weights(len(FIRST_NAMES))
LAST_W = rank_weights(len(LAST_NAMES))
AGENCY_DOMAIN = "dese.mo.example"


@dataclass
class EntityInfo:
    """What later seed stages need to know about one entity."""

    id: uuid.UUID
    kind: str
    code: str
    name: str
    city: str
    domain: str
    buildings: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    officer: PersonInfo | None = None


@dataclass(frozen=True)
class PersonInfo:
    id: uuid.UUID
    first: str
    last: str
    email: str
    role: str
    since: date


@dataclass
class Organisations:
    by_kind: dict[str, list[EntityInfo]] = field(default_factory=dict)
    staff: dict[str, list[str]] = field(default_factory=dict)

    def of(self, kind: str) -> list[EntityInfo]:
        return self.by_kind.get(kind, [])


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower().replace("st.", "saint"))


def person_name(rng: Rng) -> tuple[str, str]:
    return rng.ranked(FIRST_NAMES, FIRST_W), rng.ranked(LAST_NAMES, LAST_W)


def seed_organisations(bulk: BulkWriter) -> Organisations:
    """Write counties, entities, buildings, people and officers, and staff."""
    rng = stream("organisations")
    orgs = Organisations()
    county_ids = _counties(bulk, rng)
    staff = _staff(bulk, rng)
    orgs.staff = staff
    leas = _leas(rng, county_ids)
    _buildings(rng, leas)
    orgs.by_kind = {
        "lea": leas,
        "ihe": _ihes(rng),
        "nonpublic": _nonpublic(rng),
        "public": _publics(rng),
        "consultant": _consultants(rng),
    }
    county_of = {code: cid for code, cid in county_ids.items()}
    contacts = (
        staff[StaffRole.SECURITY_ADMIN.value] + staff[StaffRole.CERTIFICATION_SPECIALIST.value]
    )
    entity_rows = []
    for kind, infos in orgs.by_kind.items():
        for n, info in enumerate(infos):
            county = (
                county_of.get(info.code[:3]) if kind == "lea" else county_of.get(_county_hint(info))
            )
            entity_rows.append(
                _entity_row(
                    bulk,
                    rng,
                    info,
                    county,
                    contacts[n % len(contacts)] if kind == "consultant" else "",
                )
            )
    bulk.write(EducationalEntity.__table__, entity_rows)
    bulk.write(
        Building.__table__,
        (
            bulk.row(
                bid,
                {"entity_id": lea.id, "code": code, "name": name, "grades": grades, "active": True},
            )
            for lea in leas
            for bid, code, name, grades in _with_grades(lea)
        ),
    )
    _officers(bulk, rng, orgs)
    return orgs


def _county_hint(info: EntityInfo) -> str:
    return info.code[1:4] if info.kind == "public" else ""


def _counties(bulk: BulkWriter, rng: Rng) -> dict[str, uuid.UUID]:
    ids = {f"{n:03d}": rng.uuid4() for n in range(1, len(COUNTIES) + 1)}
    bulk.write(
        County.__table__,
        (
            bulk.row(
                ids[f"{n:03d}"],
                {"code": f"{n:03d}", "name": name if name.endswith("City") else f"{name} County"},
            )
            for n, (name, _seat, _towns) in enumerate(COUNTIES, 1)
        ),
    )
    return ids


def _staff(bulk: BulkWriter, rng: Rng) -> dict[str, list[str]]:
    """The agency's own operators; ``last_seen_at`` stays empty so the real first user still
    becomes the first Security Administrator."""
    roles = (
        [StaffRole.SECURITY_ADMIN] * 3
        + [StaffRole.CERTIFICATION_SPECIALIST] * 4
        + [StaffRole.AUDITOR] * 2
    )
    out: dict[str, list[str]] = {r.value: [] for r in StaffRole}
    rows = []
    for role in roles:
        first, last = person_name(rng)
        username = f"dese\\{first[0]}{last}".lower()
        while any(username in names for names in out.values()):
            username += str(rng.randrange(10))
        out[role.value].append(username)
        rows.append(
            bulk.row(
                rng.uuid4(),
                {
                    "username": username,
                    "display_name": f"{first} {last}",
                    "role": role.value,
                    "email": f"{first}.{last}@{AGENCY_DOMAIN}".lower(),
                    "active": True,
                    "last_seen_at": None,
                },
            )
        )
    bulk.write(Staff.__table__, rows)
    return out


def _district_names(rng: Rng) -> list[tuple[int, str, str]]:
    """(county index, district name, town) for every LEA."""
    names: list[tuple[int, str, str]] = []
    for index, (county, seat, towns) in enumerate(COUNTIES, 1):
        if county == "St. Louis City":
            names.append((index, "St. Louis City", seat))
            names += [
                (index, f"{rng.choice(SCHOOL_STEMS)} Charter Academy {n}", seat)
                for n in range(1, 9)
            ]
            continue
        for town in (seat, *towns):
            suffix = rng.choice(
                (
                    f"R-{rng.choice(ROMAN)}",
                    f"C-{rng.randrange(1, 8)}",
                    str(rng.randrange(2, 99)),
                    f"R-{rng.choice(ROMAN)}",
                    f"R-{rng.choice(ROMAN)}",
                )
            )
            names.append((index, f"{town} {suffix}", town))
    extra = 0
    while len(names) < LEA_TARGET:
        index = rng.randrange(1, len(COUNTIES))
        county, seat, _ = COUNTIES[index - 1]
        extra += 1
        names.append((index, f"{county} Co. R-{ROMAN[extra % len(ROMAN)]}", seat))
    return names[:LEA_TARGET]


def _leas(rng: Rng, county_ids: dict[str, uuid.UUID]) -> list[EntityInfo]:
    used: set[str] = set()
    seen_names: set[str] = set()
    leas = []
    for index, name, town in _district_names(rng):
        while name in seen_names:
            name += " District"
        seen_names.add(name)
        code = f"{index:03d}-{rng.randrange(1, 160):03d}"
        while code in used:
            code = f"{index:03d}-{rng.randrange(1, 160):03d}"
        used.add(code)
        leas.append(
            EntityInfo(rng.uuid4(), "lea", code, name, town, f"{slug(name)}.k12.mo.example")
        )
    return leas


def _buildings(rng: Rng, leas: list[EntityInfo]) -> None:
    """Give each LEA its buildings (2,200 in all, the big districts many more)."""
    counts = [
        rng.randrange(25, 60)
        if lea.city in BIG_DISTRICTS and "Charter" not in lea.name
        else (1 if "Charter" in lea.name else rng.randrange(2, 5))
        for lea in leas
    ]
    while sum(counts) < BUILDING_TARGET:
        counts[rng.randrange(len(counts))] += 1
    while sum(counts) > BUILDING_TARGET:
        n = rng.randrange(len(counts))
        counts[n] -= 1 if counts[n] > 2 else 0
    for lea, count in zip(leas, counts, strict=True):
        level_counters: dict[str, int] = {}
        stems = list(SCHOOL_STEMS)
        rng.shuffle(stems)
        for n in range(count):
            level, _grades = LEVELS[5] if n == 0 and count > 1 else rng.choice(LEVELS)
            base = {
                "High": 1050,
                "Junior High": 2000,
                "Middle": 3000,
                "Intermediate": 3500,
                "Elementary": 4000,
                "Early Childhood Center": 5000,
            }[level]
            k = level_counters.get(level, 0)
            level_counters[level] = k + 1
            code = f"{base + 20 * k:04d}"
            stem = (
                lea.city if n == 0 else stems[n % len(stems)] + ("" if n < len(stems) else f" {n}")
            )
            lea.buildings.append((rng.uuid4(), code, f"{stem} {level}"))


def _with_grades(lea: EntityInfo) -> list[tuple[uuid.UUID, str, str, str]]:
    grades = {level: g for level, g in LEVELS}
    return [
        (bid, code, name, next((g for lv, g in grades.items() if name.endswith(lv)), ""))
        for bid, code, name in lea.buildings
    ]


def _ihes(rng: Rng) -> list[EntityInfo]:
    codes = rng.sample(range(1000, 999999), IHE_TARGET)
    return [
        EntityInfo(rng.uuid4(), "ihe", f"{code:06d}", name, city, f"{slug(name)[:24]}.edu.example")
        for (name, city), code in zip(IHE_NAMES[:IHE_TARGET], codes, strict=True)
    ]


def _nonpublic(rng: Rng) -> list[EntityInfo]:
    towns = [t for _c, seat, others in COUNTIES for t in (seat, *others) if "Co." not in t]
    codes = rng.sample(range(1, 99999), NONPUBLIC_TARGET)
    out, seen = [], set()
    for code in codes:
        town = rng.choice(towns)
        saint = rng.choice(SAINTS)
        name = rng.choice(NONPUBLIC_PATTERNS).format(
            saint=saint, saint_plain=f"St. {saint}", town=town
        )
        while name in seen:
            name += f" ({rng.choice(('East', 'West', 'North', 'South', 'Campus'))})"
        seen.add(name)
        out.append(
            EntityInfo(
                rng.uuid4(),
                "nonpublic",
                f"N{code:05d}",
                name,
                town,
                f"{slug(name)[:28]}.org.example",
            )
        )
    return out


def _publics(rng: Rng) -> list[EntityInfo]:
    out = []
    for index, (county, seat, _towns) in enumerate(COUNTIES, 1):
        label = county if county.endswith("City") else f"{county} County"
        out.append(
            EntityInfo(
                rng.uuid4(),
                "public",
                f"P{index:03d}01",
                f"{label} Clerk",
                seat,
                f"{slug(label)}.mo.gov.example",
            )
        )
    return out


def _consultants(rng: Rng) -> list[EntityInfo]:
    return [
        EntityInfo(
            rng.uuid4(),
            "consultant",
            f"C{n:05d}",
            name,
            "Jefferson City",
            f"{slug(name)[:24]}.org.example",
        )
        for n, name in enumerate(CONSULTANTS, 1)
    ]


def _entity_row(
    bulk: BulkWriter, rng: Rng, info: EntityInfo, county: uuid.UUID | None, contact: str
) -> dict[str, object]:
    area = rng.choice(("573", "417", "816", "314", "636", "660"))
    return bulk.row(
        info.id,
        {
            "kind": info.kind,
            "code": info.code,
            "name": info.name,
            "name_search": info.name.lower(),
            "county_id": county,
            "city": info.city,
            "address": f"{rng.randrange(100, 2999)} {rng.choice(SCHOOL_STEMS)} {rng.choice(('St.', 'Ave.', 'Rd.', 'Dr.'))}",
            "phone": f"({area}) 555-01{rng.randrange(100):02d}",
            "fax": f"({area}) 555-01{rng.randrange(100):02d}",
            "email": f"office@{info.domain}",
            "active": rng.random() > 0.01,
            "agency_contact": contact,
            "pin_hash": None,
            "pin_issued_at": None,
            "pin_failures": 0,
            "pin_locked_at": None,
        },
    )


def _officers(bulk: BulkWriter, rng: Rng, orgs: Organisations) -> None:
    """A current officer for every entity plus earlier ones (history), and their people."""
    people, officers = [], []
    for kind, infos in orgs.by_kind.items():
        role = (
            OfficerRole.SUPERINTENDENT if kind == "lea" else OfficerRole.AUTHORIZED_REPRESENTATIVE
        )
        for info in infos:
            appointments = [(role, rng.randrange(0, 3))]
            if kind == "lea" and rng.random() < 0.4:
                appointments.append((OfficerRole.AUTHORIZED_REPRESENTATIVE, rng.randrange(0, 2)))
            for officer_role, former in appointments:
                end = ANCHOR - timedelta(days=rng.randrange(30, 900))
                history = []
                for _ in range(former):  # earlier holders, most recent first
                    start = end - timedelta(days=rng.randrange(700, 3000))
                    history.append((start, end))
                    end = start - timedelta(days=1)
                current_start = (history[0][1] + timedelta(days=1)) if history else end
                for start, stop in [(current_start, None), *history]:
                    person = _person(bulk, rng, info, officer_role.value, start)
                    people.append(person[1])
                    officers.append(
                        bulk.row(
                            rng.uuid4(),
                            {
                                "entity_id": info.id,
                                "person_id": person[0].id,
                                "role": officer_role.value,
                                "start_date": start,
                                "end_date": stop,
                            },
                        )
                    )
                    if stop is None and info.officer is None:
                        info.officer = person[0]
    bulk.write(Person.__table__, people)
    bulk.write(EntityOfficer.__table__, officers)


def _person(
    bulk: BulkWriter, rng: Rng, info: EntityInfo, role: str, since: date
) -> tuple[PersonInfo, dict[str, object]]:
    first, last = person_name(rng)
    email = f"{first}.{last}@{info.domain}".lower()
    title = {
        "superintendent": "Superintendent",
        "authorized_representative": "Authorized Representative",
    }[role]
    if info.kind == "public":
        title = "County Clerk"
    elif info.kind == "ihe":
        title = "Certification Officer"
    elif info.kind == "nonpublic":
        title = "Principal"
    person = PersonInfo(rng.uuid4(), first, last, email, role, since)
    row = bulk.row(
        person.id,
        {
            "first_name": first,
            "last_name": last,
            "last_name_search": last.lower(),
            "title": title,
            "email": email,
            "phone": f"(573) 555-01{rng.randrange(100):02d}",
        },
    )
    return person, row
