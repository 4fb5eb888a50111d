"""Which PostgreSQL server a request goes to: writes to the primary, searches to a replica.

``Databases`` is built from one or several database URLs (each may use libpq's multi-host
syntax, ``postgresql://h1:5432,h2:5433/db``); every host gets its own connection pool
(``psycopg_pool.ConnectionPool``, opened on first use). A health check (a daemon thread, one
round a second) asks every host whether it is in recovery and how far it has replayed:

- the host not in recovery is the primary (two of them after a failover whose old primary
  came back: the one on the higher timeline); ``primary()`` yields a connection to it;
- ``read(fn)`` runs ``fn(connection)`` on a healthy standby, taking them in turn
  (``target_session_attrs=prefer-standby``), else on the primary; when the host fails under
  it (connection lost, pool timeout, a query cancelled by a conflict with recovery), the host
  is marked down and ``fn`` runs once more on another host, so one dead replica never fails
  a search;
- a standby is avoided while its lag exceeds ``max_lag``: it still misses WAL the primary
  had written more than ``max_lag`` seconds ago (measured against the primary's own WAL
  position, so an idle primary reads as no lag; decision 0196). Without a reachable primary
  the lag cannot be measured and standbys keep serving what they have;
- ``read_at(fn)`` also says the WAL position the answer reflects, and ``require(lsn)``
  keeps later reads off standbys that have not replayed it: once a worker saw a newly
  published generation, no standby still lacking its tables gets a search for them;
- a down host is tried again every ``retry_down`` seconds, with a fresh pool once it answers;
- ``wait_for_replay(lsn, timeout)`` lets a publisher wait until every live standby has
  replayed a commit (the new generation) and says which did not (decision 0196).

Create one ``Databases`` per process (a gunicorn worker after the fork) and ``close()`` it.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from search.errors import IndexUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_MAX_LAG = 10.0
"""Seconds a replica may trail the primary and still answer searches."""
DEFAULT_POOL_SIZE = 6
"""Connections per host and process: a gunicorn worker's requests at once
(``ARCHIVE_SEARCH_SLOTS``, 4) and two more for the catalogue poll and an engine opening."""
CHECK_INTERVAL = 1.0
RETRY_DOWN = 3.0
_POSITION = (
    "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
    " ELSE pg_current_wal_flush_lsn() END)::text"
)
"""Where the server is now: replayed (a standby) or flushed (the primary). Read after a
query, it is at or past what that query's snapshot saw."""
CONNECT_TIMEOUT = 2
"""Seconds to open a connection (libpq's ``connect_timeout`` takes whole seconds)."""


class DatabaseUnavailable(IndexUnavailable):
    """No host could answer: every one is down, or a write found no primary (503-class)."""

    code = "database_unavailable"


def expand_hosts(url: str) -> list[str]:
    """One conninfo per host of ``url`` (libpq multi-host lists split, ``target_session_attrs``
    and ``load_balance_hosts`` dropped: choosing the host is this module's job)."""
    params = conninfo_to_dict(url)
    for key in ("target_session_attrs", "load_balance_hosts"):
        params.pop(key, None)
    hosts = str(params.pop("host", "") or "").split(",")
    ports = str(params.pop("port", "") or "").split(",")
    addrs = str(params.pop("hostaddr", "") or "").split(",")
    if len(ports) == 1:
        ports = ports * len(hosts)
    if len(ports) != len(hosts):
        raise ValueError(f"{len(hosts)} hosts but {len(ports)} ports in {_redact(url)}")
    out = []
    for i, (host, port) in enumerate(zip(hosts, ports, strict=True)):
        one = dict(params)
        for key, value in (("host", host), ("port", port), ("hostaddr", _at(addrs, i))):
            if value:
                one[key] = value
        out.append(make_conninfo("", **one))
    return out


def _at(values: list[str], i: int) -> str:
    return values[i] if i < len(values) else ""


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", re.sub(r"password=\S+", "password=***", url))


def lsn_int(lsn: str) -> int:
    """``'16/B374D848'`` as a number, so positions compare."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass
class Host:
    """One server as the health check last saw it."""

    name: str
    """``host:port``, for logs and for saying which host served."""
    conninfo: str
    up: bool = False
    standby: bool = False
    timeline: int = 0
    lsn: int = 0
    """Replay position of a standby, WAL position of a primary."""
    lag: float | None = None
    """Seconds behind the primary; None when no primary answered."""
    checked: float = 0.0
    pool: ConnectionPool | None = None
    probe: psycopg.Connection | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What ``wait_for_replay`` saw: standbys that replayed the position, those that did not
    within the time given (still serving the older generation until they do), and those down."""

    lsn: int
    replayed: tuple[str, ...]
    behind: tuple[str, ...]
    down: tuple[str, ...]


