"""Schemathesis against the service's own OpenAPI document, through the WSGI app.

Every generated request (valid and invalid by the document) must get an
answer the document describes: no 5xx, a documented status code and content
type, a body matching its schema. ``positive_data_acceptance`` is left out:
the query language has rules (no leading wildcard, a minimum prefix, caps on
terms and depth) that a JSON schema cannot express, so a schema-valid ``q``
may rightly get a 400.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from web import create_app

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


@pytest.fixture(scope="module")
def api_schema(small_index: tuple[Path, Path]) -> Any:
    app = create_app({"INDEX_DIR": str(small_index[1]), "RATELIMIT_ENABLED": False})
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    app.extensions["archive_search.service"].close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, **SETTINGS)
def test_api_matches_its_document(case: Any) -> None:
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=400, **SETTINGS)
def test_api_matches_its_document_long(case: Any) -> None:
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500
