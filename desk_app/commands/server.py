"""``desk-app server init|upgrade``: IT prepares the central database as its deployment role.

Deployment is separate from use: these commands run the migrations as the role that owns the
schema, create the operator group roles and their grants, and register the first Security
Administrator. Workstations never run them (they hold no right to).
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("server", help="prepare or upgrade the central database (IT only)")
    ssub = parser.add_subparsers(dest="server_command", required=True, metavar="ACTION")
    init = ssub.add_parser(
        "init", help="migrate, create the operator roles and the first Security Administrator"
    )
    init.add_argument("--url", required=True, help="the central database as its deployment role")
    init.add_argument(
        "--admin", required=True, help="the first Security Administrator (DOMAIN\\user)"
    )
    init.add_argument(
        "--no-login",
        action="store_true",
        help="do not create the administrator's login role (IT makes it, e.g. for GSSAPI)",
    )
    init.set_defaults(func=cmd_init)
    upgrade = ssub.add_parser("upgrade", help="migrate and refresh the grants and rights")
    upgrade.add_argument("--url", required=True, help="the central database as its deployment role")
    upgrade.set_defaults(func=cmd_upgrade)


def _engine(url: str) -> Any:
    from sqlalchemy.engine import make_url

    from desk_app.errors import KnownError
    from desk_app.models.store import make_engine

    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the whole URL
        raise KnownError("not a database URL", hint="postgresql://role@host/db") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise KnownError("the central database is PostgreSQL (postgresql://...)")
    if "sslmode" not in parsed.query:
        parsed = parsed.update_query_dict({"sslmode": "verify-full"})
    return make_engine(parsed.render_as_string(hide_password=False))


def _deploy(url: str, admin: str | None, login: bool) -> bool:
    from sqlalchemy.exc import DBAPIError

    from desk_app.errors import KnownError
    from desk_app.services.directory.staff import staff_id
    from desk_app.sync.authority import Operator, deploy, register_operator

    engine = _engine(url)
    try:
        deploy(engine)
        if admin is None:
            return False
        with engine.begin() as conn:
            return register_operator(conn, Operator(admin, staff_id(admin)), login)
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise KnownError("the central database refused the deployment", hint=first) from exc
    finally:
        engine.dispose()


def cmd_init(args: argparse.Namespace) -> int:
    admin = args.admin.strip().lower()
    if not admin:
        from desk_app.errors import ValidationError

        raise ValidationError("admin", "name the first Security Administrator")
    added = _deploy(args.url, admin, not args.no_login)
    state = "registered" if added else "already registered"
    print(f"central database ready; {admin} {state} as Security Administrator")
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    _deploy(args.url, None, False)
    print("central database upgraded; grants and rights refreshed")
    return 0
