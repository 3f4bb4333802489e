"""Form submissions in every queue state, with plausible senders, channels, entities and values.

No documents are written here: drawing 2,000 forms would add a minute to every first start, so
a submission gets its document (its form filled with these values) when it is first opened
(:mod:`desk_app.services.queue.demo_documents`). The values are what keying or field extraction
would have produced.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from desk_app.models.staff import StaffRole
from desk_app.models.submissions import Channel, FormSubmission, QueueState
from desk_app.seed.bulk import ANCHOR, BulkWriter, Rng, stream
from desk_app.seed.organisations import EntityInfo, Organisations, person_name

SUBMISSIONS_AT_SCALE_1 = 2_000
STATES = (
    (QueueState.NEW, 8),
    (QueueState.NEEDS_KEYING, 6),
    (QueueState.READY_FOR_REVIEW, 10),
    (QueueState.IN_REVIEW, 5),
    (QueueState.WAITING_ON_REQUESTER, 5),
    (QueueState.APPROVED, 4),
    (QueueState.REJECTED, 6),
    (QueueState.APPLIED, 10),
    (QueueState.CLOSED, 42),
    (QueueState.QUARANTINE, 4),
)
# form number -> entity kinds that send it (used when the forms catalogue is not installed)
FALLBACK_FORMS = (
    ("MO 500-2356", ("lea", "ihe")),
    ("MO 500-2377", ("public",)),
    ("MO 500-3125", ("nonpublic",)),
    ("MO 500-3209", ("lea", "ihe", "public", "nonpublic")),
    ("DA-101", ("consultant",)),
    ("DA-102", ("lea",)),
)
QUARANTINE_REASONS = (
    "attachment is an executable, not a form",
    "PDF has JavaScript actions",
    "message failed to parse: truncated MIME part",
    "page could not be rendered",
)
REJECT_REASONS = (
    "PIN does not match",
    "signer is not the superintendent or authorized representative",
    "county-district code does not match the entity name",
    "form is not signed",
)


def seed_submissions(bulk: BulkWriter, orgs: Organisations, scale: float) -> int:
    rng = stream("submissions")
    total = max(len(STATES), round(SUBMISSIONS_AT_SCALE_1 * scale))
    reviewers = orgs.staff[StaffRole.SECURITY_ADMIN.value]
    forms = _forms()
    states = [s for s, _ in STATES]
    weights = [w for _, w in STATES]
    rows = []
    for n in range(total):
        # the first rows walk through every state, so even a tiny scale has them all
        state = states[n] if n < len(states) else rng.choices(states, weights)[0]
        rows.append(_submission(bulk, rng, orgs, state, reviewers, forms))
    bulk.write(FormSubmission.__table__, rows)
    return total


def _forms() -> list[tuple[str, tuple[str, ...], tuple[Any, ...]]]:
    """(number, entity kinds, field specs) of every form: the forms catalogue's when present."""
    try:
        from desk_app.pdf.catalogue import FORMS
    except ImportError:
        return [(number, kinds, ()) for number, kinds in FALLBACK_FORMS]
    return [(f.number, tuple(f.entity_kinds), tuple(f.fields)) for f in FORMS.values()]


def _submission(
    bulk: BulkWriter,
    rng: Rng,
    orgs: Organisations,
    state: QueueState,
    reviewers: list[str],
    forms: list[tuple[str, tuple[str, ...], tuple[Any, ...]]],
) -> dict[str, Any]:
    form, kinds, fields = rng.choice(forms)
    entity: EntityInfo = rng.choice(orgs.of(rng.choice(kinds)))
    channel = rng.choice(
        (Channel.EMAIL, Channel.EMAIL, Channel.FAX, Channel.FAX, Channel.FILE, Channel.COUNTER)
    )
    age = (
        rng.randrange(0, 20)
        if state in (QueueState.NEW, QueueState.NEEDS_KEYING, QueueState.QUARANTINE)
        else rng.randrange(0, 400)
    )
    received = rng.moment(ANCHOR - timedelta(days=age))
    signer = entity.officer
    requester = " ".join(person_name(rng))
    identified = state not in (QueueState.QUARANTINE, QueueState.NEEDS_KEYING) or rng.random() < 0.3
    values = (
        (
            _field_values(rng, fields, entity, requester)
            if fields
            else _values(rng, form, entity, requester)
        )
        if identified
        else {}
    )
    decided = state in (
        QueueState.APPROVED,
        QueueState.REJECTED,
        QueueState.APPLIED,
        QueueState.CLOSED,
    )
    reviewer = rng.choice(reviewers)
    sender = (
        signer.email
        if signer and channel is Channel.EMAIL
        else f"({rng.choice(('573', '417', '816', '314'))}) 555-01{rng.randrange(100):02d}"
        if channel is Channel.FAX
        else ""
    )
    decision = (
        (
            "rejected"
            if state is QueueState.REJECTED or (state is QueueState.CLOSED and rng.random() < 0.15)
            else "approved"
        )
        if decided
        else ""
    )
    return bulk.row(
        rng.uuid4(),
        {
            "form_number": form if identified else "",
            "edition": "2024-07" if identified else "",
            "channel": channel.value,
            "state": state.value,
            "received_at": received,
            "sender": sender,
            "subject": f"{form} - {entity.name}" if channel is Channel.EMAIL else "",
            "entity_id": entity.id if identified else None,
            "entity_code": entity.code if identified else "",
            "entity_name": entity.name if identified else "",
            "requester_name": requester if identified else "",
            "assigned_to": reviewer
            if state in (QueueState.IN_REVIEW, QueueState.WAITING_ON_REQUESTER) or decided
            else "",
            "claimed_at": received + timedelta(hours=rng.randrange(1, 48))
            if state is QueueState.IN_REVIEW or decided
            else None,
            "sha256": rng.hexdigest(),
            "token": rng.hexdigest(32),
            "page_count": rng.choice((1, 1, 2, 3)),
            "values": values,
            "business_key": rng.hexdigest(32) if identified else "",
            "duplicate_of_id": None,
            "quarantine_reason": rng.choice(QUARANTINE_REASONS)
            if state is QueueState.QUARANTINE
            else "",
            "decision": decision,
            "decision_reason": rng.choice(REJECT_REASONS) if decision == "rejected" else "",
            "decided_by": reviewer if decided else "",
            "decided_at": received + timedelta(days=rng.randrange(1, 10)) if decided else None,
            "closed_at": received + timedelta(days=rng.randrange(10, 20))
            if state is QueueState.CLOSED
            else None,
        },
    )


