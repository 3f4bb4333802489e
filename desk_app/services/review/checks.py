"""Checks of what a form asks for: roles, buildings, usernames, separation of duties, the PIN."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from desk_app.models.access import ApplicationRole, RoleGrant, UserAccount, WebApplication
from desk_app.models.entities import Building
from desk_app.priority import lower_this_thread
from desk_app.rules.verification import NAME_MATCH_PASS, PinPolicy, normalise_pin, pin_policy
from desk_app.services.review.dto import ACTIONS, CheckResult, RequestedRole, check_result

if TYPE_CHECKING:
    from desk_app.services.review.job import VerificationJob
    from desk_app.services.review.pins import PinCheck


def _applications(job: VerificationJob) -> dict[str, WebApplication]:
    rows = job.session.execute(
        select(WebApplication).where(WebApplication.deleted_at.is_(None))
    ).scalars()
    return {a.code: a for a in rows}


def check_roles(job: VerificationJob) -> CheckResult:
    """Every role row names an existing role of an application this entity kind may use."""
    rows = job.requested.roles
    if not rows:
        return check_result("roles_exist", "pass", "no application roles requested")
    apps = _applications(job)
    kind = job.entity.kind if job.entity is not None else ""
    problems = []
    for r in rows:
        app = apps.get(r.app)
        role = (
            job.session.execute(
                select(ApplicationRole).where(
                    ApplicationRole.application_id == app.id,
                    ApplicationRole.code == r.role,
                    ApplicationRole.deleted_at.is_(None),
                )
            ).scalar_one_or_none()
            if app is not None
            else None
        )
        if app is None or not app.active:
            problems.append(f"row {r.row}: no web application {r.app!r}")
        elif role is None:
            problems.append(f"row {r.row}: {r.app} has no role {r.role!r}")
        elif kind and not app.allows_kind(kind):
            problems.append(f"row {r.row}: {r.app} is not available to a {kind} entity")
        elif r.action not in ACTIONS:
            problems.append(f"row {r.row}: say add, modify or delete")
        elif job.requested.user(r.user_row) is None:
            problems.append(f"row {r.row}: names user row {r.user_row}, which is empty")
        elif r.action == "delete" and not _holds(job, r, role.id):
            who = job.requested.user(r.user_row)
            problems.append(
                f"row {r.row}: {who.full_name if who else 'the user'} holds no {r.role} "
                "here to delete"
            )
    if problems:
        return check_result("roles_exist", "fail", "; ".join(problems))
    return check_result(
        "roles_exist", "pass", f"{len(rows)} role row(s), all available to this entity"
    )


def _holds(job: VerificationJob, r: RequestedRole, role_id: object) -> bool:
    """Whether the row's user holds ``role_id`` at this entity (what a delete row removes)."""
    user = job.requested.user(r.user_row)
    if user is None or job.entity is None:
        return False
    terms = [UserAccount.username == user.username] if user.username else []
    if user.email:
        terms.append(func.lower(UserAccount.email) == user.email)
    if not terms:
        return False
    found = job.session.execute(
        select(RoleGrant.id)
        .join(UserAccount, RoleGrant.user_account_id == UserAccount.id)
        .where(
            or_(*terms),
            RoleGrant.role_id == role_id,
            RoleGrant.entity_id == job.entity.id,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.deleted_at.is_(None),
        )
    ).first()
    return found is not None


def check_buildings(job: VerificationJob) -> CheckResult:
    """Building-scoped rows name an active building of the entity; others name none."""
    apps = _applications(job)
    scoped = [
        r
        for r in job.requested.roles
        if r.building or (r.app in apps and apps[r.app].building_scope)
    ]
    if not scoped:
        return check_result("building_scope", "pass", "no building-scoped application requested")
    codes = set()
    if job.entity is not None:
        codes = {
            c
            for (c,) in job.session.execute(
                select(Building.code).where(
                    Building.entity_id == job.entity.id,
                    Building.active.is_(True),
                    Building.deleted_at.is_(None),
                )
            )
        }
    problems, notes = [], []
    for r in scoped:
        app = apps.get(r.app)
        if r.building and (app is None or not app.building_scope):
            problems.append(
                f"row {r.row}: {r.app} has no building-level security; leave building blank"
            )
        elif r.building and r.building not in codes:
            problems.append(
                f"row {r.row}: building {r.building} is not an active building of this entity"
            )
        elif r.building:
            notes.append(f"row {r.row}: building {r.building}")
        else:
            notes.append(f"row {r.row}: district-level")
    if problems:
        return check_result("building_scope", "fail", "; ".join(problems))
    return check_result("building_scope", "pass", "; ".join(notes))


def _people(job: VerificationJob) -> list[tuple[str, str, str, str]]:
    """(label, email, username, full name) of everyone the form grants or changes."""
    out = [(f"user {u.row}", u.email, u.username, u.full_name) for u in job.requested.users]
    um = job.requested.user_manager
    if um is not None:
        out.append(
            ("user manager", um.email, um.username, f"{um.first_name} {um.last_name}".strip())
        )
    return out


