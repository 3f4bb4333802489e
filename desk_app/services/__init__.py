"""Use cases, Qt-free. Each service takes a :class:`~desk_app.services.context.ServiceContext`,
opens one unit of work per operation, checks the operator's permission, writes its audit events
in the same transaction, and returns frozen DTOs (never ORM objects)."""
