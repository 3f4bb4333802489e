"""Secrets behind one small interface.

The production backend is the OS keyring (Windows Credential Manager through ``keyring``). Tests
use :class:`MemorySecrets`. Where no OS keyring exists (a Linux box without a Secret Service),
:func:`open_secrets` refuses with :class:`NoKeyring`, which says what to do, unless the private
file fallback was chosen (``--allow-file-secrets``, the ``allow_file_secrets`` setting, or
``DESK_APP_ALLOW_FILE_SECRETS=1`` for scripts): then :class:`FileSecrets`, a 0600 file in the data
folder, is used, the log says so and the status bar shows it. Opt-in, because such a file sits
beside the database it protects: anyone who copies the data folder takes the keys with it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets as _random
import threading
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

SERVICE = "desk_app"

# every secret desk_app reads, by its name under SERVICE (the IT guide lists them)
CREDENTIALS = {
    "sync-password": "the operator's SCRAM password for the central database (if not GSSAPI)",
    "data-key": "the agency data key (SSN / date of birth ciphertexts): the same everywhere",
    "lookup-key": "the agency key for look-up hashes of closed data: the same everywhere",
    "pin-pepper": "the agency PIN pepper: the same everywhere",
    "audit-anchor-key": "this workstation's key for its audit-head anchor (made on first start)",
    "audit-signing-key": "this workstation's private Ed25519 key that signs each audit event "
    "(made on first start; never leaves the workstation)",
}


def windows_target(name: str) -> str:
    """The Credential Manager target name under which keyring's Windows backend finds ``name``
    whatever else is stored for desk_app: ``name@desk_app`` (its "compound" name; the bare
    service name ``desk_app`` holds at most one credential, so IT should never use it)."""
    return f"{name}@{SERVICE}"


class SecretStore(Protocol):
    """Where passwords and keys live; never in settings or the database."""

    backend_name: str

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class MemorySecrets:
    """In-memory store for tests and benchmarks."""

    backend_name = "memory"

    def __init__(self, initial: dict[str, str] | None = None) -> None:
        self._values: dict[str, str] = dict(initial or {})

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        self._values[name] = value

    def delete(self, name: str) -> None:
        self._values.pop(name, None)


class KeyringSecrets:
    """The OS keyring (Windows Credential Manager on the agency's workstations)."""

    def __init__(self) -> None:
        import keyring

        self._keyring = keyring
        self.backend_name = type(keyring.get_keyring()).__name__

    def get(self, name: str) -> str | None:
        return self._keyring.get_password(SERVICE, name)

    def set(self, name: str, value: str) -> None:
        self._keyring.set_password(SERVICE, name, value)

    def delete(self, name: str) -> None:
        import keyring.errors

        try:
            self._keyring.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass  # already absent: deleting is idempotent


class FileSecrets:
    """Fallback store: a JSON file readable only by its owner. Used only without an OS keyring."""

    backend_name = "file"

    def __init__(self, path: Path) -> None:
        self._path = path

    def _read(self) -> dict[str, str]:
        if not self._path.exists():
            return {}
        data = json.loads(self._path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()}

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def set(self, name: str, value: str) -> None:
        data = self._read()
        data[name] = value
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, self._path)

    def delete(self, name: str) -> None:
        data = self._read()
        if data.pop(name, None) is not None:
            self.set_all(data)

    def set_all(self, data: dict[str, str]) -> None:
        self._path.write_text(json.dumps(data), encoding="utf-8")
        os.chmod(self._path, 0o600)


ALLOW_FILE_ENV = "DESK_APP_ALLOW_FILE_SECRETS"


class NoKeyring(RuntimeError):
    """No OS keyring, and the private file fallback was not chosen."""

    hint = (
        "run desk_app in a session with an OS keyring (Windows Credential Manager; on Linux a "
        "Secret Service such as GNOME Keyring), or accept a private file in the data folder with "
        "--allow-file-secrets (or the setting allow_file_secrets, or "
        f"{ALLOW_FILE_ENV}=1), which is weaker: it travels with the data folder"
    )


def open_secrets(fallback_file: Path, allow_file: bool = False) -> SecretStore:
    """Return the OS keyring if it works; else the file fallback when ``allow_file`` (or the
    environment) allows it, with a warning in the log.

    Raises:
        NoKeyring: no OS keyring and no permission to fall back to a file.
    """
    try:
        store = KeyringSecrets()
        store.get("desk_app-probe")  # the "fail" and empty chainer backends raise here
        return store
    except Exception as exc:  # keyring raises many backend-specific errors
        reason = type(exc).__name__
    if not (allow_file or os.environ.get(ALLOW_FILE_ENV) == "1"):
        raise NoKeyring(f"no OS keyring is available to hold desk_app's keys ({reason})")
    log.warning(
        "no OS keyring available (%s); secrets kept in the private file %s", reason, fallback_file
    )
    return FileSecrets(fallback_file)


