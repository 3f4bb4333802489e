"""The agency's Ed25519 signature on a printed certificate's facts, so anyone can check it offline.

A printed certificate's QR carries its facts and the agency's signature over them::

    DAC2|<key id>|<number>|<classification>|<effective>|<expires>|<holder>|<signature>

``key id`` is the first 8 hex digits of SHA-256 of the raw public key (so keys can be rotated and
old certificates still checked), dates are ISO, the holder is the legal name as printed, and the
signature (base64url, no padding) covers everything before the last ``|`` as UTF-8.

The private key is the agency's, kept in the secret store with the other agency keys under
:data:`SIGNING_KEY` (see installer/IT-GUIDE.md, "Certificate signing key"). It is never created
on use: a workstation that was not enrolled (``desk-app certificates keygen`` or the agency's
deployment writing the credential) refuses to print instead of minting a key nobody trusts. The
public keys that verify are embedded here (:data:`AGENCY_KEYS`), plus the public half of the key
this workstation holds, if any.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from desk_app.errors import KnownError
from desk_app.secrets import SecretStore

PREFIX = "DAC2"
SEP = "|"
SIGNING_KEY = "certificate-signing-key"

# The agency's certificate-signing public keys, by key id (raw 32 bytes, base64url). Printed in
# installer/IT-GUIDE.md; a key is never removed while certificates signed with it are in force.
AGENCY_KEYS: dict[str, str] = {
    "8f87be4e": "Tntt_q-GYDlpORT1TVSEbDuo6l7_yyLOJIVWs1x-VR4",  # agency key 2026
}


class NotEnrolled(KnownError):
    """This workstation holds no certificate-signing key."""


@dataclass(frozen=True)
class CertificateFacts:
    """What the signature vouches for."""

    number: str
    classification: str
    effective: date
    expires: date
    holder: str


@dataclass(frozen=True)
class SignedReading:
    """A certificate QR read back: its facts, which key signed it, and whether the signature holds."""

    facts: CertificateFacts
    key_id: str
    signature_valid: bool
    key_known: bool


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """Short name of a public key: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:8]


def enrol_new_key(store: SecretStore, *, replace: bool = False) -> tuple[str, str]:
    """Make the agency signing key and keep it in ``store``; returns (key id, public key base64url).

    Done once, at the agency, on purpose (``desk-app certificates keygen``); refuses to overwrite
    an existing key unless ``replace``.
    """
    if store.get(SIGNING_KEY) and not replace:
        raise KnownError("a certificate-signing key is already enrolled here (use --replace)")
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes_raw()
    store.set(SIGNING_KEY, _b64(raw))
    public = public_bytes(private.public_key())
    return key_id(public), _b64(public)


def enrolled_key(store: SecretStore) -> Ed25519PrivateKey | None:
    """The signing key this workstation holds, or ``None`` when it was never enrolled."""
    value = store.get(SIGNING_KEY)
    if not value:
        return None
    try:
        return Ed25519PrivateKey.from_private_bytes(_unb64(value))
    except ValueError:
        raise KnownError("the stored certificate-signing key is damaged; enrol it again") from None


def signing_key(store: SecretStore) -> Ed25519PrivateKey:
    """The key to sign with; raises :class:`NotEnrolled` rather than creating one."""
    key = enrolled_key(store)
    if key is None:
        raise NotEnrolled(
            "this workstation holds no certificate-signing key, so it cannot print certificates; "
            "the agency enrols it (desk-app certificates keygen, or its key deployment)"
        )
    return key


def trusted_keys(store: SecretStore | None = None) -> dict[str, bytes]:
    """Public keys that verify: the embedded agency keys and this workstation's own, if enrolled."""
    keys = {kid: _unb64(b64) for kid, b64 in AGENCY_KEYS.items()}
    own = enrolled_key(store) if store is not None else None
    if own is not None:
        public = public_bytes(own.public_key())
        keys[key_id(public)] = public
    return keys


def _clean(value: str) -> str:
    return " ".join(value.replace(SEP, "/").split())


def _message(kid: str, facts: CertificateFacts) -> str:
    return SEP.join(
        (
            PREFIX,
            kid,
            _clean(facts.number),
            _clean(facts.classification),
            facts.effective.isoformat(),
            facts.expires.isoformat(),
            _clean(facts.holder),
        )
    )


def sign_facts(private: Ed25519PrivateKey, facts: CertificateFacts) -> str:
    """The QR text for ``facts``, signed with ``private``."""
    kid = key_id(public_bytes(private.public_key()))
    message = _message(kid, facts)
    return message + SEP + _b64(private.sign(message.encode("utf-8")))


def read_signed(text: str, trusted: Mapping[str, bytes]) -> SignedReading | None:
    """Parse a certificate QR and check its signature; ``None`` when the text is not one of ours."""
    message, _, signature = text.strip().rpartition(SEP)
    parts = message.split(SEP)
    if len(parts) != 7 or parts[0] != PREFIX:
        return None
    _, kid, number, code, effective, expires, holder = parts
    try:
        facts = CertificateFacts(
            number, code, date.fromisoformat(effective), date.fromisoformat(expires), holder
        )
        raw_signature = _unb64(signature)
    except ValueError:
        return None
    public = trusted.get(kid)
    if public is None:
        return SignedReading(facts, kid, False, False)
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(raw_signature, message.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return SignedReading(facts, kid, False, True)
    return SignedReading(facts, kid, True, True)