class Databases:
    """The servers of one archive; thread-safe; see the module docstring."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        max_lag: float = DEFAULT_MAX_LAG,
        pool_size: int = DEFAULT_POOL_SIZE,
        check_interval: float = CHECK_INTERVAL,
        retry_down: float = RETRY_DOWN,
        connect_timeout: int = CONNECT_TIMEOUT,
        background: bool = True,
    ) -> None:
        conninfos = [c for url in urls for c in expand_hosts(url)]
        if not conninfos:
            raise ValueError("no database URL given")
        self.hosts = [Host(_name(c), c) for c in conninfos]
        self.max_lag = max_lag
        self.pool_size = pool_size
        self.check_interval = check_interval
        self.retry_down = retry_down
        self.connect_timeout = connect_timeout
        self._background = background
        self._lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._turn = itertools.count()
        self._history: deque[tuple[float, int]] = deque()
        """(monotonic time, primary's WAL position) of recent rounds, oldest first."""
        self._checked_once = False
        self.floor = 0
        """WAL position every standby read from must have replayed (``require``)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    # -- choosing a host --------------------------------------------------------------------

    @contextmanager
    def primary(self) -> Iterator[psycopg.Connection]:
        """A pooled connection to the primary (committed on a clean exit, rolled back on an
        exception); ``DatabaseUnavailable`` when no host is a primary or it fails under us."""
        host = self._primary()
        if host is None:
            self.check()
            host = self._primary()
        if host is None:
            raise DatabaseUnavailable(
                "no primary among " + ", ".join(h.name for h in self.hosts) + ": writes wait "
                "until one answers (promote a replica: pg_ctl promote)"
            )
        conn = None
        try:
            with self._pool(host).connection(timeout=self.connect_timeout) as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            if isinstance(exc, psycopg.OperationalError) and conn is not None and not conn.broken:
                raise
            self._mark_down(host, exc)
            raise DatabaseUnavailable(f"primary {host.name} failed: {exc}") from exc

    def read(self, fn: Callable[[psycopg.Connection], T]) -> T:
        """``fn(connection)`` on a healthy standby (else the primary); once more on another
        host when the first fails under it. ``conn.info.host``/``.port`` say which served."""
        return self._read(fn)[0]

    def read_at(self, fn: Callable[[psycopg.Connection], T]) -> tuple[T, int]:
        """``read``, and a WAL position the answer reflects (at or past its snapshot), for
        ``require``."""

        def with_position(conn: psycopg.Connection) -> tuple[T, int]:
            result = fn(conn)
            row = conn.execute(_POSITION).fetchone()
            return result, lsn_int(row[0]) if row and row[0] else 0

        (result, position), host = self._read(with_position)
        with self._lock:
            host.lsn = max(host.lsn, position)
        return result, position

    def require(self, lsn: int) -> None:
        """From now on read only from standbys that replayed ``lsn`` (the primary always
        qualifies): once a newly published generation was seen, a standby that has not yet
        replayed its publication, and so lacks its tables, gets none of its searches."""
        with self._lock:
            self.floor = max(self.floor, lsn)

    def _read(self, fn: Callable[[psycopg.Connection], T]) -> tuple[T, Host]:
        tried: set[str] = set()
        for attempt in (1, 2):
            host = self._reader(tried)
            try:
                return self._run(host, fn), host
            except _HostFailed as failure:
                if attempt == 2:
                    raise DatabaseUnavailable(f"{host.name}: {failure}") from failure.__cause__
                tried.add(host.name)
                log.warning(
                    "%s failed under a search (%s); trying another host", host.name, failure
                )
        raise AssertionError("unreachable")

    def _run(self, host: Host, fn: Callable[[psycopg.Connection], T]) -> T:
        conn = None
        try:
            with self._pool(host).connection(timeout=self.connect_timeout) as conn:
                return fn(conn)
        except PoolTimeout as exc:
            # Every connection busy, or none can be opened: another host may answer; the
            # health check, not a busy pool, decides whether this one is down.
            raise _HostFailed(str(exc)) from exc
        except pgerrors.SerializationFailure as exc:
            # "canceling statement due to conflict with recovery": the standby replayed a
            # change (an old generation dropped) under the query; the host itself is fine.
            raise _HostFailed(str(exc)) from exc
        except psycopg.OperationalError as exc:
            if conn is not None and not conn.broken and not _server_going(exc):
                raise  # the query's own failure (statement_timeout): not the host's
            self._mark_down(host, exc)
            raise _HostFailed(str(exc)) from exc

    def _primary(self) -> Host | None:
        self._ensure_checked()
        with self._lock:
            primaries = [h for h in self.hosts if h.up and not h.standby]
        return max(primaries, key=lambda h: h.timeline, default=None)

    def _reader(self, avoid: set[str]) -> Host:
        """A live standby within the lag limit that replayed ``floor``, in turn; else the
        primary; else any live host. Hosts in ``avoid`` (failed under this request) only
        when nothing else answers."""
        self._ensure_checked()
        for skip in (avoid, set()):
            with self._lock:
                live = [h for h in self.hosts if h.up and h.name not in skip]
                good = [h for h in live if h.standby and h.lsn >= self.floor
                        and (h.lag is None or h.lag <= self.max_lag)]  # fmt: skip
            if good:
                return good[next(self._turn) % len(good)]
            chosen = self._primary()
            if chosen is not None and chosen.name not in skip:
                return chosen
            if live:
                return live[next(self._turn) % len(live)]
        raise DatabaseUnavailable(
            "no database host answers: " + ", ".join(h.name for h in self.hosts)
        )

    def _pool(self, host: Host) -> ConnectionPool:
        with self._lock:
            if host.pool is None:
                host.pool = ConnectionPool(
                    host.conninfo,
                    kwargs={"connect_timeout": self.connect_timeout},
                    min_size=1,
                    max_size=self.pool_size,
                    timeout=self.connect_timeout,
                    num_workers=1,
                    name=host.name,
                    open=True,
                )
            return host.pool

    def _mark_down(self, host: Host, reason: BaseException) -> None:
        with self._lock:
            was_up, host.up, host.checked = host.up, False, time.monotonic()
            pool, host.pool = host.pool, None
        if was_up:
            log.warning("database host %s marked down: %s", host.name, str(reason).strip())
        if pool is not None:
            # Its connections are broken; ones in use are closed when returned.
            threading.Thread(target=pool.close, kwargs={"timeout": 0}, daemon=True).start()

    # -- health ----------------------------------------------------------------------------

    def _ensure_checked(self) -> None:
        if os.getpid() != self._pid:
            self._forgotten_after_fork()
        if not self._checked_once:
            self.check()
        if self._background and (self._thread is None or not self._thread.is_alive()):
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._watch, name="pg-health", daemon=True
                    )
                    self._thread.start()

    def _forgotten_after_fork(self) -> None:
        """In a forked child the parent's pools, connections and thread are not ours: drop
        them unclosed (closing would end the parent's sessions) and start afresh. The locks
        too: one a parent's thread (the health check) held at the fork stays held here, with
        no thread to release it (a forked child hung so, at load 30)."""
        self._lock, self._check_lock = threading.Lock(), threading.Lock()
        with self._lock:
            for host in self.hosts:
                host.pool, host.probe, host.up, host.checked = None, None, False, 0.0
            self._thread, self._checked_once, self._pid = None, False, os.getpid()
            self._stop = threading.Event()

    def _watch(self) -> None:
        while not self._stop.wait(self.check_interval):
            try:
                self.check()
            except Exception:  # a bug here must not stop the checks for good
                log.exception("database health check failed")

    def check(self) -> bool:
        """One round over every host (down ones once ``retry_down`` has passed); True."""
        with self._check_lock:
            now = time.monotonic()
            due = [h for h in self.hosts if h.up or now - h.checked >= self.retry_down
                   or not self._checked_once]  # fmt: skip
            seen = {h.name: self._probe(h) for h in due}
            primaries = [s for s in seen.values() if s is not None and not s[0]]
            if primaries:
                self._history.append((time.monotonic(), max(p[2] for p in primaries)))
                while len(self._history) > 2 and now - self._history[1][0] > 2 * self.max_lag:
                    self._history.popleft()
            for host in due:
                self._apply(host, seen[host.name])
            self._checked_once = True
        return True

    def _probe(self, host: Host) -> tuple[bool, int, int] | None:
        """(in recovery, timeline, position) of ``host``, None when it does not answer."""
        try:
            if host.probe is None or host.probe.closed:
                host.probe = psycopg.connect(
                    host.conninfo, connect_timeout=self.connect_timeout, autocommit=True
                )
            cur = host.probe.execute("SELECT pg_is_in_recovery()")
            standby = bool(cur.fetchone()[0])  # type: ignore[index]
            if standby:
                cur = host.probe.execute("SELECT pg_last_wal_replay_lsn()::text")
                (lsn,) = cur.fetchone()  # type: ignore[misc]
                return True, 0, lsn_int(lsn) if lsn else 0
            cur = host.probe.execute(
                "SELECT pg_current_wal_flush_lsn()::text, pg_walfile_name(pg_current_wal_lsn())"
            )
            lsn, walfile = cur.fetchone()  # type: ignore[misc]
            return False, int(walfile[:8], 16), lsn_int(lsn)
        except psycopg.Error as exc:
            if host.probe is not None:
                host.probe.close()
                host.probe = None
            if host.up:
                self._mark_down(host, exc)
            return None

    def _apply(self, host: Host, seen: tuple[bool, int, int] | None) -> None:
        with self._lock:
            first, host.checked = host.checked == 0.0, time.monotonic()
            if seen is None:
                host.up = False
                return
            if not host.up and not first:
                log.warning("database host %s answers again", host.name)
            # a read (read_at) may have seen a standby further than this probe did
            steady = host.up and host.standby and seen[0]
            host.up, (host.standby, host.timeline, lsn) = True, seen
            host.lsn = max(host.lsn, lsn) if steady else lsn
            host.lag = self._lag(host.lsn) if host.standby else 0.0

    def _lag(self, replayed: int) -> float | None:
        """Seconds since the primary had written WAL this standby has not replayed: the
        oldest recent round whose primary position it lacks (0 when it lacks none; None
        when no primary was ever seen)."""
        if not self._history:
            return None
        missing = next((when for when, lsn in self._history if lsn > replayed), None)
        return 0.0 if missing is None else time.monotonic() - missing

    # -- publishing ------------------------------------------------------------------------

    def current_lsn(self) -> int:
        """The primary's WAL flushed so far: after a commit (with ``synchronous_commit`` on,
        the default) at or past that commit. Not the insert position: on an idle server it
        can point past a page header no standby ever replays."""
        with self.primary() as conn:
            (lsn,) = conn.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()  # type: ignore[misc]
        return lsn_int(lsn)

    def wait_for_replay(self, lsn: int, timeout: float) -> ReplayReport:
        """Wait up to ``timeout`` seconds until every live standby replayed ``lsn``."""
        deadline = time.monotonic() + timeout
        while True:
            self.check()
            with self._lock:
                standbys = [h for h in self.hosts if h.standby]
                down = tuple(h.name for h in standbys if not h.up)
                replayed = tuple(h.name for h in standbys if h.up and h.lsn >= lsn)
                behind = tuple(h.name for h in standbys if h.up and h.lsn < lsn)
            if not behind or time.monotonic() >= deadline:
                if behind or down:
                    log.warning(
                        "published; not yet replayed within %g s by %s, down: %s (they serve "
                        "the previous generation until they replay it)",
                        timeout, ", ".join(behind) or "none", ", ".join(down) or "none",
                    )  # fmt: skip
                return ReplayReport(lsn, replayed, behind, down)
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def status(self) -> list[dict[str, object]]:
        """Each host as last seen (for logs, ``/healthz`` and tests)."""
        self._ensure_checked()
        with self._lock:
            return [
                {"host": h.name, "up": h.up, "role": "standby" if h.standby else "primary",
                 "lag": h.lag, "timeline": h.timeline}
                for h in self.hosts
            ]  # fmt: skip

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for host in self.hosts:
            with self._lock:
                pool, host.pool = host.pool, None
            if pool is not None:
                pool.close()
            if host.probe is not None:
                host.probe.close()
                host.probe = None

    def __enter__(self) -> Databases:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _server_going(exc: BaseException) -> bool:
    """The server is shutting down or crashed (57P01-03, "terminating connection due to
    unexpected postmaster exit") or the connection failed (class 08): the host's failure,
    reported before the connection itself reads as broken. The error may be the one it
    caused: leaving the pipeline after a 57P01 raises "cannot exit pipeline mode while
    busy" (no state) with the 57P01 as its context, which a replica's ``kill -9`` under
    load turned into a 500."""
    seen: BaseException | None = exc
    for _ in range(5):  # the error and the ones it was raised while handling
        if seen is None:
            return False
        state = (seen.sqlstate or "") if isinstance(seen, psycopg.Error) else ""
        if state in ("57P01", "57P02", "57P03") or state.startswith("08"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _HostFailed(Exception):
    """The host, not the query, failed: try another one."""


def _name(conninfo: str) -> str:
    params = conninfo_to_dict(conninfo)
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