def get_or_create_key(store: SecretStore, name: str, nbytes: int = 32) -> bytes:
    """Return the random key named ``name``, creating it on first use."""
    existing = store.get(name)
    if existing:
        return base64.urlsafe_b64decode(existing)
    key = _random.token_bytes(nbytes)
    store.set(name, base64.urlsafe_b64encode(key).decode("ascii"))
    return key


class DeferredSecrets:
    """The installation's secret store, opened on first use rather than at start-up.

    Finding the OS keyring backend imports every keyring plugin (half a second or more here),
    and start-up does not need a secret: the first page shows without one. Thread-safe, since the
    first use may come from any pool thread.
    """

    def __init__(self, fallback_file: Path, allow_file: bool = False) -> None:
        self._fallback_file = fallback_file
        self._allow_file = allow_file
        self._store: SecretStore | None = None
        self._lock = threading.Lock()

    def _opened(self) -> SecretStore:
        with self._lock:
            if self._store is None:
                self._store = open_secrets(self._fallback_file, self._allow_file)
            return self._store

    @property
    def backend_name(self) -> str:
        return self._opened().backend_name

    def get(self, name: str) -> str | None:
        return self._opened().get(name)

    def set(self, name: str, value: str) -> None:
        self._opened().set(name, value)

    def delete(self, name: str) -> None:
        self._opened().delete(name)


# --- moving the agency keys between workstations -----------------------------------------------
AGENCY_KEYS = ("data-key", "lookup-key", "pin-pepper")
KEY_FILE_FORMAT = "desk_app-keys-1"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


def key_check_value(value: str) -> str:
    """A check value of a key: shows two keys are equal without revealing either."""
    import hashlib
    import hmac

    return hmac.new(value.encode(), b"desk_app key check", hashlib.sha256).hexdigest()[:32]


def key_checks(store: SecretStore) -> dict[str, str]:
    """The check values of the agency keys ``store`` holds."""
    return {n: key_check_value(v) for n in AGENCY_KEYS if (v := store.get(n))}


class KeyFileError(ValueError):
    """A key file that cannot be opened: wrong passphrase, damaged, or not a key file."""


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def export_keys(store: SecretStore, passphrase: str) -> bytes:
    """The agency keys this workstation holds, sealed under ``passphrase`` (scrypt, AES-GCM)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < 12:
        raise KeyFileError("the passphrase must have at least 12 characters")
    keys = {name: value for name in AGENCY_KEYS if (value := store.get(name))}
    if not keys:
        raise KeyFileError("this workstation holds no agency keys to export")
    salt, nonce = _random.token_bytes(16), _random.token_bytes(12)
    sealed = AESGCM(_derive(passphrase, salt, **_SCRYPT)).encrypt(
        nonce, json.dumps(keys).encode(), KEY_FILE_FORMAT.encode()
    )
    b64 = base64.b64encode
    return json.dumps(
        {
            "format": KEY_FILE_FORMAT,
            "kdf": {"name": "scrypt", "salt": b64(salt).decode(), **_SCRYPT},
            "nonce": b64(nonce).decode(),
            "ciphertext": b64(sealed).decode(),
        },
        indent=1,
    ).encode()


def import_keys(
    store: SecretStore, data: bytes, passphrase: str, replace: bool = False
) -> list[str]:
    """Store the keys of a file made by :func:`export_keys`; returns their names.

    Raises:
        KeyFileError: wrong passphrase or damaged file, or (without ``replace``) a different key
            of the same name is already here (it may already seal closed data).
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        sealed = json.loads(data)
        if sealed.get("format") != KEY_FILE_FORMAT:
            raise KeyFileError("not a desk_app key file")
        kdf = sealed["kdf"]
        key = _derive(
            passphrase, base64.b64decode(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        )
        plain = AESGCM(key).decrypt(
            base64.b64decode(sealed["nonce"]),
            base64.b64decode(sealed["ciphertext"]),
            KEY_FILE_FORMAT.encode(),
        )
    except InvalidTag:
        raise KeyFileError("wrong passphrase, or the key file was changed") from None
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, KeyFileError):
            raise
        raise KeyFileError("not a desk_app key file") from None
    keys: dict[str, str] = json.loads(plain)
    clash = [n for n, v in keys.items() if (have := store.get(n)) and have != v]
    if clash and not replace:
        raise KeyFileError(f"this workstation already holds other keys: {', '.join(clash)}")
    for name, value in keys.items():
        store.set(name, value)
    return sorted(keys)
