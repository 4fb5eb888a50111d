"""The Tantivy schema and its analysers: defined once, used by the writer and the searcher.

The layout mirrors the Whoosh schema (see ``search.analysis``): exact fields
(``title_exact``, ``body_exact``, with positions) and stemmed fields
(``title_stem``, ``body_stem``, frequencies only), both shared by every language.
The writer stems each article with its own language's analyser here and adds the
tagged terms (``analysis.tagged_text``), which the stemmed fields split at spaces;
the query side stems a word with the same analysers. Facet-like fields
(``tags``, ``publication``, ``lang``, ``translation_key``, ``id``) hold whole
values through the ``raw`` tokenizer, case-folded by the writer.

The Tantivy files live in the ``tantivy/`` subdirectory of a generation,
because the store writes its own ``meta.json`` at the generation's top level
and Tantivy keeps a ``meta.json`` of its own.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import tantivy

from search.analysis import EXACT, SNOWBALL, STEM, STEM_LANGS, stem_stopwords
from search.types import FacetName

FORMAT_VERSION = 9
"""Bumped whenever the schema or the stored layout changes: older indexes are refused.

2: the body is stored apart from the rest of the record, and the hit table
(``hittable``) is written beside the facet arrays.
3: the did-you-mean field is split into words by Tantivy's simple tokenizer.
4: exact fields shared by every language, stemmed fields without positions,
Snowball for 18 languages.
5: the stemmed fields leave out their language's stop words (the exact fields keep them).
6: tags and publications are indexed as their facet key (``docvalues.facet_key``).
7: each keyed facet's keys in a fast field, counted by Tantivy's aggregations
(``facetcount``).
8: one stemmed field pair shared by every language, its terms tagged with the language.
9: the year in a fast field of its own, counted by a terms aggregation (``facetcount``)."""

INDEX_SUBDIR = "tantivy"
ANALYSER_LANGS: tuple[str, ...] = (*STEM_LANGS, EXACT)


MAX_TOKEN_CHARS = 40
"""Longer tokens (base64, URLs glued together) are dropped, as Tantivy's default analyser does."""


ID, KEY, RECORD, BODY = "id", "key", "record", "body"
"""``record`` is the article as JSON without its body; ``body`` is the body as UTF-8 bytes,
so a hit that needs only its body (for snippets) skips decoding the source."""
TAGS, PUBLICATION, LANG, TRANSLATION_KEY = "tags", "publication", "lang", "translation_key"
AUTHOR, DATE, YEAR, SPELL = "author", "date", "year", "spell"
FACET_FIELDS: dict[FacetName, str] = {
    "tag": "tag_key",
    "publication": "publication_key",
    "author": "author_key",
    "lang": "lang_key",
}
"""Each keyed facet's values as ``facet_key`` writes them (the keys of ``DocValues``): indexed
whole for filters, and fast fields for Tantivy's terms aggregation to count."""


SPELL_ANALYSER = "archive_spell"


def analyser_name(lang: str) -> str:
    return f"archive_{lang}"


@cache
def spell_analyser() -> tantivy.TextAnalyzer:
    """Words for did-you-mean: runs of letters and digits, lower-cased.

    Suggestions are only made for and from words of letters, on which this
    agrees with the languages' analysers; Tantivy's simple tokenizer finds
    them about three times faster than a regular expression, and this field
    holds a second copy of every title and body (a third of a build's time
    with the regex tokenizer).
    """
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


@cache
def analyser(lang: str) -> tantivy.TextAnalyzer:
    """``lang``'s stemming analyser (its stop words left out), or the exact one for ``EXACT``
    (every word).

    Tokens are runs of letters and digits (Tantivy's simple tokenizer, as the Whoosh
    engine's ``analysis.WORD_PATTERN``): its regular-expression tokenizer took three
    times as long, and the text is now tokenized twice (exact and stemmed fields)."""
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
    )
    if lang in SNOWBALL:
        stops = stem_stopwords(lang)
        if stops:  # the same list as the Whoosh engine, not Tantivy's own
            builder = builder.filter(tantivy.Filter.custom_stopword(list(stops)))
        builder = builder.filter(tantivy.Filter.stemmer(SNOWBALL[lang]))
    return builder.build()


def title_field(lang: str) -> str:
    return f"title_{lang}"


def body_field(lang: str) -> str:
    return f"body_{lang}"


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(ID, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field(KEY, stored=True, fast=True)
    builder.add_bytes_field(RECORD, stored=True)
    builder.add_bytes_field(BODY, stored=True)
    for name in (TAGS, PUBLICATION, LANG, TRANSLATION_KEY):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(AUTHOR, tokenizer_name=analyser_name(EXACT))
    for name in FACET_FIELDS.values():
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_unsigned_field(DATE, indexed=True, fast=True)
    # counted by a terms aggregation: a histogram over the date read each date as a float
    builder.add_unsigned_field(YEAR, fast=True)
    builder.add_text_field(SPELL, tokenizer_name=SPELL_ANALYSER, index_option="basic")
    builder.add_text_field(title_field(EXACT), tokenizer_name=analyser_name(EXACT))
    builder.add_text_field(body_field(EXACT), tokenizer_name=analyser_name(EXACT))
    # phrases are matched on the exact fields only; the writer adds analysed, tagged terms
    builder.add_text_field(title_field(STEM), tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field(body_field(STEM), tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def open_index(directory: Path, *, create: bool = False) -> tantivy.Index:
    """The Tantivy index of the generation in ``directory``, with our analysers registered."""
    path = directory / INDEX_SUBDIR
    if create and not (path.is_dir() and tantivy.Index.exists(str(path))):
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(build_schema(), path=str(path), reuse=False)
    else:
        index = tantivy.Index.open(str(path))
    for lang in ANALYSER_LANGS:
        index.register_tokenizer(analyser_name(lang), analyser(lang))
    index.register_tokenizer(SPELL_ANALYSER, spell_analyser())
    return index


def date_key(year: int, month: int = 0, day: int = 0) -> int:
    """Dates are indexed as ``yyyymmdd`` integers, as in the Whoosh engine and ``search.facets``."""
    return year * 10000 + month * 100 + day
