"""Use cases, Qt-free, one subpackage per area of the work.

Each service takes a :class:`~desk_app.services.context.ServiceContext`, opens one unit of work per
operation, checks the operator's permission, writes its audit events in the same transaction
(:mod:`desk_app.models.auditchain`), and returns frozen DTOs (never ORM objects).

Areas:
    queue: intake into the work queue, the queue's states and claims, lists, keying.
    review: verification of a submission (PINs, signatures, specimens, signer authority) and the
        decision that applies it.
    directory: entities, their officers and buildings, operators (staff), forms for an entity.
    access: accounts, grants and user-manager designations.
    educators: educator profiles, their search, certificates.
    records: the audit log as a list and its chain check; open-records disclosure.
    sync: the workstation's sync with the central database as a use case.

Shared by all areas: :mod:`.context` (what a call needs, ``Changes``), :mod:`.listing` (paged lists),
:mod:`.sealing` (values sealed under the data key), :mod:`.session` (operator session events).
"""
