"""Checking the central database's address before relying on it: "Test connection" in Settings
and ``desk-app init --central URL``.

A test connects once, on its own engine (no pooled link is kept, and the central schema is never
touched), and answers in one line the operator can act on: the server and login it reached, or
why not.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from desk_app.errors import KnownError
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.sync.service import PASSWORD_SECRET, connect_problem, server_url

CONNECT_TIMEOUT_S = 8
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True)
class ConnectionCheck:
    """What a connection test found: ``ok`` and one line saying what was reached (or why not)."""

    ok: bool
    message: str


def central_url_problem(url: str) -> str:
    """Why ``url`` cannot name the central database ("" when it can): checked before it is saved."""
    text = url.strip()
    if not text:
        return "no address given"
    try:
        parsed = make_url(text)
    except ArgumentError:
        return "not an address of the form postgresql://user@host:port/database"
    if parsed.drivername not in POSTGRES_SCHEMES:
        return (
            "the central database is PostgreSQL: the address starts with postgresql://, "
            f"not {parsed.drivername}://"
        )
    if not parsed.host:
        return "the address names no server (postgresql://user@HOST:port/database)"
    if not parsed.database:
        return "the address names no database (postgresql://user@host:port/DATABASE)"
    return ""


def set_sync_password(ctx: ServiceContext, password: str) -> None:
    """Keep the operator's central-database password in the OS keyring (never in settings)."""
    ctx.require(Perm.SYNC)
    ctx.secrets.set(PASSWORD_SECRET, password)


def check_central(
    ctx: ServiceContext, url: str | None = None, password: str | None = None
) -> ConnectionCheck:
    """Connect to the central database at ``url`` (default: the ``sync_url`` setting) once.

    Args:
        password: a password being entered, tried instead of the stored one.

    Never raises for a known cause: an unreachable server, a refused TLS certificate or login, or
    a malformed address come back as ``ok=False`` with the reason.
    """
    ctx.require(Perm.SYNC)
    problem = central_url_problem(url if url is not None else ctx.settings["sync_url"])
    if problem:
        return ConnectionCheck(False, f"Not tested: {problem}.")
    try:
        full = server_url(ctx, url)
        if password:
            full = make_url(full).set(password=password).render_as_string(hide_password=False)
    except KnownError as exc:
        return ConnectionCheck(False, f"Not tested: {exc}.")
    engine = create_engine(
        full, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
    )
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            login = conn.exec_driver_sql("SELECT session_user").scalar()
            deployed = conn.exec_driver_sql(
                "SELECT to_regprocedure('desk_apply_push(text, text[])') IS NOT NULL"
            ).scalar()
    except (OperationalError, DBAPIError) as exc:
        return ConnectionCheck(False, f"Failed: {connect_problem(exc)}.")
    finally:
        engine.dispose()
    where = make_url(full)
    reached = f"Connected to PostgreSQL {version} at {where.host} as {login}"
    if not deployed:
        return ConnectionCheck(
            False, f"{reached}, but it holds no desk_app schema (IT runs desk-app server init)."
        )
    return ConnectionCheck(True, f"{reached}; the desk_app schema is in place.")
