"""Our query AST → an engine's query objects, by rules written once for every engine.

Text is indexed twice (``search.analysis``): in exact fields (words as written,
folded, with positions) and in stemmed fields whose terms are tagged with their
language (``de:krieg``), both shared by every language. A free word matches
either: its folded form in the exact fields, or its stem in each language present
in the index, tagged with that language (stemmed the German way for German
articles only). An exact match scores in both, so it ranks above an inflected
form. Phrases, prefixes and fuzzy words are
matched on the exact fields only: a phrase means those words in that order, and
fuzzy edits are counted on the written word. Terms absent from a field are left
out of the query: the query stays small, and a word found nowhere makes its AND
fail (it is not silently dropped).

Every word is indexed, stop words too. A word that is a stop word in any
language present is *weak*: in an AND with other words it may match and then
scores (BM25 weighs it), but it is not required, so a German stop word in a
query never excludes an English article, and "the war" finds war. A query of
weak words only requires them all ("because" finds the articles saying it).

"Matches nothing" is propagated here explicitly (:data:`NOTHING`) and never
left to an engine: Whoosh's ``And.normalize()`` silently removes
``NullQuery`` children, which would turn "karabakh xyzzy" into "karabakh".

Each engine implements :class:`Backend` in its ``querybuild`` module: how to
make a term, a phrase or a boolean combination, and what its index holds.
User text never reaches an engine's own query parser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Generic, Protocol, TypeAlias, TypeVar, cast

from search import deadline, limits, ranking
from search.analysis import (
    EXACT,
    STEM,
    exact_text,
    stem_analysis,
    stem_tag,
    stem_term,
    stem_text,
    stopwords,
)
from search.docvalues import facet_key
from search.errors import QueryTooComplex
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

Q = TypeVar("Q")

Tokens: TypeAlias = "list[tuple[int, str]]"
"""Analysed tokens with their positions (a stop word inside a phrase leaves its gap)."""


class Backend(Protocol[Q]):
    """What the compiler needs from one engine and one open index."""

    def title_field(self, lang: str) -> str: ...
    def body_field(self, lang: str) -> str: ...
    def tokens(self, text: str, lang: str) -> Tokens:
        """``text`` (already through ``exact_text`` / ``stem_text``) as the fields of ``lang``
        (a stemmed language, or ``EXACT``) index it, with positions."""

    def has_term(self, field: str, text: str) -> bool: ...
    def doc_freq(self, field: str, text: str) -> int: ...
    def doc_count(self) -> int:
        """Documents in the index (deleted ones may be counted)."""

    def prefix_candidates(self, field: str, stem: str) -> Iterable[tuple[str, int]]:
        """Terms of ``field`` starting with ``stem``, with their document frequencies."""

    def fuzzy_candidates(self, field: str, text: str, edits: int) -> Iterable[tuple[str, int]]:
        """Terms of ``field`` within ``edits`` edits of ``text``, with document frequencies."""

    def term(self, field: str, text: str) -> Q: ...
    def phrase(self, field: str, tokens: Tokens) -> Q:
        """Matches ``tokens`` in order. A backend whose phrase query adds score only to the
        documents holding the phrase says so with a true ``scores_phrases`` attribute, and
        plain queries get a phrase clause (``_phrase_bonus``); one scoring a phrase's words
        wherever they occur would only reweigh them."""

    def boosted(self, query: Q, factor: float) -> Q:
        """``query`` with its score multiplied by ``factor``."""

    def any_of(self, queries: list[Q]) -> Q:
        """At least one of two or more queries."""

    def combine(self, must: list[Q], should: list[Q], must_not: list[Q]) -> Q:
        """All of ``must`` (every document when empty), scored higher by ``should``, minus
        ``must_not``. ``should`` is only given with a non-empty ``must``."""

    def negate(self, query: Q) -> Q: ...
    def every(self) -> Q: ...
    def date_range(self, start: int, end: int | None) -> Q: ...


class _Nothing:
    """Marks a part that can match no document (a word absent from the index)."""

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Final = _Nothing()


@dataclass(frozen=True)
class _Soft(Generic[Q]):
    """A weak word (a stop word in some language present: "die", "the", "war"): next to
    other words it may match and then scores, but is not required."""

    query: Q | _Nothing


@dataclass
class _Build(Generic[Q]):
    backend: Backend[Q]
    langs: Sequence[str]
    """Every language code present in the index (stemmed or not)."""
    notices: list[str] = field(default_factory=list)
    clauses: int = 0
    stem_tags: tuple[str, ...] = ()
    """The stemmed-field tags of the languages present (``analysis.stem_tag``)."""
    weak: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.stem_tags, self.weak = _language_sets(tuple(self.langs))

    def count(self, n: int = 1) -> None:
        self.clauses += n
        if self.clauses > limits.MAX_CLAUSES:
            raise QueryTooComplex(
                f"The query expands to more than {limits.MAX_CLAUSES} clauses; "
                "use fewer words, prefixes or fuzzy words.",
                code="too_many_clauses",
            )


@lru_cache(maxsize=64)
def _language_sets(langs: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The stemmed-field tags and the weak words of an index's languages: the same for
    every query on one index, and the union of their stop words is thousands of words."""
    weak: frozenset[str] = frozenset().union(*(stopwords(code) for code in langs))
    return tuple(sorted(set(map(stem_tag, langs)))), weak


