"""The sandbox: every parse of bytes from outside runs in a limited child process.

Parent side: :mod:`~desk_app.sandbox.api` (the calls the app makes), :mod:`.pool` (warm
children, watchdog, caps), :mod:`.wire` (JSON + bytes, schema checked, no pickle),
:mod:`.confine` (limits, clean environment, no network, Windows job object), :mod:`.schema`
(what each job answers). Child side only: :mod:`.child`, :mod:`.jobs`, :mod:`.faxframes`,
:mod:`.mailparse` (the only modules here that import a parser).
"""
