"""Search as you type: completions of the word being typed, and titles that match.

The word being typed is the run of letters and digits at the end of the text
(none when the text ends in a space or a quote). Its completions come from the
archive's own vocabulary, the did-you-mean field of either engine (every word
of every title and body, lower-cased, unstemmed), so they are words of the
archive's languages as the archive spells them; they are ranked by document
frequency, the number of articles holding the word. Each completion is offered
as the whole query with the word completed.

Matching titles: articles matching the words typed before, whose title holds
one of the best completions (``title:`` of the query language, so titles match
in the article's analysed language, as searches do). Engine-neutral: an engine
supplies ``vocabulary(prefix, scan)`` and ``search``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search import limits
from search.contract import Engine
from search.errors import BadRequest, SearchError
from search.request import build_request
from search.types import Hit

MAX_CHARS = 200
"""Longer text is not being typed into a search box: a 400, not a completion."""
DEFAULT_LIMIT = 6
MAX_LIMIT = 10
SCAN = 5_000
"""Vocabulary words looked at for one prefix: bounds the work of a two-letter prefix."""
TITLE_WORDS = 3
"""Best completions whose title matches are shown."""
_TYPED = re.compile(r"(\w+)$")


@dataclass(frozen=True, slots=True)
class Completion:
    word: str
    query: str
    """The text with its last word completed: what a click searches for."""
    count: int
    """Articles holding the word."""


@dataclass(frozen=True, slots=True)
class Suggestions:
    text: str
    word: str
    """The word being completed, lower-cased ('' when there is none)."""
    completions: tuple[Completion, ...]
    titles: tuple[Hit, ...]


def split_typed(text: str) -> tuple[str, str]:
    """``"war in kara"`` → ``("war in ", "kara")``: the text before the word being typed,
    and that word (``""`` when the text ends in a space or punctuation)."""
    match = _TYPED.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], match.group(1)


def rank(candidates: list[tuple[str, int]], prefix: str, limit: int) -> list[tuple[str, int]]:
    """The ``limit`` most frequent words starting with ``prefix`` that hold a letter
    (bare numbers are not worth completing to), ties in alphabetical order."""
    words = [
        (word, count)
        for word, count in candidates
        if word.startswith(prefix) and any(ch.isalpha() for ch in word)
    ]
    return sorted(words, key=lambda item: (-item[1], item[0]))[:limit]


def check_text(text: str, limit: int) -> str:
    cleaned = " ".join(text.split()) + (" " if text[-1:].isspace() else "")
    if len(cleaned) > MAX_CHARS:
        raise BadRequest(f"parameter 'q' is too long for a suggestion (at most {MAX_CHARS})")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"parameter 'limit' must be between 1 and {MAX_LIMIT}")
    return cleaned


def suggest(engine: Engine, text: str, limit: int = DEFAULT_LIMIT) -> Suggestions:
    text = check_text(text, limit)
    head, typed = split_typed(text)
    word = typed.lower()
    if len(word) < limits.MIN_PREFIX:
        return Suggestions(text, word, (), ())
    ranked = rank(engine.vocabulary(word, SCAN), word, limit)
    completions = tuple(Completion(w, head + w, count) for w, count in ranked)
    titles = _titles(engine, head, [w for w, _ in ranked[:TITLE_WORDS]], limit)
    return Suggestions(text, word, completions, titles)


def _titles(engine: Engine, head: str, words: list[str], limit: int) -> tuple[Hit, ...]:
    if not words:
        return ()
    query = f"{head.strip()} {' OR '.join(f'title:{w}' for w in words)}".strip()
    params = {"q": [query], "per_page": [str(limit)], "snippets": ["0"], "facets": ["0"]}
    try:
        return engine.search(build_request(params)).hits
    except SearchError:  # the words before are not a query yet (a cap, a timeout): no titles
        return ()
