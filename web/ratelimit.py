"""Per-client limits: requests counted, search time spent, searches at once.

A client (its remote address) has two token buckets and a cap:

- *requests*: up to ``burst`` requests at once, refilled at ``count/period``;
  each request takes one token;
- *seconds*: a budget of server time, refilled the same way, spent after each
  request by the CPU time its handling took (``time.thread_time``), so a
  client sending costly queries runs out long before one sending cheap ones;
  a request may run the budget below zero (it is charged once it is done),
  and the client waits until the debt is paid back;
- *concurrent*: at most this many of the client's requests in progress.

A client out of requests or seconds gets 429 with ``Retry-After`` (seconds
until the bucket allows one more request); one over its concurrency cap gets
429 with ``Retry-After: 1``. ``/healthz`` and ``/static/`` are never limited.

Gunicorn runs several worker processes; counters kept in each process would
multiply the limits by the number of workers. The state therefore lives in
one small SQLite database (WAL mode) in a runtime directory (``/dev/shm`` or
``$XDG_RUNTIME_DIR`` when they exist: memory, not disk); each decision and
each charge is one short ``BEGIN IMMEDIATE`` transaction, which SQLite
serialises across processes. No external server is needed. If the store
cannot be used (full disk, permissions) requests are let through and a
warning is logged: the limiter must not take the site down.

Every decision is kept on ``flask.g`` (``current()``): the requests bucket's
limit, what remains and when it is full again, the seconds left, so response
headers (the IETF ``RateLimit`` fields) can be derived from it.

Configuration (app config; ``create_app`` fills it from ``archive_search.settings``):

``RATELIMIT_ENABLED``
    ``False`` turns limiting off (the web tests do).
``RATELIMIT`` (``$ARCHIVE_SEARCH_RATE_LIMIT``)
    Requests: ``"COUNT/PERIOD[;burst=N]"``, PERIOD one of second, minute,
    hour, day; ``off`` turns all limiting off. Default ``DEFAULT_RATE``.
``RATELIMIT_TIME`` (``$ARCHIVE_SEARCH_RATE_LIMIT_TIME``)
    Seconds of server time, same syntax (``"20/minute;burst=10"``: a third of
    a core sustained, ten seconds at once); ``off`` for no time budget.
    Default ``DEFAULT_TIME``.
``RATELIMIT_CONCURRENT`` (``$ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT``)
    Requests of one client in progress at once; ``0`` for no cap. Default
    ``DEFAULT_CONCURRENT``.
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

from flask import Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from archive_search.settings import DEFAULT_CONCURRENT, DEFAULT_RATE, DEFAULT_TIME
from web.errors import error_response

log = logging.getLogger(__name__)

EXTENSION_KEY = "archive_search.ratelimit"
EXEMPT_PATHS = ("/healthz",)
EXEMPT_PREFIXES = ("/static/",)
PRUNE_EVERY = 1000
"""Decisions between two sweeps of idle (full) buckets, so the table stays small."""
LOCK_WAIT = 2.0
"""Seconds a decision waits for another worker's transaction before letting the request by."""
STALE_AFTER = 120.0
"""Seconds after which a request still counted in progress is forgotten (its worker died)."""
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


@dataclass(frozen=True, slots=True)
class Limits:
    """What one client may do: requests and seconds (None: not limited), requests at once."""

    requests: Rate | None
    seconds: Rate | None = None
    concurrent: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """One request's admission, kept on ``flask.g`` for headers and the admission queue."""

    allowed: bool
    reason: str | None
    """Why it was refused: ``"requests"``, ``"seconds"`` or ``"concurrent"``."""
    limit: int
    """The requests bucket's size (0 when requests are not limited)."""
    remaining: int
    """Whole requests left in the bucket after this one."""
    reset: int
    """Seconds until the requests bucket is full again."""
    retry_after: int
    """When refused: seconds until a request would be let in (at least 1); else 0."""
    seconds_limit: float
    """The seconds budget's size (0.0 when time is not limited)."""
    seconds_left: float
    """Seconds of server time left (negative: in debt; ``inf`` when not limited)."""
    ticket: int | None = None
    """The row counting this request in progress, removed when it is charged."""

    @property
    def spent_share(self) -> float:
        """How much of its time budget the client has used: 0.0 (none) to 1.0 or more."""
        if not self.seconds_limit:
            return 0.0
        return 1.0 - self.seconds_left / self.seconds_limit


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


