"""What every service needs: the store, the acting operator, secrets, settings, paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

from desk_app.errors import PermissionDenied
from desk_app.models.store import Actor, Store, UnitOfWork
from desk_app.rules.permissions import ROLE_TITLES, Perm, allowed
from desk_app.secrets import SecretStore
from desk_app.settings import Settings

if TYPE_CHECKING:
    from desk_app.crypto import FieldCipher
    from desk_app.intake.blobstore import BlobStore
    from desk_app.paths import AppPaths


class Area(StrEnum):
    """What an operation can change: the screens listen for these (a test checks that every
    area a page listens for is emitted by some operation)."""

    QUEUE = "queue"
    VERIFICATION = "verification"
    ENTITIES = "entities"
    PINS = "pins"
    ACCESS = "access"
    EDUCATORS = "educators"
    STAFF = "staff"
    AUDIT = "audit"
    SYNC = "sync"
    RECORDS = "records"


@dataclass(frozen=True)
class Changes:
    """What a mutating operation changed, by area, so each screen refreshes only what it shows."""

    areas: frozenset[Area] = frozenset()
    record_ids: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *areas: Area, ids: tuple[object, ...] = ()) -> Changes:
        # Area(...) refuses a name that is not an area, whoever passes it
        return cls(frozenset(Area(a) for a in areas), frozenset(str(i) for i in ids))

    def touches(self, *areas: Area) -> bool:
        return bool(self.areas.intersection(Area(a) for a in areas))

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.areas | other.areas, self.record_ids | other.record_ids)


@dataclass
class ServiceContext:
    """Everything a service call needs. One per operator session; cheap to pass around."""

    store: Store
    actor: Actor
    secrets: SecretStore
    settings: Settings = field(default_factory=lambda: Settings(None))
    paths: AppPaths | None = None

    def uow(self) -> UnitOfWork:
        return self.store.uow(self.actor)

    def can(self, perm: Perm) -> bool:
        return allowed(self.actor.role, perm)

    def require(self, perm: Perm) -> None:
        """Raise :class:`PermissionDenied` unless the operator's role has ``perm``."""
        if not self.can(perm):
            title = ROLE_TITLES.get(self.actor.role, self.actor.role or "no role")
            raise PermissionDenied(f"a {title} may not {perm.value.replace('_', ' ')}")

    def blobs(self) -> BlobStore:
        """The document store, sealed with the agency data key."""
        from desk_app.intake.blobstore import BlobStore

        if self.paths is None:
            raise RuntimeError("this context has no data folder")
        return BlobStore(self.paths.blobs, self.cipher)

    @cached_property
    def cipher(self) -> FieldCipher:
        from desk_app.crypto import FieldCipher

        return FieldCipher.from_secrets(self.secrets)
