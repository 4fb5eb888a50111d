"""Every setting taken from the environment, read once, typed and checked.

The CLI reads the settings when it starts and the web application when its
factory runs (once per gunicorn worker); both pass the values down, so no
other module reads the environment. A value that cannot be used stops the
process with a message naming the variable.

``ENVIRONMENT`` lists every variable with its meaning; ``docs/operations.md``
documents each of them (a test checks that it does).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from search import limits
from search.registry import DEFAULT_ENGINE, ENGINES

DEFAULT_INDEX = "var/index"
DEFAULT_RATE = "300/minute;burst=120"
"""Five searches a second sustained, 120 at once: far above a person, well below a scraper."""
DEFAULT_TIME = "20/minute;burst=10"
"""Seconds of server time per client: a third of a core sustained, ten seconds at once. A
person's searches take tens of milliseconds; four threads of costly queries spend it in seconds."""
DEFAULT_CONCURRENT = 2
"""Requests of one client in progress at once: a page and a suggestion or an export."""
DEFAULT_SLOTS = 4
"""Requests a worker process runs at once (its threads share one interpreter lock)."""
DEFAULT_COSTLY_SLOTS = 1
"""Costly requests the whole server runs at once (one per worker at most), so a core stays
free for cheap ones."""

DEFAULT_API_MAX_AGE = 60
"""A minute: a reindex shows within that, and a visitor paging back and forth costs nothing."""

_URL_START = re.compile(r"[\s,]+(?=postgres(?:ql)?://)")
DEFAULT_REPLICA_MAX_LAG = 10.0
"""Seconds a PostgreSQL replica may trail its primary and still answer searches."""
DEFAULT_PUBLISH_WAIT = 30.0
"""Seconds a PostgreSQL publish waits for the replicas to replay the new generation."""

