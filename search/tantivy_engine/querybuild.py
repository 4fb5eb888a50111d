"""Our query AST → Tantivy query objects, within the caps; the same rules as the Whoosh engine.

A free word is looked up in the title and body fields of every analyser
language present in the index, analysed by that language's analyser. Terms
absent from a field are left out, so a word found nowhere makes its AND fail
rather than being silently dropped; a word that analyses to nothing anywhere
(a stop word) is dropped, as Lucene's stop filter does. User text never
reaches Tantivy's own query parser, so only the whitelisted fields exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import tantivy
from tantivy import Occur, Query

from search import caps, ranking
from search.errors import QueryTooComplex
from search.languages import NEUTRAL
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
from search.tantivy_engine import schema as s
from search.tantivy_engine.vocab import Vocabulary


class _Nothing:
    """Marks a part that can match no document (a word absent from the index)."""


NOTHING: Final = _Nothing()


@dataclass(frozen=True)
class _Soft:
    """A word that is a stop word in some languages present but not in others ("die", "war"):
    it may match and then scores, but is not required, as it would be dropped for the
    articles of the language where it is a stop word (the Whoosh engine's rule)."""

    query: Query | _Nothing


Hard = Query | _Nothing
Built = Hard | _Soft | None


@dataclass
class _Build:
    schema: tantivy.Schema
    vocab: Vocabulary
    langs: Sequence[str]
    notices: list[str] = field(default_factory=list)
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
        return self.vocab.doc_freq(fieldname, text) > 0

    def term(self, fieldname: str, text: str) -> Query:
        query = Query.term_query(self.schema, fieldname, text)
        if fieldname.startswith("title_"):
            return Query.boost_query(query, ranking.TITLE_BOOST)
        return query


def build_query(
    parsed: ParsedQuery,
    langs: Sequence[str],
    schema: tantivy.Schema,
    vocab: Vocabulary,
    notices: list[str] | None = None,
) -> Query | None:
    """The Tantivy query for ``parsed``, or None when it can match nothing.

    Notes (capped expansions) are appended to ``notices``.
    """
    if parsed.root is None:
        return Query.all_query()
    build = _Build(schema, vocab, langs, notices if notices is not None else [])
    built = _hard(_node(parsed.root, build))
    if built is None or isinstance(built, _Nothing):
        return None  # only stop words: like Lucene, match nothing rather than everything
    return built


def _hard(built: Built) -> Hard | None:
    return built.query if isinstance(built, _Soft) else built


def _node(node: Node, b: _Build) -> Built:
    """None: the node analysed to nothing and is dropped; ``NOTHING``: it matches no document."""
    if isinstance(node, And):
        return _and(node.children, b)
    if isinstance(node, Or):
        kept = [q for q in (_hard(_node(c, b)) for c in node.children) if q is not None]
        if not kept:
            return None
        return _either([q for q in kept if isinstance(q, Query)])
    if isinstance(node, Not):
        inner = _node(node.child, b)
        if inner is None or isinstance(inner, _Soft):
            return None
        return Query.all_query() if isinstance(inner, _Nothing) else _without(None, [inner])
    if isinstance(node, MatchAll):
        return Query.all_query()
    return _leaf(node, b)


def _and(children: Iterable[Node], b: _Build) -> Built:
    required: list[Hard] = []
    optional: list[Hard] = []
    excluded: list[Query] = []
    for child in children:
        if isinstance(child, Not):
            built = _node(child.child, b)
            if isinstance(built, Query):
                excluded.append(built)
            continue
        built = _node(child, b)
        if isinstance(built, _Soft):
            optional.append(built.query)
        elif built is not None:
            required.append(built)
    if not (required or optional or excluded):
        return None
    if not required:  # only soft words: then they are what was asked for
        required, optional = optional, []
    if any(isinstance(q, _Nothing) for q in required):
        return NOTHING
    clauses = [(Occur.Must, q) for q in required if isinstance(q, Query)]
    clauses += [(Occur.Should, q) for q in optional if isinstance(q, Query)]
    if not excluded and len(clauses) == 1 and clauses[0][0] == Occur.Must:
        return clauses[0][1]
    if not any(occur == Occur.Must for occur, _ in clauses):
        clauses.append((Occur.Must, Query.all_query()))
    clauses += [(Occur.MustNot, q) for q in excluded]
    return Query.boolean_query(clauses)


def _without(musts: list[Query] | None, excluded: list[Query]) -> Query:
    """``musts`` (everything when none) minus any of ``excluded``."""
    clauses = [(Occur.Must, q) for q in musts or [Query.all_query()]]
    clauses += [(Occur.MustNot, q) for q in excluded]
    return Query.boolean_query(clauses)


def _either(queries: list[Query]) -> Hard:
    if not queries:
        return NOTHING
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(Occur.Should, q) for q in queries])


