"""The Whoosh schema and its analysers: defined once, used by the writer and the searcher.

Text is indexed as ``search.analysis`` lays it out: one exact field pair
(``title_exact``, ``body_exact``: words as written, folded, with positions) and
one stemmed pair (``title_stem``, ``body_stem``: no positions), both shared by
every language. The writer feeds the exact fields ``analysis.exact_text`` of each
text, and the stemmed ones the terms its own language's analyser here makes of
``analysis.stem_text``, tagged (``analysis.tagged_text``); queries go through the
same functions and analysers, so both sides see the same terms.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import Stemmer
from whoosh import analysis, fields
from whoosh.analysis import Analyzer

from search.analysis import EXACT, SNOWBALL, STEM, STEM_LANGS, WORD_PATTERN, stem_stopwords

FORMAT_VERSION = 6
"""Bumped whenever the schema or the stored layout changes: older indexes are refused.

2: exact fields shared by every language, stemmed fields without positions,
PyStemmer's Snowball stemmers.
3: the stemmed fields leave out their language's stop words (the exact fields keep them).
4: tags and publications are indexed as their facet key (``docvalues.facet_key``).
5: one stemmed field pair shared by every language, its terms tagged with the language;
the title weight is applied at query time (``querybuild``), not stored in the postings.
6: posting blocks pickled with protocol 4 (``fastcodec.BlockWriter``), read several times
faster; the layout is Whoosh's and its reader reads them."""

ANALYSER_LANGS: tuple[str, ...] = (*STEM_LANGS, EXACT)
"""Every analyser of words: each stemmed language's, and the exact one."""
SPELL_FIELD = "spell"
"""Each distinct word of an article once, unstemmed: the vocabulary of did-you-mean."""


class SnowballStem:
    """PyStemmer's Snowball stemmer for one algorithm, as a ``StemFilter``'s ``stemfn``.

    Picklable by name (the schema is pickled into the index) and equal by name, so
    the fused build shares one cache per language (``fastindex``)."""

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm
        self._stem = Stemmer.Stemmer(algorithm).stemWord

    def __call__(self, word: str) -> str:
        stemmed: str = self._stem(word)
        return stemmed

    def __reduce__(self) -> tuple[Any, ...]:
        return (SnowballStem, (self.algorithm,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SnowballStem) and other.algorithm == self.algorithm

    def __hash__(self) -> int:
        return hash(self.algorithm)


@cache
def analyser(lang: str) -> Analyzer:
    """``lang``'s stemming analyser (its stop words left out), or the exact one for
    :data:`EXACT` (every word)."""
    chain = analysis.RegexTokenizer(WORD_PATTERN) | analysis.LowercaseFilter()
    if lang in SNOWBALL:
        stops = stem_stopwords(lang)
        if stops:
            chain = chain | analysis.StopFilter(stoplist=stops, minsize=1)
        chain = chain | analysis.StemFilter(stemfn=SnowballStem(SNOWBALL[lang]), cachesize=-1)
    return chain


@cache
def tagged_analyser() -> Analyzer:
    """The stemmed fields' analyser: their text is already analysed and tagged
    (``en:terror en:war``), so it is only split at spaces."""
    return analysis.RegexTokenizer(r"\S+") | analysis.LowercaseFilter()


def title_field(lang: str) -> str:
    return f"title_{lang}"


def body_field(lang: str) -> str:
    return f"body_{lang}"


def build_schema() -> fields.Schema:
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.STORED(),
        title=fields.STORED(),
        body=fields.STORED(),
        source=fields.STORED(),
        record=fields.STORED(),
        tags=fields.KEYWORD(commas=True, lowercase=True, scorable=False),
        publication=fields.ID(),
        lang=fields.ID(stored=True),
        author=fields.TEXT(analyzer=analyser(EXACT), phrase=True),
        date=fields.NUMERIC(int, bits=32, stored=True, signed=False),
        translation_key=fields.ID(stored=True),
    )
    schema.add(SPELL_FIELD, fields.TEXT(analyzer=analyser(EXACT), phrase=False))
    schema.add(title_field(EXACT), fields.TEXT(analyzer=analyser(EXACT)))
    schema.add(body_field(EXACT), fields.TEXT(analyzer=analyser(EXACT)))
    schema.add(title_field(STEM), fields.TEXT(analyzer=tagged_analyser(), phrase=False))
    schema.add(body_field(STEM), fields.TEXT(analyzer=tagged_analyser(), phrase=False))
    return schema


def date_key(year: int, month: int = 0, day: int = 0) -> int:
    """Dates are indexed as ``yyyymmdd`` integers: sortable, range-searchable, compact."""
    return year * 10000 + month * 100 + day
