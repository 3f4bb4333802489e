"""``desk-app screenshot PAGE --out FILE.png [--size WxH] [--scale F]`` and ``--list``."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", text.strip())
    if not match:
        raise argparse.ArgumentTypeError("size must look like 1280x800")
    return int(match[1]), int(match[2])


def register(sub: Any) -> None:
    parser = sub.add_parser("screenshot", help="render a page or dialog offscreen to a PNG")
    parser.add_argument("name", nargs="?", metavar="PAGE", help="page or dialog (see --list)")
    parser.add_argument("--out", type=Path, help="PNG file to write")
    parser.add_argument(
        "--size",
        type=_size,
        default=None,
        metavar="WxH",
        help="window size in logical pixels (pages default to 1280x800)",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio, e.g. 1.5")
    parser.add_argument("--list", action="store_true", help="name every page and dialog")
    parser.set_defaults(func=cmd_screenshot)


def cmd_screenshot(args: argparse.Namespace) -> int:
    # the platform and scale must be chosen before Qt starts
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    from desk_app.views import screenshot

    if args.list:
        print("\n".join(screenshot.names()))
        return 0
    if not args.name or not args.out:
        print("desk-app screenshot: give PAGE and --out FILE.png (or --list)")
        return 2
    if args.name not in screenshot.names():
        print(
            f"desk-app screenshot: unknown {args.name!r}; one of: {', '.join(screenshot.names())}"
        )
        return 2
    from desk_app.commands.common import open_for_cli
    from desk_app.qt import QSize
    from desk_app.views.main import make_qapp
    from desk_app.views.pages import PAGE_ORDER

    make_qapp()
    app = open_for_cli(args)
    try:
        size = (
            QSize(*args.size)
            if args.size
            else (QSize(1280, 800) if args.name in PAGE_ORDER else None)
        )
        out = screenshot.render(app, args.name, args.out, size)
    finally:
        app.close()
    print(out)
    return 0
