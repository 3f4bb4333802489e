"""``desk-app educators`` verbs for the records a Certification Specialist keeps: evidence with its
source document, contact details, the DESE username, check results, the practicum question,
re-registration and the watch lists. Each is the GUI's action, through the same service."""

from __future__ import annotations

import argparse
import getpass
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

from desk_app.errors import KnownError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _yes_no(text: str) -> bool:
    if text.lower() in ("yes", "y", "true"):
        return True
    if text.lower() in ("no", "n", "false"):
        return False
    raise argparse.ArgumentTypeError("answer yes or no")


def _source_options(parser: argparse.ArgumentParser, required: bool) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--source", type=Path, metavar="FILE", help="a scan or PDF to upload")
    source.add_argument("--submission", metavar="ID", help="a received document of the queue")
    source.add_argument("--document", help="a source document already on file (its id)")


def _entry_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--on", type=_day, help="date of the item (YYYY-MM-DD)")
    parser.add_argument("--quantity", type=float, help="years or hours")
    parser.add_argument("--unit", help="contact_hours or semester_hours (PD)")
    parser.add_argument("--employer")
    parser.add_argument("--setting", help="one of the approved settings")
    parser.add_argument("--fte", type=float, help="share of full time (0.5 = half-time)")
    parser.add_argument("--contracted", type=_yes_no, help="yes or no")
    parser.add_argument("--start", type=_day)
    parser.add_argument("--end", type=_day)
    parser.add_argument("--title", help="assessment name or institution")
    parser.add_argument("--degree")
    parser.add_argument("--score", type=int)
    parser.add_argument("--passing-score", type=int)


ENTRY_FIELDS = (
    "on",
    "quantity",
    "unit",
    "employer",
    "setting",
    "fte",
    "contracted",
    "start",
    "end",
    "title",
    "degree",
    "score",
    "passing_score",
)


def register_records(commands: Any) -> None:
    evidence = commands.add_parser("evidence", help="evidence entered from documents")
    ev = evidence.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    add = ev.add_parser("add", help="add one item from its source document")
    add.add_argument("educator", metavar="EDUCATOR_ID")
    add.add_argument(
        "kind",
        help="experience, mentoring, professional_development, evaluation, "
        "assessment or transcript",
    )
    _source_options(add, required=True)
    _entry_options(add)
    add.set_defaults(func=cmd_evidence_add)
    edit = ev.add_parser("edit", help="correct an item (only the options given change)")
    edit.add_argument("item", metavar="ITEM_ID")
    _source_options(edit, required=False)
    _entry_options(edit)
    edit.set_defaults(func=cmd_evidence_edit)
    listing = ev.add_parser("list", help="the evidence on file with its source documents")
    listing.add_argument("educator", metavar="EDUCATOR_ID")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_evidence_list)

    contact = commands.add_parser("contact", help="change the educator's e-mail")
    contact.add_argument("educator", metavar="EDUCATOR_ID")
    contact.add_argument("--email", required=True)
    contact.set_defaults(func=cmd_contact)
    username = commands.add_parser("username", help="link the person's one DESE username")
    username.add_argument("educator", metavar="EDUCATOR_ID")
    username.add_argument("username")
    username.add_argument("--replace", action="store_true", help="the old username was closed")
    username.set_defaults(func=cmd_username)
    check = commands.add_parser("check", help="record a fingerprint or background-check result")
    check.add_argument("educator", metavar="EDUCATOR_ID")
    check.add_argument("check", choices=("fingerprint", "background"))
    check.add_argument("result", help="none, pending, cleared, flagged (fingerprints: expired)")
    check.add_argument("--on", type=_day, required=True)
    _source_options(check, required=True)
    check.set_defaults(func=cmd_check)
    practicum = commands.add_parser(
        "practicum", help="does a student's practicum need a profile (SSN, birth date asked)"
    )
    practicum.add_argument("--hours", type=float, required=True, help="practicum clock hours")
    practicum.set_defaults(func=cmd_practicum)
    again = commands.add_parser(
        "reregister", help="accounts not used for 12 months; --apply marks them"
    )
    again.add_argument("--apply", action="store_true", help="mark them (audited, synced)")
    again.add_argument("--json", action="store_true")
    again.set_defaults(func=cmd_reregister)
    watch = commands.add_parser("watch", help="expiring certificates, initial ones running out")
    watch.add_argument("list", choices=("expiring", "running-out"))
    watch.add_argument("--days", type=int, default=180, help="the window (default 180)")
    watch.add_argument("--limit", type=int, default=50)
    watch.add_argument("--json", action="store_true")
    watch.set_defaults(func=cmd_watch)


def _app(args: argparse.Namespace) -> Any:
    from desk_app.commands.common import open_for_cli

    return open_for_cli(args)


