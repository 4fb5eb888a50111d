"""What parsing one file comes to, and what is wrong with a file: the indexer's reports.

A ``Problem`` names a file and a reason and never stops a run; a ``ParseOutcome``
is an article, a deliberate skip, or errors, with any warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from search.article import Article

Severity = Literal["warning", "error"]
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Controls (C0, DEL, C1), line and paragraph separators, and the bidirectional marks and
overrides that can make a terminal line read otherwise than it is written."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` for a terminal line: every character in ``_UNSAFE`` written as an escape.

    A file may be named ``a\\nerror: x.md`` (a newline, then a line that looks like ours);
    printed raw it forges a line of the summary, and an escape sequence can rewrite the
    screen. Well-formed names print unchanged."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one file: reported by path and reason, never fatal to a run."""

    path: str
    reason: str
    severity: Severity = "error"
    line: int | None = None

    def __str__(self) -> str:
        """One line for people, whatever characters the path and the reason hold."""
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return printable(f"{self.severity}: {where}: {self.reason}")


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """The result of parsing one file: an article (possibly with warnings), a skip, or an error."""

    path: str
    article: Article | None = None
    problems: tuple[Problem, ...] = ()
    skipped: str | None = None
    """Why the file was deliberately left out (e.g. ``draft``); not an error."""
    notes: tuple[str, ...] = ()
    """Facts worth a count in the run's summary, not problems (``undated: tried date, …``)."""
