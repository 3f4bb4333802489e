"""The Inno Setup script and the Windows conventions that can be checked on this machine.

There is no Inno Setup compiler here: the script is read as the text it is, for the directives
the release promises (x64 only, per-machine, signing hook, upgrade in place, user data kept,
"Take in with desk_app").
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ISS = (ROOT / "installer" / "desk_app.iss").read_text(encoding="utf-8")
APP_ID = "{{5E3A1C2B-7D4F-4C1E-9B8A-DE5C0A11D35C}"  # never changes: upgrades find the install


def setup_value(key: str) -> str:
    match = re.search(rf"^{key}=(.*)$", ISS, re.M)
    assert match, f"[Setup] has no {key}="
    return match[1].strip()


def test_x64_only_per_machine_same_app_id() -> None:
    assert setup_value("ArchitecturesAllowed") == "x64compatible"
    assert setup_value("ArchitecturesInstallIn64BitMode") == "x64compatible"
    assert setup_value("PrivilegesRequired") == "admin"
    assert setup_value("DefaultDirName") == r"{autopf}\DeskApp"
    assert setup_value("AppId") == APP_ID
    assert setup_value("CloseApplications") == "yes"  # an upgrade closes a running copy
    assert 'Type: filesandordirs; Name: "{app}\\_internal"' in ISS  # no stale modules


def test_signing_uses_the_certificate_the_build_environment_names() -> None:
    assert '#define SignCert GetEnv("DESK_APP_SIGN_CERT")' in ISS
    sign = setup_value("SignTool")
    assert sign.startswith("signtool sign /fd sha256") and "/sha1 {#SignCert}" in sign
    assert "/tr " in sign and sign.endswith("$f")
    assert setup_value("SignedUninstaller") == "yes"
    assert re.search(r"desk_app-cli\.exe.*Flags: ignoreversion sign", ISS)
    assert "NOT signed" in ISS  # an unsigned build says so


def test_uninstall_keeps_user_data_unless_asked() -> None:
    assert "[UninstallDelete]" not in ISS
    code = ISS[ISS.index("[Code]") :]
    assert "MB_DEFBUTTON2" in code  # the question defaults to No
    assert "{param:DELETEUSERDATA|no}" in code  # silent: only when asked on the command line
    assert re.search(
        r"DelTree\(ExpandConstant\('\{localappdata\}\\StateEducationAgency\\desk_app'\)", code
    )


@pytest.mark.parametrize("ext", [".msg", ".eml", ".pdf", ".tif", ".tiff"])
def test_take_in_with_desk_app_is_offered_for(ext: str) -> None:
    verb = f"Software\\Classes\\SystemFileAssociations\\{ext}\\shell\\DeskApp.TakeIn"
    assert (
        f'Subkey: "{verb}"; ValueType: string; ValueName: ""; ValueData: "Take in with desk_app"'
        in ISS
    )
    assert (
        f'Subkey: "{verb}\\command"; ValueType: string; ValueName: ""; ValueData: "{{#TakeInCommand}}"'
        in ISS
    )
    assert (
        f'Subkey: "Software\\Classes\\{ext}\\OpenWithProgids"; ValueType: string; ValueName: "DeskApp.TakeIn"'
        in ISS
    )
    # the default program of the type is not taken over
    assert not re.search(
        rf'Subkey: "Software\\Classes\\{re.escape(ext)}"; ValueType: string; ValueName: ""', ISS
    )


def test_the_take_in_command_reaches_the_cli_option() -> None:
    assert """#define TakeInCommand '""{app}\\desk_app.exe"" --take-in ""%1""'""" in ISS
    from desk_app.cli import build_parser

    args = build_parser().parse_args(["--take-in", "C:\\In\\fax.tif"])
    assert args.command is None and args.take_in == ["C:\\In\\fax.tif"]


def test_the_app_started_after_setup_is_not_elevated() -> None:
    run = re.search(r"^Filename: \"\{app\}\\desk_app\.exe\".*$", ISS, re.M)
    assert run and "runasoriginaluser" in run[0]


def test_fusion_style_and_unrounded_high_dpi_scaling() -> None:
    code = (
        "from desk_app.views.main import make_qapp\n"
        "app = make_qapp()\n"
        "print(app.style().name(), app.highDpiScaleFactorRoundingPolicy().name)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_SCALE_FACTOR_ROUNDING_POLICY", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.stdout.split() == ["fusion", "PassThrough"], done.stderr


def _calls(name: str) -> list[str]:
    found = []
    for path in (ROOT / "desk_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == name:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_native_file_dialogs_and_the_systems_palette() -> None:
    # a forced application palette would stop Fusion following the light/dark setting
    assert not _calls("DontUseNativeDialog")
    app_palette = [c for c in _calls("setPalette") if "document_viewer" not in c]
    assert not app_palette, app_palette
