"""Offline-first sync between each workstation's SQLite file and the one central PostgreSQL.

Design (the decisions, in one place):

- **Schema and authority.** The central database runs the same Alembic migrations as the
  workstations, but only as its deployment role (``desk-app server init`` / ``server upgrade``,
  :mod:`.authority`); a workstation checks the revision and never migrates. Revisions 0005 and
  0006_auth add, on PostgreSQL only, the server-only tables of :mod:`.server_schema` (change log
  ``sync_change`` with a BIGSERIAL ``seq``, ``sync_blob``, ``sync_audit_anchor``,
  ``sync_table_right``, ``sync_key_check``; 0007_central: ``sync_workstation``,
  ``sync_closed_column``) and the SECURITY DEFINER functions that are a
  workstation's only writes. Each operator signs in as their own role over TLS (verify-full),
  holds SELECT and EXECUTE only, and what they may change is decided by the server from the
  central staff table.
- **Outbox** (:mod:`.outbox`). An ``after_flush`` listener on every SQLite store's session factory
  writes one ``sync_outbox`` entry per inserted / updated / soft-deleted synced row, in the same
  transaction: a uuid change id, table, row id, the row's version before (``base_version``) and
  after the change, and the changed column names. Rows written by the sync engine are not captured.
- **Push** (:mod:`.push`, :mod:`.server`). Pending entries are grouped by row (all of a row's
  pending entries travel together; the group's base is its oldest entry's base, which is the
  version this workstation last agreed on with the server) and sent in batches. A pass streams
  the oldest entries in outbox order on a reader thread, which also has SQLite write each row as
  a line of PostgreSQL's COPY text format; the engine's thread sends batch i while the reader
  prepares batch i+1 and a finisher removes batch i-1's outbox entries. A row whose entries run
  past what was read is sent whole later (a pass that finds nothing whole re-reads whole rows).
  Each batch is one server transaction: COPY the typed rows, with each row's base version,
  changed columns and change ids, into a temporary stage per table; drop groups already applied;
  compare each row's server version with the base; then ``desk_apply_push`` (run as the schema's
  owner) refuses, set-based, the staged rows the operator's central role may not change (and
  audit events that do not continue their workstation's central chain), returns them with the
  reason (they become refusals in the conflicts list), stamps ``updated_by`` from
  ``session_user`` and ``workstation_id`` from the enrolled workstation, upserts the rest into the tables and logs them in ``sync_change`` (which rows changed to which version, their columns and change ids; not the
  rows). A row changed on the server since the base merges field by field when the two sides
  changed different plain columns; otherwise it becomes a local conflict (:mod:`.policy`:
  grants, designations, verification and signature rows, PINs and certificate status never
  merge). Rows with an open conflict are held back until it is resolved. A row the central
  database refuses (a unique code two workstations took offline) becomes a conflict too, on push
  and, for the other side's row, on pull, instead of blocking the batch.
- **Idempotency and crashes.** Each batch's server commit and the local removal of its outbox
  entries are two transactions, and at most two sent batches await the second. A group is
  known on the server by its row and first change id (a unique index of the log). After a run
  that did not end well, a push first asks the server which of the oldest groups it holds and
  drops their change ids locally, so no change is applied twice. The server also recognises a
  re-sent group it has applied and names the change ids it applied then; the workstation settles
  only those, so an edit captured after the crash still goes in the next push.
- **Pull** (:mod:`.pull`) reads ``sync_change`` by ``seq`` after the local checkpoint, each entry
  with its row as the central table holds it; an entry whose row has moved on is left to the
  newer version's own, later entry. The push transaction takes an advisory lock before writing
  the log, so seq order is commit order and a checkpoint never skips a late commit. Each batch
  and its checkpoint commit together locally. Only rows newer than the local version are
  written; rows with pending local changes or an open conflict are left for the push (the
  conflict's "theirs" side is refreshed).
- **Documents.** Originals live in the intake blob store (``blobs/<sha[:2]>/<sha>``,
  :mod:`desk_app.intake.blobstore`). A push uploads the originals the server lacks in the same
  transaction as, and before, the ``submission_document`` rows that name them; a workstation
  downloads a blob on demand (:func:`desk_app.sync.blobs.fetch_blob`).
- **Audit anchor.** Central audit events are append-only (a trigger). After pushing, the
  workstation's audit-chain head (seq, hash) is anchored on the server (never moving backwards,
  only onto an event the server holds); locally the head is also anchored in a file under an
  HMAC key from the secret store (:class:`desk_app.models.auditchain.HeadAnchor`). Before each sync the local event at the anchored seq must
  exist with the same hash; otherwise the run stops with :class:`.engine.RollbackDetected`, an
  audit event and a ``rollback`` entry in the sync history, until a Security Administrator
  acknowledges a legitimate restore (:mod:`.restore`: the history is taken back from the central
  database and the local-only events chained after it). Every event is signed by its
  workstation (:mod:`desk_app.models.auditkey`); the public key is registered at the first sync
  (``desk_register_audit_key``, never replaced) and the push refuses unsigned events of the keyed
  era (revision 0007_audit).
- **Closed data.** SSN / date-of-birth ciphertexts travel as ``\\x``-hex text and are stored as-is;
  every workstation of one agency shares the data key. Reading them follows the roles
  (:mod:`.closed`, revision 0007_central): no operator login has a column privilege on a closed
  column, and every row a workstation reads (pull, a conflict's other side, a refused staff row)
  comes from ``desk_read_rows``, which leaves out what the caller's central role may not read.
  A pulled row without a column keeps the local value (a new one gets a placeholder).
- **Workstations.** The server takes the workstation from ``sync_workstation``, never from the
  rows: a sync first enrols its workstation name for the signed-in login (a name another
  operator holds is refused), and the write functions check the name they are given against it
  and stamp ``workstation_id`` from it.
- **Crash testing.** :mod:`.faults` names the points where an interruption matters.
"""
