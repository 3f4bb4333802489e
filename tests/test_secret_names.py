"""The IT guide names the credentials exactly as keyring's Windows backend reads them."""

from __future__ import annotations

import re
from pathlib import Path

from keyring.backends.Windows import WinVaultKeyring

from desk_app.secrets import CREDENTIALS, SERVICE, windows_target

GUIDE = Path(__file__).parents[1] / "installer" / "IT-GUIDE.md"


def test_target_names_are_keyrings_own_compound_names() -> None:
    for name in CREDENTIALS:
        # the name keyring's WinVaultKeyring falls back to when the bare service name holds
        # another credential (always the case for desk_app, which keeps several)
        assert windows_target(name) == WinVaultKeyring._compound_name(name, SERVICE)


def test_the_it_guide_lists_every_credential_by_its_target_name() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for name in CREDENTIALS:
        assert f"`{windows_target(name)}`" in text, name
        assert f"/user:{name}" in text, name


def test_the_certificate_signing_key_is_listed_by_its_target_name_too() -> None:
    from desk_app.services.educators.signing import SIGNING_KEY

    text = GUIDE.read_text(encoding="utf-8")
    target = WinVaultKeyring._compound_name(SIGNING_KEY, SERVICE)
    assert f"`{target}`" in text and f"/generic:{target} /user:{SIGNING_KEY}" in text
    # every cmdkey line the guide gives provisions a compound name, with the matching user name
    given = re.findall(r"/generic:(\S+) /user:(\S+)", text)
    assert given and all(t == f"{user}@{SERVICE}" for t, user in given), given
