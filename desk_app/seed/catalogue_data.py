"""The web applications of the agency and their roles, as the demo database holds them.

Used by the seed until the forms catalogue (:mod:`desk_app.pdf.catalogue`) publishes its own
``WEB_APPLICATIONS``; the shape is plain data so either source can feed the seed.
Each application: code, name, description, building_scope, entity kinds, roles as
``(code, name, level)`` with level 1 = view only and higher levels adding data entry and approval.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AppSpec:
    code: str
    name: str
    description: str
    building_scope: bool
    entity_kinds: tuple[str, ...]
    roles: tuple[tuple[str, str, int], ...]


_LEVELS = (
    ("view", "Level 1 - View only", 1),
    ("entry", "Level 2 - Data entry", 2),
    ("approve", "Level 3 - Submit and approve", 3),
)

WEB_APPLICATIONS: tuple[AppSpec, ...] = (
    AppSpec(
        "MOSIS",
        "Missouri Student Information System (MOSIS)",
        "Student unique IDs and student-level records; district- or building-level security",
        True,
        ("lea",),
        (
            ("view", "View student records", 1),
            ("submit", "Submit student records", 2),
            ("approve", "Approve district submissions", 3),
        ),
    ),
    AppSpec(
        "ECS",
        "Educator Certification System",
        "Educator profiles, certificate applications, certificate status and fingerprint results",
        False,
        ("lea", "ihe", "nonpublic"),
        (
            ("district_view", "District - View educator certification", 1),
            ("ihe_recommend", "Institution - Recommend for certification", 2),
            ("ihe_admin", "Institution - Certification officer", 3),
        ),
    ),
    AppSpec(
        "CORE",
        "Core Data Collection System",
        "District, school and educator data collections",
        False,
        ("lea",),
        _LEVELS,
    ),
    AppSpec(
        "EPEGS",
        "Electronic Plan for eGrants System (ePeGS)",
        "Federal and state grant plans and payments",
        False,
        ("lea", "nonpublic", "public"),
        _LEVELS,
    ),
    AppSpec(
        "FNS",
        "Food and Nutrition Services",
        "School meal programs: claims and applications",
        False,
        ("lea", "nonpublic", "public"),
        _LEVELS,
    ),
    AppSpec(
        "IMACS",
        "Integrated Monitoring, Accountability and Compliance System",
        "Compliance monitoring and improvement plans",
        False,
        ("lea",),
        _LEVELS,
    ),
    AppSpec(
        "MCDS",
        "Missouri Comprehensive Data System",
        "Reports on students, schools and educators",
        False,
        ("lea", "ihe", "public"),
        (("view", "Level 1 - Reports", 1), ("secure", "Level 2 - Secure reports", 2)),
    ),
    AppSpec(
        "TAXRATE",
        "Assessed Valuation and Tax Rates",
        "County clerks' assessed valuations and tax levies",
        False,
        ("public", "lea"),
        (("entry", "Clerk - Data entry", 2), ("view", "View", 1)),
    ),
    AppSpec(
        "EDPREP",
        "Educator Preparation Program Reporting",
        "Program completers and annual reports",
        False,
        ("ihe",),
        _LEVELS,
    ),
    AppSpec(
        "NPTRANS",
        "Nonpublic Transportation and Textbooks",
        "Nonpublic school program requests",
        False,
        ("nonpublic",),
        (("entry", "Level 2 - Data entry", 2), ("view", "Level 1 - View only", 1)),
    ),
    AppSpec(
        "RPDC",
        "Regional Professional Development Reporting",
        "Regional centre activity reports",
        False,
        ("consultant",),
        (("view", "Level 1 - View only", 1), ("entry", "Level 2 - Data entry", 2)),
    ),
    AppSpec(
        "MIGRANT",
        "Migrant Student Records",
        "Certificates of eligibility from migrant recruiters",
        False,
        ("consultant", "lea"),
        (("recruiter", "Recruiter - Data entry", 2), ("view", "View", 1)),
    ),
    AppSpec(
        "USERMGR",
        "User Manager",
        "Grant, modify and revoke secure access for an entity's users",
        False,
        ("lea", "ihe"),
        (("user_manager", "User Manager", 3),),
    ),
)
