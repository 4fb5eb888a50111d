"""The article page opened from results (``?hl=``): the query's matches marked in the body.

The body is HTML already sanitised (``web.render``); its text between tags is
searched with the engine's own highlighting (what the snippets mark, see
``search.highlight``), and each match is wrapped in ``<mark id="hl-N">``. The
page lists the matches as links to those anchors, so "next match" works without
JavaScript. A match that spans two elements (a phrase half in bold) is not marked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from markupsafe import Markup, escape

MAX_MARKS = 200
"""Matches marked at most on one page: past this, an anchor list helps nobody."""
_TAG = re.compile(r"(<[^>]*>)")

Spans = Callable[[str], list[tuple[int, int]]]


def mark_html(body: Markup, spans_of: Spans) -> tuple[Markup, int]:
    """``body`` with its matches marked, and how many were."""
    count = 0
    out: list[str] = []
    for part in _TAG.split(str(body)):
        if not part or part.startswith("<") or count >= MAX_MARKS:
            out.append(part)
            continue
        text = html.unescape(part)
        last = 0
        for start, end in spans_of(text):
            if count >= MAX_MARKS:
                break
            count += 1
            out.append(str(escape(text[last:start])))
            out.append(f'<mark id="hl-{count}">{escape(text[start:end])}</mark>')
            last = end
        out.append(str(escape(text[last:])) if last else part)
    return Markup("".join(out)), count  # noqa: S704 - escaped text, our own tags
