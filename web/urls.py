"""Search state ↔ query strings: pure helpers that build the links of the search page.

The state is the list of (name, value) pairs of the query string, in order, so
every link is a permalink and the page works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from search.request import EXCLUDE_PREFIX, is_ignored

Pairs = tuple[tuple[str, str], ...]


def state_pairs(items: Iterable[tuple[str, str]]) -> Pairs:
    """The query-string pairs worth keeping in links: no tracking parameters, no empty values."""
    return tuple((k, v) for k, v in items if v.strip() and not is_ignored(k))


def query_string(pairs: Pairs) -> str:
    return urlencode(pairs)


def _same(a: str, b: str) -> bool:
    """Facet values match case-insensitively, as the engine matches them."""
    return a.casefold() == b.casefold()


def _has(pairs: Pairs, name: str, value: str) -> bool:
    return any(k == name and _same(v, value) for k, v in pairs)


def _drop(pairs: Pairs, names: set[str], value: str | None = None) -> Pairs:
    return tuple(
        (k, v) for k, v in pairs if not (k in names and (value is None or _same(v, value)))
    )


def replace(pairs: Pairs, name: str, value: str | None) -> Pairs:
    """Set a scalar (``sort``, ``page``…), ``None`` removes it; other changes reset the page."""
    kept = _drop(pairs, {name} if name == "page" else {name, "page"})
    return (*kept, (name, value)) if value is not None else kept


def toggle(pairs: Pairs, facet: str, value: str) -> Pairs:
    """Select ``value`` in ``facet`` or, if selected, unselect it (back to page 1)."""
    pairs = _drop(pairs, {"page"})
    if _has(pairs, facet, value):
        pairs = _drop(pairs, {facet}, value)
        if facet == "year":
            pairs = tuple(p for p in pairs if not (p[0] == "month" and p[1].startswith(value)))
        return pairs
    return (*_drop(pairs, {EXCLUDE_PREFIX + facet}, value), (facet, value))


def exclude(pairs: Pairs, facet: str, value: str) -> Pairs:
    """Leave ``value``'s articles out (or stop leaving them out)."""
    name = EXCLUDE_PREFIX + facet
    pairs = _drop(pairs, {"page"})
    if _has(pairs, name, value):
        return _drop(pairs, {name}, value)
    return (*_drop(pairs, {facet}, value), (name, value))


def remove(pairs: Pairs, name: str, value: str) -> Pairs:
    return _drop(_drop(pairs, {"page"}), {name}, value)
