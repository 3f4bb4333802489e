"""The content-addressed blob store: layout, idempotence, damage detection, crash mid-write."""

from __future__ import annotations

import os

import pytest

from desk_app.errors import StoreError
from desk_app.intake.blobstore import BlobMissing, BlobStore, sha256_hex


def test_blob_is_named_by_its_hash_under_a_two_letter_folder(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    sha = store.put(b"a faxed page")
    assert sha == sha256_hex(b"a faxed page")
    assert store.path(sha) == tmp_path / "blobs" / sha[:2] / sha
    assert store.get(sha) == b"a faxed page"


def test_putting_the_same_bytes_twice_keeps_one_file(tmp_path):
    store = BlobStore(tmp_path)
    first = store.put(b"x" * 1000)
    mtime = store.path(first).stat().st_mtime_ns
    assert store.put(b"x" * 1000) == first
    assert store.path(first).stat().st_mtime_ns == mtime
    assert [p.name for p in (tmp_path / first[:2]).iterdir()] == [first]


def test_damaged_or_missing_blob_is_reported_not_returned(tmp_path):
    store = BlobStore(tmp_path)
    sha = store.put(b"original bytes")
    store.path(sha).write_bytes(b"tampered bytes")
    with pytest.raises(BlobMissing, match="damaged"):
        store.get(sha)
    store.path(sha).unlink()
    with pytest.raises(BlobMissing, match="missing"):
        store.get(sha)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


def test_a_crash_before_the_rename_leaves_no_blob_and_no_temporary(tmp_path, monkeypatch):
    store = BlobStore(tmp_path)

    def power_cut(*_args: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(StoreError, match="power cut"):
        store.put(b"half written")
    monkeypatch.undo()
    sha = sha256_hex(b"half written")
    assert not store.exists(sha)
    assert list((tmp_path / sha[:2]).iterdir()) == []
    assert store.put(b"half written") == sha and store.exists(sha)


def test_sweep_removes_temporaries_left_by_a_killed_process(tmp_path):
    store = BlobStore(tmp_path)
    sha = store.put(b"kept")
    old, fresh = tmp_path / sha[:2] / ".incoming-old", tmp_path / sha[:2] / ".incoming-new"
    old.write_bytes(b"partial")
    fresh.write_bytes(b"being written by another run")
    os.utime(old, (0, 0))
    assert store.sweep_temporaries() == 1
    assert fresh.exists() and not old.exists()
    assert store.get(sha) == b"kept"


def test_sealed_store_keeps_no_clear_bytes_and_moves_sealed_files(tmp_path) -> None:
    from desk_app.crypto import FieldCipher
    from desk_app.secrets import MemorySecrets

    cipher = FieldCipher.from_secrets(MemorySecrets())
    sealed = BlobStore(tmp_path / "a", cipher)
    original = b"%PDF-1.7 ... /V (48213906) ... security PIN"
    sha = sealed.put(original)
    assert sha == sha256_hex(original)
    assert b"48213906" not in sealed.path(sha).read_bytes()
    assert sealed.get(sha) == original
    assert sealed.put(original) == sha  # idempotent
    # another workstation with the same agency key takes the file as it travels (sync)
    other = BlobStore(tmp_path / "b", FieldCipher(cipher.data_key, cipher.lookup_key))
    other.put_raw(sha, sealed.raw(sha))
    assert other.get(sha) == original
    # without the key, or with another agency's key, it cannot be opened
    with pytest.raises(BlobMissing, match="no key"):
        BlobStore(tmp_path / "a").get(sha)
    with pytest.raises(BlobMissing, match="another agency key"):
        BlobStore(tmp_path / "c", FieldCipher.from_secrets(MemorySecrets())).put_raw(
            sha, sealed.raw(sha)
        )
    # files written before sealing (or by tests) are still read
    plain = BlobStore(tmp_path / "a").put(b"old clear file")
    assert sealed.get(plain) == b"old clear file"


def test_a_batch_is_stored_side_by_side_and_each_is_fsynced(tmp_path, monkeypatch):
    from desk_app.received import Received

    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    store = BlobStore(tmp_path)
    items = [f"page {i}".encode() for i in range(20)]
    shas = store.put_many([*items[:10], *(Received(d) for d in items[10:])])
    assert shas == [sha256_hex(d) for d in items]
    assert [store.get(sha) for sha in shas] == items
    assert len(synced) >= 20  # every file (and its folder) is on disk before put_many returns


def test_a_batch_that_cannot_be_written_raises_store_error(tmp_path, monkeypatch):
    import errno

    def disk_full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(BlobStore, "_write", staticmethod(disk_full))
    with pytest.raises(StoreError, match="No space left"):
        BlobStore(tmp_path).put_many([b"a", b"b", b"c"])
