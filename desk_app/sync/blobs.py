"""Document originals on demand: download a blob the server holds into the local blob store."""

from __future__ import annotations

from pathlib import Path

from desk_app.crypto import FieldCipher
from desk_app.errors import NotFound
from desk_app.intake.blobstore import BlobMissing, BlobStore
from desk_app.sync.server import ServerLink


def fetch_blob(
    server: ServerLink, blob_root: Path, sha: str, cipher: FieldCipher | None = None
) -> Path:
    """Return the local path of blob ``sha``, downloading it from the server if needed.

    Raises:
        NotFound: the central database does not hold it (not yet pushed by its workstation).
    """
    store = BlobStore(blob_root, cipher)
    if store.exists(sha):
        return store.path(sha)
    data = server.get_blob(sha)
    if data is None:
        raise NotFound(f"document {sha[:12]}... is not on the central database yet")
    try:
        store.put_raw(sha, data)  # sealed files travel sealed; opened once here to prove them
    except BlobMissing:
        raise NotFound(f"document {sha[:12]}... on the central database is damaged") from None
    return store.path(sha)