ENVIRONMENT: dict[str, str] = {
    "ARCHIVE_SEARCH_INDEX": f"the index directory (default {DEFAULT_INDEX})",
    "ARCHIVE_SEARCH_ENGINE": f"engine of a new or rebuilt index: {', '.join(ENGINES)} "
    f"(default {DEFAULT_ENGINE})",
    "ARCHIVE_SEARCH_PARSE_WORKERS": "processes that parse files while indexing "
    "(default: the CPUs this process may use; 1 parses in the indexer itself)",
    "ARCHIVE_SEARCH_RATE_LIMIT": f"per-client rate, 'COUNT/PERIOD[;burst=N]' or 'off' "
    f"(default {DEFAULT_RATE})",
    "ARCHIVE_SEARCH_RATE_LIMIT_TIME": "per-client seconds of server time, "
    f"'COUNT/PERIOD[;burst=N]' or 'off' (default {DEFAULT_TIME})",
    "ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT": "requests of one client in progress at once, "
    f"0 for no cap (default {DEFAULT_CONCURRENT})",
    "ARCHIVE_SEARCH_SLOTS": f"requests a worker runs at once (default {DEFAULT_SLOTS})",
    "ARCHIVE_SEARCH_COSTLY_SLOTS": "costly requests (fuzzy, short prefixes, many words, "
    f"exports) the whole server runs at once (default {DEFAULT_COSTLY_SLOTS})",
    "ARCHIVE_SEARCH_PUBLIC_URL": "the service's public address, e.g. https://example.org/search: "
    "the absolute URLs it writes (API url/api_url/links, CSV url, redirects) start with it "
    "(default: relative URLs, e.g. /articles/ID); never from the request's Host header",
    "ARCHIVE_SEARCH_RATELIMIT_STORE": "the rate limiter's SQLite file "
    "(default: one per index in /dev/shm or $XDG_RUNTIME_DIR)",
    "ARCHIVE_SEARCH_TRUST_PROXY": "number of reverse proxies in front that set X-Forwarded-For "
    "(default 0)",
    "ARCHIVE_SEARCH_API_MAX_AGE": "seconds API answers may be cached, Cache-Control max-age "
    f"(default {DEFAULT_API_MAX_AGE}; 0: revalidate every time)",
    "ARCHIVE_SEARCH_DATABASE_URL": "PostgreSQL URL(s) of the postgres engine: one URL, several "
    "separated by commas or spaces, or libpq's multi-host postgresql://h1:p1,h2:p2/db; searches "
    "go to replicas, writes to the primary (default: none)",
    "ARCHIVE_SEARCH_REPLICA_MAX_LAG": "seconds a PostgreSQL replica may trail the primary and "
    f"still answer searches (default {DEFAULT_REPLICA_MAX_LAG:g})",
    "ARCHIVE_SEARCH_PUBLISH_WAIT": "seconds a PostgreSQL publish waits for the replicas to replay "
    f"the new generation (default {DEFAULT_PUBLISH_WAIT:g}; 0: do not wait)",
    "ARCHIVE_SEARCH_TIME_LIMIT": "seconds a search may take before it is stopped with the "
    f"search_timeout error (default {limits.SEARCH_TIME_LIMIT:g})",
}


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    index_dir: Path = Path(DEFAULT_INDEX)
    engine: str = DEFAULT_ENGINE
    parse_workers: int | None = None
    """None: as many as the CPUs this process may use."""
    rate_limit: str = DEFAULT_RATE
    """Parsed by ``web.ratelimit.parse_rate`` when the app starts."""
    rate_limit_time: str = DEFAULT_TIME
    """Seconds of server time, parsed the same way."""
    rate_limit_concurrent: int = DEFAULT_CONCURRENT
    slots: int = DEFAULT_SLOTS
    costly_slots: int = DEFAULT_COSTLY_SLOTS
    ratelimit_store: Path | None = None
    trust_proxy: int = 0
    api_max_age: int = DEFAULT_API_MAX_AGE
    public_url: str | None = None
    """``scheme://host[:port][/path]`` without a trailing slash; None: relative URLs."""
    database_urls: tuple[str, ...] = ()
    """PostgreSQL URLs (``split_urls``); () when unset."""
    replica_max_lag: float = DEFAULT_REPLICA_MAX_LAG
    publish_wait: float = DEFAULT_PUBLISH_WAIT
    search_time_limit: float | None = None
    """Set by the web app's factory as ``limits.SEARCH_TIME_LIMIT``; None: left as it is."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (default ``os.environ``); ``SettingsError`` if one is bad.

        An empty variable counts as unset."""
        env = {k: v.strip() for k, v in (os.environ if environ is None else environ).items()}
        engine = env.get("ARCHIVE_SEARCH_ENGINE") or DEFAULT_ENGINE
        if engine not in ENGINES:
            raise SettingsError(
                f"bad ARCHIVE_SEARCH_ENGINE {engine!r}: choose one of {', '.join(ENGINES)}"
            )
        workers = env.get("ARCHIVE_SEARCH_PARSE_WORKERS")
        store = env.get("ARCHIVE_SEARCH_RATELIMIT_STORE")
        return cls(
            index_dir=Path(env.get("ARCHIVE_SEARCH_INDEX") or DEFAULT_INDEX),
            engine=engine,
            parse_workers=_count(workers, "ARCHIVE_SEARCH_PARSE_WORKERS", 1) if workers else None,
            rate_limit=env.get("ARCHIVE_SEARCH_RATE_LIMIT") or DEFAULT_RATE,
            rate_limit_time=env.get("ARCHIVE_SEARCH_RATE_LIMIT_TIME") or DEFAULT_TIME,
            rate_limit_concurrent=_count(
                env.get("ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT") or str(DEFAULT_CONCURRENT),
                "ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT", 0),
            slots=_count(env.get("ARCHIVE_SEARCH_SLOTS") or str(DEFAULT_SLOTS),
                         "ARCHIVE_SEARCH_SLOTS", 1),
            costly_slots=_count(env.get("ARCHIVE_SEARCH_COSTLY_SLOTS") or str(DEFAULT_COSTLY_SLOTS),
                                "ARCHIVE_SEARCH_COSTLY_SLOTS", 1),
            ratelimit_store=Path(store) if store else None,
            trust_proxy=_count(env.get("ARCHIVE_SEARCH_TRUST_PROXY") or "0",
                               "ARCHIVE_SEARCH_TRUST_PROXY", 0),
            api_max_age=_count(env.get("ARCHIVE_SEARCH_API_MAX_AGE") or str(DEFAULT_API_MAX_AGE),
                               "ARCHIVE_SEARCH_API_MAX_AGE", 0),
            public_url=public_url(env["ARCHIVE_SEARCH_PUBLIC_URL"])
            if env.get("ARCHIVE_SEARCH_PUBLIC_URL") else None,
            database_urls=split_urls(env.get("ARCHIVE_SEARCH_DATABASE_URL") or ""),
            replica_max_lag=_seconds(env.get("ARCHIVE_SEARCH_REPLICA_MAX_LAG"),
                                     "ARCHIVE_SEARCH_REPLICA_MAX_LAG", DEFAULT_REPLICA_MAX_LAG),
            publish_wait=_seconds(env.get("ARCHIVE_SEARCH_PUBLISH_WAIT"),
                                  "ARCHIVE_SEARCH_PUBLISH_WAIT", DEFAULT_PUBLISH_WAIT),
            search_time_limit=_seconds(env.get("ARCHIVE_SEARCH_TIME_LIMIT"),
                                       "ARCHIVE_SEARCH_TIME_LIMIT", 0.0) or None,
        )  # fmt: skip


def public_url(text: str) -> str:
    """``http(s)://host[:port][/path]`` without its trailing slash, else ``SettingsError``."""
    parts = urlsplit(text.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or any(c.isspace() or c in '"<>' for c in text.strip())
    ):
        raise SettingsError(
            f"bad ARCHIVE_SEARCH_PUBLIC_URL {text!r}: expected http(s)://host[:port][/path], "
            "without query, fragment or user"
        )
    return text.strip().rstrip("/")


def _count(text: str, name: str, least: int) -> int:
    """A whole number of at least ``least`` in ASCII digits ("²" is a digit to ``isdigit``)."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) < least:
        raise SettingsError(f"bad {name} {text!r}: expected a whole number, at least {least}")
    return int(value)


def split_urls(text: str) -> tuple[str, ...]:
    """Several PostgreSQL URLs in one setting: separated by commas or spaces before each ``postgresql://``
    (a multi-host URL's own commas, and a ``key=value`` conninfo's spaces, stay inside it)."""
    return tuple(part.strip() for part in _URL_START.split(text.strip()) if part.strip())


def _seconds(text: str | None, name: str, default: float) -> float:
    """A finite number of seconds, at least 0, in ASCII (``None`` or empty: ``default``)."""
    if not text:
        return default
    try:
        value = float(text) if text.isascii() else -1.0
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise SettingsError(f"bad {name} {text!r}: expected a number of seconds, at least 0")
    return value
