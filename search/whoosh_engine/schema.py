"""The Whoosh schema and its analysers: defined once, used by the writer and the searcher.

Text is indexed in one field per analyser language (``title_en``, ``body_de``,
``body_und``…): each article's text goes into the fields of its own language,
and a query word is analysed by each language's analyser and looked up in that
language's fields. So "Kriege" finds "Krieg" in German articles while English
articles are stemmed the English way, and nothing is stemmed twice.
"""

from __future__ import annotations

from functools import cache

from whoosh import analysis, fields
from whoosh.analysis import Analyzer

from search import ranking
from search.languages import NEUTRAL, STEMMED

FORMAT_VERSION = 1
"""Bumped whenever the schema or the stored layout changes: older indexes are refused."""

ANALYSER_LANGS: tuple[str, ...] = (*STEMMED, NEUTRAL)
SPELL_FIELD = "spell"
"""Each distinct word of an article once, unstemmed: the vocabulary of did-you-mean."""


@cache
def analyser(lang: str) -> Analyzer:
    """The analyser for ``lang``: stemming and stop words where we have them, else neutral."""
    if lang in STEMMED:
        return analysis.LanguageAnalyzer(lang, cachesize=-1)
    return analysis.RegexTokenizer() | analysis.LowercaseFilter()


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
        author=fields.TEXT(analyzer=analyser(NEUTRAL), phrase=True),
        date=fields.NUMERIC(int, bits=32, stored=True, signed=False),
        translation_key=fields.ID(stored=True),
    )
    schema.add(SPELL_FIELD, fields.TEXT(analyzer=analyser(NEUTRAL), phrase=False))
    for lang in ANALYSER_LANGS:
        schema.add(
            title_field(lang), fields.TEXT(analyzer=analyser(lang), field_boost=ranking.TITLE_BOOST)
        )
        schema.add(body_field(lang), fields.TEXT(analyzer=analyser(lang)))
    return schema


def date_key(year: int, month: int = 0, day: int = 0) -> int:
    """Dates are indexed as ``yyyymmdd`` integers: sortable, range-searchable, compact."""
    return year * 10000 + month * 100 + day
