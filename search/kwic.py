"""Keyword in context (a concordance): every occurrence of a query's matches, one line each.

Engine-neutral: the words an occurrence is made of are found by the same
matcher the snippets use (``search.highlight``, through the engine's analysers),
so a stemmed word, a prefix's expansions and a fuzzy word's neighbours give the
words that really matched. A phrase gives the phrase: its words in order, with
nothing but non-word characters between them (a word the analyser drops, such
as a stop word, may stand in its place).

Lines come from the articles' bodies (an article that matched by its title
alone gives none). The matching articles are read newest first; at most ``per_article`` lines are
taken from one article and ``limit`` in all, and reading stops early (saying so)
when the request's time is nearly up. The lines are then sorted and paged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from search import deadline
from search.errors import BadRequest
from search.highlight import TermMatcher
from search.languages import analyser_lang
from search.query import And, Fuzzy, ParsedQuery, Phrase, Prefix, Word, parse_query, positive_leaves
from search.types import SearchRequest

if TYPE_CHECKING:
    from search.engine_base import BaseEngine

Order = Literal["left", "match", "right", "date", "article"]
ORDERS: tuple[Order, ...] = ("left", "match", "right", "date", "article")
DEFAULT_WIDTH = 8
MAX_WIDTH = 30
DEFAULT_PER_ARTICLE = 20
DEFAULT_LIMIT = 2_000
MAX_LIMIT = 10_000
TIME_RESERVE = 0.25
"""Seconds of the request's time kept for sorting and rendering: reading stops before."""
_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class KwicOptions:
    width: int = DEFAULT_WIDTH
    order: Order = "left"
    per_article: int = DEFAULT_PER_ARTICLE
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class KwicLine:
    id: str
    title: str
    date: str | None
    lang: str
    left: str
    match: str
    right: str


@dataclass(frozen=True, slots=True)
class Concordance:
    lines: tuple[KwicLine, ...]
    """Every line taken, sorted: the caller pages them."""
    articles: int
    """Articles the request selects."""
    read: int
    """Of those, articles read (all, unless the line limit or the time cap came first)."""
    capped_articles: int
    """Articles that had more than ``per_article`` occurrences."""
    limit_reached: bool
    out_of_time: bool
    options: KwicOptions
    generation: str
    interpreted: str


def concordance(engine: BaseEngine, request: SearchRequest, options: KwicOptions) -> Concordance:
    if not request.q:
        raise BadRequest("a concordance needs a query: give q", code="missing_query")
    notices: list[str] = []
    sel = engine.select(parse_query(request.q, request.match), request, notices)
    docs = np.flatnonzero(sel.allowed)
    dates = engine.docvalues.date[docs]
    docs = docs[np.lexsort((docs, -dates.astype(np.int64)))]  # newest first
    finders: dict[str, Callable[[str], list[Span]]] = {}
    lines: list[KwicLine] = []
    read = capped = 0
    out_of_time = False
    for doc in docs.tolist():
        if len(lines) >= options.limit:
            break
        if deadline.remaining() < TIME_RESERVE:
            out_of_time = True
            break
        record = engine.hit_record(doc, body=True)
        lang = analyser_lang(record["lang"])
        if lang not in finders:
            finders[lang] = _finder(engine, sel.parsed, lang)
        body = record.get("body") or ""
        spans = finders[lang](body)
        read += 1
        if len(spans) > options.per_article:
            capped += 1
        room = min(options.per_article, options.limit - len(lines))
        for start, end in spans[:room]:
            left, right = _context(body, start, end, options.width)
            lines.append(
                KwicLine(
                    record["id"],
                    record["title"],
                    record["date"],
                    record["lang"],
                    left,
                    " ".join(body[start:end].split()),
                    right,
                )
            )
    return Concordance(
        lines=tuple(sorted(lines, key=_sort_key(options.order))),
        articles=len(docs),
        read=read,
        capped_articles=capped,
        limit_reached=len(lines) >= options.limit and read < len(docs),
        out_of_time=out_of_time,
        options=options,
        generation=engine.generation.name,
        interpreted=sel.parsed.interpreted(),
    )


