"""Which concurrent edits may merge field by field, and which must stop for a person to decide.

Grants, user-manager designations, signatures and verification results, PINs and a certificate's
status are never merged automatically: if the server's row changed since this workstation's base
version, the change becomes a conflict. Every other table merges when the two sides changed
different columns; the same column changed on both sides is always a conflict.
"""

from __future__ import annotations

GUARDED_TABLES = frozenset(
    {
        "role_grant",
        "user_manager_designation",
        "verification_result",
        "signature_specimen",
        "signer_certificate",
        "signature_attestation",
    }
)
GUARDED_COLUMNS: dict[str, frozenset[str]] = {
    "educational_entity": frozenset({"pin_hash", "pin_issued_at", "pin_failures", "pin_locked_at"}),
    "certificate": frozenset({"status"}),
}


def conflict_reason(table: str, base: int, mine: set[str], theirs: set[str]) -> str | None:
    """Why a change made on ``base`` cannot merge with the server's changes since then.

    Args:
        table: the synced table.
        base: the version the workstation last saw (0 = it created the row).
        mine: columns this workstation changed.
        theirs: columns changed on the server since ``base``.

    Returns:
        A reason for the operator, or ``None`` when the two changes merge field by field.
    """
    if base == 0:
        return "the row already exists on the central database"
    if table in GUARDED_TABLES:
        return f"{table.replace('_', ' ')} changes are never merged automatically"
    guarded = GUARDED_COLUMNS.get(table, frozenset()) & (mine | theirs)
    if guarded:
        return f"{', '.join(sorted(guarded))} is part of a concurrent edit (PINs and certificate status never merge)"
    both = mine & theirs
    if both:
        return f"both sides changed {', '.join(sorted(both))}"
    if not theirs:
        return "the central row changed in a way the change log does not explain"
    return None
