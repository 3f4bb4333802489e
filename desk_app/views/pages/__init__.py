"""The main window's pages, one module per area.

Each module defines one :class:`~desk_app.views.pages.base.BasePage` subclass named ``Page``.
The main window shows them in :data:`PAGE_ORDER`; an area whose module does not exist yet shows a
placeholder page that says so.
"""

from desk_app.rules.permissions import Perm

PAGE_ORDER = (
    "queue",
    "entities",
    "access",
    "compliance",
    "campaigns",
    "educators",
    "sync",
    "audit",
)
PAGE_TITLES = {
    "queue": "Work queue",
    "entities": "Entities",
    "access": "Users && access",
    "compliance": "Compliance",
    "campaigns": "Access reviews",
    "educators": "Educators",
    "sync": "Sync",
    "audit": "Audit",
}
# what a role needs to use each page: a page its role lacks is shown disabled, with the reason
PAGE_PERMS = {
    "queue": Perm.WORK_QUEUE,
    "entities": Perm.VIEW_ENTITIES,
    "access": Perm.VIEW_ACCESS,
    "compliance": Perm.VIEW_ACCESS,
    "campaigns": Perm.VIEW_ACCESS,
    "educators": Perm.VIEW_EDUCATORS,
    "sync": Perm.SYNC,
    "audit": Perm.VIEW_AUDIT,
}