_Hard: TypeAlias = "Q | _Nothing"
_Built: TypeAlias = "Q | _Nothing | _Soft[Q] | None"


def compile_query(
    parsed: ParsedQuery,
    langs: Sequence[str],
    backend: Backend[Q],
    notices: list[str] | None = None,
) -> Q | None:
    """The engine query for ``parsed``, or None when it can match nothing.

    ``langs`` are the language codes of the index's articles. Notes (capped
    expansions) are appended to ``notices``.
    """
    parts = compile_parts(parsed, langs, backend, notices)
    if parts is None or parts[1] is None:
        return None if parts is None else parts[0]
    return backend.combine([parts[0]], [parts[1]], [])


def compile_parts(
    parsed: ParsedQuery,
    langs: Sequence[str],
    backend: Backend[Q],
    notices: list[str] | None = None,
) -> tuple[Q, Q | None] | None:
    """``compile_query`` in its two parts: the query choosing the articles that match, and
    the optional clause that only adds to their scores (the phrase bonus; None when there is
    none); None when the query can match nothing. Counting the matches needs the first only."""
    if parsed.root is None:
        return backend.every(), None
    build = _Build(backend, langs, notices if notices is not None else [])
    built = _hard(_node(parsed.root, build))
    if built is None or isinstance(built, _Nothing):
        return None  # only stop words: like Lucene, match nothing rather than everything
    return built, _phrase_bonus(parsed.root, build)


def _phrase_bonus(root: Node, b: _Build[Q]) -> Q | None:
    """A plain query's words (nothing but words: what a reader types from memory) as a
    phrase in the exact fields, an optional clause: an article holding the words together,
    in the order typed, ranks above one holding them apart (proximity for relevance, as
    Solr's ``pf`` or Elasticsearch's ``match_phrase`` beside its ``match`` do). In the body
    it needs two words or more and weighs ``ranking.PHRASE_BOOST``; in the title one word is
    enough and it weighs ``ranking.TITLE_PHRASE_BOOST`` (navigational evidence: a title
    typed as the query). It never changes which articles match, only their order."""
    if not getattr(b.backend, "scores_phrases", False):
        return None
    words = root.children if isinstance(root, (And, Or)) else (root,)
    if not 1 <= len(words) <= ranking.PHRASE_MAX_WORDS:
        return None
    if not all(isinstance(word, Word) for word in words):
        return None
    tokens = b.backend.tokens(exact_text(" ".join(cast(Word, w).text for w in words)), EXACT)
    if not tokens or b.clauses + 2 * len(tokens) > limits.MAX_CLAUSES:
        return None
    parts = []
    title, body = _fields(b, EXACT, False)
    for fieldname, weight, least in (
        (title, ranking.TITLE_PHRASE_BOOST / ranking.TITLE_BOOST, 1),  # backends weigh titles
        (body, ranking.PHRASE_BOOST, 2),
    ):
        if min(len(words), len(tokens)) < least or weight == 0:
            continue
        if all(b.backend.has_term(fieldname, token) for _, token in tokens):
            b.count(len(tokens))
            parts.append(b.backend.boosted(_terms(b, fieldname, tokens), weight))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else b.backend.any_of(parts)


def _hard(built: _Built[Q]) -> _Hard[Q] | None:
    return built.query if isinstance(built, _Soft) else built


def _node(node: Node, b: _Build[Q]) -> _Built[Q]:
    """None: the node analysed to nothing and is dropped; ``NOTHING``: it matches no document."""
    if isinstance(node, And):
        return _and(node.children, b)
    if isinstance(node, Or):
        strong: list[_Hard[Q]] = []
        weak: list[_Hard[Q]] = []
        # a word given twice counts twice, as BM25 weighs a query's repeated words
        for child in _without_common(node.children, b):
            built: _Built[Q] = _node(child, b)
            hard = _hard(built)
            if hard is not None:
                (weak if isinstance(built, _Soft) else strong).append(hard)
        if not strong or len(node.children) < ranking.WEAK_DROPPED_FROM_OR:
            strong += weak  # "because OR terror": as asked
        if not strong:
            return None
        return _either(b, _real(strong))
    if isinstance(node, Not):
        inner = _hard(_node(node.child, b))
        if inner is None:
            return None
        return b.backend.every() if isinstance(inner, _Nothing) else b.backend.negate(inner)
    if isinstance(node, MatchAll):
        return b.backend.every()
    return _leaf(node, b)


