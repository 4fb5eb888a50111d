"""Gunicorn hooks of ``archive-search serve`` (``--config python:archive_search.gunicorn_conf``).

A worker's threads share one interpreter lock. A thread that gives it up for a
moment (a socket read, an SQLite call, a log line) waits, to get it back, until
the thread holding it has run for the switch interval: 5 ms by default. A cheap
request does a few dozen such calls, so beside a costly search it waited about
as long again as it ran, and more. At 1 ms it waits a fifth of that; the
costly search loses a little throughput, which is the point.
"""

from __future__ import annotations

import sys
from typing import Any

SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the interpreter lock while another waits for it."""


def post_fork(server: Any, worker: Any) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
