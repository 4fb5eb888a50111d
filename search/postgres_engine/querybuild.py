"""Our query AST → a SQL condition over one generation's tsvectors, and the terms to score.

The rules (languages, stop words, absent terms, expansion caps, clause counting)
live in ``search.querycompile``, shared with the other engines; this module
says how PostgreSQL spells a term (``column @@ 'term'::tsquery``, the stemmed
columns only on rows of that language), a phrase (``'a' <-> 'b' <2> 'c'``,
positions as in the index) and a boolean combination. Every value reaches the
server as a bound parameter: a term is a tsquery *value*, quoted here, never
SQL text; column names come from a fixed list.

A compiled ``Cond`` also carries the (field, term, weight) triples its positive
parts match: BM25 is computed from the postings of those terms
(``search.postgres_engine.bm25``), since ``ts_rank`` knows no document frequencies.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from psycopg import sql

from search import querycompile, ranking
from search.analysis import (
    EXACT,
    SNOWBALL,
    STEM,
    WORD_PATTERN,
    exact_text,
    exact_tokens,
    stem_text,
)
from search.postgres_engine import schema as s
from search.postgres_engine.database import Database
from search.query import And, FieldTerm, MatchAll, Node, Not, Or, ParsedQuery, Phrase, Word
from search.querycompile import Tokens

ScoreTerm = tuple[str, str, float]
"""(field, term, weight) of a positive part of the query."""


@dataclass(frozen=True)
class PhraseScore:
    """A phrase of a positive part of the query, scored as Tantivy scores one: BM25 of the
    phrase's own frequency in each document holding it, with the IDFs of its words
    (``bm25.add_phrase``). Only the documents holding the phrase get a score."""

    field: str
    query: str
    """The phrase as a tsquery value (``'a' <-> 'b'``)."""
    tokens: tuple[tuple[int, str], ...]
    """Its words with their positions, as the field's column holds them."""
    terms: tuple[str, ...]
    """Its words as the terms table holds them (their document frequencies give the IDF)."""
    weight: float

    @property
    def column(self) -> str:
        return s.column(self.field)[0]

    @property
    def words(self) -> str:
        """Its words, all of them, anywhere (``'a' & 'b'``): what the GIN index answers
        without reading a document's positions."""
        return " & ".join(tsquery_term(lexeme) for lexeme in sorted({t for _, t in self.tokens}))


_TEXT_FIELDS = ("tags", "publication", "lang", "translation_key")
_DF_CACHE = 200_000
_EXPANSION_CACHE = 4_096


@dataclass(frozen=True)
class Cond:
    """A SQL boolean expression with its parameters, and the terms that score it."""

    sql: sql.Composable
    params: tuple[Any, ...]
    terms: tuple[ScoreTerm, ...] = ()
    matches: tuple[Match, ...] = ()
    phrases: tuple[PhraseScore, ...] = ()
    """When the condition is only an OR of tsvector matches, they: ORs of them merge into one
    ``@@`` per column (``body_exact @@ 'war' | 'peace'``), which PostgreSQL evaluates once
    per row and answers with one GIN scan, instead of one per word."""


Match = tuple[str, str | None, str]
"""(tsvector column, the language its rows must have or None, tsquery text)."""

TRUE = Cond(sql.SQL("TRUE"), ())


def _matching(matches: tuple[Match, ...], terms: tuple[ScoreTerm, ...]) -> Cond:
    """The OR of ``matches``, those on the same column and language merged into one."""
    merged: dict[tuple[str, str | None], list[str]] = {}
    for col, _lang, query in matches:  # a stem carries its language: columns merge
        merged.setdefault((col, None), []).append(query)
    parts: list[sql.Composable] = []
    params: list[Any] = []
    combined: list[Match] = []
    for (col, lang), queries in merged.items():
        text = queries[0] if len(queries) == 1 else " | ".join(f"({q})" for q in queries)
        combined.append((col, lang, text))
        parts.append(sql.SQL("{} @@ %s::tsquery").format(sql.Identifier(col)))
        params.append(text)
    joined = parts[0] if len(parts) == 1 else sql.SQL("({})").format(sql.SQL(" OR ").join(parts))
    return Cond(joined, tuple(params), terms, tuple(combined))


