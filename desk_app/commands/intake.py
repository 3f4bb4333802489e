"""``desk-app intake imap | folder PATH | fax PATH | file FILE...``: headless intake.

Meant for Windows Task Scheduler: prints a one-paragraph summary and exits 0 when every source
was read (even if some items went to Quarantine: that is the queue's business), 3 when a source
could not be reached (server down, wrong password, folder missing), so the scheduler's history
shows the runs that need IT's attention.
"""

from __future__ import annotations

import argparse
from typing import Any

UNREACHABLE_EXIT = 3


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "intake", help="take forms in from the mailbox, a mail folder, the fax folder or files"
    )
    isub = parser.add_subparsers(dest="intake_command", required=True, metavar="SOURCE")
    imap = isub.add_parser(
        "imap", help="the IMAP mailbox configured in Settings (password in the keyring)"
    )
    imap.add_argument(
        "--check",
        action="store_true",
        help="only sign in and open the folder (Settings > Intake > Test connection)",
    )
    imap.set_defaults(func=cmd_intake, source="imap")
    folder = isub.add_parser("folder", help="a folder of saved mails (.msg, .eml)")
    folder.add_argument("path", nargs="?", default="", help="default: the mail folder in Settings")
    folder.set_defaults(func=cmd_intake, source="folder")
    fax = isub.add_parser("fax", help="the fax / scan drop folder (TIFF, PDF, PNG, JPEG)")
    fax.add_argument("path", nargs="?", default="", help="default: the fax folder in Settings")
    fax.set_defaults(func=cmd_intake, source="fax")
    files = isub.add_parser("file", help="files named here (never moved)")
    files.add_argument("files", nargs="+", metavar="FILE")
    files.set_defaults(func=cmd_intake, source="file")
    for p in (imap, folder, fax, files):
        p.add_argument("--json", action="store_true", help="print the summary as JSON")
        p.add_argument(
            "--settle",
            type=float,
            default=5.0,
            help="leave files younger than this many seconds (folders only)",
        )


def _source(service: Any, args: argparse.Namespace) -> Any:
    from pathlib import Path

    from desk_app.intake.sources import FileList

    if args.source == "imap":
        return service.imap_source()
    if args.source == "folder":
        return service.mail_folder_source(args.path or None, args.settle)
    if args.source == "fax":
        return service.fax_source(args.path or None, args.settle)
    return FileList(Path(f) for f in args.files)


def cmd_intake(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.intake.sources import SourceUnreachable
    from desk_app.services.queue.intake import IntakeService

    app = open_for_cli(args)
    try:
        if getattr(args, "check", False):
            return _check_mailbox(app.services, args)
        service = IntakeService(app.services)
        try:
            report = service.run([_source(service, args)])
        except SourceUnreachable as exc:  # not configured: as unreachable as a server that is down
            print(f"desk-app intake: {exc}")
            return UNREACHABLE_EXIT
        if args.json:
            print_json(
                {
                    "taken": report.taken,
                    "resumed": report.resumed,
                    "already": report.already,
                    "submissions": report.submissions,
                    "quarantined": report.quarantined,
                    "unreachable": report.unreachable,
                    "not_acknowledged": report.ack_failures,
                    "settling": report.settling,
                }
            )
        else:
            print(report.summary())
        return UNREACHABLE_EXIT if report.unreachable else 0
    finally:
        app.close()


def _check_mailbox(services: Any, args: argparse.Namespace) -> int:
    """``intake imap --check``: the settings' mailbox, signed in to and counted, nothing taken."""
    from desk_app.commands.common import print_json
    from desk_app.services.queue.connection import check_mailbox

    st = services.settings
    check = check_mailbox(
        services,
        st["imap_host"],
        st["imap_port"],
        st["imap_security"],
        st["imap_user"],
        st["imap_folder"],
    )
    if args.json:
        print_json({"ok": check.ok, "message": check.message})
    else:
        print(check.message)
    return 0 if check.ok else UNREACHABLE_EXIT
