"""The article record: what the indexer produces and every engine consumes.

Records are plain, immutable values with no engine types in them, so the same
records can feed Whoosh today and another engine beside it tomorrow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Severity = Literal["warning", "error"]


@dataclass(frozen=True, slots=True)
class Article:
    """One article, normalised the same way whatever file format it came from."""

    id: str
    """Stable identifier derived from the path relative to the archive root."""
    path: str
    """Path relative to the archive root, with forward slashes."""
    title: str
    body: str
    """Plain text for indexing and snippets (markup and shortcodes removed)."""
    source: str = ""
    """The body as written (Markdown or plain text), for rendering the article page."""
    source_format: Literal["markdown", "text"] = "text"
    summary: str = ""
    date: dt.date | None = None
    modified: dt.date | None = None
    """The last modification (``lastmod``, ``updated``, ``modified``), when the file says."""
    tags: tuple[str, ...] = ()
    publication: str | None = None
    lang: str = "und"
    lang_source: Literal["declared", "folder", "detected", "default"] = "default"
    """What decided ``lang``: a declaration, the language folder, detection, the default."""
    authors: tuple[str, ...] = ()
    volume: str | None = None
    issue: str | None = None
    image_credit: str | None = None
    translation_key: str | None = None
    """Articles sharing this key are translations of each other."""
    content_hash: str = ""


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