def tsquery_term(term: str) -> str:
    """A lexeme as a tsquery value: quoted, so nothing in it is an operator."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_phrase(tokens: Tokens) -> str:
    """``'a' <-> 'b' <2> 'c'``: each word at its distance from the one before."""
    parts = [tsquery_term(tokens[0][1])]
    for (before, _), (position, token) in itertools.pairwise(tokens):
        gap = max(1, position - before)
        parts.append(f"<{gap}> {tsquery_term(token)}" if gap != 1 else f"<-> {tsquery_term(token)}")
    return " ".join(parts)


def _named(field: str, term: str) -> str:
    """A term as its column holds it: stems carry their language (``en:war``)."""
    _col, lang = s.column(field)
    return term if lang is None else f"{lang}:{term}"


_SHARED_STEM_FIELDS = frozenset({f"title_{STEM}", f"body_{STEM}"})


def own_field(field: str, text: str) -> tuple[str, str] | None:
    """The compiler's shared stemmed field and tagged term (``body_stem``, ``en:war``) as this
    engine's per-language field and stem (``body_en``, ``war``); other fields as they are.
    None for a tag without stemmed rows here (``_``: languages without a stemmer)."""
    if field not in _SHARED_STEM_FIELDS:
        return field, text
    lang, _, stem = text.partition(":")
    if lang not in SNOWBALL:
        return None
    return f"{field.partition('_')[0]}_{lang}", stem


def _weight(field: str) -> float:
    return ranking.TITLE_BOOST if field.startswith("title_") else 1.0


class Vocabulary:
    """Document frequencies, stems and expansions of one generation, asked of the database
    and remembered (a generation never changes)."""

    def __init__(self, db: Database, terms: s.Terms, doc_count: int) -> None:
        self.db = db
        self.terms = terms
        self.count = doc_count
        self._df: dict[tuple[str, str], int] = {}
        self._expansions: dict[tuple[str, str, str, int], list[tuple[str, int]]] = {}
        self._lock = threading.Lock()

    def doc_freqs(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        missing = self.missing(pairs)
        if missing:
            found = {(f, t): int(df) for f, t, df in self.db.fetch(*self.query(missing))}
            self.remember(found)
            return {p: found.get(p, self._df.get(p, 0)) for p in pairs}
        return {p: self._df[p] for p in pairs}

    def missing(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        return [p for p in dict.fromkeys(pairs) if p not in self._df]

    def query(self, pairs: Sequence[tuple[str, str]]) -> tuple[sql.Composed, tuple[Any, ...]]:
        """The statement reading the document frequencies of ``pairs``: rows (field, term, df)."""
        statement = sql.SQL(
            "SELECT q.f, q.t, coalesce(v.df, 0) FROM unnest(%s::text[], %s::text[]) AS q(f, t) "
            "LEFT JOIN {} v ON v.field = q.f AND v.term = q.t AND {}"
        ).format(self.terms.table, self.terms.visible("v"))
        return statement, ([f for f, _ in pairs], [t for _, t in pairs])

    def remember(self, found: dict[tuple[str, str], int]) -> None:
        with self._lock:
            if len(self._df) > _DF_CACHE:
                self._df.clear()
            self._df.update(found)

    def doc_freq(self, field: str, term: str) -> int:
        return self.doc_freqs([(field, term)])[(field, term)]

    def prefixed(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Terms of ``field`` starting with ``prefix``, the ``limit`` most frequent."""
        query = sql.SQL(
            "SELECT term, df FROM {} v WHERE field = %s AND term >= %s AND term < %s AND {} "
            "ORDER BY df DESC, term LIMIT %s"
        ).format(self.terms.table, self.terms.visible("v"))
        key = ("prefix", field, prefix, limit)
        found = self._expansions.get(key)
        if found is None:
            rows = self.db.fetch(query, (field, prefix, prefix + "\U0010ffff", limit))
            found = self._remember(key, [(str(t), int(df)) for t, df in rows])
        return found

    def within(self, field: str, word: str, edits: int) -> list[tuple[str, int]]:
        """Terms of ``field`` within ``edits`` edits of ``word`` sharing its first letter
        (fuzzystrmatch's Levenshtein distance, as the other engines count it)."""
        if not word:
            return []
        query = sql.SQL(
            "SELECT term, df FROM {} v WHERE field = %s AND term >= %s AND term < %s AND {} "
            "AND CASE WHEN char_length(term) BETWEEN %s AND %s "
            "THEN levenshtein_less_equal(term, %s, %s) <= %s ELSE false END"
        ).format(self.terms.table, self.terms.visible("v"))
        first = word[0]
        low, high = max(1, len(word) - edits), len(word) + edits
        key = ("fuzzy", field, word, edits)
        found = self._expansions.get(key)
        if found is None:
            rows = self.db.fetch(
                query, (field, first, first + "\U0010ffff", low, high, word, edits, edits)
            )
            found = self._remember(key, [(str(t), int(df)) for t, df in rows])
        return found

    def _remember(
        self, key: tuple[str, str, str, int], found: list[tuple[str, int]]
    ) -> list[tuple[str, int]]:
        with self._lock:
            if len(self._expansions) > _EXPANSION_CACHE:
                self._expansions.clear()
            self._expansions[key] = found
        return found


