"""Fixtures of the PDF tests: each catalogue form generated once per session."""

from __future__ import annotations

import pytest

from desk_app.pdf.catalogue import FORMS
from desk_app.pdf.generate import generate_form


@pytest.fixture(scope="session")
def blank_forms() -> dict[str, bytes]:
    """Every form of the catalogue, blank, keyed by number."""
    return {number: generate_form(number) for number in FORMS}


@pytest.fixture(params=sorted(FORMS), scope="session")
def form_number(request: pytest.FixtureRequest) -> str:
    return str(request.param)
