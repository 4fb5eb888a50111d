"""Per-client rate limiting: a token bucket per remote address, shared by all workers.

Gunicorn runs several worker processes; counters kept in each process would
multiply the limit by the number of workers. The buckets therefore live in
one small SQLite database (WAL mode) in a runtime directory (``/dev/shm`` or
``$XDG_RUNTIME_DIR`` when they exist: memory, not disk), and each decision is
one short ``BEGIN IMMEDIATE`` transaction, which SQLite serialises across
processes. No external server is needed.

A bucket holds up to ``burst`` tokens and refills at ``count/period``; each
request takes one token; an empty bucket answers 429 with ``Retry-After``
(seconds until a token is back). ``/healthz`` and ``/static/`` are never
limited. If the store cannot be used (full disk, permissions) requests are let
through and a warning is logged: the limiter must not take the site down.

Configuration (app config; ``create_app`` fills it from ``archive_search.settings``):

``RATELIMIT_ENABLED``
    ``False`` turns limiting off (the CLI does this for ``search --json``).
``RATELIMIT`` (``$ARCHIVE_SEARCH_RATE_LIMIT``)
    ``"COUNT/PERIOD[;burst=N]"``, PERIOD one of second, minute, hour, day;
    ``off`` turns limiting off. Default ``DEFAULT_RATE``.
``RATELIMIT_STORE`` (``$ARCHIVE_SEARCH_RATELIMIT_STORE``)
    The SQLite file; by default one per index directory in the runtime directory.
``RATELIMIT_TRUST_PROXY`` (``$ARCHIVE_SEARCH_TRUST_PROXY``)
    Behind a reverse proxy every request comes from the proxy's address, so
    all clients would share one bucket: set this to the number of proxies in
    front of the app and the client address is taken from ``X-Forwarded-For``
    (werkzeug's ``ProxyFix``). Never set it without a proxy that overwrites
    that header, or clients can pick their own address.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from archive_search.settings import DEFAULT_RATE
from web.errors import error_response

log = logging.getLogger(__name__)

EXTENSION_KEY = "archive_search.ratelimit"
EXEMPT_PATHS = ("/healthz",)
EXEMPT_PREFIXES = ("/static/",)
PRUNE_EVERY = 1000
"""Decisions between two sweeps of idle (full) buckets, so the table stays small."""
_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE_RE = re.compile(
    r"^\s*(?P<count>\d+)\s*/\s*(?P<period>second|minute|hour|day)s?\s*"
    r"(?:;\s*burst\s*=\s*(?P<burst>\d+)\s*)?$"
)
_OFF = frozenset({"off", "false", "0", "no", "none", "disabled"})


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: int


def parse_rate(text: str) -> Rate | None:
    """``"60/minute;burst=30"`` → ``Rate(1.0, 30)``; ``"off"`` → ``None``; else ``ValueError``."""
    if text.strip().lower() in _OFF:
        return None
    match = _RATE_RE.match(text.lower())
    if not match:
        raise ValueError(f"bad rate limit {text!r}: expected e.g. '60/minute;burst=30' or 'off'")
    count = int(match["count"])
    burst = int(match["burst"]) if match["burst"] is not None else count
    if count < 1 or burst < 1:
        raise ValueError(f"bad rate limit {text!r}: count and burst must be at least 1")
    return Rate(count / _PERIODS[match["period"]], burst)


def parse_proxies(text: str) -> int:
    """How many proxies in front set ``X-Forwarded-For``: ``"0"`` (none) or more, else
    ``ValueError`` naming the setting (a worker that cannot start says why)."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise ValueError(
            f"bad ARCHIVE_SEARCH_TRUST_PROXY {text!r}: expected the number of proxies "
            "in front of the service, 0 for none"
        )
    return int(value)


def refill(tokens: float, elapsed: float, rate: Rate) -> float:
    """The bucket's tokens after ``elapsed`` seconds without requests."""
    return min(float(rate.burst), tokens + max(elapsed, 0.0) * rate.per_second)