def _document_ref(services: Any, educator_id: str, args: argparse.Namespace) -> str | None:
    """The source document the options name, uploaded or linked first when needed."""
    from desk_app.services.educators import documents

    if args.source is not None:
        try:
            data = args.source.read_bytes()
        except OSError as exc:
            raise KnownError(f"cannot read {args.source}: {exc.strerror}") from None
        attached = documents.attach_upload(services, educator_id, data, args.source.name)
    elif args.submission:
        attached = documents.attach_submission(services, educator_id, args.submission)
    else:
        return args.document  # type: ignore[no-any-return]
    return attached.document.id


def cmd_evidence_add(args: argparse.Namespace) -> int:
    from desk_app.services.educators.evidence import EvidenceEntry, add_evidence

    services = _app(args).services
    ref = _document_ref(services, args.educator, args) or ""
    given = {f: getattr(args, f) for f in ENTRY_FIELDS if getattr(args, f) is not None}
    entry = EvidenceEntry(kind=args.kind, document_ref=ref, **given)
    row_id, _changes = add_evidence(services, args.educator, entry)
    print(f"recorded {args.kind.replace('_', ' ')} {row_id} from source document {ref}")
    return 0


def cmd_evidence_edit(args: argparse.Namespace) -> int:
    from desk_app.services.educators.evidence_items import evidence_item, update_evidence

    services = _app(args).services
    educator_id, item = evidence_item(services, args.item)
    ref = _document_ref(services, educator_id, args)
    given: dict[str, Any] = {
        f: getattr(args, f) for f in ENTRY_FIELDS if getattr(args, f) is not None
    }
    if ref:
        given["document_ref"] = ref
    update_evidence(services, item.id, replace(item.entry, **given))
    print(f"corrected {item.kind_title.lower()} {item.id}")
    return 0


def cmd_evidence_list(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.services.educators.evidence_items import list_evidence

    items = list_evidence(_app(args).services, args.educator)
    if args.json:
        print_json([{**asdict(i), "entry": asdict(i.entry)} for i in items])
        return 0
    for i in items:
        print(f"{i.id}  {i.on:%Y-%m-%d}  {i.kind_title:26} {i.summary}  [{i.source or '-'}]")
    print(f"{len(items)} item(s)")
    return 0


def cmd_contact(args: argparse.Namespace) -> int:
    from desk_app.services.educators.editing import edit_contact

    edit_contact(_app(args).services, args.educator, email=args.email)
    print(f"e-mail changed to {args.email.strip()}")
    return 0


def cmd_username(args: argparse.Namespace) -> int:
    from desk_app.services.educators.editing import link_username

    link_username(_app(args).services, args.educator, args.username, replace=args.replace)
    print(f"DESE username {args.username.strip().lower()} linked")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from desk_app.services.educators.editing import record_checks

    services = _app(args).services
    ref = _document_ref(services, args.educator, args) or ""
    record_checks(
        services, args.educator, kind=args.check, result=args.result, on=args.on, document_ref=ref
    )
    print(f"{args.check} result {args.result} recorded from source document {ref}")
    return 0


def cmd_practicum(args: argparse.Namespace) -> int:
    from desk_app.rules.certification import practicum_needs_profile
    from desk_app.services.educators.editing import practicum_check

    services = _app(args).services
    if not practicum_needs_profile(args.hours):
        print(practicum_check(services, "", date.today(), args.hours))
        return 0
    ssn = getpass.getpass("SSN (not shown): ")
    try:
        born = date.fromisoformat(getpass.getpass("Date of birth YYYY-MM-DD (not shown): ").strip())
    except ValueError:
        raise KnownError("the date of birth is YYYY-MM-DD") from None
    answer = practicum_check(services, ssn, born, args.hours)
    print(answer)
    return 1 if answer.endswith("create it") else 0


def cmd_reregister(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.services.educators import reregistration, watch

    services = _app(args).services
    due = watch.reregistration_due(services, 0, 0).count
    marked = reregistration.mark_for_reregistration(services).count if args.apply else 0
    if args.json:
        print_json({"due": due, "marked": marked})
    elif args.apply:
        print(f"{marked:,} account(s) marked for re-registration (each audited)")
    else:
        print(f"{due:,} account(s) not used for 12 months; --apply marks them")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.services.educators import watch

    services = _app(args).services
    if args.list == "expiring":
        page = watch.expiring(services, args.days, 0, args.limit)
    else:
        watch.compute_running_out(services, args.days)
        found = watch.running_out_page(services, args.days, 0, args.limit)
        assert found is not None  # computed just now
        page = found
    if args.json:
        print_json(
            {"title": page.title, "count": page.count, "rows": [asdict(r) for r in page.rows]}
        )
        return 0
    for r in page.rows:
        missing = f"  missing: {', '.join(r.missing)}" if r.missing else ""
        print(
            f"{r.expires:%Y-%m-%d}  {r.certificate_number:14} {r.classification:5} {r.name}{missing}"
        )
    print(f"{page.title}: {page.count:,}")
    return 0
