"""Lazy table models, one per list (see :mod:`desk_app.views.tablemodels.lazy`)."""
