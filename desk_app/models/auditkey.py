"""The keyed audit chain: every event this workstation writes is signed with its own key.

The chain of :mod:`.auditchain` links each event to the previous one by an unkeyed SHA-256, so
anyone who can write the SQLite file can edit an event and recompute every later hash. Here each
event also carries an **Ed25519 signature** by this workstation over ``(workstation, seq, hash)``;
since every hash covers the one before it, a valid signature on event *n* vouches for events
1..*n* of that chain. The private key lives only in the OS keyring (secret
``audit-signing-key``), never in the data folder, so an edit-and-rehash of the file (and of the
head anchor beside it) is found offline by ``desk-app audit verify`` as long as the attacker
cannot read the keyring.

Why signatures and not an HMAC per event: an HMAC can only be checked by someone holding the same
secret, so the central database would have to keep a copy of every workstation's key (and so
could forge any workstation's history, as could anyone with one of its backups). A signature is
checked with the public key alone: the central database records each workstation's public key at
its first sync and never replaces it (revision ``0007_audit``), any auditor can check any chain,
and only the workstation can extend its own. PostgreSQL cannot check Ed25519 without an extension
(pgcrypto has none), so the server checks in SQL what SQL can: that events continue the stored
chain and that a registered workstation's events carry a signature from its keyed era on.

**The newest event, remembered.** After each commit that added events the secret also records
the chain's newest ``seq`` (``heads``). Deleting the newest events and putting back an older copy
of the anchor file (``audit-anchor.json``, which the attacker may rewrite) leaves a valid shorter
chain; the keyring's head does not move back, so ``audit verify`` names it. Only an acknowledged
restore (:mod:`desk_app.sync.restore`) sets it back.

**Per database.** One OS account has one signing key, but may open several data folders (a
demo beside the real one); the keyed era and the newest event belong to a database, so they are
kept per data folder (:func:`chain_scope`). Signatures are checked whatever the folder.

**The keyed era.** Events written before this release keep their unkeyed links; re-signing them
would rewrite history the central database already holds (and refuses, append-only). The secret
records, per workstation, the first ``seq`` signed (``from_seq``): from there on an unsigned
event is a rewrite, and because the first signed event's hash covers every earlier one, the
unkeyed prefix is protected by it too. A new data folder is keyed from its first event.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from desk_app.models.audit import AuditEvent
from desk_app.secrets import SecretStore

SIGNING_KEY = "audit-signing-key"
NEVER = 2**31  # a keyed era not known here: no event is required to be signed
_FORMAT = "desk_app-audit-key-1"


def signed_message(workstation: str, seq: int, digest: str) -> bytes:
    """What a workstation signs for one event (the hash already covers its content and past)."""
    return f"desk_app audit v1\n{workstation}\n{seq}\n{digest}".encode()


@dataclass(frozen=True)
class ChainKey:
    """What a verifier needs for one workstation's chain: its public key and keyed era."""

    public_key: bytes
    from_seq: int
    head: int = 0  # the newest event this installation committed on the chain

    @property
    def public_hex(self) -> str:
        return self.public_key.hex()

    def valid(self, workstation: str, seq: int, digest: str, signature: str) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                bytes.fromhex(signature), signed_message(workstation, seq, digest)
            )
        except (InvalidSignature, ValueError):
            return False
        return True


def chain_scope(data_dir: Path | None) -> str:
    """The name under which a data folder's keyed eras and newest events are kept."""
    return str(data_dir.resolve()) if data_dir is not None else ""


def _read(store: SecretStore) -> dict[str, Any] | None:
    raw = store.get(SIGNING_KEY)
    if not raw:
        return None
    data: dict[str, Any] = json.loads(raw)
    return data if data.get("format") == _FORMAT else None


def chain_keys(store: SecretStore, scope: str = "") -> dict[str, ChainKey]:
    """The chains of the data folder ``scope`` that this installation signs (workstation -> key,
    keyed era and newest event); reads only."""
    data = _read(store)
    if data is None:
        return {}
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["key"]))
    public = private.public_key().public_bytes_raw()
    chains = data.get("chains", {})
    heads = data.get("heads", {}).get(scope, {})
    # a chain this key signs in another folder (this one moved, say): its signatures are still
    # checked, but nothing is known of its keyed era or newest event here
    keys = {ws: ChainKey(public, NEVER) for other in chains.values() for ws in other}
    keys.update(
        (ws, ChainKey(public, int(seq), int(heads.get(ws, 0))))
        for ws, seq in chains.get(scope, {}).items()
    )
    return keys


