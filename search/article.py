"""The article record: what the indexer produces and every engine consumes.

Records are plain, immutable values with no engine types in them, so the same
records can feed Whoosh today and another engine beside it tomorrow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal


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
    lang_source: Literal["declared", "folder", "detected", "site", "default"] = "default"
    """What decided ``lang``: a declaration, the language folder, detection, the default."""
    authors: tuple[str, ...] = ()
    volume: str | None = None
    issue: str | None = None
    image_credit: str | None = None
    translation_key: str | None = None
    """Articles sharing this key are translations of each other."""
    content_hash: str = ""
    source_url: str | None = None
    """The article's own address on the web, when the archive gives one (a table's
    ``url``/``link``/``source`` column; front matter's ``canonical_url``, ``canonical``,
    ``url``, ``permalink`` or ``link`` when absolute): stored and shown, not indexed."""
