"""Pelican / MultiMarkdown metadata lines: ``Key: value`` lines at the top, no ``---``.

As Pelican's Markdown reader (Python-Markdown's ``meta`` extension) and
MultiMarkdown read them: from the first line, every line is ``Key: value``
(a line indented by four spaces or a tab continues the value before it), up
to the first blank line; the body follows. Keys are matched
case-insensitively and become the same fields as front matter keys (``Title``,
``Date``, ``Modified``, ``Tags``, ``Category``, ``Author``/``Authors``,
``Summary``, ``Lang``, ``Slug``…).

A block is taken as metadata only when it names a ``Title``: plain text whose
first line happens to hold a colon (``Analysis: the vote``) is not metadata,
and a mail header block (``From:``/``Subject:``) is left to
``indexer.plaintext``.
"""

from __future__ import annotations

import re

from indexer.frontmatter_article import FrontMatter

MAX_LINES = 50
_LINE = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9_ -]{0,40}?)\s*:(?:[ \t]+(?P<value>.*)|[ \t]*)")
_MAIL = frozenset({"from", "subject"})


def read_metadata_lines(text: str) -> FrontMatter | None:
    """The metadata and body of ``text`` when it opens with metadata lines naming a title."""
    lines = text.split("\n", MAX_LINES + 1)
    meta: dict[str, object] = {}
    last: str | None = None
    for index, line in enumerate(lines[:MAX_LINES]):
        if not line.strip():
            return _finish(meta, "\n".join(lines[index + 1 :]))
        if last is not None and line.startswith(("    ", "\t")):
            meta[last] = f"{meta[last]} {line.strip()}".strip()
            continue
        match = _LINE.fullmatch(line.rstrip())
        if match is None:
            return None
        last = match["key"].strip().lower()
        if last in _MAIL:  # a mail header block, never metadata: known without reading on
            return None
        meta.setdefault(last, (match["value"] or "").strip())
    return None


def _finish(meta: dict[str, object], body: str) -> FrontMatter | None:
    if "title" not in meta:
        return None
    return FrontMatter("metadata", meta, body)