def _without_common(children: Sequence[Node], b: _Build[Q]) -> Sequence[Node]:
    """The children of an OR of more than ``ranking.LONG_OR`` words without its very common
    words (found in more than ``ranking.COMMON_SHARE`` of the articles), as Lucene's
    common-terms query did: they would make every article a match and cost the most to
    score, and add almost nothing to the ranking. When every word is common, the
    ``LONG_OR`` rarest are kept. A notice names the words left out."""
    words = [child for child in children if isinstance(child, Word)]
    if len(words) <= ranking.LONG_OR:
        return children
    total = max(1, b.backend.doc_count())
    field = b.backend.body_field(EXACT)
    shares: dict[Node, float] = {}
    for word in words:
        tokens = b.backend.tokens(exact_text(word.text), EXACT)
        if len(tokens) == 1:
            shares[word] = b.backend.doc_freq(field, tokens[0][1]) / total
    common = sorted(
        (w for w, share in shares.items() if share > ranking.COMMON_SHARE),
        key=lambda w: -shares[w],
    )
    if len(common) == len(children):
        common = common[: len(common) - ranking.LONG_OR]
    if not common:
        return children
    left_out = set(common)
    names = ", ".join(dict.fromkeys(w.text for w in common if isinstance(w, Word)))
    b.notices.append(f"Very common words were left out of this long OR query: {names}.")
    return [child for child in children if child not in left_out]


def _real(queries: Iterable[_Hard[Q]]) -> list[Q]:
    return [q for q in queries if not isinstance(q, _Nothing)]


def _and(children: Iterable[Node], b: _Build[Q]) -> _Built[Q]:
    required: list[_Hard[Q]] = []
    optional: list[_Hard[Q]] = []
    excluded: list[Q] = []
    for child in children:
        if isinstance(child, Not):
            hard = _hard(_node(child.child, b))
            if not (hard is None or isinstance(hard, _Nothing)):
                excluded.append(hard)
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
    return b.backend.combine(_real(required), _real(optional), excluded)


def _either(b: _Build[Q], queries: list[Q]) -> _Hard[Q]:
    if not queries:
        return NOTHING
    return queries[0] if len(queries) == 1 else b.backend.any_of(queries)


def _leaf(node: Node, b: _Build[Q]) -> _Built[Q]:
    if isinstance(node, Word):
        return _text(node.text, b, title_only=False, stems=True)
    if isinstance(node, Phrase):
        return _text(node.text, b, title_only=False, stems=False)
    if isinstance(node, Prefix):
        stem = exact_text(node.stem).lower()
        return _expanded(b, lambda f: b.backend.prefix_candidates(f, stem), f"{node.stem}*")
    if isinstance(node, Fuzzy):
        return _expanded(
            b, lambda f: fuzzy_candidates(b.backend, f, node), f"{node.text}~{node.edits}"
        )
    if isinstance(node, FieldTerm):
        return _field_term(node, b)
    if isinstance(node, DateRange):
        b.count()
        return b.backend.date_range(*date_bounds(node))
    raise TypeError(node)  # pragma: no cover


def _fields(b: _Build[Q], lang: str, title_only: bool) -> tuple[str, ...]:
    title = b.backend.title_field(lang)
    return (title,) if title_only else (title, b.backend.body_field(lang))


def _text(text: str, b: _Build[Q], *, title_only: bool, stems: bool) -> _Built[Q]:
    """A word (``stems``: exact or stemmed) or a phrase (exact only) in the title and body
    fields, or the title fields only."""
    tokens = b.backend.tokens(exact_text(text), EXACT)
    if not tokens:
        return None  # punctuation only
    parts: list[Q] = []
    for fieldname in _fields(b, EXACT, title_only):
        if all(b.backend.has_term(fieldname, token) for _, token in tokens):
            b.count(len(tokens))
            parts.append(_terms(b, fieldname, tokens))
    word = stems and len(tokens) == 1
    weak = word and tokens[0][1] in b.weak
    if word and b.stem_tags:
        # the word is also looked up stemmed: its exact match is a bonus on top
        if ranking.EXACT_WEIGHT != 1:
            parts = [b.backend.boosted(part, ranking.EXACT_WEIGHT) for part in parts]
        terms = _stem_terms(text, b, tokens[0][1] if weak else None)
        for fieldname in _fields(b, STEM, title_only):
            for term in terms:
                if b.backend.has_term(fieldname, term):
                    b.count()
                    parts.append(b.backend.term(fieldname, term))
    either = _either(b, parts)
    return _Soft(either) if weak else either