def _values(rng: Rng, form: str, entity: EntityInfo, requester: str) -> dict[str, Any]:
    signer = entity.officer
    values: dict[str, Any] = {
        "entity_name": entity.name,
        "entity_code": entity.code,
        "signer_name": f"{signer.first} {signer.last}" if signer else "",
        "signer_title": "Superintendent"
        if signer and signer.role == "superintendent"
        else "Authorized Representative",
        "signed_on": (ANCHOR - timedelta(days=rng.randrange(1, 400))).isoformat(),
    }
    first, _, last = requester.partition(" ")
    if form == "MO 500-2356":
        values.update(
            action=rng.choice(("add", "add", "remove")),
            user_manager_name=requester,
            user_manager_email=f"{first}.{last}@{entity.domain}".lower(),
        )
    elif form == "MOSIS-ASSURANCE":
        building = rng.choice(entity.buildings) if entity.buildings and rng.random() < 0.6 else None
        values.update(
            user_name=requester,
            user_email=f"{first}.{last}@{entity.domain}".lower(),
            level="building" if building else "district",
            building_code=building[1] if building else "",
            building_name=building[2] if building else "",
        )
    else:
        values.update(
            action=rng.choice(("add", "modify", "delete")) if form != "MO 500-3209" else "delete",
            user_name=requester,
            user_email=f"{first}.{last}@{entity.domain}".lower(),
            applications=rng.sample(
                ["EPEGS", "FNS", "MCDS", "TAXRATE", "NPTRANS", "RPDC", "MIGRANT"], 2
            ),
        )
    return values


def _field_values(
    rng: Rng, fields: tuple[Any, ...], entity: EntityInfo, requester: str
) -> dict[str, Any]:
    """A value for every fillable field of a catalogue form, as keying would leave it.

    PIN fields stay empty: a PIN is never stored, only checked.
    """
    signer = entity.officer
    first, _, last = requester.partition(" ")
    email = f"{first}.{last}@{entity.domain}".lower()
    signed = (ANCHOR - timedelta(days=rng.randrange(1, 400))).isoformat()
    simple = {
        "entity_name": entity.name,
        "entity_code": entity.code,
        "requester_email": email,
        "signer_name": f"{signer.first} {signer.last}" if signer else "",
        "signer_title": "Superintendent"
        if signer and signer.role == "superintendent"
        else "Authorized Representative",
    }
    values: dict[str, Any] = {}
    for spec in fields:
        name, kind = spec.name, spec.kind
        if kind in ("signature", "pin") or getattr(spec, "derived", False):
            continue
        if name in simple:
            values[name] = simple[name]
        elif kind == "date":
            values[name] = signed
        elif kind == "checkbox":
            values[name] = True
        elif spec.options:
            values[name] = rng.choice(spec.options)
        elif name.endswith("first_name"):
            values[name] = first
        elif name.endswith("last_name"):
            values[name] = last
        elif name.endswith("email"):
            values[name] = email
        elif name.endswith("username"):
            values[name] = f"{first[0]}{last}".lower()
        elif name.endswith("building"):
            values[name] = (
                rng.choice(entity.buildings)[1] if entity.buildings and rng.random() < 0.5 else ""
            )
    return values
