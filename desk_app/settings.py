"""Settings, each declared once (name, type, default, title), stored as JSON in the config folder.

Secrets never go here: they live behind :mod:`desk_app.secrets`. A stored value of the wrong type
falls back to the default with a log line rather than breaking start-up. ``upgrade`` hooks keyed by
version rename or convert old keys (the Picard pattern).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1


@dataclass(frozen=True)
class Setting:
    """One declared setting."""

    name: str
    type: type
    default: Any
    title: str
    section: str = "General"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # a text setting limited to these values (shown as a list)


SETTINGS: dict[str, Setting] = {}


def declare(setting: Setting) -> Setting:
    SETTINGS[setting.name] = setting
    return setting


declare(
    Setting(
        "lock_after_minutes", int, 15, "Lock after idle minutes (0 = never)", "Security", 0, 240
    )
)
declare(Setting("workstation_name", str, "", "Workstation name (blank = computer name)", "General"))
declare(Setting("sla_business_days", int, 2, "Queue SLA in business days", "Work queue", 1, 30))
declare(
    Setting(
        "duplicate_window_days", int, 14, "Duplicate request window (days)", "Work queue", 1, 365
    )
)
declare(
    Setting(
        "allow_file_secrets",
        bool,
        False,
        "Keep keys in a private file when there is no OS keyring (weaker)",
        "Security",
    )
)
declare(Setting("pin_max_failures", int, 5, "PIN attempts before lock-out", "Security", 1, 20))
declare(
    Setting(
        "signing_date_grace_days",
        int,
        2,
        "Days a signing date may lie outside the form's edition and receipt dates",
        "Security",
        0,
        60,
    )
)
declare(Setting("fax_folder", str, "", "Fax / scan drop folder", "Intake"))
declare(
    Setting(
        "fax_number_pattern", str, r"(?P<fax>\d{10})", "Fax number pattern in file names", "Intake"
    )
)
declare(Setting("mail_folder", str, "", "Mail drop folder (.msg / .eml)", "Intake"))
declare(Setting("imap_host", str, "", "IMAP server", "Intake"))
declare(Setting("imap_port", int, 993, "IMAP port", "Intake", 1, 65535))
declare(
    Setting(
        "imap_security", str, "tls", "IMAP security", "Intake", choices=("tls", "starttls", "none")
    )
)
declare(Setting("imap_user", str, "", "IMAP user", "Intake"))
declare(Setting("imap_folder", str, "INBOX", "IMAP folder", "Intake"))
declare(
    Setting(
        "imap_processed_folder", str, "Processed", "Move processed mail to (blank = flag)", "Intake"
    )
)
declare(Setting("sync_url", str, "", "Central database (postgresql://user@host:port/db)", "Sync"))
declare(
    Setting(
        "sync_sslmode",
        str,
        "verify-full",
        "TLS mode",
        "Sync",
        choices=("verify-full", "verify-ca", "require"),
    )
)
declare(Setting("sync_interval_seconds", int, 300, "Sync every (seconds)", "Sync", 15, 86400))
declare(
    Setting(
        "dormant_action",
        str,
        "flag",
        "Accounts not used for 12 months",
        "Access",
        choices=("flag", "disable"),
    )
)
declare(Setting("ui_font_scale", float, 1.0, "Font scale", "Appearance", 0.75, 2.5))

UPGRADES: dict[int, Callable[[dict[str, Any]], None]] = {}


class Settings:
    """The operator's settings, backed by a JSON file; unknown keys are kept untouched."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._values: dict[str, Any] = {}
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("settings file unreadable, using defaults: %s", exc)
            return
        if not isinstance(raw, dict):
            return
        version = int(raw.pop("_version", SETTINGS_VERSION))
        for step in sorted(v for v in UPGRADES if v > version):
            UPGRADES[step](raw)
        self._values = raw

    def __getitem__(self, name: str) -> Any:
        setting = SETTINGS[name]
        value = self._values.get(name, setting.default)
        try:
            return setting.type(value)
        except (TypeError, ValueError):
            log.warning("setting %s has a bad stored value; using the default", name)
            return setting.default

    def __setitem__(self, name: str, value: Any) -> None:
        setting = SETTINGS[name]
        value = setting.type(value)
        if setting.minimum is not None and value < setting.minimum:
            raise ValueError(f"{setting.title}: at least {setting.minimum}")
        if setting.maximum is not None and value > setting.maximum:
            raise ValueError(f"{setting.title}: at most {setting.maximum}")
        if setting.choices and value not in setting.choices:
            raise ValueError(f"{setting.title}: one of {', '.join(setting.choices)}")
        self._values[name] = value

    def save(self) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a file."""
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        payload = dict(self._values, _version=SETTINGS_VERSION)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".settings-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2, sort_keys=True)
        os.replace(tmp, self._path)
