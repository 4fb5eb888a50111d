"""The web layer: HTML pages for browsers and a JSON API for other sites.

``create_app`` is the application factory; gunicorn serves it as
``web:create_app()``. Each worker process gets one ``SearchService``, created
here and closed when the process exits; the service itself notices newly
published index generations, so the app never has to be restarted.

Configuration keys:

``INDEX_DIR``
    The index directory.
``SEARCH_SERVICE``
    An already built service (tests use it to inject failures); when given,
    ``INDEX_DIR`` is not used and the caller closes it.
``RATELIMIT_ENABLED``, ``RATELIMIT``, ``RATELIMIT_TIME``, ``RATELIMIT_CONCURRENT``,
``RATELIMIT_STORE``, ``RATELIMIT_TRUST_PROXY``
    Per-client limits shared by all workers (requests, seconds of server time,
    requests at once); see ``web.ratelimit``.
``ADMISSION_SLOTS``, ``ADMISSION_COSTLY_SLOTS``
    Requests a worker runs at once, and costly ones among them; see ``web.admission``.
``PUBLIC_URL``
    The service's public address; absolute URLs start with it, else URLs are
    relative; never built from the request's ``Host`` (see ``web.links``).
``API_MAX_AGE``
    Seconds API answers may be cached (``Cache-Control``); see ``web.httpcache``.
``COMPRESS_*``
    Flask-Compress settings; ours are in ``web.compression``.

Every key but ``SEARCH_SERVICE`` and ``COMPRESS_*`` defaults to its environment
variable, read once here through ``archive_search.settings``; ``config`` overrides them.
"""

from __future__ import annotations

import atexit
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from archive_search.settings import Settings
from search import limits
from web import (
    admission,
    compression,
    errors,
    httpcache,
    jsonio,
    links,
    ratelimit,
    ratelimit_headers,
    security,
)
from web.context import SERVICE_KEY


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    settings = Settings.from_env()
    if settings.search_time_limit is not None:  # the process's cap on every search
        limits.SEARCH_TIME_LIMIT = settings.search_time_limit
    app.config.from_mapping(
        INDEX_DIR=str(settings.index_dir),
        RATELIMIT=settings.rate_limit,
        RATELIMIT_TIME=settings.rate_limit_time,
        RATELIMIT_CONCURRENT=settings.rate_limit_concurrent,
        ADMISSION_SLOTS=settings.slots,
        ADMISSION_COSTLY_SLOTS=settings.costly_slots,
        RATELIMIT_STORE=str(settings.ratelimit_store or ""),
        RATELIMIT_TRUST_PROXY=settings.trust_proxy,
        API_MAX_AGE=settings.api_max_age,
        PUBLIC_URL=settings.public_url,
        MAX_CONTENT_LENGTH=64 * 1024,  # request bodies: only POST /api/v1/search has one
    )
    if config:
        app.config.from_mapping(config)
    jsonio.init_app(app)
    # Registered first, so its after_request runs last (Flask runs them in reverse) and
    # compresses what every other step has written.
    compression.init_app(app)
    app.extensions[SERVICE_KEY] = app.config.get("SEARCH_SERVICE") or _open_service(
        Path(app.config["INDEX_DIR"]), settings
    )

    from web.api import bp as api_bp
    from web.feeds import bp as feeds_bp
    from web.pages import bp as pages_bp
    from web.research import bp as research_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(research_bp)
    app.register_blueprint(feeds_bp)
    admission.init_clock(app)
    security.init_app(app)
    ratelimit.init_app(app)
    ratelimit_headers.init_app(app)
    httpcache.init_app(app)
    admission.init_app(app)
    links.init_app(app)
    errors.init_app(app)
    return app


def _open_service(index_dir: Path, settings: Settings) -> Any:
    """The index directory's published generation, or with a database named the
    database's (``--database``: a server that does not share the indexer's directory)."""
    from search.service import SearchService, database_service

    if settings.database_urls:
        service = database_service(settings.database_urls, max_lag=settings.replica_max_lag)
    else:
        service = SearchService(index_dir)
    atexit.register(service.close)
    return service
