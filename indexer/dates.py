"""The one date reader: every source's date values, and which of them dates an article.

An article's date is a calendar day (``datetime.date``): a datetime with a time
zone keeps the day as written in its own zone (``2020-10-20T23:30:00-04:00`` is
the 20th), because that is the day the author saw.

Values read (``parse_date``):

- ``datetime.date`` / ``datetime.datetime`` (YAML and TOML front matter);
- ISO 8601 and its common relaxations, with any offset form: ``2020-10-20``,
  ``2020-10-20T10:00:00+02:00``, ``2015-03-17 14:00:00 -4``, ``-04``,
  ``-0400``, ``Z``, a zone name;
- RFC 2822 (mail and Usenet ``Date:`` headers): ``Tue, 20 Apr 1993 12:00:00 GMT``;
- ``March 5, 2019``, ``5 March 2019``, ``2019/3/5``, ``24.12.2014`` (day
  first), with or without a weekday or a time (python-dateutil reads these);
- Unix seconds (a number, or 9 to 10 digits, 1973–2100);
- a value with words left over after a complete date, as some generators
  write it (``2023-01-29 18:30:22 2023 -0800``): the longest leading part
  that is a complete date is taken. A value that names no complete day
  (``March 2019``, ``2019``) is not a date: no day is ever invented.

Which value dates an article (``choose_date``), as Hugo and Jekyll do: the
first readable of the keys ``date``, then ``publishDate``, ``pubDate``,
``published``, ``created``; else a date in the file name
(``2016-10-06-jekyll-3-3-is-here.md``); else one in the ``path``, ``url``,
``permalink`` or ``slug`` key (``2021/07/29/slug``); else the folders
(``…/2020/10/…``, ``…/2020-10-20/…``; a year and month give the first of the
month). A value that cannot be read is a warning and the next source is
tried. The keys ``lastmod``, ``updated``, ``modified`` give the modified date
(``choose_modified``). Years outside 1900–2100 in a path are not taken as
dates (they are more likely numbers).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dateutil import parser as dateutil_parser  # type: ignore[import-untyped]

DATE_KEYS = ("date", "publishdate", "pubdate", "published", "created")
"""Front matter keys (lower-cased) of the publication date, in order of precedence."""
PATH_KEYS = ("path", "url", "permalink", "slug")
"""Keys whose value is a path that may hold a date (static-site generators)."""
MODIFIED_KEYS = ("lastmod", "updated", "modified")
MAX_VALUE_CHARS = 100
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*"
    r"(?:Z|[+-]\d{1,2}(?::?\d{2})?|[A-Z]{2,5})?)?",
    re.IGNORECASE,
)
_UNIX = re.compile(r"\d{9,10}(?:\.\d+)?")
_UNIX_RANGE = (100_000_000, 4_102_444_800)  # 1973-03-03 .. 2100-01-01
_ZONE = re.compile(r"(?<=\d)\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
"""A trailing offset in any form (``-4``, ``-04``, ``-0400``, ``-04:00``): made ``-04:00``."""
_FILE_NAME_DAY = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")
_PATH_DAY = re.compile(r"(?:^|/)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?=[-_./]|$)")
_PATH_FOLDERS = re.compile(r"(?:^|/)(?P<y>\d{4})/(?P<m>\d{1,2})/(?:(?P<d>\d{1,2})(?:/|$))?")
_DEFAULTS = (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2))
"""dateutil fills what a value lacks from its default: a value read alike under both names
a whole day; one that differs lacks a part."""


def parse_date(value: object) -> dt.date | None:
    """The calendar day ``value`` names, or None when it does not name one completely."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _unix(float(value))
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > MAX_VALUE_CHARS:
        return None
    found = _whole(text)
    if found is not None:
        return found
    # words left over after a complete date ("… 18:30:22 2023 -0800"): the longest
    # leading part that is a complete date, never less than a day
    words = text.split(" ")
    for end in range(len(words) - 1, 0, -1):
        found = _whole(" ".join(words[:end]))
        if found is not None:
            return found
    return None


def _whole(text: str) -> dt.date | None:
    match = _ISO.fullmatch(text)
    if match:
        return _make(match["y"], match["m"], match["d"])
    if _UNIX.fullmatch(text):
        return _unix(float(text))
    found = _rfc2822(text)
    return found if found is not None else _dateutil(text)


