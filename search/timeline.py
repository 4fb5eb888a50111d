"""Articles counted over time: the periods of a timeline or a trend, pure NumPy over DocValues.

Engine-neutral, like ``search.facets``: a mask of documents in, counts per period
out. Each interval numbers its periods with one integer key per document (the
year; months since year 0; Monday-based weeks and days since 1970-01-01), so a
timeline is one ``bincount`` between the first and the last key present, empty
periods included (a gap in the archive shows as a gap, not as a shorter axis).

``auto`` picks the finest interval that gives at most ``AUTO_BUCKETS`` periods
over the span of the dated matches, as Kibana's date histogram picks its
interval from the span. An interval asked for by name that would give more than
``MAX_BUCKETS`` periods is widened to the finest one that does not, with a notice.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from search.docvalues import BoolArray, CountArray, DocValues
from search.types import INTERVALS, Bucket, Histogram, Interval

AUTO_BUCKETS = 60
"""About what a chart the width of a results column shows as readable bars."""
MAX_BUCKETS = 2_000
"""Periods one timeline or trend may have (days over five years is 1,827)."""
EPOCH = dt.date(1970, 1, 1)
KeyArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Span:
    """The keys ``lo``..``hi`` (inclusive) of one interval: the periods a chart shows."""

    interval: Interval
    lo: int
    hi: int

    @property
    def size(self) -> int:
        return max(0, self.hi - self.lo + 1)

    def bounds(self, offset: int) -> tuple[dt.date, dt.date]:
        return period_bounds(self.interval, self.lo + offset)


def period_keys(dv: DocValues, interval: Interval) -> KeyArray:
    """Each document's period key (meaningless for undated documents: mask them out)."""
    date = dv.date.astype(np.int64)
    if interval == "year":
        return date // 10000
    if interval == "month":
        return (date // 10000) * 12 + (date // 100 % 100) - 1
    days = dv.days.astype(np.int64)
    return (days + 3) // 7 if interval == "week" else days


def period_bounds(interval: Interval, key: int) -> tuple[dt.date, dt.date]:
    """First and last day of the period ``key`` of ``interval``."""
    if interval == "year":
        return dt.date(key, 1, 1), dt.date(key, 12, 31)
    if interval == "month":
        year, month = divmod(key, 12)
        return dt.date(year, month + 1, 1), dt.date(
            year, month + 1, calendar.monthrange(year, month + 1)[1]
        )
    if interval == "week":
        start = EPOCH + dt.timedelta(days=key * 7 - 3)  # 1970-01-01 was a Thursday
        return start, start + dt.timedelta(days=6)
    day = EPOCH + dt.timedelta(days=key)
    return day, day


def span_of(dv: DocValues, docs: BoolArray, interval: Interval) -> Span | None:
    """The periods from the first dated document of ``docs`` to the last; None if none."""
    dated = docs & (dv.date > 0)
    if not dated.any():
        return None
    keys = period_keys(dv, interval)[dated]
    return Span(interval, int(keys.min()), int(keys.max()))


def choose_span(
    dv: DocValues, docs: BoolArray, asked: Interval | Literal["auto"], notices: list[str]
) -> Span | None:
    """The span of ``docs`` in the interval asked for, or chosen for it (see the module)."""
    if asked == "auto":
        candidates, limit = INTERVALS[::-1], AUTO_BUCKETS  # the finest that fits
    else:
        candidates, limit = INTERVALS[INTERVALS.index(asked) :: -1], MAX_BUCKETS
    span = None
    for interval in candidates:
        span = span_of(dv, docs, interval)
        if span is None or span.size <= limit:
            break
    if span is not None and asked != "auto" and span.interval != asked:
        notices.append(
            f"A timeline by {asked} would have more than {MAX_BUCKETS:,} periods; "
            f"shown by {span.interval} instead."
        )
    return span


def counts(dv: DocValues, docs: BoolArray, span: Span) -> CountArray:
    """Documents of ``docs`` per period of ``span`` (dated ones inside it only)."""
    keys = period_keys(dv, span.interval)[docs & (dv.date > 0)] - span.lo
    keys = keys[(keys >= 0) & (keys < span.size)]
    return np.bincount(keys, minlength=span.size)


def histogram(
    dv: DocValues, docs: BoolArray, asked: Interval | Literal["auto"], notices: list[str]
) -> Histogram:
    """The timeline of ``docs``: every period of their span, and the undated ones beside."""
    undated = int(np.count_nonzero(docs & (dv.date == 0)))
    span = choose_span(dv, docs, asked, notices)
    if span is None:
        return Histogram("year" if asked == "auto" else asked, (), undated)
    found = counts(dv, docs, span).tolist()
    buckets = tuple(Bucket(*span.bounds(i), n) for i, n in enumerate(found))
    return Histogram(span.interval, buckets, undated)
