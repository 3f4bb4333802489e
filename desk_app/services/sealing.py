"""Keyed PINs at rest: sealed inside a submission's stored values, opened only to check them.

A form's PIN box (field ``pin``) is a secret of the entity. Wherever a submission's values are
stored (intake, keying) the PIN is replaced by ``sealed:v1:<base64 AES-GCM>`` under the agency
data key; the verification check opens it in memory; a decision blanks it. Views get values with
the PIN masked, never the sealed text or the PIN.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from desk_app.crypto import FieldCipher

PIN_FIELD = "pin"
PREFIX = "sealed:v1:"
CONTEXT = b"form-pin"
MASK = "••••••"


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal_pin(cipher: FieldCipher, values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with a plaintext PIN sealed (an empty or sealed one is left as is)."""
    out = dict(values)
    pin = out.get(PIN_FIELD)
    if isinstance(pin, str) and pin.strip() and not is_sealed(pin):
        out[PIN_FIELD] = (
            PREFIX + base64.b64encode(cipher.encrypt(pin.strip(), context=CONTEXT)).decode()
        )
    return out


def open_pin(cipher: FieldCipher, values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with the sealed PIN opened, for the PIN check only (never stored)."""
    out = dict(values)
    pin = out.get(PIN_FIELD)
    if is_sealed(pin):
        out[PIN_FIELD] = cipher.decrypt(base64.b64decode(str(pin)[len(PREFIX) :]), context=CONTEXT)
    return out


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy for display: a keyed PIN shows as dots, whether sealed or not."""
    out = dict(values)
    if out.get(PIN_FIELD):
        out[PIN_FIELD] = MASK
    return out


def merge_keyed(
    cipher: FieldCipher, stored: Mapping[str, Any], keyed: Mapping[str, Any]
) -> dict[str, Any]:
    """Stored values updated with newly keyed ones. A masked or empty PIN from the keying screen
    keeps the stored (sealed) PIN; a newly typed one replaces it, sealed."""
    merged = dict(stored)
    for key, value in keyed.items():
        if key == PIN_FIELD and (value in ("", None, MASK)) and stored.get(PIN_FIELD):
            continue
        merged[key] = value
    return seal_pin(cipher, merged)
