"""Charts drawn on the server: the geometry of SVG bar and line charts, pure and testable.

The templates only place what these functions computed, so a chart needs no
JavaScript and no inline style (the page's CSP allows none): colours come from
the stylesheet by class. Every chart has a table beside it for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search.types import Bucket, Interval

WIDTH = 720
HEIGHT = 160
LEFT = 44
"""Room for the y-axis labels."""
BOTTOM = 22
"""Room for the x-axis labels."""
TOP = 8
MAX_LABELS = 8
SERIES_CLASSES = 6
"""Line colours in the stylesheet: ``series-0`` … ``series-5``."""


def period_label(interval: Interval, start: dt.date) -> str:
    if interval == "year":
        return str(start.year)
    if interval == "month":
        return start.strftime("%b %Y")
    if interval == "week":
        return f"Week of {start.day} {start.strftime('%b %Y')}"
    return f"{start.day} {start.strftime('%b %Y')}"


def short_label(interval: Interval, start: dt.date) -> str:
    """An x-axis tick: as short as the interval allows."""
    if interval == "year":
        return str(start.year)
    if interval == "month":
        return start.strftime("%b %Y") if start.month == 1 else start.strftime("%b")
    return start.isoformat()


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    start: str
    end: str
    href: str | None
    """None for an empty period: nothing to go to, and no stop for the keyboard."""
    in_range: bool


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    baseline: float


def _tick_every(count: int) -> int:
    return max(1, -(-count // MAX_LABELS))


def _y_ticks(top: int) -> tuple[Tick, ...]:
    plot = HEIGHT - TOP - BOTTOM
    return (Tick(LEFT - 6, TOP + 4, f"{top:,}"), Tick(LEFT - 6, TOP + plot, "0"))


def bar_chart(
    interval: Interval,
    buckets: Sequence[Bucket],
    href: Callable[[Bucket], str],
    selected: Callable[[Bucket], bool] = lambda bucket: False,
) -> BarChart:
    """Bars of ``buckets``; ``href`` links a period; ``selected`` says which the date filters
    chose (they stand out)."""
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - TOP - BOTTOM
    top = max([b.count for b in buckets] + [1])
    step = plot_w / max(1, len(buckets))
    gap = min(2.0, step * 0.2)
    bars = []
    for i, bucket in enumerate(buckets):
        h = plot_h * bucket.count / top
        bars.append(
            Bar(
                x=round(LEFT + i * step + gap / 2, 2),
                y=round(TOP + plot_h - h, 2),
                width=round(max(step - gap, 0.5), 2),
                height=round(h, 2),
                label=period_label(interval, bucket.start),
                count=bucket.count,
                start=bucket.start.isoformat(),
                end=bucket.end.isoformat(),
                href=href(bucket) if bucket.count else None,
                in_range=selected(bucket),
            )
        )
    every = _tick_every(len(buckets))
    x_ticks = tuple(
        Tick(round(LEFT + (i + 0.5) * step, 2), HEIGHT - 6, short_label(interval, b.start))
        for i, b in enumerate(buckets)
        if i % every == 0
    )
    return BarChart(WIDTH, HEIGHT, tuple(bars), x_ticks, _y_ticks(top), TOP + plot_h)


@dataclass(frozen=True)
class Line:
    name: str
    css: str
    points: str
    """The ``points`` attribute of an SVG polyline."""
    dots: tuple[Tick, ...]
    """One marker per period, its ``text`` what a tooltip says."""


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    baseline: float


def line_chart(
    interval: Interval,
    starts: Sequence[dt.date],
    series: Sequence[tuple[str, Sequence[float]]],
    fmt: Callable[[float], str],
) -> LineChart:
    """One line per named series of values over the periods beginning at ``starts``."""
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - TOP - BOTTOM
    top = max([v for _, values in series for v in values] + [0.0]) or 1.0
    step = plot_w / max(1, len(starts))
    lines = []
    for n, (name, values) in enumerate(series):
        dots = tuple(
            Tick(
                round(LEFT + (i + 0.5) * step, 2),
                round(TOP + plot_h - plot_h * v / top, 2),
                f"{name}, {period_label(interval, starts[i])}: {fmt(v)}",
            )
            for i, v in enumerate(values)
        )
        points = " ".join(f"{d.x},{d.y}" for d in dots)
        lines.append(Line(name, f"series-{n % SERIES_CLASSES}", points, dots))
    every = _tick_every(len(starts))
    x_ticks = tuple(
        Tick(round(LEFT + (i + 0.5) * step, 2), HEIGHT - 6, short_label(interval, s))
        for i, s in enumerate(starts)
        if i % every == 0
    )
    y_ticks = (Tick(LEFT - 6, TOP + 4, fmt(top)), Tick(LEFT - 6, TOP + plot_h, fmt(0)))
    return LineChart(WIDTH, HEIGHT, tuple(lines), x_ticks, y_ticks, TOP + plot_h)
