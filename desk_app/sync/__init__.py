"""Offline-first sync between each workstation's SQLite file and the one central PostgreSQL.

Design (the decisions, in one place):

- **Schema.** The central database runs the same Alembic migration as the workstations
  (``desk_app.models.store.open_url("postgresql+psycopg://...")``) plus server-only tables
  (:mod:`.server_schema`): the change log ``sync_change`` with a BIGSERIAL ``seq``, the applied
  change ids ``sync_applied``, document originals ``sync_blob`` and ``sync_audit_anchor``.
- **Outbox** (:mod:`.outbox`). An ``after_flush`` listener on every SQLite store's session factory
  writes one ``sync_outbox`` entry per inserted / updated / soft-deleted synced row, in the same
  transaction: a uuid change id, table, row id, the row's version before (``base_version``) and
  after the change, and the changed column names. Rows written by the sync engine are not captured.
- **Push** (:mod:`.push`, :mod:`.server`). The oldest pending entries are grouped by row (all of a
  row's pending entries travel together; the group's base is its oldest entry's base, which is the
  version this workstation last agreed on with the server) and sent in batches (up to ten read
  from SQLite in one snapshot). Each batch is one server transaction: COPY straight into the
  change log ``sync_change`` (with each row's base version and change ids), drop change ids
  already applied, compare each row's server version with the base, and apply the rest from the
  log with ``jsonb_populate_record`` upserts. A row changed on the server since the base merges field by field when
  the two sides changed different plain columns; otherwise it becomes a local conflict
  (:mod:`.policy`: grants, designations, verification and signature rows, PINs and certificate
  status never merge). Rows with an open conflict are held back until it is resolved. A row the
  central database refuses (a unique code two workstations took offline) becomes a conflict too,
  on push and, for the other side's row, on pull, instead of blocking the batch.
- **Idempotency and crashes.** Each batch's server commit and the local removal of its outbox
  entries are two transactions. A push always starts by asking the server which change ids of the
  next batch it already holds and drops those locally, so at most one batch is re-sent and no
  change is applied twice (the server also skips a group whose change id it has applied).
- **Pull** (:mod:`.pull`) reads ``sync_change`` by ``seq`` after the local checkpoint. The push
  transaction takes an advisory lock before writing the log, so seq order is commit order and a
  checkpoint never skips a late commit. Each batch and its checkpoint commit together locally.
  Only rows newer than the local version are written; rows with pending local changes or an open
  conflict are left for the push (the conflict's "theirs" side is refreshed).
- **Documents.** Originals live in the intake blob store (``blobs/<sha[:2]>/<sha>``,
  :mod:`desk_app.intake.blobstore`). A push uploads the originals the server lacks in the same
  transaction as, and before, the ``submission_document`` rows that name them; a workstation
  downloads a blob on demand (:func:`desk_app.sync.blobs.fetch_blob`).
- **Audit anchor.** After pushing, the workstation's audit-chain head (seq, hash) is anchored on
  the server (never moving backwards). Before each sync the local event at the anchored seq must
  exist with the same hash; otherwise the run stops with :class:`.engine.RollbackDetected`, an
  audit event and a ``rollback`` entry in the sync history.
- **Closed data.** SSN / date-of-birth ciphertexts travel as ``\\x``-hex text and are stored as-is;
  every workstation of one agency shares the data key.
- **Crash testing.** :mod:`.faults` names the points where an interruption matters.
"""
