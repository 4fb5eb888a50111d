"""The tables of one generation, the catalogue that says which generation is served, and
how an article's text becomes ``tsvector`` values.

A rebuild ``gNNN`` (the number of the store's generation ``gen-NNN``) writes a table
set; the updates after it write their rows into the same tables, copy-on-write, so the
GIN indexes are kept (docs/postgres.md, "Publishing")::

    as_docs_gNNN   one row per article version: dense ``docnum`` (an update gives a changed
                   article a new one), the stored record and body, and five tsvectors with
                   GIN indexes (exact title/body/authors from our own analysis; stemmed
                   title/body through the row's regconfig)
    as_gone_gNNN   docnum → the update (``seq``) that deleted or replaced that version
    as_terms_gNNN  the vocabulary: (field, term, born) → document frequency and postings
                   (docnums and term frequencies as big-endian int4/int2 bytes), for BM25,
                   prefix and fuzzy expansion, did-you-mean and completions; a row is seen
                   by the generations ``born <= seq < died`` (``visible``)

and per generation, rebuilt or updated::

    as_stats_gNNN  one row: the facet arrays (``search.docvalues``) whose live mask and size
                   say which docs rows the generation sees, field lengths, average lengths,
                   and the table set and ``seq`` it reads; loaded once when a reader opens it

and two catalogue tables shared by every generation::

    as_catalogue   name, meta (JSON), published_at, retired_at
    as_current     one row: the name of the published generation

Table names are made only from names matching ``_NAME`` and quoted with
``psycopg.sql.Identifier``; no user text ever becomes SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg import sql

from search.analysis import EXACT, SNOWBALL, WORD_PATTERN, exact_tokens, stem_lang, stem_text
from search.errors import IndexFormatError
from search.postgres_engine.version import FORMAT_VERSION

CATALOGUE = sql.Identifier("as_catalogue")
CURRENT = sql.Identifier("as_current")
LOCK_KEY = 0x61735F6964780001
"""``pg_advisory_xact_lock`` key held by the one indexer writing the database at a time."""
_NAME = re.compile(r"^gen-(\d{6,20})$")

MAX_POSITION = 16_383
"""PostgreSQL keeps word positions up to this; later words share the last position."""
MAX_POSITIONS = 256
"""Positions a tsvector keeps per word."""
MAX_TOKEN_BYTES = 255
MAX_VECTOR_BYTES = 900_000
"""Below PostgreSQL's 1 MB cap on one tsvector; longer texts keep their first words."""
MAX_STEM_WORDS = 50_000
"""Words of a text handed to the stemmer (past ``MAX_POSITION`` they only add counts)."""

REGCONFIG: dict[str, str] = dict(SNOWBALL)
"""Our stemmed languages → PostgreSQL's text search configuration of the same Snowball
stemmer (every one ships with PostgreSQL 15)."""

FIELD_COLUMNS = {
    "title_exact": "title_exact",
    "body_exact": "body_exact",
    "author": "author_exact",
}
"""Fields of the query compiler → tsvector columns; ``title_<lang>``/``body_<lang>`` are the
stemmed columns of rows in that language."""


def table_suffix(generation: str) -> str:
    """``gen-20261207081600123`` → ``g20261207081600123``; ``IndexFormatError`` otherwise."""
    found = _NAME.match(generation)
    if found is None:
        raise IndexFormatError(f"{generation!r} is not a generation name")
    return f"g{found.group(1)}"


def tables(generation: str) -> tuple[sql.Identifier, sql.Identifier, sql.Identifier]:
    """The docs, terms and stats tables of ``generation``."""
    suffix = table_suffix(generation)
    return (
        sql.Identifier(f"as_docs_{suffix}"),
        sql.Identifier(f"as_terms_{suffix}"),
        sql.Identifier(f"as_stats_{suffix}"),
    )


def gone_table(generation: str) -> sql.Identifier:
    """The table of the docs rows the updates of ``generation``'s table set replaced."""
    return sql.Identifier(f"as_gone_{table_suffix(generation)}")


@dataclass(frozen=True)
class Terms:
    """The vocabulary table of a table set as generation ``seq`` of that set sees it."""

    table: sql.Identifier
    seq: int

    def visible(self, alias: str) -> sql.Composed:
        """The condition on the rows (of this table, aliased ``alias``) the generation sees:
        born at or before it and not replaced by it or an earlier update. ``seq`` is a
        number from the stats row, never user text."""
        return sql.SQL("({a}.born <= {g} AND ({a}.died IS NULL OR {a}.died > {g}))").format(
            a=sql.Identifier(alias), g=sql.Literal(int(self.seq))
        )


def generation_bytes(generation: str) -> int:
    """Bytes a rebuilt generation's tables and indexes take in the database (for the bench)."""
    from search.postgres_engine.database import database

    names = [t.as_string() for t in (*tables(generation), gone_table(generation))]
    query = (
        "SELECT coalesce(sum(pg_total_relation_size(to_regclass(n))), 0) FROM unnest(%s::text[]) n"
    )
    rows = database().fetch(query, (names,))
    return int(rows[0][0])


def column(field: str) -> tuple[str, str | None]:
    """The tsvector column of a compiler field, and the language its rows must have."""
    if field in FIELD_COLUMNS:
        return FIELD_COLUMNS[field], None
    kind, _, lang = field.partition("_")
    if kind not in ("title", "body") or lang not in SNOWBALL:
        raise ValueError(f"no such field: {field}")
    return f"{kind}_stem", lang


