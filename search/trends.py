"""Term trends: how many articles matched each query in each period, and what share of all
the articles of that period that is (so a growing archive does not fake a trend).

Engine-neutral: each query is selected as a search selects it (same query
semantics, same filters and date range, the same any-word fallback), and the
periods are counted with ``search.timeline`` over a span shared by every series:
the span of all the articles the filters let through, so the series line up and
a share's denominator is the same for each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from search.errors import BadRequest
from search.query import parse_query
from search.timeline import choose_span, counts
from search.types import Interval, SearchRequest

if TYPE_CHECKING:
    from search.engine_base import BaseEngine

MAX_SERIES = 6


@dataclass(frozen=True, slots=True)
class Series:
    q: str
    interpreted: str
    counts: tuple[int, ...]
    """Matching articles per period."""
    shares: tuple[float, ...]
    """``counts`` divided by all the articles of the period (0 where there are none)."""

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Trends:
    interval: Interval
    periods: tuple[tuple[dt.date, dt.date], ...]
    """First and last day of each period."""
    totals: tuple[int, ...]
    """All articles per period under the same filters: the shares' denominators."""
    series: tuple[Series, ...]
    notices: tuple[str, ...]
    generation: str


def trends(
    engine: BaseEngine,
    queries: Sequence[str],
    request: SearchRequest,
    interval: Interval | Literal["auto"] = "auto",
) -> Trends:
    """One series per query of ``queries``; ``request`` gives the filters (its query unused)."""
    if not queries or len(queries) > MAX_SERIES:
        raise BadRequest(f"give from 1 to {MAX_SERIES} queries (q=…&q=…)", code="bad_series")
    notices: list[str] = []
    dv = engine.docvalues
    base = engine.select(parse_query(""), dataclasses.replace(request, q=""), notices).allowed
    span = choose_span(dv, base, interval, notices)
    if span is None:
        chosen: Interval = "year" if interval == "auto" else interval
        empty = tuple(Series(q, q, (), ()) for q in queries)
        return Trends(chosen, (), (), empty, tuple(notices), engine.generation.name)
    totals = counts(dv, base, span).tolist()
    series = []
    for q in queries:
        sel = engine.select(
            parse_query(q, request.match), dataclasses.replace(request, q=q), notices
        )
        found = counts(dv, sel.allowed, span).tolist()
        shares = tuple(n / t if t else 0.0 for n, t in zip(found, totals, strict=True))
        series.append(Series(q, sel.parsed.interpreted(), tuple(found), shares))
    periods = tuple(span.bounds(i) for i in range(span.size))
    return Trends(
        span.interval,
        periods,
        tuple(totals),
        tuple(series),
        tuple(dict.fromkeys(notices)),
        engine.generation.name,
    )
