"""Run the benchmarks and print a table: figure, value, reference, ratio, target."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import tempfile
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.harness import OUT, BenchEnv, Figure  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("areas", nargs="*", help="run only these bench_<area> modules")
    parser.add_argument("--scale", type=float, default=1.0, help="demo database scale (default 1)")
    parser.add_argument(
        "--big-scale", type=float, default=10.0, help="the large database scale (default 10)"
    )
    args = parser.parse_args()
    import bench

    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    if args.areas:
        names = [n for n in names if n.removeprefix("bench_") in args.areas]
    OUT.mkdir(exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as work:
        env = BenchEnv(args.scale, args.big_scale, Path(work))
        print(f"{'figure':58} {'value':>12} {'reference':>30} {'ratio':>7}  target")
        for name in names:
            try:
                figures: list[Figure] = importlib.import_module(f"bench.{name}").run(env)
            except Exception:
                failures += 1
                print(f"{name}: FAILED\n{traceback.format_exc()}", file=sys.stderr)
                continue
            for f in figures:
                ref = (
                    f"{f.reference:.2f} {f.unit} {f.reference_name}"
                    if f.reference is not None
                    else ""
                )
                ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
                mark = "" if f.ok is None else (" ok" if f.ok else " MISSED")
                print(
                    f"{f.name:58} {f.value:>9.2f} {f.unit:<3}{ref:>30} {ratio:>7}  {f.target}{mark}",
                    flush=True,
                )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
