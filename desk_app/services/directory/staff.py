"""Who the operator is: the OS user mapped to a staff record.

The first operator to open a new database becomes its Security Administrator (someone has to be
able to register the others). After that, an OS user without an active staff record is refused.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, NotFound, PermissionDenied
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.staff import Staff, StaffRole
from desk_app.models.store import Actor, Store, UnitOfWork
from desk_app.rules.permissions import ROLE_TITLES, Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.directory.dto import OperatorDTO

STAFF_NAMESPACE = uuid.UUID("6f1c7a52-3b7e-4d0a-9c1e-5d2b8f0a4e11")


def staff_id(username: str) -> uuid.UUID:
    """The same operator gets the same id on every workstation, so two workstations that register
    the same person offline sync one staff row instead of clashing on the unique username."""
    return uuid.uuid5(STAFF_NAMESPACE, username.lower())


def os_username() -> str:
    """The signed-in OS user, lower-cased, with the Windows domain when there is one.

    Read from the operating system, never from the environment: ``getpass.getuser()`` believes
    ``USERNAME`` / ``LOGNAME``, so ``set USERNAME=someone`` would act as someone. On Windows
    the process token's account (``DOMAIN\\user``); on POSIX the password entry of the real uid.
    """
    if sys.platform == "win32":
        return _windows_token_account().lower()
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name.lower()


def _windows_token_account() -> str:  # pragma: no cover - Windows only
    """``DOMAIN\\user`` of the account in this process's access token (TokenUser's SID)."""
    import ctypes
    from ctypes import wintypes

    advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    token = wintypes.HANDLE()
    token_query, token_user = 0x0008, 1
    if not advapi32.OpenProcessToken(
        kernel32.GetCurrentProcess(), token_query, ctypes.byref(token)
    ):
        raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
    try:
        size = wintypes.DWORD()
        advapi32.GetTokenInformation(token, token_user, None, 0, ctypes.byref(size))
        buffer = ctypes.create_string_buffer(size.value)
        if not advapi32.GetTokenInformation(token, token_user, buffer, size, ctypes.byref(size)):
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
        sid = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_void_p))[0]  # TOKEN_USER.User.Sid
        name, domain = ctypes.create_unicode_buffer(256), ctypes.create_unicode_buffer(256)
        name_len, domain_len = wintypes.DWORD(256), wintypes.DWORD(256)
        use = wintypes.DWORD()
        if not advapi32.LookupAccountSidW(
            None,
            sid,
            name,
            ctypes.byref(name_len),
            domain,
            ctypes.byref(domain_len),
            ctypes.byref(use),
        ):
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
    finally:
        kernel32.CloseHandle(token)
    return f"{domain.value}\\{name.value}" if domain.value else name.value


def workstation_name(configured: str = "") -> str:
    return (configured or socket.gethostname() or "workstation").lower()[:64]


def identify_operator(
    store: Store, username: str, workstation: str, *, record_start: bool = True
) -> OperatorDTO:
    """Return the operator for ``username``, registering the first one as Security Administrator.

    ``record_start``: write the ``session.start`` event now; the GUI passes False and records it
    with :func:`record_session_start` once its first page shows (signing the event opens the OS
    keyring), on the writer thread ahead of any other write of the session.

    Raises:
        PermissionDenied: the user has no active staff record in a database that has operators.
    """
    actor = Actor(username, workstation, StaffRole.SECURITY_ADMIN.value)
    with store.uow(actor) as uow:
        staff = _staff_named(uow.session, username)
        registered = staff is None  # the database's first operator: written now, whatever is asked
        if staff is None:
            seen = uow.session.execute(
                select(func.count()).select_from(Staff).where(Staff.last_seen_at.is_not(None))
            ).scalar_one()
            if seen:
                raise PermissionDenied(
                    f"{username} is not a registered operator of this database",
                    hint="ask a Security Administrator to add you on the Staff page",
                )
            staff = Staff(
                id=staff_id(username),
                username=username,
                display_name=username.split("\\")[-1].title(),
                role=StaffRole.SECURITY_ADMIN.value,
            )
            uow.session.add(staff)
            uow.session.flush()
            audit.record(
                uow,
                "staff.register_first",
                record_type="staff",
                record_id=staff.id,
                summary=f"{username} registered as the first Security Administrator",
            )
        elif not staff.active:
            raise PermissionDenied(f"{username}'s operator account is disabled")
        if record_start or registered:
            _session_started(uow, staff, workstation)
            uow.commit()
        return OperatorDTO(
            staff.username, staff.display_name, staff.role, ROLE_TITLES[staff.role], workstation
        )


def _staff_named(session: Session, username: str) -> Staff | None:
    return session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()


def _session_started(uow: UnitOfWork, staff: Staff, workstation: str) -> None:
    staff.last_seen_at = utcnow()
    audit.record(
        uow,
        "session.start",
        record_type="staff",
        record_id=staff.id,
        summary=f"{staff.username} opened desk_app on {workstation}",
    )


def record_session_start(store: Store, operator: OperatorDTO) -> None:
    """The ``session.start`` event :func:`identify_operator` left for later (the GUI's start).

    Raises:
        PermissionDenied: the account was disabled or removed in the meantime.
    """
    actor = actor_for(operator)
    with store.uow(actor) as uow:
        staff = _staff_named(uow.session, operator.username)
        if staff is None or not staff.active:
            raise PermissionDenied(f"{operator.username}'s operator account is disabled")
        _session_started(uow, staff, operator.workstation_id)
        uow.commit()


def actor_for(operator: OperatorDTO) -> Actor:
    return Actor(operator.username, operator.workstation_id, operator.role)


def add_staff(
    ctx: ServiceContext, username: str, display_name: str, role: str, email: str = ""
) -> Changes:
    """Register another operator (Security Administrators only)."""
    ctx.require(Perm.MANAGE_STAFF)
    with ctx.uow() as uow:
        staff = Staff(
            id=staff_id(username),
            username=username.lower(),
            display_name=display_name,
            role=role,
            email=email,
        )
        uow.session.add(staff)
        uow.session.flush()
        audit.record(
            uow,
            "staff.add",
            record_type="staff",
            record_id=staff.id,
            summary=f"{username} added as {ROLE_TITLES.get(role, role)}",
        )
        uow.commit()
        return Changes.of(Area.STAFF, ids=(staff.id,))


@dataclass(frozen=True)
class StaffDTO:
    id: str
    username: str
    display_name: str
    role: str
    role_title: str
    email: str
    active: bool
    last_seen_at: datetime | None


def list_staff(ctx: ServiceContext) -> list[StaffDTO]:
    """All operators, active first."""
    ctx.require(Perm.MANAGE_STAFF)
    with ctx.store.read() as s:
        rows = s.execute(
            select(Staff)
            .where(Staff.deleted_at.is_(None))
            .order_by(Staff.active.desc(), Staff.username)
        ).scalars()
        return [
            StaffDTO(
                str(r.id),
                r.username,
                r.display_name,
                r.role,
                ROLE_TITLES.get(r.role, r.role),
                r.email,
                r.active,
                r.last_seen_at,
            )
            for r in rows
        ]


def update_staff(
    ctx: ServiceContext, username: str, *, role: str | None = None, active: bool | None = None
) -> Changes:
    """Change an operator's role or switch the account off (never deleted: it is named in the audit log).

    Raises:
        ConflictError: the change would leave no active Security Administrator.
    """
    ctx.require(Perm.MANAGE_STAFF)
    with ctx.uow() as uow:
        staff = _staff_named(uow.session, username)
        if staff is None:
            raise NotFound(f"no operator {username}")
        before = (staff.role, staff.active)
        if role is not None:
            staff.role = role
        if active is not None:
            staff.active = active
        uow.session.flush()
        admins = uow.session.execute(
            select(func.count())
            .select_from(Staff)
            .where(
                Staff.role == StaffRole.SECURITY_ADMIN.value,
                Staff.active.is_(True),
                Staff.deleted_at.is_(None),
            )
        ).scalar_one()
        if not admins:
            raise ConflictError("at least one active Security Administrator must remain")
        audit.record(
            uow,
            "staff.update",
            record_type="staff",
            record_id=staff.id,
            summary=f"{username}: role {before[0]} -> {staff.role}, active {before[1]} -> {staff.active}",
        )
        uow.commit()
    return Changes.of(Area.STAFF, ids=(staff.id,))