def parse_concurrent(text: str) -> int:
    """``"2"`` → 2; ``"0"`` or ``"off"`` → 0 (no cap); else ``ValueError`` naming the setting."""
    value = text.strip().lower()
    if value in _OFF:
        return 0
    if not (value.isascii() and value.isdigit()):
        raise ValueError(
            f"bad ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT {text!r}: expected a number of "
            "requests, 0 for no cap"
        )
    return int(value)


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


def retry_after(tokens: float, rate: Rate, needed: float = 1.0) -> int:
    """Whole seconds until the bucket holds ``needed`` tokens again (at least 1)."""
    return max(1, math.ceil((needed - tokens) / rate.per_second))


def full_after(tokens: float, rate: Rate) -> int:
    """Whole seconds until the bucket is full again."""
    return max(0, math.ceil((rate.burst - tokens) / rate.per_second))


def decide(limits: Limits, tokens: float, seconds: float, running: int) -> tuple[str | None, int]:
    """Whether a client with these tokens, seconds and requests in progress may make one
    more request: (None, 0) when it may, else (reason, seconds to wait). Pure."""
    if limits.concurrent and running >= limits.concurrent:
        return "concurrent", 1
    if limits.seconds is not None and seconds <= 0.0:
        # in debt: back in once the budget is positive again (a hair above zero)
        return "seconds", retry_after(seconds, limits.seconds, needed=0.001)
    if limits.requests is not None and tokens < 1.0:
        return "requests", retry_after(tokens, limits.requests)
    return None, 0


