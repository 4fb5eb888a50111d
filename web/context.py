"""Where a request finds the worker's search service, and whether it wants JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app, request

if TYPE_CHECKING:
    from search.service import SearchService

SERVICE_KEY = "archive_search.service"
API_PREFIX = "/api/"


def service() -> SearchService:
    return cast("SearchService", current_app.extensions[SERVICE_KEY])


def wants_json() -> bool:
    """API paths and the health check answer in JSON, whatever went wrong."""
    path = request.path
    return path.startswith(API_PREFIX) or path == "/healthz"
