"""Keyed PINs are sealed at rest, opened only for the check, masked for display."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from desk_app.crypto import FieldCipher
from desk_app.secrets import MemorySecrets
from desk_app.services.sealing import MASK, is_sealed, masked, merge_keyed, open_pin, seal_pin


def test_seal_open_mask_and_merge() -> None:
    cipher = FieldCipher.from_secrets(MemorySecrets())
    sealed = seal_pin(cipher, {"pin": "48213906", "entity_code": "048-078"})
    assert is_sealed(sealed["pin"]) and "48213906" not in sealed["pin"]
    assert sealed["entity_code"] == "048-078"
    assert seal_pin(cipher, sealed) == sealed  # sealing twice changes nothing
    assert open_pin(cipher, sealed)["pin"] == "48213906"
    assert masked(sealed)["pin"] == MASK and masked({"pin": ""})["pin"] == ""
    kept = merge_keyed(cipher, sealed, {"pin": MASK, "signer_name": "Pat Doe"})
    assert kept["pin"] == sealed["pin"] and kept["signer_name"] == "Pat Doe"
    retyped = merge_keyed(cipher, sealed, {"pin": "77120394"})
    assert is_sealed(retyped["pin"]) and open_pin(cipher, retyped)["pin"] == "77120394"
    with pytest.raises(InvalidTag):  # another agency key cannot open it
        open_pin(FieldCipher.from_secrets(MemorySecrets()), sealed)
