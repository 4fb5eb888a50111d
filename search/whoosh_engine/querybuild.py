"""Our query AST → Whoosh query objects, within the caps.

A free word is looked up in the title and body fields of every analyser
language present in the index, analysed by that language's analyser, so a
German word is stemmed the German way in German fields only. Terms absent
from a field are left out of the query: the query stays small, and a word
found nowhere makes its AND fail (it is not silently dropped). A word that
analyses to nothing anywhere (a stop word) *is* dropped, as Lucene's stop
filter does, so "the war" finds war.

Whoosh's ``And.normalize()`` silently removes ``NullQuery`` children, which
would turn "karabakh xyzzy" into "karabakh"; so "matches nothing" is
propagated here explicitly and never left for Whoosh to normalise away.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

from whoosh import query as wq
from whoosh.reading import IndexReader

from search import caps
from search.errors import QueryTooComplex
from search.highlight import TermMatcher, query_terms
from search.query import (
    And,
    DateRange,
    FieldTerm,
    Fuzzy,
    MatchAll,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Prefix,
    Word,
)
from search.whoosh_engine.schema import analyser, body_field, date_key, title_field

NOTHING = wq.NullQuery
"""Marks a part that can match no document (a word absent from the index)."""

_SCAN_LIMIT = 20 * caps.MAX_EXPANSIONS
"""Prefix candidates looked at per field before keeping the most frequent ones."""


@dataclass
class _Build:
    langs: Sequence[str]
    reader: IndexReader
    notices: list[str]
    clauses: int = 0

    def count(self, n: int = 1) -> None:
        self.clauses += n
        if self.clauses > caps.MAX_CLAUSES:
            raise QueryTooComplex(
                f"The query expands to more than {caps.MAX_CLAUSES} clauses; "
                "use fewer words, prefixes or fuzzy words.",
                code="too_many_clauses",
            )

    def has(self, fieldname: str, text: str) -> bool:
        return (fieldname, text) in self.reader


def build_query(
    parsed: ParsedQuery,
    langs: Sequence[str],
    reader: IndexReader,
    notices: list[str] | None = None,
) -> wq.Query:
    """The Whoosh query for ``parsed``; notes (capped expansions) are appended to ``notices``."""
    if parsed.root is None:
        return wq.Every()
    build = _Build(langs, reader, notices if notices is not None else [])
    built = _hard(_node(parsed.root, build))
    if built is None:  # only stop words: like Lucene, match nothing rather than everything
        return NOTHING
    return built


@dataclass(frozen=True)
class _Soft:
    """A word that is a stop word in some languages present but not in others ("die", "the"):
    it may match and then scores, but is not required, as it would be dropped for the
    articles of the language where it is a stop word."""

    query: wq.Query


_Built: TypeAlias = "wq.Query | _Soft | None"


def _hard(built: _Built) -> wq.Query | None:
    return built.query if isinstance(built, _Soft) else built


def _node(node: Node, b: _Build) -> _Built:
    """None: the node analysed to nothing and is dropped; ``NOTHING``: it matches no document."""
    if isinstance(node, And):
        return _and(node.children, b)
    if isinstance(node, Or):
        kept = [q for q in (_hard(_node(c, b)) for c in node.children) if q is not None]
        if not kept:
            return None
        return _either([q for q in kept if q is not NOTHING])
    if isinstance(node, Not):
        inner = _node(node.child, b)
        if inner is None or isinstance(inner, _Soft):
            return None
        return wq.Every() if inner is NOTHING else wq.Not(inner)
    if isinstance(node, MatchAll):
        return wq.Every()
    return _leaf(node, b)


def _and(children: Iterable[Node], b: _Build) -> wq.Query | None:
    required: list[wq.Query] = []
    optional: list[wq.Query] = []
    excluded: list[wq.Query] = []
    for child in children:
        if isinstance(child, Not):
            built = _node(child.child, b)
            if built is not None and not isinstance(built, _Soft) and built is not NOTHING:
                excluded.append(built)
            continue
        built = _node(child, b)
        if isinstance(built, _Soft):
            optional.append(built.query)
        elif built is not None:
            required.append(built)
    if not (required or optional or excluded):
        return None
    if any(q is NOTHING for q in required):
        return NOTHING
    if not required:  # only soft words: then they are what was asked for
        required, optional = optional, []
    if any(q is NOTHING for q in required):
        return NOTHING
    base = _all(required)
    maybe = [q for q in optional if q is not NOTHING]
    if maybe:
        base = wq.AndMaybe(base, _either(maybe))
    return wq.AndNot(base, _either(excluded)) if excluded else base


def _all(queries: list[wq.Query]) -> wq.Query:
    if not queries:
        return wq.Every()
    return queries[0] if len(queries) == 1 else wq.And(queries)


def _either(queries: list[wq.Query]) -> wq.Query:
    if not queries:
        return NOTHING
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _leaf(node: Node, b: _Build) -> _Built:
    if isinstance(node, Word | Phrase):
        return _text(node.text, b, both=True)
    if isinstance(node, Prefix):
        return _expanded(b, lambda f: _prefix_terms(b.reader, f, node.stem), f"{node.stem}*")
    if isinstance(node, Fuzzy):
        return _expanded(b, lambda f: _fuzzy_terms(b.reader, f, node), f"{node.text}~{node.edits}")
    if isinstance(node, FieldTerm):
        return _field_term(node, b)
    if isinstance(node, DateRange):
        b.count()
        return wq.NumericRange("date", *date_bounds(node))
    raise TypeError(node)  # pragma: no cover


def analyse(text: str, lang: str) -> list[str]:
    """Token texts of ``text`` as ``lang``'s fields index them (stemmed, stop words dropped)."""
    return [token.text for token in analyser(lang)(text, mode="query")]