NAMED_FUNCTION = sql.Identifier("as_named_stems")
_NAMED_BODY = r"""
SELECT coalesce(string_agg(
    '''' || replace(replace(lang || ':' || u.lexeme, '\', '\\'), '''', '''''')
    || ''':' || array_to_string(u.positions, ','), ' '), '')::tsvector
FROM unnest(v) u
"""

CATALOGUE_DDL: list[sql.SQL | sql.Composed] = [
    sql.SQL("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch"),
    # Each stem of a stemmed column carries its language ("en:war", "de:war"), so one
    # ``title_stem @@ 'en:war' | 'de:war'`` is answered by the GIN index alone, without a
    # language test rechecked on every matching row's vectors.
    sql.SQL(
        "CREATE OR REPLACE FUNCTION {}(lang text, v tsvector) RETURNS tsvector "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS {}"
    ).format(NAMED_FUNCTION, sql.Literal(_NAMED_BODY)),
    sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, meta jsonb NOT NULL, "
        "published_at timestamptz NOT NULL DEFAULT now(), retired_at timestamptz)"
    ).format(CATALOGUE),
    sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
        "name text NOT NULL)"
    ).format(CURRENT),
]


def docs_ddl(docs: sql.Identifier) -> sql.Composed:
    return sql.SQL(
        """CREATE TABLE {} (
        docnum integer PRIMARY KEY,
        id text COLLATE "C" NOT NULL,
        lang text NOT NULL,
        stem_lang text NOT NULL,
        cfg regconfig NOT NULL,
        date integer NOT NULL,
        tags text[] NOT NULL,
        publication text,
        translation_key text,
        record jsonb NOT NULL,
        body text NOT NULL,
        title_exact tsvector NOT NULL,
        body_exact tsvector NOT NULL,
        author_exact tsvector NOT NULL,
        title_stem tsvector NOT NULL,
        body_stem tsvector NOT NULL,
        len_title_exact integer NOT NULL,
        len_body_exact integer NOT NULL,
        len_title_stem integer NOT NULL,
        len_body_stem integer NOT NULL)"""
    ).format(docs)


def index_ddl(docs: sql.Identifier, suffix: str) -> list[sql.Composed]:
    """GIN indexes on the tsvectors, and the columns the query language filters on."""
    out = []
    for name in ("title_exact", "body_exact", "author_exact", "title_stem", "body_stem", "tags"):
        out.append(
            sql.SQL("CREATE INDEX {} ON {} USING gin ({})").format(
                sql.Identifier(f"as_{name}_{suffix}"), docs, sql.Identifier(name)
            )
        )
    for name in ("id", "date", "translation_key", "lang", "publication"):
        out.append(
            sql.SQL("CREATE INDEX {} ON {} ({})").format(
                sql.Identifier(f"as_{name}_{suffix}"), docs, sql.Identifier(name)
            )
        )
    return out


def terms_ddl(terms: sql.Identifier) -> sql.Composed:
    return sql.SQL(
        'CREATE TABLE {} (field text COLLATE "C" NOT NULL, term text COLLATE "C" NOT NULL, '
        "df integer NOT NULL, docs bytea NOT NULL, tfs bytea NOT NULL, "
        "born integer NOT NULL DEFAULT 0, died integer, PRIMARY KEY (field, term, born))"
    ).format(terms)


def gone_ddl(gone: sql.Identifier) -> sql.Composed:
    return sql.SQL("CREATE TABLE {} (docnum integer PRIMARY KEY, seq integer NOT NULL)").format(
        gone
    )


def stats_ddl(stats: sql.Identifier) -> sql.Composed:
    return sql.SQL(
        "CREATE TABLE {} (arrays bytea NOT NULL, names jsonb NOT NULL, size integer NOT NULL)"
    ).format(stats)


# ---------------------------------------------------------------- text → tsvector


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def exact_vector(text: str) -> tuple[str, int]:
    """The exact field's tsvector (as its text form) of ``text``, and its length in words.

    Our own analysis (``search.analysis.exact_tokens``: folded words, CJK bigrams), not
    PostgreSQL's parser, which would keep ``node.js`` or an e-mail address as one word:
    the exact fields must hold the same terms in every engine."""
    tokens = exact_tokens(text)
    positions: dict[str, list[int]] = {}
    size = 0
    for number, token in enumerate(tokens, 1):
        if len(token.encode("utf-8")) > MAX_TOKEN_BYTES:
            continue
        found = positions.get(token)
        if found is None:
            size += len(token.encode("utf-8")) + 8
            if size > MAX_VECTOR_BYTES:
                break
            positions[token] = found = []
        if len(found) < MAX_POSITIONS:
            position = min(number, MAX_POSITION)
            if not found or found[-1] != position:
                found.append(position)
                size += 2
    vector = " ".join(
        f"{_quote(token)}:{','.join(map(str, spots))}" for token, spots in positions.items()
    )
    return vector, len(tokens)


_WORD = re.compile(WORD_PATTERN)


def stem_input(text: str) -> str:
    """What the stemmed column's regconfig parses: our words (``stem_text``, then runs of
    letters and digits) separated by spaces, so PostgreSQL's parser sees words only."""
    words = _WORD.findall(stem_text(text))
    return " ".join(words[:MAX_STEM_WORDS])


def stem_lang_of(lang: str) -> str | None:
    """The stemmed language of an article's language code (None: exact fields only)."""
    return stem_lang(lang)


def regconfig(lang: str) -> str:
    """The row's text search configuration: its language's stemmer, or ``simple``."""
    code = stem_lang(lang)
    return REGCONFIG[code] if code else "simple"


__all__ = ["EXACT", "FORMAT_VERSION", "exact_vector", "regconfig", "stem_input", "tables"]