def check_usernames(job: VerificationJob) -> CheckResult:
    """One person, one username: flag people who already hold several, or another one."""
    flags, found = [], {}
    for label, email, username, full_name in _people(job):
        first, _, last = full_name.partition(" ")
        terms = [func.lower(UserAccount.email) == email] if email else []
        if first and last:
            terms.append(
                (func.lower(UserAccount.first_name) == first.lower())
                & (UserAccount.last_name_search == last.lower())
            )
        if not terms:
            continue
        accounts = (
            job.session.execute(
                select(UserAccount.username).where(or_(*terms), UserAccount.deleted_at.is_(None))
            )
            .scalars()
            .all()
        )
        names = sorted(set(accounts))
        found[label] = names
        if len(names) > 1:
            flags.append(
                f"{label} ({full_name or email}) already holds {len(names)} usernames: "
                f"{', '.join(names)}"
            )
        elif names and username and username != names[0]:
            flags.append(f"{label} asks for {username!r} but already holds {names[0]!r}")
    if flags:
        return check_result("one_username", "warn", "; ".join(flags), accounts=found)
    held = sum(1 for v in found.values() if v)
    return check_result(
        "one_username",
        "pass",
        f"{held} of {len(found)} people already hold one username",
        accounts=found,
    )


def check_duties(job: VerificationJob) -> CheckResult:
    """The operator neither submitted the request nor gains access by it."""
    me = job.ctx.actor.username.lower()
    staff = job.operator
    my_email = (staff.email if staff else "").lower()
    my_name = staff.display_name if staff else ""
    sender = (job.submission.sender if job.submission is not None else "").lower()
    requester = str(job.values.get("requester_email") or "").lower()
    if my_email and my_email in (sender, requester):
        return check_result("separation_of_duties", "fail", f"{me} submitted this request")
    from desk_app.services.review.signers import name_score

    short = me.split("\\")[-1]
    for label, email, username, full_name in _people(job):
        mine = (
            (my_email and email == my_email)
            or (username and username in (me, short))
            or (my_name and full_name and name_score(my_name, full_name) >= NAME_MATCH_PASS)
        )
        if mine:
            return check_result(
                "separation_of_duties",
                "fail",
                f"the request grants {me} access ({label}): another operator must decide",
            )
    return check_result(
        "separation_of_duties", "pass", f"{me} neither submitted it nor gains access by it"
    )


# the Argon2 comparison (about 100 ms, GIL released) overlaps the other checks on a second core,
# below the GUI thread's priority (it would otherwise hold one of two cores away from the window)
_PIN_POOL = ThreadPoolExecutor(
    max_workers=2, thread_name_prefix="pin-check", initializer=lower_this_thread
)


def start_pin_check(job: VerificationJob) -> Callable[[], CheckResult]:
    """Start the PIN check; returns a function that waits for and returns its result.

    The comparison runs on a pool thread with its own read session (``pins.compare_pin``), so the
    job's session never leaves the thread that made it; the failure counter and the audit event
    are written by the caller when it takes the result, never by the pool.
    """
    from desk_app.services.review import pins
    from desk_app.services.review.job import previous_pin_failure

    assert job.spec is not None
    policy = pin_policy(job.spec.pin_policy)
    keyed = normalise_pin(str(job.values.get("pin") or ""))
    entity = job.entity
    if policy is PinPolicy.NONE:
        return _done(check_result("pin", "pass", "this form carries no PIN"))
    if entity is None:
        return _done(check_result("pin", "fail", "entity unknown: the PIN cannot be checked"))
    if entity.pin_hash is None:
        if policy is PinPolicy.REQUIRED:
            return _done(
                check_result("pin", "fail", f"{entity.code} has no PIN on file: issue one first")
            )
        return _done(
            check_result("pin", "pass", f"{entity.code} has no PIN on file (not required)")
        )
    if not keyed:
        return _done(check_result("pin", "fail", "the form's PIN box is empty"))
    already = previous_pin_failure(job.session, job.submission_id, entity.pin_issued_at)
    # only the comparison runs on the pool; the attempt is counted and audited by the thread
    # that waits for it (the verification's own, which does every write of the run)
    ctx, entity_id, sid = job.ctx, str(entity.id), job.submission_id or None
    future = _PIN_POOL.submit(pins.compare_pin, ctx, entity_id, keyed)
    stamp = entity.pin_issued_at.isoformat() if entity.pin_issued_at else ""
    code = entity.code

    def finish() -> CheckResult:
        outcome, stored = future.result()
        checked = pins.record_attempt(ctx, entity_id, outcome, None if already else stored, sid)
        return _pin_result(checked, code, {"pin_issued_at": stamp, "counted": not already})

    return finish


def _done(value: CheckResult) -> Callable[[], CheckResult]:
    return lambda: value


def _pin_result(checked: PinCheck, code: str, details: dict[str, object]) -> CheckResult:
    from desk_app.services.review.pins import PinOutcome

    details = dict(details, failures=checked.failures)
    if checked.outcome is PinOutcome.MATCH:
        return check_result("pin", "pass", "the PIN matches the entity's PIN", **details)
    if checked.outcome is PinOutcome.LOCKED:
        return check_result(
            "pin", "fail", f"{code}'s PIN is locked after repeated failures: reissue it", **details
        )
    left = (
        f"; {checked.remaining} attempt(s) left before lock-out"
        if not checked.locked
        else "; now locked"
    )
    return check_result("pin", "fail", f"the PIN does not match{left}", **details)