def _leaf(node: Node, b: _Build) -> Built:
    if isinstance(node, Word | Phrase):
        return _text(node.text, b, both=True)
    if isinstance(node, Prefix):
        stem = node.stem.lower()
        return _expanded(b, lambda f: b.vocab.prefixed(f, stem), f"{node.stem}*")
    if isinstance(node, Fuzzy):
        return _expanded(b, lambda f: fuzzy_terms(b.vocab, f, node), f"{node.text}~{node.edits}")
    if isinstance(node, FieldTerm):
        return _field_term(node, b)
    if isinstance(node, DateRange):
        b.count()
        start, end = date_bounds(node)
        return Query.range_query(b.schema, s.DATE, tantivy.FieldType.Unsigned, start, end)
    raise TypeError(node)  # pragma: no cover


def analyse(text: str, lang: str) -> list[str]:
    """Token texts of ``text`` as ``lang``'s fields index them (stemmed, stop words dropped)."""
    return list(s.analyser(lang).analyze(text))


def analyse_positions(text: str, lang: str) -> list[tuple[int, str]]:
    """Tokens with their positions: a stop word inside a phrase leaves its gap, as in the index."""
    return [(token.position, token.text) for token in s.analyser(lang).pre_tokenize(text).tokens]


def _text(text: str, b: _Build, *, both: bool) -> Built:
    """A word or phrase in the title (and body) fields of every language."""
    parts: list[Query] = []
    analysed_somewhere = stopped_somewhere = False
    for lang in b.langs:
        tokens = analyse_positions(text, lang)
        if not tokens:
            stopped_somewhere = True
            continue
        analysed_somewhere = True
        fields = (s.title_field(lang), s.body_field(lang)) if both else (s.title_field(lang),)
        for fieldname in fields:
            if all(b.has(fieldname, token) for _, token in tokens):
                b.count(len(tokens))
                parts.append(_terms(b, fieldname, tokens))
    if not analysed_somewhere:
        return None
    return _Soft(_either(parts)) if stopped_somewhere else _either(parts)


def _terms(b: _Build, fieldname: str, tokens: list[tuple[int, str]]) -> Query:
    """One term, or a phrase keeping the gaps stop words left (positions as in the index)."""
    if len(tokens) == 1:
        return b.term(fieldname, tokens[0][1])
    first = tokens[0][0]
    words: list[str | tuple[int, str]] = [(position - first, token) for position, token in tokens]
    query = Query.phrase_query(b.schema, fieldname, words)
    return (
        Query.boost_query(query, ranking.TITLE_BOOST) if fieldname.startswith("title_") else query
    )


def _expanded(b: _Build, expand: Callable[[str], list[tuple[str, int]]], label: str) -> Hard:
    parts: list[Query] = []
    truncated = False
    for lang in b.langs:
        for fieldname in (s.title_field(lang), s.body_field(lang)):
            terms, cut = most_frequent(expand(fieldname))
            truncated = truncated or cut
            b.count(len(terms))
            parts.extend(b.term(fieldname, term) for term in terms)
    notice = (
        f"“{label}” matches many words; only the {caps.MAX_EXPANSIONS} most frequent "
        "in each language were searched."
    )
    if truncated and notice not in b.notices:
        b.notices.append(notice)
    return _either(parts)


def most_frequent(terms: list[tuple[str, int]]) -> tuple[list[str], bool]:
    """At most ``MAX_EXPANSIONS`` terms, the most frequent; True when some were left out."""
    ranked = sorted(terms, key=lambda pair: (-pair[1], pair[0]))
    return [term for term, _ in ranked[: caps.MAX_EXPANSIONS]], len(ranked) > caps.MAX_EXPANSIONS


def fuzzy_terms(vocab: Vocabulary, fieldname: str, node: Fuzzy) -> list[tuple[str, int]]:
    lang = fieldname.split("_", 1)[1]
    tokens = analyse(node.text, lang)
    text = tokens[0] if len(tokens) == 1 else node.text.lower()
    return vocab.within(fieldname, text, node.edits)


def _field_term(node: FieldTerm, b: _Build) -> Built:
    if node.field == "title":
        return _text(node.value, b, both=False)
    if node.field == "author":
        tokens = analyse_positions(node.value, NEUTRAL)
        if not tokens:
            return None
        b.count(len(tokens))
        return _terms(b, s.AUTHOR, tokens)
    b.count()
    # The writer stores tags and publications case-folded; lang holds normalised codes.
    fieldname = {"tags": s.TAGS, "publication": s.PUBLICATION, "lang": s.LANG}[node.field]
    return Query.term_query(b.schema, fieldname, " ".join(node.value.split()).casefold())


def date_bounds(node: DateRange) -> tuple[int, int | None]:
    """``yyyymmdd`` bounds, inclusive; an open start still leaves undated articles out."""
    start = _key(node.start.first_day()) if node.start else s.date_key(1)
    end = _key(node.end.last_day()) if node.end else None
    return start, end


def _key(day: dt.date) -> int:
    return s.date_key(day.year, day.month, day.day)
