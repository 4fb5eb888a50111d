"""Safe snippets and title highlighting: pure, engine-neutral.

The engine finds which character spans of a text matched (``match_spans`` in
the engine's query builder); this module picks the fragments worth showing
and renders them. HTML is safe by construction: every piece of text is
escaped, and the only tags added are our own ``<mark>``/``</mark>`` around
matched spans, so no input can inject markup.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from search.types import Snippet

ELLIPSIS = "…"
_MAX_ANCHORS = 200
"""Candidate fragments evaluated per text: a long text with thousands of matches stays fast."""
_SNAP = 20
"""How far (in characters) a fragment's start may move back to begin at a word."""


def clean_spans(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans clipped to the text, sorted, with overlapping and touching ones merged."""
    merged: list[tuple[int, int]] = []
    size = len(text)
    clipped = sorted([(max(0, s), min(size, e)) for s, e in spans])
    for start, end in clipped:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` escaped, with ``<mark>`` around ``spans`` (sorted, disjoint, inside the text)."""
    # Most fragments hold nothing to escape: one search instead of an escape per piece.
    escape = html.escape if _ESCAPABLE.search(text) else _unchanged
    parts: list[str] = []
    position = 0
    for start, end in spans:
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def _unchanged(text: str) -> str:
    return text


def highlight_all(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """A whole title, escaped, with its matched spans marked."""
    return marked_html(text, clean_spans(text, spans))


class _Window(NamedTuple):
    # a tuple: built by the hundred per long text, and a frozen dataclass's __init__ is slow
    start: int
    end: int
    words: frozenset[str]
    matched: int


def make_snippets(
    text: str,
    spans: Sequence[tuple[int, int]],
    *,
    max_fragments: int = 3,
    fragment_chars: int = 220,
) -> tuple[Snippet, ...]:
    """Up to ``max_fragments`` fragments with the most, and most varied, matches, in text order.

    With no spans, one fragment from the start of the text; with no text, none.
    """
    if _NON_SPACE.search(text) is None or max_fragments < 1:
        return ()
    size = max(fragment_chars, 20)
    matched = clean_spans(text, spans)
    if not matched:
        end = _snap_end(text, 0, min(len(text), size), size // 2)
        return (_snippet(text, 0, end, []),)
    windows = _choose(_candidates(text, matched, size), max_fragments)
    return tuple(_snippet(text, w.start, w.end, matched) for w in windows)


def _candidates(text: str, spans: list[tuple[int, int]], size: int) -> list[_Window]:
    starts = [s for s, _ in spans]
    folded = [text[s:e].casefold() for s, e in spans]
    step = max(1, -(-len(spans) // _MAX_ANCHORS))
    lead, half, length = size // 5, size // 2, len(text)
    windows = []
    for anchor_start, anchor_end in spans[::step]:
        start = max(0, anchor_start - lead)
        end = min(length, start + size)
        start = max(0, min(start, end - size))  # near the end of the text: use the room before
        start = _snap_start(text, start, anchor_start)
        end = _snap_end(text, start, end, max(anchor_end, start + half))
        first = bisect.bisect_left(starts, start)
        last = bisect.bisect_left(starts, end)
        # the spans are sorted and disjoint: only the last one may run past the end
        if last > first and spans[last - 1][1] > end:
            last -= 1
        if last > first:
            windows.append(_Window(start, end, frozenset(folded[first:last]), last - first))
        else:
            word = text[anchor_start : min(anchor_end, end)].casefold()
            windows.append(_Window(start, end, frozenset([word]), 1))
    return windows


def _choose(candidates: list[_Window], limit: int) -> list[_Window]:
    chosen: list[_Window] = []
    shown: set[str] = set()
    free = candidates  # those overlapping no chosen window, in their order
    while len(chosen) < limit and free:
        best = max(free, key=lambda w: (len(w.words - shown), len(w.words), w.matched, -w.start))
        chosen.append(best)
        shown |= best.words
        free = [w for w in free if w.end <= best.start or w.start >= best.end]
    return sorted(chosen, key=lambda w: w.start)


def _snap_start(text: str, start: int, anchor: int) -> int:
    """Move ``start`` to the beginning of a word: back a little, else forward (never past
    ``anchor``), else leave the cut mid-word."""
    if start == 0 or text[start - 1].isspace():
        return start
    back = _UP_TO_LAST_SPACE.match(text, max(0, start - _SNAP), start)
    if back is not None:
        return back.end()
    ahead = _SPACE.search(text, start, anchor)
    return ahead.end() if ahead is not None else start


def _snap_end(text: str, start: int, end: int, floor: int) -> int:
    """Move ``end`` back to the end of a word, not before ``floor``."""
    if end >= len(text) or text[end].isspace() or text[end - 1].isspace():
        return end
    back = _UP_TO_LAST_SPACE.match(text, max(start, floor), end)  # the last space before end
    if back is None:
        return end
    space = back.end() - 1
    return space if space > start else end


def _snippet(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> Snippet:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    raw = text[start:end]
    # most fragments have lone spaces only: nothing to collapse, and offsets stay put
    plain = _COLLAPSIBLE.search(raw) is None
    # a search for one non-space character, not a copy of the rest of a long body
    lead = ELLIPSIS + " " if _NON_SPACE.search(text, 0, start) else ""
    tail = " " + ELLIPSIS if _NON_SPACE.search(text, end) else ""
    matches = []
    first = max(0, bisect.bisect_left(spans, (start, start)) - 1)  # one may begin before start
    last = bisect.bisect_left(spans, (end, end))
    for s, e in spans[first:last]:
        s, e = max(s, start) - start, min(e, end) - start
        if s < e:
            if not plain:
                s, e = _collapsed_position(raw, s), _collapsed_position(raw, e)
            if s < e:
                matches.append((s + len(lead), e + len(lead)))
    fragment = lead + (raw if plain else _collapse(raw)) + tail
    return Snippet(html=marked_html(fragment, matches), text=fragment, matches=tuple(matches))


_COLLAPSIBLE = re.compile(r"[^\S ]| {2}")
_NON_SPACE = re.compile(r"\S")
# ``\s`` and ``str.isspace`` agree on every character (both are Py_UNICODE_ISSPACE).
_SPACE = re.compile(r"\s")
_UP_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
"""Matched within a range, ends just after its last whitespace character."""
_ESCAPABLE = re.compile(r"[&<>\"']")
"""What ``html.escape`` replaces."""


def _collapse(raw: str) -> str:
    r"""``raw`` with each whitespace run turned into one space, kept at either end.

    ``str.split`` splits at exactly the characters ``\s`` matches, several times faster
    than a regular expression substitution.
    """
    collapsed = " ".join(raw.split())
    if raw[:1].isspace():
        collapsed = " " + collapsed if collapsed else " "
    if raw[-1:].isspace() and collapsed != " ":
        collapsed += " "
    return collapsed


def _collapsed_position(raw: str, i: int) -> int:
    """Where ``raw[i]`` lands when ``raw`` is collapsed (for ``i == len(raw)``, the end).

    The first character of a whitespace run lands on its space, the rest just after
    it: exactly the length of ``raw[:i]`` collapsed.
    """
    return len(_collapse(raw[:i]))
