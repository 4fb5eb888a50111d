"""A request's clock and its place in the worker's queue: cheap requests first.

Every request gets the search time cap (``search.deadline``) from the moment
it arrives, so time spent waiting counts against it; whatever runs out of
time answers 503, in the one error shape, instead of running on. The work
stops ``ANSWER_MARGIN`` before the cap: the checks are a few tens of
milliseconds apart (more on a loaded machine), and the answer itself must
still be written, so that it reaches the client by the cap, not after it.

Each worker process runs at most ``slots`` requests at once, one of them
costly; and the whole server runs at most ``costly_slots`` costly requests at
once, whichever worker they reached (a lock file per slot, ``fcntl.flock``,
released by the kernel if a worker dies), so a core stays free for cheap ones.
A worker's threads share one interpreter lock, so running more at once buys
no throughput; the point is latency: a cheap request never queues behind a
costly one, and when requests must wait, cheap ones are let in before costly
ones (then in order of arrival). A request that cannot get in before its
deadline answers 503 with ``Retry-After``. ``/healthz`` and static files never
wait.

Whether a request is costly is estimated before it runs, from what makes a
search slow here (``estimate``): fuzzy words and short prefixes (each scans the
vocabulary), many words, ``match=any``, exports; and a client that has spent
most of its time budget (``web.ratelimit``) has its requests treated as costly.

Configuration (app config; ``create_app`` fills it from ``archive_search.settings``):
``ADMISSION_SLOTS`` (``$ARCHIVE_SEARCH_SLOTS``) and ``ADMISSION_COSTLY_SLOTS``
(``$ARCHIVE_SEARCH_COSTLY_SLOTS``).
"""

from __future__ import annotations

import fcntl
import hashlib
import heapq
import itertools
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, current_app, g, request

from archive_search.settings import DEFAULT_COSTLY_SLOTS, DEFAULT_SLOTS
from search import deadline, limits
from web import ratelimit
from web.errors import error_response
from web.ratelimit import runtime_dir

ANSWER_MARGIN = 0.1
"""Seconds before the time cap at which a request's work stops (see above)."""
COSTLY_POINTS = 12
"""An estimate at or above this is costly (a plain word is 1 point; see ``estimate``)."""
SPENT_SHARE_COSTLY = 0.5
"""A client that has used this share of its time budget is served as a costly one."""
EXTENSION_KEY = "archive_search.admission"
EXEMPT_PATHS = ("/healthz",)
EXEMPT_PREFIXES = ("/static/",)
COSTLY_PATHS = ("/api/v1/export",)
_WORD = re.compile(r"\S+")


def estimate(path: str, args: Mapping[str, Sequence[str]]) -> int:
    """Points for what a request will cost, from its path and parameters alone (pure).

    A plain word is 1; a fuzzy word (``~``) 6 and a prefix (``*``) 3, or 6 when its
    stem is under 4 characters (both scan the vocabulary); ``match=any`` doubles the
    words' points; an export is costly whatever its query.
    """
    if path in COSTLY_PATHS:
        return COSTLY_POINTS
    points = 0
    for q in args.get("q", ()):
        for word in _WORD.findall(q):
            if "~" in word:
                points += 6
            elif word.endswith("*"):
                points += 6 if len(word.strip("*\"'(+-")) < 4 else 3
            else:
                points += 1
    if "any" in args.get("match", ()):
        points *= 2
    return points


@dataclass(order=True)
class _Waiter:
    costly: bool
    arrival: int
    granted: bool = field(default=False, compare=False)
    gone: bool = field(default=False, compare=False)


class Gate:
    """At most ``slots`` requests at once, ``costly_slots`` of them costly; cheap ones first."""

    def __init__(self, slots: int, costly_slots: int) -> None:
        self.slots = max(1, slots)
        self.costly_slots = max(1, min(costly_slots, self.slots))
        self.active = 0
        self.active_costly = 0
        self._waiting: list[_Waiter] = []
        self._arrivals = itertools.count()
        self._changed = threading.Condition()

    def enter(self, costly: bool, timeout: float) -> bool:
        """Wait for a slot at most ``timeout`` seconds; False when none came in time."""
        waiter = _Waiter(costly, next(self._arrivals))
        ends = time.monotonic() + timeout
        with self._changed:
            heapq.heappush(self._waiting, waiter)
            self._dispatch()
            while not waiter.granted:
                left = ends - time.monotonic()
                if left <= 0:
                    waiter.gone = True
                    return False
                self._changed.wait(left)
        return True

    def leave(self, costly: bool) -> None:
        with self._changed:
            self.active -= 1
            self.active_costly -= costly
            self._dispatch()

    def _dispatch(self) -> None:
        """Let in waiters, cheap ones first; a costly one that does not fit keeps its place."""
        passed_over: list[_Waiter] = []
        granted = False
        while self._waiting and self.active < self.slots:
            waiter = heapq.heappop(self._waiting)
            if waiter.gone:
                continue
            if waiter.costly and self.active_costly >= self.costly_slots:
                passed_over.append(waiter)
                continue
            waiter.granted, granted = True, True
            self.active += 1
            self.active_costly += waiter.costly
        for waiter in passed_over:
            heapq.heappush(self._waiting, waiter)
        if granted:
            self._changed.notify_all()


