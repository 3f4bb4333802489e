"""``desk-app queue``: list, show, claim, release and decide submissions from the command line.

The same services as the Work queue page and the review pane, with the same permission checks
and audit events. ``--json`` output stays parseable; a bad id or option is one line on standard
error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

LIST_LIMIT = 200


def register(sub: Any) -> None:
    """Add ``queue list|show|claim|release|decide|diff|undo`` to the CLI."""
    queue = sub.add_parser("queue", help="the work queue: list, show, claim, decide")
    qsub = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")
    listing = qsub.add_parser("list", help="list submissions (open ones unless --state says)")
    listing.add_argument("--state", default="open", help="a queue state, 'open' or 'all'")
    listing.add_argument("--form", default="", help="a form number, or 'unidentified'")
    listing.add_argument("--entity", default="", metavar="CODE", help="an entity code")
    listing.add_argument("--limit", type=int, default=LIST_LIMIT, help="at most this many rows")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_list)
    show = qsub.add_parser("show", help="one submission with its values and documents")
    show.add_argument("id", help="the submission's id")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=cmd_show)
    for name, helptext, func in (
        ("claim", "take a submission to review it (you become its holder)", cmd_claim),
        ("release", "give a submission back to the queue", cmd_release),
    ):
        p = qsub.add_parser(name, help=helptext)
        p.add_argument("id", help="the submission's id")
        p.set_defaults(func=func)
    _register_decide(qsub)
    diff = qsub.add_parser("diff", help="what approving would change, against the directory now")
    diff.add_argument("id", help="the submission's id")
    diff.add_argument("--json", action="store_true", help="print JSON")
    diff.set_defaults(func=cmd_diff)
    undo = qsub.add_parser("undo", help="undo an applied approval (possible until the next sync)")
    undo.add_argument("id", help="the submission's id")
    undo.add_argument("--note", default="", help="why (kept in the audit log)")
    undo.add_argument("--json", action="store_true", help="print JSON")
    undo.set_defaults(func=cmd_undo)


def _register_decide(qsub: Any) -> None:
    decide = qsub.add_parser("decide", help="approve (and apply), reject, or wait on the requester")
    decide.add_argument("id", help="the submission's id")
    what = decide.add_mutually_exclusive_group(required=True)
    what.add_argument("--approve", action="store_true", help="approve and apply the request")
    what.add_argument("--reject", metavar="REASON", help="reason code(s), comma-separated")
    what.add_argument("--wait", metavar="REASON", help="reason code(s), comma-separated")
    decide.add_argument("--note", default="", help="a note for the reply (required for 'other')")
    decide.add_argument(
        "--override", default="", metavar="WHY", help="approve over failed checks (written reason)"
    )
    decide.add_argument(
        "--on-failure",
        choices=("keep", "release"),
        default="keep",
        help="if the decision is refused: keep the claim (default) or release it",
    )
    decide.add_argument(
        "--expect",
        default="",
        metavar="FINGERPRINT",
        help="apply only if the diff is still the one 'queue diff' printed",
    )
    decide.add_argument("--json", action="store_true", help="print JSON")
    decide.set_defaults(func=cmd_decide)


def submission_id(text: str) -> str:
    """A submission id as given on the command line, or one clear error."""
    from desk_app.errors import NotFound

    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise NotFound(f"not a submission id: {text!r} (ids look like 3f2b9c1e-...)") from None


def _state(text: str) -> str:
    from desk_app.errors import ValidationError
    from desk_app.models.submissions import QueueState

    known = ["open", "all", *(s.value for s in QueueState)]
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    if value not in known:
        raise ValidationError(
            "--state", f"unknown state {text!r}; choose one of {', '.join(known)}"
        )
    return value


def cmd_list(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.errors import ValidationError
    from desk_app.services.listing import ListQuery
    from desk_app.services.queue.listing import QueueList

    if args.limit < 1:
        raise ValidationError("--limit", "give a positive number")
    filters = [("state", _state(args.state))]
    filters += [(k, v.strip()) for k, v in (("form", args.form), ("entity", args.entity)) if v]
    app = open_for_cli(args)
    try:
        rows = QueueList(app.services).fetch(ListQuery(filters=tuple(filters)), 0, args.limit)
    finally:
        app.close()
    if args.json:
        print_json([_row_json(r) for r in rows])
        return 0
    for r in rows:
        print(
            f"{r.id}  {r.state_title:<22} {r.form_number or '(unidentified)':<14} "
            f"{r.entity_code or '-':<8} {r.received_at:%Y-%m-%d %H:%M}  {r.assigned_to or '-'}"
        )
    print(f"{len(rows)} submission(s)")
    return 0


def _row_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "state": r.state,
        "form": r.form_number,
        "channel": r.channel,
        "received_at": r.received_at.isoformat(),
        "sender": r.sender,
        "entity_code": r.entity_code,
        "entity_name": r.entity_name,
        "requester": r.requester_name,
        "assigned_to": r.assigned_to,
        "duplicate": r.duplicate,
        "quarantine_reason": r.quarantine_reason,
        "row_version": r.row_version,
    }


def cmd_show(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.queue.listing import QueueList

    sid = submission_id(args.id)
    app = open_for_cli(args)
    try:
        d = QueueList(app.services).detail(sid)
    finally:
        app.close()
    out = dict(
        _row_json(d.row),
        subject=d.subject,
        edition=d.edition,
        values={k: v for k, v in d.values.items() if not k.startswith("_")},
        documents=[
            {"role": doc.role, "filename": doc.filename, "sha256": doc.sha256, "size": doc.size}
            for doc in d.documents
        ],
        duplicate_of=d.duplicate_of,
        duplicate_reason=d.duplicate_reason,
        allowed_states=list(d.allowed_states),
        decision=d.decision,
        decision_reason=d.decision_reason,
    )
    if args.json:
        print_json(out)
        return 0
    for key in ("id", "state", "form", "entity_code", "entity_name", "received_at", "sender"):
        print(f"{key:>14}: {out[key]}")
    print(f"{'held by':>14}: {out['assigned_to'] or 'nobody'}")
    for key, value in out["values"].items():
        if value:
            print(f"{key:>30} = {value}")
    return 0


def cmd_claim(args: argparse.Namespace) -> int:
    return _queue_action(args, "claim")


def cmd_release(args: argparse.Namespace) -> int:
    return _queue_action(args, "release")


def _queue_action(args: argparse.Namespace, action: str) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.queue.service import QueueService

    sid = submission_id(args.id)
    app = open_for_cli(args)
    try:
        getattr(QueueService(app.services), action)(sid)
        print(
            f"{sid} {'claimed by' if action == 'claim' else 'released by'} {app.operator.username}"
        )
    finally:
        app.close()
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.review import decisions
    from desk_app.services.review.decisions import OnFailure

    sid = submission_id(args.id)
    on_failure = OnFailure(args.on_failure)
    app = open_for_cli(args)
    try:
        ctx = app.services
        if args.approve:
            result = decisions.approve(
                ctx, sid, args.override, on_failure=on_failure, expected_changes=args.expect
            )
        else:
            decide = decisions.reject if args.reject else decisions.wait_on_requester
            codes = (args.reject or args.wait).split(",")
            result = decide(ctx, sid, codes, args.note, on_failure=on_failure)
        saved = decisions.save_replies(ctx, sid, result.reply) if ctx.paths is not None else ()
    finally:
        app.close()
    if args.json:
        print_json(
            {
                "id": sid,
                "state": result.state,
                "applied": list(result.summary),
                "replies": list(saved),
            }
        )
        return 0
    print(f"{sid}: {result.state}")
    for line in result.summary:
        print(f"  {line}")
    for path in saved:
        print(f"  reply draft: {path}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what approving would change; exit 1 when it cannot be applied."""
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.review.preview import preview_approval

    sid = submission_id(args.id)
    app = open_for_cli(args)
    try:
        preview = preview_approval(app.services, sid)
    finally:
        app.close()
    if args.json:
        print_json(dict(preview.as_json(), fingerprint=preview.fingerprint))
        return 1 if preview.problem else 0
    print(f"{sid}: {preview.entity_code} {preview.entity_name}")
    for change in preview.changes:
        print(f"  {change.kind:>8}  {change.text}")
    for line in preview.unchanged:
        print(f"      same  {line}")
    if not preview.changes:
        print("  no change of access")
    if preview.problem:
        print(f"cannot be applied: {preview.problem}")
        return 1
    print(f"fingerprint: {preview.fingerprint}  (queue decide {sid} --approve --expect ...)")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    """Undo an applied approval; one line with the reason when it is refused."""
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.review.undo import undo_approval

    sid = submission_id(args.id)
    app = open_for_cli(args)
    try:
        result = undo_approval(app.services, sid, args.note)
    finally:
        app.close()
    if args.json:
        print_json(
            {"id": sid, "state": "in_review", "restored": list(result.lines), "todo": result.todo}
        )
        return 0
    print(f"{sid}: approval undone, back in review (held by {app.operator.username})")
    for line in result.lines:
        print(f"  {line}")
    print(f"next: {result.todo}")
    return 0