def _stem_terms(text: str, b: _Build[Q], stop: str | None = None) -> list[str]:
    """A word's stemmed-field terms: its stem in each language present, tagged with it, but
    in the languages that have ``stop`` (its exact form) as a stop word: German "war" is
    looked up as English ``en:war`` (finding "wars"), not as a German word."""
    terms = []
    for tag in b.stem_tags:
        if stop is not None and stop in stopwords(tag):
            continue
        stemmed = b.backend.tokens(stem_text(text), stem_analysis(tag))
        if len(stemmed) == 1:
            terms.append(stem_term(tag, stemmed[0][1]))
    return terms


def _terms(b: _Build[Q], fieldname: str, tokens: Tokens) -> Q:
    if len(tokens) == 1:
        return b.backend.term(fieldname, tokens[0][1])
    return b.backend.phrase(fieldname, tokens)


def _expanded(
    b: _Build[Q], expand: Callable[[str], Iterable[tuple[str, int]]], label: str
) -> _Hard[Q]:
    """A prefix or fuzzy word: the most frequent matching words of the exact fields."""
    parts: list[Q] = []
    truncated = False
    for fieldname in _fields(b, EXACT, False):
        deadline.check()  # each expansion scans the vocabulary: dozens overrun the cap
        terms, cut = most_frequent(expand(fieldname))
        truncated = truncated or cut
        b.count(len(terms))
        parts.extend(b.backend.term(fieldname, term) for term in terms)
    notice = (
        f"“{label}” matches many words; "
        f"only the {limits.MAX_EXPANSIONS} most frequent were searched."
    )
    if truncated and notice not in b.notices:
        b.notices.append(notice)
    return _either(b, parts)


def most_frequent(terms: Iterable[tuple[str, int]]) -> tuple[list[str], bool]:
    """At most ``MAX_EXPANSIONS`` terms, the most frequent; True when some were left out."""
    ranked = sorted(terms, key=lambda pair: (-pair[1], pair[0]))
    return [term for term, _ in ranked[: limits.MAX_EXPANSIONS]], len(
        ranked
    ) > limits.MAX_EXPANSIONS


def fuzzy_text(node: Fuzzy, analyse: Callable[[str], list[str]]) -> str:
    """What a fuzzy word is compared with: its one exact token, else its folded text."""
    tokens = analyse(exact_text(node.text))
    return tokens[0] if len(tokens) == 1 else exact_text(node.text).lower()


def fuzzy_candidates(backend: Backend[Q], fieldname: str, node: Fuzzy) -> Iterable[tuple[str, int]]:
    """Terms of the exact field ``fieldname`` close to ``node``, with frequencies."""
    deadline.check()
    text = fuzzy_text(node, lambda t: [token for _, token in backend.tokens(t, EXACT)])
    return backend.fuzzy_candidates(fieldname, text, node.edits)


def fuzzy_expansion(backend: Backend[Q], node: Fuzzy) -> set[str]:
    """The exact terms a fuzzy word is searched as (for highlighting)."""
    terms: set[str] = set()
    for fieldname in (backend.title_field(EXACT), backend.body_field(EXACT)):
        terms.update(most_frequent(fuzzy_candidates(backend, fieldname, node))[0])
    return terms


def _field_term(node: FieldTerm, b: _Build[Q]) -> _Built[Q]:
    if node.field == "title":
        return _text(node.value, b, title_only=True, stems=True)
    if node.field == "author":
        tokens = b.backend.tokens(exact_text(node.value), EXACT)
        if not tokens:
            return None
        b.count(len(tokens))
        return _terms(b, "author", tokens)
    b.count()
    if node.field in ("tags", "publication"):
        # stored as their facet key, so a value matches as it does in facets and filters
        return b.backend.term(node.field, facet_key(node.value))
    return b.backend.term(node.field, node.value.casefold())  # lang: a normalised code


def date_bounds(node: DateRange) -> tuple[int, int | None]:
    """``yyyymmdd`` bounds, inclusive; an open start still leaves undated articles out."""
    start = _key(node.start.first_day()) if node.start else _FIRST_YEAR_KEY
    end = _key(node.end.last_day()) if node.end else None
    return start, end


_FIRST_YEAR_KEY = 1 * 10000
"""``yyyymmdd`` of year 1, month 0: below every dated article, above the undated."""


def _key(day: dt.date) -> int:
    # The index format's date key (``schema.date_key`` of both engines).
    return day.year * 10000 + day.month * 100 + day.day


__all__ = [
    "NOTHING",
    "Backend",
    "Tokens",
    "compile_parts",
    "compile_query",
    "date_bounds",
    "fuzzy_candidates",
    "fuzzy_expansion",
    "fuzzy_text",
    "most_frequent",
]