class Stems:
    """The stemmed tokens of query words in each language, by PostgreSQL's own
    configurations (the ones the stemmed columns were built with): every word of a
    query in one round trip (``prefetch``), remembered."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[tuple[str, tuple[str, ...]], dict[str, Tokens]] = {}
        self._lock = threading.Lock()

    def tokens(self, text: str, lang: str, langs: tuple[str, ...], terms: s.Terms) -> Tokens:
        found = self._cache.get((text, langs))
        if found is None:
            found = self.prefetch([text], langs, terms)[text]
        return found.get(lang, [])

    def prefetch(
        self, texts: Sequence[str], langs: tuple[str, ...], terms: s.Terms
    ) -> dict[str, dict[str, Tokens]]:
        """The stems of each text in each language, asked in one query for those not known."""
        known = self.known(texts, langs)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if not missing:
            return known
        rows = self.db.fetch(*self.query(missing, langs, terms)) if langs else []
        return {**known, **self.remember(missing, langs, rows)}

    def known(self, texts: Sequence[str], langs: tuple[str, ...]) -> dict[str, dict[str, Tokens]]:
        return {t: self._cache[(t, langs)] for t in texts if (t, langs) in self._cache}

    def query(
        self, texts: Sequence[str], langs: tuple[str, ...], terms: s.Terms
    ) -> tuple[sql.Composed, tuple[Any, ...]]:
        """The statement stemming ``texts`` in each language, with each stem's document
        frequencies in the title and body fields of ``terms``: rows (text number from 1,
        language, stem, positions, title df, body df)."""
        statement = sql.SQL(
            "SELECT w.i, l.lang, u.lexeme, u.positions, coalesce(t.df, 0), coalesce(b.df, 0) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS w(word, i) "
            "CROSS JOIN unnest(%s::text[], %s::regconfig[]) AS l(lang, cfg) "
            "CROSS JOIN LATERAL unnest(to_tsvector(l.cfg, w.word)) AS u "
            "LEFT JOIN {} t ON t.field = 'title_' || l.lang AND t.term = u.lexeme AND {} "
            "LEFT JOIN {} b ON b.field = 'body_' || l.lang AND b.term = u.lexeme AND {}"
        ).format(terms.table, terms.visible("t"), terms.table, terms.visible("b"))
        configs = [s.REGCONFIG[lang] for lang in langs]
        return statement, ([s.stem_input(t) for t in texts], list(langs), configs)

    def remember(
        self, texts: Sequence[str], langs: tuple[str, ...], rows: Sequence[Any]
    ) -> dict[str, dict[str, Tokens]]:
        """The stems of ``texts`` from the rows of ``query``, remembered."""
        found: dict[str, dict[str, Tokens]] = {t: {} for t in texts}
        for i, lang, lexeme, positions, *_df in rows:
            tokens = found[texts[int(i) - 1]].setdefault(lang, [])
            tokens.extend((int(p), str(lexeme)) for p in positions or ())
        for tokens_by_lang in found.values():
            for tokens in tokens_by_lang.values():
                tokens.sort()
        with self._lock:
            if len(self._cache) > _DF_CACHE:
                self._cache.clear()
            self._cache.update({(t, langs): v for t, v in found.items()})
        return found


class PostgresBackend:
    """The ``querycompile.Backend`` of one generation."""

    scores_phrases = True
    """A phrase adds score only in the documents holding it, by its own frequency there
    (``PhraseScore``), so a plain query gets its phrase clause (``querycompile``)."""

    def __init__(self, vocab: Vocabulary, stems: Stems, langs: tuple[str, ...]) -> None:
        self.vocab = vocab
        self.stems = stems
        self.langs = langs

    def prefetch(self, parsed: ParsedQuery) -> None:
        """Stems and document frequencies of every word of ``parsed``, before the compiler
        asks for them one by one: one round trip (the stems of words not seen before with
        their frequencies, and the frequencies of the other forms, in one pipeline)."""
        texts = list(_query_texts(parsed.root))
        keys = list(dict.fromkeys(stem_text(t) for t in texts))
        known = self.stems.known(keys, self.langs)
        unseen = [k for k in keys if k not in known and s.stem_input(k)] if self.langs else []
        pairs: list[tuple[str, str]] = []
        for text in texts:
            for _, token in self.tokens(exact_text(text), EXACT):
                pairs += [("title_exact", token), ("body_exact", token)]
            for lang, tokens in known.get(stem_text(text), {}).items():
                for _, token in tokens:
                    pairs += [(f"title_{lang}", token), (f"body_{lang}", token)]
        missing = self.vocab.missing(pairs)
        if not unseen and not missing:
            return
        stemming = self.stems.query(unseen, self.langs, self.vocab.terms) if unseen else None
        counting = self.vocab.query(missing) if missing else None

        def both(conn: Any) -> tuple[list[Any], list[Any]]:
            with conn.cursor() as stemmed, conn.cursor() as counted:
                if stemming is not None:
                    stemmed.execute(*stemming)
                if counting is not None:
                    counted.execute(*counting)
                return (
                    stemmed.fetchall() if stemming is not None else [],
                    counted.fetchall() if counting is not None else [],
                )

        stem_rows, df_rows = self.vocab.db.read(both)
        found = {(f, t): int(df) for f, t, df in df_rows}
        for _i, lang, lexeme, _positions, title_df, body_df in stem_rows:
            found[(f"title_{lang}", str(lexeme))] = int(title_df)
            found[(f"body_{lang}", str(lexeme))] = int(body_df)
        self.vocab.remember(found)
        self.stems.remember(unseen, self.langs, stem_rows)

    def title_field(self, lang: str) -> str:
        return f"title_{lang}"

    def body_field(self, lang: str) -> str:
        return f"body_{lang}"

    def tokens(self, text: str, lang: str) -> Tokens:
        if lang == EXACT:
            return list(enumerate(exact_tokens(text)))
        return self.stems.tokens(text, lang, self.langs, self.vocab.terms)

    def has_term(self, field: str, text: str) -> bool:
        return self.doc_freq(field, text) > 0

    def doc_freq(self, field: str, text: str) -> int:
        own = own_field(field, text)
        return 0 if own is None else self.vocab.doc_freq(*own)

    def doc_count(self) -> int:
        return self.vocab.count

    def prefix_candidates(self, field: str, stem: str) -> list[tuple[str, int]]:
        from search import limits

        return self.vocab.prefixed(field, stem, limits.MAX_EXPANSIONS + 1)

    def fuzzy_candidates(self, field: str, text: str, edits: int) -> list[tuple[str, int]]:
        return self.vocab.within(field, text, edits)

    def _match(self, field: str, value: str, terms: tuple[ScoreTerm, ...]) -> Cond:
        col, lang = s.column(field)
        return _matching(((col, lang, value),), terms)

    def term(self, field: str, text: str) -> Cond:
        own = own_field(field, text)
        assert own is not None, (field, text)  # the compiler asks has_term first
        field, text = own
        if field in _TEXT_FIELDS:
            if field == "tags":
                return Cond(sql.SQL("tags @> ARRAY[%s]::text[]"), (text,))
            return Cond(sql.SQL("{} = %s").format(sql.Identifier(field)), (text,))
        terms = ((field, text, _weight(field)),) if field != "author" else ()
        return self._match(field, tsquery_term(_named(field, text)), terms)

    def phrase(self, field: str, tokens: Tokens) -> Cond:
        """Matches the phrase; scores as its words (every document it matches holds them
        together) and as the phrase (``PhraseScore``)."""
        named = tuple((position, _named(field, token)) for position, token in tokens)
        query = tsquery_phrase(list(named))
        if field == "author":
            return self._match(field, query, ())
        words = tuple(token for _, token in tokens)
        found = self._match(field, query, tuple((field, t, _weight(field)) for t in words))
        return replace(found, phrases=(PhraseScore(field, query, named, words, _weight(field)),))

    def boosted(self, query: Cond, factor: float) -> Cond:
        terms = tuple((f, t, w * factor) for f, t, w in query.terms)
        phrases = tuple(replace(p, weight=p.weight * factor) for p in query.phrases)
        return replace(query, terms=terms, phrases=phrases)

    def any_of(self, queries: list[Cond]) -> Cond:
        terms = tuple(t for q in queries for t in q.terms)
        phrases = tuple(p for q in queries for p in q.phrases)
        mergeable = [q for q in queries if q.matches]
        rest = [q for q in queries if not q.matches]
        if mergeable:
            merged = _matching(tuple(m for q in mergeable for m in q.matches), ())
            if not rest:
                return Cond(merged.sql, merged.params, terms, merged.matches, phrases)
            rest.insert(0, merged)
        joined = sql.SQL(" OR ").join(q.sql for q in rest)
        params = tuple(p for q in rest for p in q.params)
        return Cond(sql.SQL("({})").format(joined), params, terms, (), phrases)

    def combine(self, must: list[Cond], should: list[Cond], must_not: list[Cond]) -> Cond:
        """``should`` adds scores only, never a condition: its terms, or, for an optional
        phrase (the compiler's phrase clause), the phrase alone: its words score in ``must``
        already, and scored again wherever they occur they would only be reweighed."""
        if len(must) == 1 and not should and not must_not:
            return must[0]
        parts = [q.sql for q in must or [TRUE]]
        parts += [sql.SQL("NOT {}").format(q.sql) for q in must_not]
        params = tuple(p for q in [*(must or [TRUE]), *must_not] for p in q.params)
        optional = [q for q in should if not q.phrases]
        terms = tuple(t for q in [*must, *optional] for t in q.terms)
        phrases = tuple(p for q in [*must, *should] for p in q.phrases)
        joined = sql.SQL("({})").format(sql.SQL(" AND ").join(parts))
        return Cond(joined, params, terms, (), phrases)

    def negate(self, query: Cond) -> Cond:
        return Cond(sql.SQL("(NOT {})").format(query.sql), query.params)

    def every(self) -> Cond:
        return TRUE

    def date_range(self, start: int, end: int | None) -> Cond:
        if end is None:
            return Cond(sql.SQL("date >= %s"), (start,))
        return Cond(sql.SQL("(date >= %s AND date <= %s)"), (start, end))


def _query_texts(node: Node | None) -> Iterator[str]:
    """The words and phrases of a query, excluded ones too (they are compiled as well)."""
    if node is None or isinstance(node, MatchAll):
        return
    if isinstance(node, And | Or):
        for child in node.children:
            yield from _query_texts(child)
    elif isinstance(node, Not):
        yield from _query_texts(node.child)
    elif isinstance(node, Word | Phrase):
        yield node.text
    elif isinstance(node, FieldTerm) and node.field == "title":
        yield node.value


def build_query(
    parsed: ParsedQuery, langs: Sequence[str], backend: PostgresBackend, notices: list[str]
) -> Cond | None:
    """The condition for ``parsed``, None when it can match nothing."""
    backend.prefetch(parsed)
    return querycompile.compile_query(parsed, langs, backend, notices)


__all__ = [
    "WORD_PATTERN",
    "Cond",
    "PhraseScore",
    "PostgresBackend",
    "Stems",
    "Vocabulary",
    "build_query",
]