class CostlyLanes:
    """``count`` lanes for costly requests shared by every worker: one lock file each."""

    POLL = 0.01
    """Seconds between two tries while every lane is taken."""

    def __init__(self, base: Path, count: int) -> None:
        self.paths = [base.with_name(f"{base.name}-lane{n}") for n in range(max(1, count))]

    def take(self, timeout: float) -> int | None:
        """An open, locked lane file (its descriptor), or None when none came in time."""
        ends = time.monotonic() + timeout
        while True:
            for path in self.paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return fd
            if time.monotonic() + self.POLL > ends:
                return None
            time.sleep(self.POLL)

    @staticmethod
    def give_back(fd: int) -> None:
        os.close(fd)  # closing the descriptor releases its lock


def lanes_path(index_dir: str, runtime_dir: Path) -> Path:
    """Where the lane files of the server serving ``index_dir`` live."""
    key = hashlib.sha256(str(Path(index_dir).resolve()).encode()).hexdigest()[:16]
    return runtime_dir / f"archive-search-costly-{key}"


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


_CLOCK = "admission_clock"
_ADMITTED = "admission_costly"
_LANE = "admission_lane"
LANES_KEY = "archive_search.costly_lanes"


def start_clock() -> None:
    g.setdefault(_CLOCK, deadline.start(max(limits.SEARCH_TIME_LIMIT - ANSWER_MARGIN, 0.0)))


def stop_clock(_exc: BaseException | None = None) -> None:
    token = g.pop(_CLOCK, None)
    if token is not None:
        deadline.stop(token)


def is_costly(path: str, args: Mapping[str, Sequence[str]]) -> bool:
    decision = ratelimit.current()
    if decision is not None and decision.spent_share >= SPENT_SHARE_COSTLY:
        return True
    return estimate(path, args) >= COSTLY_POINTS


def enter() -> Response | None:
    gate: Gate | None = current_app.extensions.get(EXTENSION_KEY)
    if gate is None or _exempt(request.path):
        return None
    costly = is_costly(request.path, request.args.to_dict(flat=False))
    if not gate.enter(costly, max(deadline.remaining(), 0.0)):
        return _busy()
    g.setdefault(_ADMITTED, costly)
    lanes: CostlyLanes | None = current_app.extensions.get(LANES_KEY)
    if costly and lanes is not None:
        try:
            lane = lanes.take(max(deadline.remaining(), 0.0))
        except OSError:  # no runtime directory after all: the worker's own cap still holds
            return None
        if lane is None:
            return _busy()
        g.setdefault(_LANE, lane)
    return None


def _busy() -> Response:
    response = error_response(
        "overloaded", "the service is busy with other searches: try again in a second", 503
    )
    response.headers["Retry-After"] = "1"
    return response


def leave(_exc: BaseException | None = None) -> None:
    lane = g.pop(_LANE, None)
    if lane is not None:
        CostlyLanes.give_back(lane)
    costly = g.pop(_ADMITTED, None)
    gate: Gate | None = current_app.extensions.get(EXTENSION_KEY)
    if gate is not None and costly is not None:
        gate.leave(costly)


def _slots(app: Flask, key: str, default: int) -> int:
    value = app.config.get(key)
    slots = default if value is None else int(value)
    if slots < 1:
        raise ValueError(f"bad {key} {value!r}: expected a number of requests, at least 1")
    return slots


def init_clock(app: Flask) -> None:
    """The clock first, before any other hook, so every route is under the time cap."""
    app.before_request(start_clock)
    app.teardown_request(stop_clock)


def init_app(app: Flask) -> None:
    """The queue, after the rate limiter (a refused request never queues)."""
    slots = _slots(app, "ADMISSION_SLOTS", DEFAULT_SLOTS)
    costly = _slots(app, "ADMISSION_COSTLY_SLOTS", DEFAULT_COSTLY_SLOTS)
    app.extensions[EXTENSION_KEY] = Gate(slots, 1)  # one costly request per worker
    lanes = lanes_path(app.config["INDEX_DIR"], runtime_dir())
    app.extensions[LANES_KEY] = CostlyLanes(lanes, costly)  # and `costly` in all
    app.before_request(enter)
    app.teardown_request(leave)
