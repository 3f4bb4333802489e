"""Forms for an entity: the prefill values (name, code, current superintendent) and the PDF.

Qt-free; views and the CLI call it. A form generated for an entity carries a request token in
every page's QR, registered (synced) with what the form was prefilled with, who and when: a faxed
copy coming back then needs keying only for what a person wrote on it. Registering the token is
the one write, audited.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity, entities_by_code
from desk_app.models.people import EntityOfficer, OfficerRole
from desk_app.models.staff import Staff
from desk_app.models.submissions import RequestToken
from desk_app.pdf.catalogue import FormSpec, get_form
from desk_app.rules.codes import KIND_RULES, EntityKind
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext

# who signs for an entity, most preferred first
SIGNER_ORDER = (OfficerRole.SUPERINTENDENT.value, OfficerRole.AUTHORIZED_REPRESENTATIVE.value)
SIGNER_TITLES = {
    OfficerRole.SUPERINTENDENT.value: "Superintendent",
    OfficerRole.AUTHORIZED_REPRESENTATIVE.value: "Authorized representative",
}


@dataclass(frozen=True)
class EntityPrefill:
    """What a form for one entity is prefilled with."""

    form_number: str
    entity_id: str
    entity_kind: str
    values: dict[str, str]


def _entity(s: Session, spec: FormSpec, code: str) -> EducationalEntity:
    rows = entities_by_code(s, code)
    if not rows:
        raise NotFound(f"no educational entity has the code {code!r}")
    fitting = [e for e in rows if e.kind in spec.entity_kinds]
    if not fitting:
        kinds = ", ".join(KIND_RULES[EntityKind(k)].title.lower() for k in spec.entity_kinds)
        raise ValidationError(
            "entity",
            f"form {spec.number} is for: {kinds}; {code} is a "
            f"{KIND_RULES[EntityKind(rows[0].kind)].title.lower()}",
        )
    return fitting[0]


def _signer(s: Session, entity: EducationalEntity, on: date) -> tuple[str, str]:
    officers = (
        s.execute(
            select(EntityOfficer).where(
                EntityOfficer.entity_id == entity.id, EntityOfficer.deleted_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    current = [o for o in officers if o.in_office(on) and o.role in SIGNER_ORDER]
    if not current:
        return "", ""
    best = min(current, key=lambda o: (SIGNER_ORDER.index(o.role), -o.start_date.toordinal()))
    return best.person.full_name, best.person.title or SIGNER_TITLES[best.role]


def _contact_name(s: Session, username: str) -> str:
    if not username:
        return ""
    staff = s.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
    return staff.display_name if staff else username


def entity_prefill(
    ctx: ServiceContext, number: str, code: str, on: date | None = None
) -> EntityPrefill:
    """The values to prefill form ``number`` with for the entity whose code is ``code``.

    Args:
        ctx: the operator's service context (needs permission to view entities).
        number: form number or key.
        code: the entity's county-district, institution or entity code.
        on: the day whose superintendent signs (today by default).

    Raises:
        NotFound: no entity has that code. ValidationError: the form is not for its kind.
    """
    ctx.require(Perm.VIEW_ENTITIES)
    spec = get_form(number)
    with ctx.store.read() as s:
        entity = _entity(s, spec, code)
        values = {spec.entity_name_field: entity.name, spec.entity_code_field: entity.code}
        if spec.has_field("signer_name"):
            name, title = _signer(s, entity, on or date.today())
            if name:
                values.update({"signer_name": name, "signer_title": title})
        if spec.has_field("contact_name"):
            contact = _contact_name(s, entity.agency_contact)
            if contact:
                values["contact_name"] = contact
        return EntityPrefill(spec.number, str(entity.id), entity.kind, values)


@dataclass(frozen=True)
class GeneratedForm:
    """A form generated for an entity and the request token its pages carry."""

    pdf: bytes
    token: str
    form_number: str
    entity_code: str
    prefilled: tuple[str, ...]  # the field names written in


def new_token() -> str:
    """A request token: short enough for the page QR, random enough never to repeat."""
    return "RQ" + secrets.token_hex(5).upper()


def _extra(spec: FormSpec, extra: Mapping[str, str]) -> dict[str, str]:
    """Extra prefill (user rows, the user-manager block): the form's own fields, never a PIN."""
    out = {}
    for name, value in extra.items():
        if not spec.has_field(name):
            raise ValidationError(name, f"form {spec.number} has no such field")
        if spec.field(name).kind in ("pin", "signature"):
            raise ValidationError(name, "is written by the signer, never prefilled")
        if str(value).strip():
            out[name] = str(value).strip()
    return out


def _user_rows(values: Mapping[str, str]) -> int:
    rows = {k.split("_")[1] for k in values if k.startswith("user_") and k.split("_")[1].isdigit()}
    return len(rows) + (1 if any(k.startswith("um_") for k in values) else 0)


def generate_with_token(
    ctx: ServiceContext,
    number: str,
    code: str,
    extra: Mapping[str, str] | None = None,
    token: str | None = None,
) -> GeneratedForm:
    """Form ``number`` for the entity ``code``, prefilled from the entity record and ``extra``,
    with a request token registered for it.

    Raises:
        NotFound / ValidationError: as :func:`entity_prefill`; an unknown field, a PIN in
            ``extra``, or a token already registered.
    """
    from desk_app.pdf.generate import generate_form

    ctx.require(Perm.VIEW_ENTITIES)
    prefill = entity_prefill(ctx, number, code)
    values = {**prefill.values, **_extra(get_form(prefill.form_number), extra or {})}
    token = token or new_token()
    pdf = generate_form(prefill.form_number, values, token=token)
    with ctx.uow() as uow:
        s = uow.session
        if s.execute(select(RequestToken.id).where(RequestToken.token == token)).first():
            raise ValidationError("token", f"{token} was already given to another form")
        row = RequestToken(
            token=token,
            form_number=prefill.form_number,
            entity_id=uuid.UUID(prefill.entity_id),
            entity_code=values.get(get_form(prefill.form_number).entity_code_field, code),
            values=values,
            user_rows=_user_rows(values),
            generated_by=ctx.actor.username,
            generated_at=utcnow(),
        )
        s.add(row)
        s.flush()
        audit.record(
            uow,
            "forms.generate",
            record_type="request_token",
            record_id=row.id,
            summary=f"{prefill.form_number} generated for {row.entity_code} (token {token})",
            details={"token": token, "fields": sorted(values)},
        )
        uow.commit()
    return GeneratedForm(pdf, token, prefill.form_number, row.entity_code, tuple(sorted(values)))


def generate_for_entity(
    ctx: ServiceContext, number: str, code: str, token: str | None = None
) -> bytes:
    """A fillable PDF of form ``number`` prefilled for the entity ``code``, ready to email (with a
    registered request token, see :func:`generate_with_token`)."""
    return generate_with_token(ctx, number, code, token=token).pdf
