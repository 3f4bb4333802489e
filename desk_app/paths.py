"""Where desk_app keeps its files: one module, platformdirs underneath.

``--data-dir DIR`` (or ``DESK_APP_DATA_DIR``) puts everything below one folder, which is what the
tests and benchmarks do. On Windows the per-user folders are all under ``%LOCALAPPDATA%`` (not the
roaming profile, never the program folder).

:func:`unsuitable_reason` refuses a data folder where SQLite cannot keep its promises: its
write-ahead log needs shared memory and byte-range locks that network file systems (SMB shares,
mapped drives, UNC paths, NFS) do not give, and a cloud-synced folder (OneDrive, Dropbox, Google
Drive, iCloud) uploads the database file half-written and may "restore" an older copy under it.
"""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath

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
    dirs = per_user_dirs()
    return AppPaths(
        data_dir=Path(dirs.user_data_dir),
        log_dir=Path(dirs.user_log_dir),
        config_dir=Path(dirs.user_config_dir),
    )


def per_user_dirs(platform: str = sys.platform) -> platformdirs.PlatformDirsABC:
    """The per-user folders of ``platform``: on Windows the local (not roaming) AppData."""
    if platform == "win32":
        from platformdirs.windows import Windows

        return Windows(APP_NAME, ORG_NAME, roaming=False)
    return platformdirs.PlatformDirs(APP_NAME, ORG_NAME)


# --- data folders SQLite cannot use safely ---------------------------------------------------------
# file system types of network mounts in /proc/mounts (FUSE ones as ``fuse.<program>``)
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs", "lustre",
     "davfs", "fuse.sshfs", "sshfs", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "fuse.davfs2",
     "fuse.glusterfs", "fuse.cephfs", "fuse.gvfsd-fuse", "fuse.onedriver"}
)  # fmt: skip
# folder names the sync clients create (OneDrive for Business adds " - <organisation>")
CLOUD_FOLDERS = {
    "onedrive": "OneDrive",
    "dropbox": "Dropbox",
    "google drive": "Google Drive",
    "googledrive": "Google Drive",
    "my drive": "Google Drive",
    "icloud drive": "iCloud Drive",
    "iclouddrive": "iCloud Drive",
    "com~apple~clouddocs": "iCloud Drive",
}
# environment variables the OneDrive client sets to its folders
ONEDRIVE_VARIABLES = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")
DRIVE_REMOTE = 4  # GetDriveTypeW: a network (mapped) drive


def _cloud_service(path: PurePath, env: Mapping[str, str]) -> str | None:
    for part in path.parts:
        name = part.casefold()
        for folder, service in CLOUD_FOLDERS.items():
            # "OneDrive - Agency", "Dropbox (Personal)", "GoogleDrive-user@agency.gov"
            if name == folder or name.startswith((f"{folder} ", f"{folder}-")):
                return service
    text = str(path).casefold()
    for variable in ONEDRIVE_VARIABLES:
        root = env.get(variable, "").rstrip("\\/").casefold()
        if root and (text == root or text.startswith(root + "\\") or text.startswith(root + "/")):
            return "OneDrive"
    return None


def windows_drive_type(path: str) -> int:
    """``GetDriveTypeW`` of the drive holding ``path`` (Windows only)."""
    import ctypes

    root = ntpath.splitdrive(path)[0] + "\\"
    return int(ctypes.windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))  # type: ignore[attr-defined]


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def mount_of(path: PurePath, mounts_text: str) -> tuple[str, str] | None:
    """(mount point, file system type) of the mount in ``/proc/mounts`` text holding ``path``."""
    best: tuple[str, str] | None = None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point, fstype = _unescape_mount(fields[1]), fields[2]
        inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > len(best[0])):
            best = (point, fstype)
    return best


def _inside(path: str, folder: str, platform: str) -> bool:
    flavour = PureWindowsPath if platform == "win32" else PurePath
    inner, outer = flavour(path), flavour(folder)
    if platform == "win32":
        inner, outer = (
            PureWindowsPath(str(inner).casefold()),
            PureWindowsPath(str(outer).casefold()),
        )
    return inner == outer or outer in inner.parents


def _read_mounts() -> str:
    try:
        return Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def unsuitable_reason(
    folder: str | os.PathLike[str],
    *,
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    mounts_text: str | None = None,
    drive_type: int | None = None,
    program_dir: str | os.PathLike[str] | None = None,
) -> str | None:
    """Why SQLite's data folder must not be ``folder``, or None when it is a local, unsynced one.

    The keyword arguments stand in for the machine (tests): the OS, the environment, the text of
    ``/proc/mounts``, the Windows drive type of the folder's drive and the program folder (by
    default the frozen bundle's, which operators cannot write and upgrades replace).
    """
    env = os.environ if env is None else env
    text = os.fspath(folder)
    if program_dir is None and getattr(sys, "frozen", False):
        program_dir = Path(sys.executable).parent
    if program_dir is not None and _inside(text, os.fspath(program_dir), platform):
        return "it is inside the program folder, which operators cannot write and upgrades replace"
    if platform == "win32":
        path: PurePath = PureWindowsPath(text)
        local_device = text.startswith(("\\\\?\\", "\\\\.\\")) and not text[4:].upper().startswith(
            "UNC\\"
        )
        if text.startswith(("\\\\", "//")) and not local_device:
            return "it is a network path (UNC); SQLite needs a folder on a local disk"
        if drive_type is None:
            drive_type = windows_drive_type(text)
        if drive_type == DRIVE_REMOTE:
            drive = ntpath.splitdrive(text)[0]
            return f"drive {drive} is a network drive; SQLite needs a folder on a local disk"
    else:
        path = PurePath(text)
        mount = mount_of(path, _read_mounts() if mounts_text is None else mounts_text)
        if mount is not None and (mount[1] in NETWORK_FILESYSTEMS or mount[1].startswith("nfs")):
            return (
                f"it is on a network file system ({mount[1]} mounted at {mount[0]}); "
                "SQLite needs a folder on a local disk"
            )
    service = _cloud_service(path, env)
    if service:
        return (
            f"it is synced by {service}, which uploads the database half-written and can put an "
            "older copy back under the app"
        )
    return None


def refusal_of(paths: AppPaths) -> str | None:
    """The operator's message when ``paths`` has an unsuitable data folder, else None."""
    reason = unsuitable_reason(Path(paths.data_dir).resolve())
    if reason is None:
        return None
    return f"cannot use the data folder {paths.data_dir}: {reason}"
