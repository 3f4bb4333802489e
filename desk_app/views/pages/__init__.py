"""The main window's pages, one module per area.

Each module defines one :class:`~desk_app.views.pages.base.BasePage` subclass named ``Page``.
The main window shows them in :data:`PAGE_ORDER`; an area whose module does not exist yet shows a
placeholder page that says so.
"""

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
