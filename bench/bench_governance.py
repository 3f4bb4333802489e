"""Governance: the Compliance view over the big database, and a campaign for every entity.

- Compliance: :meth:`ComplianceService.report` over scale 10 (1,576 entities, 200,000 accounts),
  beside raw ``sqlite3`` replaying the same statements (the service's own cost is the ratio).
  Target: the view opens in <= 100 ms.
- Duplicates: likely duplicate accounts over the 200,000 accounts of scale 10. Target <= 10 s.
- Campaign: an access review of every entity kind at scale 1 (about 1,600 entities; attestation
  PDFs and drafts written). Target: <= 60 s, with progress (counted here) and cancel.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from bench.bench_search import _raw
from bench.harness import BenchEnv, Figure, best_of, capture_statements


def _compliance(env: BenchEnv) -> Figure:
    from desk_app.app import open_app
    from desk_app.secrets import MemorySecrets
    from desk_app.services.directory.compliance import ComplianceService

    folder = env.demo_data_dir(env.big_scale)
    app = open_app(folder, secrets=MemorySecrets(), username="bench")
    try:
        service = ComplianceService(app.services)
        report = service.report()
        raw = _raw(app.paths.database, capture_statements(app.store.engine, service.report))
        raw()
        value, reference = best_of(service.report, 5), best_of(raw, 5)
    finally:
        app.close()
    return Figure(
        f"compliance view, {len(report.findings)} findings (scale {env.big_scale:g})",
        value,
        "ms",
        "raw sqlite3, same SQL",
        reference,
        "<= 100 ms",
        value <= 100,
    )


def _campaign(env: BenchEnv) -> Figure:
    import shutil

    from desk_app.app import open_app
    from desk_app.rules.codes import EntityKind
    from desk_app.secrets import MemorySecrets
    from desk_app.services.reviews.campaigns import CampaignScope, CampaignService

    work = env.scratch("campaign")
    shutil.copytree(env.demo_data_dir(env.scale), work, dirs_exist_ok=True)
    app = open_app(work, secrets=MemorySecrets(), username="bench")
    ticks: list[int] = []
    try:
        scope = CampaignScope(
            "Bench review",
            tuple(k.value for k in EntityKind),
            (),
            date.today() + timedelta(days=30),
        )
        started = time.perf_counter()
        result = CampaignService(app.services).start(scope, progress=lambda d, _t: ticks.append(d))
        seconds = time.perf_counter() - started
    finally:
        app.close()
    return Figure(
        f"campaign for every entity: {result.items:,} attestations, {result.lines:,} lines "
        f"(scale {env.scale:g})",
        seconds,
        "s",
        target="<= 60 s, with progress",
        ok=seconds <= 60 and len(ticks) == result.items,
    )


def _duplicates(env: BenchEnv) -> Figure:
    from desk_app.app import open_app
    from desk_app.secrets import MemorySecrets
    from desk_app.services.access.duplicates import find_duplicates

    app = open_app(env.demo_data_dir(env.big_scale), secrets=MemorySecrets(), username="bench")
    ticks: list[int] = []
    try:
        started = time.perf_counter()
        found = find_duplicates(app.services, progress=lambda d, _t: ticks.append(d))
        seconds = time.perf_counter() - started
    finally:
        app.close()
    return Figure(
        f"likely duplicate accounts: {len(found):,} pairs (scale {env.big_scale:g})",
        seconds,
        "s",
        target="<= 10 s off the GUI thread, with progress",
        ok=seconds <= 10 and bool(ticks),
    )


def run(env: BenchEnv) -> list[Figure]:
    return [_compliance(env), _duplicates(env), _campaign(env)]