def _text(text: str, b: _Build, *, both: bool) -> _Built:
    """A word or phrase in the title (and body) fields of every language."""
    parts: list[wq.Query] = []
    analysed_somewhere = stopped_somewhere = False
    for lang in b.langs:
        tokens = analyse(text, lang)
        if not tokens:
            stopped_somewhere = True
            continue
        analysed_somewhere = True
        fields = (title_field(lang), body_field(lang)) if both else (title_field(lang),)
        for fieldname in fields:
            if all(b.has(fieldname, token) for token in tokens):
                b.count(len(tokens))
                parts.append(_terms(fieldname, tokens))
    if not analysed_somewhere:
        return None
    return _Soft(_either(parts)) if stopped_somewhere else _either(parts)


def _terms(fieldname: str, tokens: list[str]) -> wq.Query:
    if len(tokens) == 1:
        return wq.Term(fieldname, tokens[0])
    return wq.Phrase(fieldname, tokens)


def _expanded(b: _Build, expand: Callable[[str], Iterable[str]], label: str) -> wq.Query:
    parts: list[wq.Query] = []
    truncated = False
    for lang in b.langs:
        for fieldname in (title_field(lang), body_field(lang)):
            terms, cut = _most_frequent(b.reader, fieldname, expand(fieldname))
            truncated = truncated or cut
            b.count(len(terms))
            parts.extend(wq.Term(fieldname, term) for term in terms)
    notice = (
        f"“{label}” matches many words; only the {caps.MAX_EXPANSIONS} most frequent "
        "in each language were searched."
    )
    if truncated and notice not in b.notices:
        b.notices.append(notice)
    return _either(parts)


def _most_frequent(
    reader: IndexReader, fieldname: str, terms: Iterable[str]
) -> tuple[list[str], bool]:
    """At most ``MAX_EXPANSIONS`` terms, the most frequent; True when some were left out."""
    candidates = list(itertools.islice(terms, _SCAN_LIMIT))
    if len(candidates) <= caps.MAX_EXPANSIONS:
        return candidates, False
    best = heapq.nlargest(
        caps.MAX_EXPANSIONS, candidates, key=lambda t: reader.doc_frequency(fieldname, t)
    )
    return best, True


def _prefix_terms(reader: IndexReader, fieldname: str, stem: str) -> Iterable[str]:
    if fieldname not in reader.schema:
        return ()
    from_bytes = reader.schema[fieldname].from_bytes
    return (from_bytes(t) for t in reader.expand_prefix(fieldname, stem.lower()))


def _fuzzy_terms(reader: IndexReader, fieldname: str, node: Fuzzy) -> Iterable[str]:
    if fieldname not in reader.schema:
        return ()
    lang = fieldname.split("_", 1)[1]
    tokens = analyse(node.text, lang)
    text = tokens[0] if len(tokens) == 1 else node.text.lower()
    return _terms_within(reader, fieldname, text, node.edits)


def _terms_within(reader: IndexReader, fieldname: str, text: str, edits: int) -> Iterator[str]:
    """Terms within ``edits`` edits that share the first letter (as most spellers assume).

    A segment reader walks its term list with a Levenshtein automaton; a multi-segment
    reader only has Whoosh's slow generic scan, so each segment is asked in turn.
    """
    seen: set[str] = set()
    for leaf, _ in reader.leaf_readers():
        for term in leaf.terms_within(fieldname, text, edits, prefix=1):
            if term not in seen:
                seen.add(term)
                yield term


def _field_term(node: FieldTerm, b: _Build) -> _Built:
    if node.field == "title":
        return _text(node.value, b, both=False)
    if node.field == "author":
        tokens = analyse(node.value, "und")
        if not tokens:
            return None
        b.count(len(tokens))
        return _terms("author", tokens)
    b.count()
    # The writer stores tags and publications case-folded; lang holds normalised codes.
    return wq.Term(node.field, " ".join(node.value.split()).casefold())


def date_bounds(node: DateRange) -> tuple[int | None, int | None]:
    """``yyyymmdd`` bounds, inclusive; an open start still leaves undated articles out."""
    start = _key(node.start.first_day()) if node.start else date_key(1)
    end = _key(node.end.last_day()) if node.end else None
    return start, end


def _key(day: dt.date) -> int:
    return date_key(day.year, day.month, day.day)


# ---------------------------------------------------------------- highlighting


def highlight_terms(parsed: ParsedQuery, lang: str, reader: IndexReader) -> TermMatcher:
    """What a token analysed by ``analyser(lang)`` must be to have matched a positive part."""

    def fuzzy(leaf: Fuzzy) -> set[str]:
        terms: set[str] = set()
        for fieldname in (title_field(lang), body_field(lang)):
            terms.update(
                _most_frequent(reader, fieldname, _fuzzy_terms(reader, fieldname, leaf))[0]
            )
        return terms

    return query_terms(parsed, lambda text: analyse(text, lang), fuzzy)


_TOKEN = re.compile(r"\w+(?:\.?\w+)*")
"""The token pattern of Whoosh's ``RegexTokenizer``, which every analyser here starts with."""


@lru_cache(maxsize=262_144)
def _analysed_word(word: str, lang: str) -> tuple[str, ...]:
    """One word as ``lang``'s analyser indexes it (nothing for a stop word). Cached: snippets
    see the same words over and over, and the analyser pipeline costs microseconds a token."""
    return tuple(token.text for token in analyser(lang)(word))


def match_spans(text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Spans of the words of ``text``, analysed as ``lang``, that ``matcher`` accepts."""
    return matcher.spans(text, lambda word: _analysed_word(word, lang))


__all__ = [
    "NOTHING",
    "analyse",
    "build_query",
    "date_bounds",
    "highlight_terms",
    "match_spans",
]
