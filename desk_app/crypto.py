"""Field encryption for closed data (SSN, date of birth) and keyed hashes for look-ups.

AES-256-GCM with a random 96-bit nonce per value; the key is the agency data key kept in the
keyring (shared by the agency's workstations, never in the database or settings). The
identity hash is HMAC-SHA256 under a separate key, so a profile is found by SSN + date of birth
without decrypting any row and without a rainbow table being of any use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desk_app.secrets import SecretStore, get_or_create_key

DATA_KEY = "data-key"
LOOKUP_KEY = "lookup-key"
VERSION = b"\x01"


@dataclass(frozen=True)
class FieldCipher:
    """Encrypts and decrypts single field values; one instance per process is enough."""

    data_key: bytes
    lookup_key: bytes

    @classmethod
    def from_secrets(cls, store: SecretStore) -> FieldCipher:
        return cls(get_or_create_key(store, DATA_KEY), get_or_create_key(store, LOOKUP_KEY))

    def encrypt(self, plaintext: str, *, context: bytes = b"") -> bytes:
        return self.encrypt_bytes(plaintext.encode(), context=context)

    def decrypt(self, blob: bytes, *, context: bytes = b"") -> str:
        return self.decrypt_bytes(blob, context=context).decode()

    def encrypt_bytes(self, data: bytes, *, context: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        return VERSION + nonce + AESGCM(self.data_key).encrypt(nonce, data, context)

    def decrypt_bytes(self, blob: bytes, *, context: bytes = b"") -> bytes:
        if not blob or blob[:1] != VERSION:
            raise ValueError("unknown cipher format")
        nonce, body = blob[1:13], blob[13:]
        return AESGCM(self.data_key).decrypt(nonce, body, context)

    def identity_hash(self, ssn: str, dob_iso: str) -> str:
        """Keyed hash of a normalised SSN and an ISO date of birth."""
        message = f"{normalise_ssn(ssn)}|{dob_iso}".encode()
        return hmac.new(self.lookup_key, message, hashlib.sha256).hexdigest()


def normalise_ssn(ssn: str) -> str:
    digits = re.sub(r"\D", "", ssn or "")
    if len(digits) != 9 or digits[:3] in {"000", "666"} or digits[0] == "9":
        raise ValueError("an SSN has 9 digits and a valid area number")
    return digits


def mask_ssn(ssn: str) -> str:
    return "***-**-" + normalise_ssn(ssn)[-4:]
