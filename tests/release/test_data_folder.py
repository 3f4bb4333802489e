"""The data folder must be a local, unsynced one: SQLite's write-ahead log needs local locks and
shared memory, and a sync client uploads (and restores) the database file under the app.

The machine is stood in for: the text of /proc/mounts, the Windows drive type, the environment.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.errors import StoreError
from desk_app.paths import DRIVE_REMOTE, mount_of, per_user_dirs, unsuitable_reason

DRIVE_FIXED = 3
MOUNTS = """\
/dev/vda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
fileserver:/export/home /mnt/home nfs4 rw,vers=4.2 0 0
//fs01/agency\\040share /mnt/agency\\040share cifs rw,vers=3.1.1 0 0
op@host:/srv /home/op/remote fuse.sshfs rw,nosuid 0 0
/dev/vdb1 /mnt/home/op/local ext4 rw 0 0
portal /run/user/1000/doc fuse.portal rw 0 0
"""


def linux(path: str) -> str | None:
    return unsuitable_reason(path, platform="linux", env={}, mounts_text=MOUNTS)


def windows(path: str, drive_type: int = DRIVE_FIXED, **env: str) -> str | None:
    return unsuitable_reason(path, platform="win32", env=env, drive_type=drive_type)


@pytest.mark.parametrize(
    ("path", "fstype", "point"),
    [
        ("/mnt/home/op/desk_app", "nfs4", "/mnt/home"),
        ("/mnt/agency share/desk", "cifs", "/mnt/agency share"),
        ("/home/op/remote/data", "fuse.sshfs", "/home/op/remote"),
    ],
)
def test_network_mounts_are_refused_with_the_mount_named(
    path: str, fstype: str, point: str
) -> None:
    reason = linux(path)
    assert reason == (
        f"it is on a network file system ({fstype} mounted at {point}); "
        "SQLite needs a folder on a local disk"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/home/op/.local/share/desk_app",
        "/mnt/home/op/local/desk",
        "/mnt/homework",
        "/run/user/1000/doc/x",
    ],
)
def test_local_disks_are_accepted(path: str) -> None:
    # a local disk mounted inside a network one, a name that only starts like a mount point,
    # and a FUSE file system that is not a network one
    assert linux(path) is None


def test_mount_of_picks_the_innermost_mount() -> None:
    assert mount_of(Path("/mnt/home/op/local/x"), MOUNTS) == ("/mnt/home/op/local", "ext4")
    assert mount_of(Path("/etc"), MOUNTS) == ("/", "ext4")


@pytest.mark.parametrize(
    "path",
    ["\\\\fs01\\agency\\desk_app", "//fs01/agency/desk_app", "\\\\?\\UNC\\fs01\\agency\\desk"],
)
def test_unc_paths_are_refused(path: str) -> None:
    assert windows(path) == "it is a network path (UNC); SQLite needs a folder on a local disk"


def test_a_mapped_network_drive_is_refused_by_its_drive_type() -> None:
    assert windows("H:\\desk_app", drive_type=DRIVE_REMOTE) == (
        "drive H: is a network drive; SQLite needs a folder on a local disk"
    )
    assert windows("D:\\desk_app", drive_type=DRIVE_FIXED) is None
    assert windows("\\\\?\\C:\\desk_app") is None  # a long local path, not UNC


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("C:\\Users\\op\\OneDrive - State Education Agency\\desk", "OneDrive"),
        ("C:\\Users\\op\\OneDrive\\Documents\\desk", "OneDrive"),
        ("C:\\Users\\op\\Dropbox (Personal)\\desk", "Dropbox"),
        ("C:\\Users\\op\\Dropbox\\desk", "Dropbox"),
        ("G:\\My Drive\\desk", "Google Drive"),
        ("C:\\Users\\op\\Google Drive\\desk", "Google Drive"),
        ("C:\\Users\\op\\iCloudDrive\\desk", "iCloud Drive"),
    ],
)
def test_cloud_synced_folders_are_refused_naming_the_service(path: str, service: str) -> None:
    reason = windows(path)
    assert reason is not None and reason.startswith(f"it is synced by {service}, ")


def test_a_renamed_onedrive_folder_is_found_through_the_clients_variable() -> None:
    assert windows("E:\\Sync\\Work\\desk", OneDriveCommercial="E:\\Sync\\Work").startswith(
        "it is synced by OneDrive"
    )
    assert windows("E:\\Sync\\Workshop\\desk", OneDriveCommercial="E:\\Sync\\Work") is None


def test_cloud_folders_on_linux_and_macos_too() -> None:
    reason = linux("/home/op/Library/Mobile Documents/com~apple~CloudDocs/desk")
    assert reason is not None and "iCloud Drive" in reason
    assert "Google Drive" in (linux("/home/op/CloudStorage/GoogleDrive-op@agency.gov/d") or "")


def test_the_program_folder_is_refused() -> None:
    program = "C:\\Program Files\\DeskApp"
    reason = unsuitable_reason(
        "c:\\program files\\deskapp\\data",
        platform="win32",
        env={},
        drive_type=3,
        program_dir=program,
    )
    assert (
        reason
        == "it is inside the program folder, which operators cannot write and upgrades replace"
    )
    assert windows("C:\\Program Files\\DeskAppData") is None


def test_a_refused_folder_is_explained_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "Dropbox" / "desk_app"
    with pytest.raises(StoreError) as caught:
        open_app(folder)
    assert str(caught.value).startswith(
        f"cannot use the data folder {folder}: it is synced by Dropbox"
    )
    assert not folder.exists()
    assert main(["--data-dir", str(folder), "audit", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it is synced by Dropbox" in err and "--data-dir" in err


def test_windows_per_user_folders_are_all_local_appdata(monkeypatch: pytest.MonkeyPatch) -> None:
    local, roaming = "C:\\Users\\op\\AppData\\Local", "C:\\Users\\op\\AppData\\Roaming"
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", local)
    monkeypatch.setenv("WIN_PD_OVERRIDE_APPDATA", roaming)
    dirs = per_user_dirs("win32")
    for folder in (dirs.user_data_dir, dirs.user_log_dir, dirs.user_config_dir):
        assert folder.startswith(local) and "StateEducationAgency" in folder, folder
    assert dirs.user_log_dir.endswith("Logs")
