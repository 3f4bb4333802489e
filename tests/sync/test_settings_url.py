"""The central database's address comes from the settings, its password from the secret store."""

from __future__ import annotations

import pytest

from desk_app.errors import ValidationError
from desk_app.services.sync.service import PASSWORD_SECRET, server_url


def test_url_takes_password_from_secrets_and_tls_mode_from_settings(ctx) -> None:
    ctx.settings["sync_url"] = "postgresql://sync@central.example.org:5432/desk"
    ctx.settings["sync_sslmode"] = "verify-full"
    ctx.secrets.set(PASSWORD_SECRET, "s3cret/with:odd@chars")
    url = server_url(ctx)
    assert url.startswith("postgresql+psycopg://sync:")
    assert "sslmode=verify-full" in url and "central.example.org:5432/desk" in url
    assert "s3cret" in url and "s3cret" not in ctx.settings._values.get("sync_url", "")


def test_an_explicit_url_wins_and_a_missing_one_is_a_clear_error(ctx) -> None:
    assert "other-host" in server_url(ctx, "postgresql://u@other-host/db")
    with pytest.raises(ValidationError, match="not configured"):
        server_url(ctx)