def _finder(engine: BaseEngine, parsed: ParsedQuery, lang: str) -> Callable[[str], list[Span]]:
    """Occurrence spans in a text of ``lang``: single words, then whole phrases."""
    leaves = list(positive_leaves(parsed.root))
    singles = [leaf for leaf in leaves if isinstance(leaf, Word | Prefix | Fuzzy)]
    words = engine.matcher(ParsedQuery(And(tuple(singles))), lang) if singles else None
    phrases = [
        [_word_matcher(engine, w, lang) for w in leaf.text.split()]
        for leaf in leaves
        if isinstance(leaf, Phrase)
    ]

    def find(text: str) -> list[Span]:
        found: list[Span] = []
        for parts in phrases:
            found += _phrase_spans(engine, text, lang, parts)
        if words is not None:
            taken = sorted(found)
            found += [s for s in engine.spans(text, lang, words) if not _inside(s, taken)]
        return sorted(found)

    return find


def _word_matcher(engine: BaseEngine, word: str, lang: str) -> TermMatcher | None:
    """What one word of a phrase matches; None for a word the analyser drops."""
    matcher = engine.matcher(ParsedQuery(Word(word)), lang)
    return matcher if matcher.exact or matcher.prefixes else None


def _phrase_spans(
    engine: BaseEngine, text: str, lang: str, parts: list[TermMatcher | None]
) -> list[Span]:
    """Where the phrase's words follow each other; dropped words may stand between."""
    kept = [(i, m) for i, m in enumerate(parts) if m is not None]
    if not kept:
        return []
    per_word = [engine.spans(text, lang, m) for _, m in kept]
    starts = [dict(spans) for spans in per_word]  # start → end of each matched word
    found = []
    for start, end in per_word[0]:
        last = end
        ok = True
        for (prev_i, _), (i, _), ends in zip(kept, kept[1:], starts[1:], strict=False):
            following = _next_word(text, last, i - prev_i - 1)
            if following is None or following not in ends:
                ok = False
                break
            last = ends[following]
        if ok:
            found.append((start, last))
    return found


def _next_word(text: str, pos: int, skip: int) -> int | None:
    """Where the word after ``pos`` begins, ``skip`` words later (dropped phrase words)."""
    for _ in range(skip):
        found = _WORDS.search(text, pos)
        if found is None:
            return None
        pos = found.end()
    nxt = _WORD.search(text, pos)
    return nxt.start() if nxt else None


def _inside(span: Span, taken: list[Span]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in taken)


def _context(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    """``width`` words left and right of a match, on one line, its own spacing kept."""
    reach = width * 40
    before = text[max(0, start - reach) : start].split()
    if start - reach > 0 and before:
        before = before[1:]  # the window may have cut the first word
    after = text[end : end + reach].split()
    left = " ".join(before[-width:]) if width else ""
    right = " ".join(after[:width]) if width else ""
    if left and text[start - 1 : start].isspace():
        left += " "
    if right and text[end : end + 1].isspace():
        right = " " + right
    return left, right


def _sort_key(order: Order) -> Callable[[KwicLine], tuple[object, ...]]:
    if order == "left":  # by the nearest word to the left first, as concordances sort
        return lambda ln: (ln.left.casefold().split()[::-1], ln.match.casefold(), ln.id)
    if order == "match":
        return lambda ln: (ln.match.casefold(), ln.right.casefold(), ln.id)
    if order == "right":
        return lambda ln: (ln.right.casefold(), ln.match.casefold(), ln.id)
    if order == "date":
        return lambda ln: (ln.date or "9999", ln.id)
    return lambda ln: (ln.title.casefold(), ln.id)


def parse_options(values: dict[str, list[str]]) -> KwicOptions:
    """``width``, ``order``, ``per_article`` and ``limit`` taken out of ``values``."""
    order = _one(values, "order") or "left"
    if order not in ORDERS:
        raise BadRequest(f"parameter 'order' must be one of {', '.join(ORDERS)}")
    return KwicOptions(
        width=_number(values, "width", 0, MAX_WIDTH, DEFAULT_WIDTH),
        order=order,
        per_article=_number(values, "per_article", 1, MAX_LIMIT, DEFAULT_PER_ARTICLE),
        limit=_number(values, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT),
    )


def _number(values: dict[str, list[str]], name: str, low: int, high: int, default: int) -> int:
    text = _one(values, name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise BadRequest(f"parameter '{name}' must be a whole number from {low} to {high}")
    return int(text)


def _one(values: dict[str, list[str]], name: str) -> str | None:
    given = [v.strip() for v in values.pop(name, []) if v.strip()]
    if len(given) > 1:
        raise BadRequest(f"parameter '{name}' is given more than once", code="repeated_parameter")
    return given[0] if given else None