def retry_after(tokens: float, rate: Rate) -> int:
    """Whole seconds until the bucket holds one token again (at least 1)."""
    return max(1, math.ceil((1.0 - tokens) / rate.per_second))


class BucketStore:
    """Token buckets in a SQLite file that every worker process opens."""

    def __init__(self, path: Path, rate: Rate) -> None:
        self.path = Path(path)
        self.rate = rate
        self._local = threading.local()
        self._decisions = 0

    def _db(self) -> sqlite3.Connection:
        # One connection per thread (and per process: a forked worker must not reuse its
        # parent's), opened lazily so the app factory itself never touches the file.
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # counters may be lost in a crash: harmless
            db.execute(
                "CREATE TABLE IF NOT EXISTS buckets "
                "(client TEXT PRIMARY KEY, tokens REAL NOT NULL, stamp REAL NOT NULL)"
            )
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def take(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """Take a token for ``client``: (allowed, tokens left after the decision)."""
        now = time.time() if now is None else now
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT tokens, stamp FROM buckets WHERE client = ?", (client,)
            ).fetchone()
            tokens = (
                float(self.rate.burst) if row is None else refill(row[0], now - row[1], self.rate)
            )
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            db.execute(
                "INSERT INTO buckets (client, tokens, stamp) VALUES (?, ?, ?) ON CONFLICT(client) "
                "DO UPDATE SET tokens = excluded.tokens, stamp = excluded.stamp",
                (client, tokens, now),
            )
            self._decisions += 1
            if self._decisions % PRUNE_EVERY == 0:
                self._prune(db, now)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return allowed, tokens

    def _prune(self, db: sqlite3.Connection, now: float) -> None:
        """Forget buckets that have refilled completely: they hold nothing worth keeping."""
        full_after = self.rate.burst / self.rate.per_second
        db.execute("DELETE FROM buckets WHERE stamp < ?", (now - full_after,))


def default_store_path(index_dir: str) -> Path:
    """One store per index directory, so every worker serving that index shares it."""
    for candidate in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):  # noqa: S108
        if candidate and Path(candidate).is_dir() and os.access(candidate, os.W_OK):
            base = Path(candidate)
            break
    else:
        base = Path(tempfile.gettempdir())
    key = hashlib.sha256(str(Path(index_dir).resolve()).encode()).hexdigest()[:16]
    return base / f"archive-search-ratelimit-{key}.sqlite3"


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def check_rate() -> Response | None:
    store: BucketStore | None = current_app.extensions.get(EXTENSION_KEY)
    if store is None or _exempt(request.path):
        return None
    client = request.remote_addr or "unknown"
    try:
        allowed, tokens = store.take(client)
    except (sqlite3.Error, OSError) as exc:
        log.warning("rate limit store %s unusable, letting requests through: %s", store.path, exc)
        return None
    if allowed:
        return None
    wait = retry_after(tokens, store.rate)
    message = f"too many requests from {client}: try again in {wait} seconds"
    response = error_response("too_many_requests", message, 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _setting(app: Flask, key: str, default: str) -> str:
    value = app.config.get(key)
    return str(value) if value is not None else default


def init_app(app: Flask) -> None:
    """Install the limiter (and ``ProxyFix`` when proxies are trusted) according to the config."""
    proxies = parse_proxies(_setting(app, "RATELIMIT_TRUST_PROXY", "0") or "0")
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]
    if app.config.get("RATELIMIT_ENABLED", True) is False:
        return
    rate = parse_rate(_setting(app, "RATELIMIT", DEFAULT_RATE))
    if rate is None:
        return
    path = _setting(app, "RATELIMIT_STORE", "") or str(
        default_store_path(str(app.config["INDEX_DIR"]))
    )
    app.extensions[EXTENSION_KEY] = BucketStore(Path(path), rate)
    app.before_request(check_rate)
