"""Dates from front matter values, header lines and file paths.

An article's date is a calendar day (``datetime.date``): a datetime with a time
zone keeps the day as written in its own zone (``2020-10-20T23:30:00-04:00`` is
the 20th), because that is the day the author saw.

Accepted values:

- ``datetime.date`` / ``datetime.datetime`` (YAML and TOML front matter);
- ISO 8601: ``2020-10-20``, ``2020-10-20T10:00:00+02:00``, ``2020-10-20 10:00Z``;
- ``2014-12-24 9:00:36 -0400`` (Hugo/Jekyll style, the zone without a colon);
- ``2014/12/24``, ``24.12.2014`` (day first), ``24 Dec 2014``, ``Dec 24, 2014``,
  ``December 24, 2014``, with or without a weekday;
- RFC 2822 (mail and Usenet ``Date:`` headers): ``Tue, 20 Apr 1993 12:00:00 GMT``.

From a path (only when nothing else gives a date): a file name starting with
``YYYY-MM-DD`` (Jekyll posts), a ``YYYY-MM-DD`` folder, or ``YYYY/MM[/DD]``
folders; a year and month alone give the first of the month. Years outside
1900–2100 in a path are not taken as dates (they are more likely numbers).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*"
    r"(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5})?)?",
    re.IGNORECASE,
)
_SLASHED = re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})")
_DOTTED = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DAY_MONTH_YEAR = re.compile(
    _WEEKDAY + r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<mon>[a-z]+)\.?,?\s+(?P<y>\d{4})\b",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    _WEEKDAY + r"(?P<mon>[a-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b",
    re.IGNORECASE,
)
_PATH_DAY = re.compile(r"(?:^|/)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?=[-_./]|$)")
_PATH_FOLDERS = re.compile(r"(?:^|/)(?P<y>\d{4})/(?P<m>\d{1,2})/(?:(?P<d>\d{1,2})/)?")


def parse_date(value: object) -> dt.date | None:
    """The calendar day ``value`` names, or None when it cannot be read as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > 100:
        return None
    for parser in (_iso, _numeric, _named_month, _rfc2822):
        found = parser(text)
        if found is not None:
            return found
    return None


def date_from_path(relpath: str) -> dt.date | None:
    """A date encoded in the path (``2014-12-24-slug.md``, ``…/2020/10/…``), or None."""
    for match in _PATH_DAY.finditer(relpath):
        found = _make(match["y"], match["m"], match["d"], path=True)
        if found is not None:
            return found
    for match in _PATH_FOLDERS.finditer(relpath):
        found = _make(match["y"], match["m"], match["d"] or "1", path=True)
        if found is not None:
            return found
    return None


def _make(year: str, month: str, day: str, *, path: bool = False) -> dt.date | None:
    y, m, d = int(year), int(month), int(day)
    if path and not 1900 <= y <= 2100:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _iso(text: str) -> dt.date | None:
    match = _ISO.fullmatch(text)
    return _make(match["y"], match["m"], match["d"]) if match else None


def _numeric(text: str) -> dt.date | None:
    for pattern in (_SLASHED, _DOTTED):
        match = pattern.fullmatch(text)
        if match:
            return _make(match["y"], match["m"], match["d"])
    return None


def _named_month(text: str) -> dt.date | None:
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = pattern.match(text)
        if match:
            month = _MONTHS.get(match["mon"].lower())
            if month is not None:
                return _make(match["y"], str(month), match["d"])
    return None


def _rfc2822(text: str) -> dt.date | None:
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