def _unix(seconds: float) -> dt.date | None:
    if not _UNIX_RANGE[0] <= seconds < _UNIX_RANGE[1]:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date()


def _rfc2822(text: str) -> dt.date | None:
    if "," not in text and not text[:1].isdigit():
        return None
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _dateutil(text: str) -> dt.date | None:
    """A complete day read by python-dateutil (day first only in ``24.12.2014``), or None."""
    if not any(char.isdigit() for char in text):
        return None
    text = _ZONE.sub(_zone, text)
    dayfirst = bool(re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}.*", text))
    days = []
    for default in _DEFAULTS:
        try:
            found = dateutil_parser.parse(text, default=default, dayfirst=dayfirst)
        except (ValueError, OverflowError, TypeError):
            return None
        days.append(found.date())
    return days[0] if days[0] == days[1] else None


def _zone(match: re.Match[str]) -> str:
    sign, hours, minutes = match.group(1), int(match.group(2)), match.group(3) or "00"
    return f" {sign}{hours:02d}:{minutes}"


def _make(year: str, month: str, day: str, *, path: bool = False) -> dt.date | None:
    y, m, d = int(year), int(month), int(day)
    if path and not 1900 <= y <= 2100:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def date_from_file_name(relpath: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` day in the file's name (Jekyll posts, Hugo's ``:filename``), or None."""
    name = relpath.rsplit("/", 1)[-1]
    for match in _FILE_NAME_DAY.finditer(name):
        found = _make(match["y"], match["m"], match["d"], path=True)
        if found is not None:
            return found
    return None


def date_from_path(relpath: str) -> dt.date | None:
    """A date in the folders of a path (``2014-12-24/``, ``2020/10/``, ``2021/07/29/slug``)."""
    for match in _PATH_DAY.finditer(relpath):
        found = _make(match["y"], match["m"], match["d"], path=True)
        if found is not None:
            return found
    for match in _PATH_FOLDERS.finditer(relpath):
        found = _make(match["y"], match["m"], match["d"] or "1", path=True)
        if found is not None:
            return found
    return None


@dataclass(frozen=True, slots=True)
class DateChoice:
    date: dt.date | None
    source: str | None
    """The key, ``file name`` or ``folders`` that gave the date; None when undated."""
    warnings: tuple[str, ...] = ()
    tried: tuple[str, ...] = ()
    """What was looked at, in order (reported for an undated article)."""

    def undated_note(self) -> str:
        return "undated (tried " + ", ".join(self.tried) + ")"


def choose_date(meta: Mapping[str, object], relpath: str) -> DateChoice:
    """The article's date from ``meta`` (keys lower-cased) and its path, by precedence."""
    warnings: list[str] = []
    tried: list[str] = []
    for key in DATE_KEYS:
        value = meta.get(key)
        if value is None or value == "" or isinstance(value, bool):
            continue
        tried.append(key)
        found = parse_date(value)
        if found is not None:
            return DateChoice(found, key, tuple(warnings), tuple(tried))
        warnings.append(f"unreadable date {key}: {str(value)[:80]!r}")
    tried.append("file name")
    found = date_from_file_name(relpath)
    if found is not None:
        return DateChoice(found, "file name", tuple(warnings), tuple(tried))
    for key in PATH_KEYS:
        value = meta.get(key)
        if isinstance(value, str) and value:
            tried.append(key)
            found = date_from_path(value.strip().strip("/") + "/")
            if found is not None:
                return DateChoice(found, key, tuple(warnings), tuple(tried))
    tried.append("folders")
    folder = relpath.rsplit("/", 1)[0] + "/" if "/" in relpath else ""
    found = date_from_path(folder)
    if found is not None:
        return DateChoice(found, "folders", tuple(warnings), tuple(tried))
    return DateChoice(None, None, tuple(warnings), tuple(tried))


def choose_modified(meta: Mapping[str, object]) -> dt.date | None:
    """The last modification (``lastmod``, ``updated``, ``modified``), or None."""
    for key in MODIFIED_KEYS:
        found = parse_date(meta.get(key))
        if found is not None:
            return found
    return None
