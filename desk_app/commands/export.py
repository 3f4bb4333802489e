"""``desk-app export LIST --out FILE.xlsx|.csv [--search TEXT] [--filter KEY=VALUE ...]``: any list
of the GUI to a spreadsheet from the console, through the same export service (same filters,
closed data withheld by role, audited)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desk_app.errors import ValidationError

LISTS = ("accounts", "grants", "entities", "queue", "audit", "educators")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "export", help="export a list (accounts, grants, queue, ...) to CSV/XLSX"
    )
    parser.add_argument("list", choices=LISTS, metavar="LIST", help=", ".join(LISTS))
    parser.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    parser.add_argument("--search", default="", help="the list's search text")
    parser.add_argument(
        "--filter", action="append", default=[], metavar="KEY=VALUE", help="a list filter"
    )
    parser.set_defaults(func=cmd_export)


def _source(name: str, services: Any) -> Any:
    if name in ("accounts", "grants"):
        from desk_app.services.access.accounts import AccessService

        return AccessService(services)
    if name == "entities":
        from desk_app.services.directory.entities import EntityService

        return EntityService(services)
    if name == "queue":
        from desk_app.services.queue.listing import QueueList

        return QueueList(services)
    if name == "audit":
        from desk_app.services.records.audit_log import AuditLogService

        return AuditLogService(services)
    from desk_app.services.educators.profiles import EducatorService

    return EducatorService(services)


def cmd_export(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.access.grant_list import grant_rows
    from desk_app.services.exports import export_list, export_rows
    from desk_app.services.listing import ListQuery

    suffix = args.out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError("--out", "must end in .csv or .xlsx")
    query = ListQuery(args.search)
    for item in args.filter:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValidationError("--filter", f"{item!r} is not KEY=VALUE")
        query = query.with_filter(key.strip(), value.strip())
    app = open_for_cli(args)
    try:
        source = _source(args.list, app.services)
        title = args.list.capitalize()
        if args.list == "grants":
            filters = dict(query.filters) | ({"search": query.text} if query.text else {})
            done = export_rows(
                app.services, grant_rows(source, query), title, args.out, suffix[1:], filters
            )
        else:
            done = export_list(app.services, source, query, title, args.out, suffix[1:])
    finally:
        app.close()
    withheld = f" (withheld: {', '.join(done.withheld)})" if done.withheld else ""
    print(f"{done.rows:,} rows exported to {done.path}{withheld}")
    return 0