class BucketStore:
    """Every client's buckets and requests in progress, in a SQLite file every worker opens."""

    def __init__(self, path: Path, limits: Limits | Rate) -> None:
        self.path = Path(path)
        self.limits = limits if isinstance(limits, Limits) else Limits(limits)
        self._local = threading.local()
        self._decisions = 0

    @property
    def rate(self) -> Rate | None:
        return self.limits.requests

    def _db(self) -> sqlite3.Connection:
        # One connection per thread (and per process: a forked worker must not reuse its
        # parent's), opened lazily so the app factory itself never touches the file.
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=LOCK_WAIT, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # counters may be lost in a crash: harmless
            db.execute(
                "CREATE TABLE IF NOT EXISTS clients (client TEXT PRIMARY KEY, "
                "tokens REAL NOT NULL, seconds REAL NOT NULL, stamp REAL NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS running (ticket INTEGER PRIMARY KEY, "
                "client TEXT NOT NULL, started REAL NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS running_client ON running (client)")
            # from now on no busy timeout: SQLite's own handler sleeps up to 100 ms between
            # tries, which a cheap request waiting for another's short write would feel;
            # _transaction tries again every half millisecond instead
            db.execute("PRAGMA busy_timeout = 0")
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _full(self) -> tuple[float, float]:
        requests, seconds = self.limits.requests, self.limits.seconds
        return (
            float(requests.burst) if requests else 0.0,
            float(seconds.burst) if seconds else 0.0,
        )

    def _load(self, db: sqlite3.Connection, client: str, now: float) -> tuple[float, float]:
        row = db.execute(
            "SELECT tokens, seconds, stamp FROM clients WHERE client = ?", (client,)
        ).fetchone()
        if row is None:
            return self._full()
        tokens, seconds, stamp = row
        requests, budget = self.limits.requests, self.limits.seconds
        return (
            refill(tokens, now - stamp, requests) if requests else 0.0,
            refill(seconds, now - stamp, budget) if budget else 0.0,
        )

    def _save(
        self, db: sqlite3.Connection, client: str, tokens: float, seconds: float, now: float
    ) -> None:
        db.execute(
            "INSERT INTO clients (client, tokens, seconds, stamp) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(client) DO UPDATE SET tokens = excluded.tokens, "
            "seconds = excluded.seconds, stamp = excluded.stamp",
            (client, tokens, seconds, now),
        )

    def _transaction(self) -> sqlite3.Connection:
        """``BEGIN IMMEDIATE``, tried again every half millisecond for up to ``LOCK_WAIT``."""
        db = self._db()
        gives_up = time.monotonic() + LOCK_WAIT
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                return db
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > gives_up:
                    raise
                time.sleep(0.0005)

    def admit(self, client: str, now: float | None = None) -> Decision:
        """Decide on one request of ``client``; an admitted one is counted in progress
        until ``finish`` is called with the decision's ticket."""
        now = time.time() if now is None else now
        db = self._transaction()
        try:
            tokens, seconds = self._load(db, client, now)
            running = 0
            if self.limits.concurrent:
                running = db.execute(
                    "SELECT count(*) FROM running WHERE client = ? AND started > ?",
                    (client, now - STALE_AFTER),
                ).fetchone()[0]
            reason, wait = decide(self.limits, tokens, seconds, running)
            ticket = None
            if reason is None:
                tokens = max(tokens - 1.0, 0.0) if self.limits.requests else 0.0
                if self.limits.concurrent:
                    ticket = db.execute(
                        "INSERT INTO running (client, started) VALUES (?, ?)", (client, now)
                    ).lastrowid
            self._save(db, client, tokens, seconds, now)
            self._decisions += 1
            if self._decisions % PRUNE_EVERY == 0:
                self._prune(db, now)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return self._decision(reason, wait, tokens, seconds, ticket)

    def _decision(
        self, reason: str | None, wait: int, tokens: float, seconds: float, ticket: int | None
    ) -> Decision:
        requests, budget = self.limits.requests, self.limits.seconds
        return Decision(
            allowed=reason is None,
            reason=reason,
            limit=requests.burst if requests else 0,
            remaining=int(tokens) if requests else 0,
            reset=full_after(tokens, requests) if requests else 0,
            retry_after=wait,
            seconds_limit=float(budget.burst) if budget else 0.0,
            seconds_left=seconds if budget else math.inf,
            ticket=ticket,
        )

    def take(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """One request counted and finished at once: (allowed, whole requests left)."""
        decision = self.admit(client, now)
        if decision.ticket is not None:
            self.finish(client, decision.ticket, 0.0, now)
        return decision.allowed, float(decision.remaining)

    def finish(
        self, client: str, ticket: int | None, spent: float, now: float | None = None
    ) -> None:
        """Charge ``spent`` seconds to ``client`` and stop counting the request in progress."""
        if ticket is None and (self.limits.seconds is None or spent <= 0.0):
            return
        now = time.time() if now is None else now
        db = self._transaction()
        try:
            if self.limits.seconds is not None and spent > 0.0:
                tokens, seconds = self._load(db, client, now)
                self._save(db, client, tokens, seconds - spent, now)
            if ticket is not None:
                db.execute("DELETE FROM running WHERE ticket = ?", (ticket,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _prune(self, db: sqlite3.Connection, now: float) -> None:
        """Forget buckets that have refilled completely (they hold nothing worth keeping),
        and requests in progress for longer than any request runs (their worker died)."""
        idle_after = max(
            (rate.burst / rate.per_second for rate in (self.limits.requests, self.limits.seconds)
             if rate is not None),
            default=0.0,
        )  # fmt: skip
        db.execute("DELETE FROM clients WHERE stamp < ?", (now - idle_after,))
        db.execute("DELETE FROM running WHERE started < ?", (now - STALE_AFTER,))


def runtime_dir() -> Path:
    """Where state shared by the workers lives: memory (``$XDG_RUNTIME_DIR``, ``/dev/shm``)
    when there is one, else the temporary directory."""
    for candidate in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):  # noqa: S108
        if candidate and Path(candidate).is_dir() and os.access(candidate, os.W_OK):
            return Path(candidate)
    return Path(tempfile.gettempdir())


def default_store_path(index_dir: str) -> Path:
    """One store per index directory, so every worker serving that index shares it."""
    base = runtime_dir()
    key = hashlib.sha256(str(Path(index_dir).resolve()).encode()).hexdigest()[:16]
    # v2: the table layout changed (seconds and requests in progress)
    return base / f"archive-search-ratelimit-v2-{key}.sqlite3"


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


_DECISION = "ratelimit_decision"
_STARTED = "ratelimit_cpu_started"


def current() -> Decision | None:
    """This request's decision; None when it was not limited (exempt, off, store unusable)."""
    decision: Decision | None = g.get(_DECISION)
    return decision


def _client() -> str:
    return request.remote_addr or "unknown"


_MESSAGES = {
    "requests": "too many requests from {client}: try again in {wait} seconds",
    "seconds": "the searches of {client} have used their share of the server's time: "
    "try again in {wait} seconds",
    "concurrent": "too many requests from {client} at once: wait for one to finish",
}


def check_rate() -> Response | None:
    store: BucketStore | None = current_app.extensions.get(EXTENSION_KEY)
    if store is None or _exempt(request.path):
        return None
    client = _client()
    try:
        decision = store.admit(client)
    except (sqlite3.Error, OSError) as exc:
        log.warning("rate limit store %s unusable, letting requests through: %s", store.path, exc)
        return None
    g.setdefault(_DECISION, decision)
    g.setdefault(_STARTED, time.thread_time())
    if decision.allowed:
        return None
    assert decision.reason is not None
    message = _MESSAGES[decision.reason].format(client=client, wait=decision.retry_after)
    response = error_response("too_many_requests", message, 429)
    response.headers["Retry-After"] = str(decision.retry_after)
    return response


def charge(_exc: BaseException | None = None) -> None:
    """After the request (whatever happened): its CPU time is spent, its ticket returned."""
    decision = g.pop(_DECISION, None)
    started = g.pop(_STARTED, None)
    store: BucketStore | None = current_app.extensions.get(EXTENSION_KEY)
    if store is None or decision is None or not decision.allowed or started is None:
        return
    try:
        store.finish(_client(), decision.ticket, time.thread_time() - started)
    except (sqlite3.Error, OSError) as exc:
        log.warning("rate limit store %s unusable, the request was not charged: %s",
                    store.path, exc)  # fmt: skip


def _setting(app: Flask, key: str, default: str) -> str:
    value = app.config.get(key)
    return str(value) if value is not None else default


def limits_from(app: Flask) -> Limits | None:
    """The configured limits; None when limiting is off."""
    if app.config.get("RATELIMIT_ENABLED", True) is False:
        return None
    requests = parse_rate(_setting(app, "RATELIMIT", DEFAULT_RATE))
    if requests is None:
        return None
    seconds = parse_rate(_setting(app, "RATELIMIT_TIME", DEFAULT_TIME))
    concurrent = parse_concurrent(_setting(app, "RATELIMIT_CONCURRENT", str(DEFAULT_CONCURRENT)))
    return Limits(requests, seconds, concurrent)


def init_app(app: Flask) -> None:
    """Install the limiter (and ``ProxyFix`` when proxies are trusted) according to the config."""
    proxies = parse_proxies(_setting(app, "RATELIMIT_TRUST_PROXY", "0") or "0")
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]
    limits = limits_from(app)
    if limits is None:
        return
    path = _setting(app, "RATELIMIT_STORE", "") or str(
        default_store_path(str(app.config["INDEX_DIR"]))
    )
    app.extensions[EXTENSION_KEY] = BucketStore(Path(path), limits)
    app.before_request(check_rate)
    app.teardown_request(charge)
