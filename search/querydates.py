"""Dates in the query language: ``2020``, ``2020-01..2020-12``, ``..2019``, ``>=2020-01``.

A date keeps the precision it was typed at, so ``2020-01..2020-03`` runs from
the first day of January to the last day of March, and the interpreted query
shows it as typed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DatePoint:
    """A date at the precision it was typed: month and day are 0 when not given."""

    year: int
    month: int = 0
    day: int = 0

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def __str__(self) -> str:
        if not self.month:
            return f"{self.year:04d}"
        if not self.day:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


Bounds = tuple[DatePoint | None, DatePoint | None]
"""Inclusive start and end; None is an open end."""


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_date_point(text: str) -> DatePoint | None:
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day = (int(part) if part else 0 for part in match.groups())
    point = DatePoint(year, month, day)
    try:
        point.first_day()
        point.last_day()
    except ValueError:
        return None
    return point if year >= 1 else None


def parse_date_range(value: str) -> Bounds | None:
    """``2020``, ``2020-01..2020-12``, ``..2019``, ``>=2020-01``, ``<2020``; None if not a date."""
    text = value.strip()
    for operator in (">=", "<=", ">", "<"):
        if text.startswith(operator):
            point = parse_date_point(text[len(operator) :])
            return None if point is None else _compare(operator, point)
    if ".." in text:
        left, _, right = text.partition("..")
        start = parse_date_point(left) if left else None
        end = parse_date_point(right) if right else None
        if (left and start is None) or (right and end is None) or (start is end is None):
            return None
        if start and end and start.first_day() > end.last_day():
            start, end = end, start
        return (start, end)
    point = parse_date_point(text)
    return None if point is None else (point, point)


def _compare(operator: str, point: DatePoint) -> Bounds | None:
    if operator == ">=":
        return (point, None)
    if operator == "<=":
        return (None, point)
    step = 1 if operator == ">" else -1
    neighbour = _step(point, step)
    if neighbour is None:  # before year 1 or after 9999: nothing is there
        return None
    return (neighbour, None) if step > 0 else (None, neighbour)


def _step(point: DatePoint, step: int) -> DatePoint | None:
    """The next (or previous) year, month or day, at the precision ``point`` was typed."""
    if not point.month:
        year = point.year + step
        return DatePoint(year) if 1 <= year <= 9999 else None
    if not point.day:
        index = point.year * 12 + point.month - 1 + step
        year, month = divmod(index, 12)
        return DatePoint(year, month + 1) if 1 <= year <= 9999 else None
    try:
        day = point.first_day() + dt.timedelta(days=step)
    except OverflowError:
        return None
    return DatePoint(day.year, day.month, day.day)
