"""What parsing one file comes to, and what is wrong with a file: the indexer's reports.

A ``Problem`` names a file and a reason and never stops a run; a ``ParseOutcome``
is an article, a deliberate skip, or errors, with any warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from search.records import Article

Severity = Literal["warning", "error"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one file: reported by path and reason, never fatal to a run."""

    path: str
    reason: str
    severity: Severity = "error"
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{self.severity}: {where}: {self.reason}"


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
