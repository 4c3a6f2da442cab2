"""The committed OpenAPI document matches the code, so API changes show up in review."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.yml"


def test_committed_schema_is_current(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert out.getvalue() == COMMITTED.read_text(), "API changed: run `make schema` and commit"
