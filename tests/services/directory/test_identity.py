"""The operator's identity comes from the operating system, never from the environment."""

from __future__ import annotations

import os
import pwd

from desk_app.services.directory.staff import os_username


def test_username_and_logname_change_nothing(monkeypatch) -> None:
    real = pwd.getpwuid(os.getuid()).pw_name.lower()
    assert os_username() == real
    for name in ("USERNAME", "LOGNAME", "USER", "LNAME"):
        monkeypatch.setenv(name, "superintendent")
    monkeypatch.setenv("USERDOMAIN", "EVIL")
    assert os_username() == real