class AuditSigner:
    """Signs this workstation's new audit events; the key is made on first use.

    The secret store is read on the first event (opening the OS keyring is slow), then the key
    stays in memory for the process.
    """

    def __init__(self, store: SecretStore, scope: str = "") -> None:
        self._store = store
        self._scope = scope
        self._lock = threading.Lock()
        self._private: Ed25519PrivateKey | None = None
        self._chains: dict[str, int] = {}
        self.entered: dict[str, int] = {}  # keyed eras this process began (workstation -> seq)

    def _load(self) -> Ed25519PrivateKey:
        if self._private is None:
            data = _read(self._store)
            if data is None:
                key = Ed25519PrivateKey.generate()
                data = {
                    "format": _FORMAT,
                    "key": base64.b64encode(key.private_bytes_raw()).decode("ascii"),
                    "chains": {},
                }
                self._store.set(SIGNING_KEY, json.dumps(data, sort_keys=True))
            self._private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["key"]))
            chains = data.get("chains", {}).get(self._scope, {})
            self._chains = {ws: int(seq) for ws, seq in chains.items()}
        return self._private

    def _enter_era(self, workstation: str, seq: int) -> None:
        """Record that ``workstation``'s chain is keyed from ``seq`` on (once per chain)."""
        data = _read(self._store)
        assert data is not None  # written by _load
        chains = data.setdefault("chains", {}).setdefault(self._scope, {})
        if workstation not in chains:
            chains[workstation] = seq
            self.entered[workstation] = seq
        self._store.set(SIGNING_KEY, json.dumps(data, sort_keys=True))
        self._chains[workstation] = int(chains[workstation])

    def sign(self, workstation: str, seq: int, digest: str) -> str:
        with self._lock:
            private = self._load()
            if workstation not in self._chains:
                self._enter_era(workstation, seq)
        return private.sign(signed_message(workstation, seq, digest)).hex()

    def record_head(self, workstation: str, seq: int, *, back: bool = False) -> None:
        """Remember ``seq`` as the chain's newest committed event (never backwards unless
        ``back``: an acknowledged restore)."""
        with self._lock:
            self._load()
            data = _read(self._store)
            assert data is not None  # written by _load
            heads = data.setdefault("heads", {}).setdefault(self._scope, {})
            if not back and int(heads.get(workstation, 0)) >= seq:
                return
            heads[workstation] = seq
            self._store.set(SIGNING_KEY, json.dumps(data, sort_keys=True))

    def chain_key(self, workstation: str) -> ChainKey | None:
        """This installation's key for ``workstation``'s chain (``None`` before its first event)."""
        with self._lock:
            private = self._load()
            seq = self._chains.get(workstation)
        return None if seq is None else ChainKey(private.public_key().public_bytes_raw(), seq)


def sign_new_events(session_factory: sessionmaker[Session], signer: AuditSigner) -> None:
    """Sign every audit event a session adds, at flush (after the bookkeeping is stamped).

    Events arriving from the central database are written by the sync engine as they are and
    keep the signature of the workstation that wrote them.
    """

    def before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
        if session.info.get("applying_remote"):
            return
        for obj in session.new:
            if isinstance(obj, AuditEvent) and not obj.signature:
                obj.signature = signer.sign(obj.workstation_id, obj.seq, obj.hash)
                heads = session.info.setdefault("signed_heads", {})
                heads[obj.workstation_id] = max(heads.get(obj.workstation_id, 0), obj.seq)

    def after_commit(session: Session) -> None:
        for workstation, seq in session.info.pop("signed_heads", {}).items():
            signer.record_head(workstation, seq)

    def after_rollback(session: Session) -> None:
        session.info.pop("signed_heads", None)  # those events never happened

    event.listen(session_factory, "before_flush", before_flush)
    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_rollback", after_rollback)


def signature_problem(ev: AuditEvent, keys: Mapping[str, ChainKey]) -> str | None:
    """Why ``ev``'s signature does not hold (``None``: it holds, or its chain's key is unknown)."""
    key = keys.get(ev.workstation_id)
    if key is None:
        return None
    if not ev.signature:
        if ev.seq >= key.from_seq:
            return (
                "the event is not signed although its chain is keyed from event "
                f"{key.from_seq}: the history was rewritten without the workstation's key"
            )
        return None
    if not key.valid(ev.workstation_id, ev.seq, ev.hash, ev.signature):
        return (
            "the signature does not match: the event or one before it was rewritten "
            "(edited and rehashed without the workstation's key)"
        )
    return None
