"""Where desk_app keeps its files: one module, platformdirs underneath.

``--data-dir DIR`` (or ``DESK_APP_DATA_DIR``) puts everything below one folder, which is what the
tests and benchmarks do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desk_app import APP_NAME, ORG_NAME


@dataclass(frozen=True)
class AppPaths:
    """The folders and files of one installation (or one ``--data-dir``)."""

    data_dir: Path
    log_dir: Path
    config_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "desk_app.sqlite3"

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    @property
    def blobs(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def quarantine(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "desk_app.log"

    @property
    def crash_dir(self) -> Path:
        return self.log_dir / "crashes"

    def ensure(self) -> None:
        """Create the folders that must exist (not the database)."""
        for folder in (self.data_dir, self.log_dir, self.config_dir):
            folder.mkdir(parents=True, exist_ok=True)


def resolve(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Return the paths for ``data_dir``, ``$DESK_APP_DATA_DIR`` or the per-user folders."""
    chosen = data_dir or os.environ.get("DESK_APP_DATA_DIR")
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(data_dir=root, log_dir=root / "logs", config_dir=root / "config")
    dirs = platformdirs.PlatformDirs(APP_NAME, ORG_NAME)
    return AppPaths(
        data_dir=Path(dirs.user_data_dir),
        log_dir=Path(dirs.user_log_dir),
        config_dir=Path(dirs.user_config_dir),
    )
