"""Writing a generation into PostgreSQL: one transaction from the first row to publication.

A writer opens its own connection and transaction, takes the database's indexer
lock (``pg_try_advisory_xact_lock``), creates the generation's tables (an update
first copies the rows of the generation it starts from, server-side), applies
deletions and additions, then builds the GIN indexes, the vocabulary with its
postings and the facet arrays, and publishes: the catalogue row of the new
generation and the one row of ``as_current`` are written in the same
transaction. Until it commits nothing is visible; a killed indexer's
transaction is rolled back by the server, so readers keep the last published
generation. Superseded generations are dropped by later writers once the grace
period has passed (``collect_garbage``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psycopg
from psycopg import sql

from search.article import Article
from search.docvalues import DocValuesBuilder, facet_key, pack_docvalues
from search.errors import IndexFormatError, IndexLocked
from search.postgres_engine import schema as s
from search.postgres_engine.bm25 import Postings, postings_query, read_postings
from search.postgres_engine.database import Database
from search.store import GRACE_SECONDS, KEEP_GENERATIONS, write_atomic

BASE_FILE = "postgres.json"
"""Written into the store's generation directory: which database generation it is, so the
next update (whose directory starts as a copy) knows the tables to start from."""
_NO_DOCS = np.zeros(0, dtype=np.int32)
_NO_TFS = np.zeros(0, dtype=np.int16)
BATCH = 500
"""Articles sent per COPY."""
ENGINE_NAME = "postgres"
LENGTH_FIELDS = ("len_title_exact", "len_body_exact", "len_title_stem", "len_body_stem")

_STAGING_COLUMNS = (
    "docnum", "id", "lang", "stem_lang", "cfg", "date", "tags", "publication",
    "translation_key", "record", "body", "title_exact", "body_exact", "author_exact",
    "title_stem_text", "body_stem_text", "len_title_exact", "len_body_exact",
)  # fmt: skip
_RECORD_FIELDS = tuple(f for f in Article.__dataclass_fields__ if f != "body")


def prepare_catalogue(conn: psycopg.Connection) -> None:
    """The extensions and catalogue tables, created once per database (committed)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (s.LOCK_KEY - 1,))
        for statement in s.CATALOGUE_DDL:
            conn.execute(statement)


def staging_row(docnum: int, article: Article) -> tuple[Any, ...]:
    """One article as the staging table's COPY row."""
    title_exact, len_title = s.exact_vector(article.title)
    body_exact, len_body = s.exact_vector(article.body)
    authors, _ = s.exact_vector("\n".join(article.authors))
    stem = s.stem_lang_of(article.lang)
    record = orjson.dumps({name: getattr(article, name) for name in _RECORD_FIELDS}).decode()
    # as their facet key: the tag: and publication: fields match as facets and filters do
    tags = list(dict.fromkeys(facet_key(tag) for tag in article.tags))
    date = int(article.date.strftime("%Y%m%d")) if article.date else 0
    return (
        docnum, article.id, article.lang, stem or "", s.regconfig(article.lang), date, tags,
        facet_key(article.publication) if article.publication else None,
        article.translation_key, _nul_free(record), _nul_free(article.body),
        title_exact, body_exact, authors,
        s.stem_input(article.title) if stem else "", s.stem_input(article.body) if stem else "",
        len_title, len_body,
    )  # fmt: skip


def _nul_free(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters."""
    return text.replace("\x00", " ") if "\x00" in text else text


class PostgresWriter:
    """Writes the generation whose store directory is ``directory`` into ``db``.

    A rebuild creates a table set of its own (``seq`` 0). An update of the published
    generation writes into that generation's table set, copy-on-write: added and changed
    articles are new docs rows (new docnums, indexed by the kept GIN indexes as they are
    inserted), replaced and deleted ones are listed in the gone table, and the vocabulary
    rows of the words they hold are replaced by rows ``born`` at the update's ``seq`` (the
    old ones ``died`` there). A reader of an older generation keeps seeing exactly its own
    rows (its live mask and size; ``Terms.visible``), whether or not the update committed.
    The same holds for an update of a generation no longer published but still the newest
    of its table set (``_newest_of_set``). An update starting from a generation that a later
    update of its set has written past copies the rows it sees into a new table set first
    (the slow path of before)."""

    def __init__(self, directory: Path, db: Database) -> None:
        self.directory = Path(directory)
        self.name = generation_name(self.directory)
        self.stats = s.tables(self.name)[2]
        self._pending: list[Article] = []
        self._db = db
        self._stack = contextlib.ExitStack()
        self._conn: psycopg.Connection | None = self._stack.enter_context(db.servers.primary())
        try:
            prepare_catalogue(self._conn)
            self._begin(_base_generation(self.directory))
        except BaseException:
            self.cancel()
            raise

    def _open(self) -> psycopg.Connection:
        if self._conn is None:
            raise RuntimeError("the writer was already committed or cancelled")
        return self._conn

    def _use_set(self, name: str, seq: int) -> None:
        self._set, self._seq = name, seq
        self.docs, self.terms, _ = s.tables(name)
        self.gone = s.gone_table(name)

    def _begin(self, base: str | None) -> None:
        conn = self._open()
        locked = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (s.LOCK_KEY,)).fetchone()
        if not (locked and locked[0]):
            raise IndexLocked("another indexer is writing this database; wait for it to finish")
        own = (*s.tables(self.name), s.gone_table(self.name))
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}, {}, {}").format(*own))
        self._deleted = set[int]()
        self._in_place, size = False, 0
        if base is None:
            self._use_set(self.name, 0)
            self._create_set(conn)
        else:
            names, size = _base_stats(conn, base)
            base_set, base_seq = str(names.get("tables", base)), int(names.get("seq", 0))
            if _newest_of_set(conn, base_set, base_seq):
                self._in_place = True
                self._use_set(base_set, base_seq + 1)
            else:  # an older generation: the rows it sees, into a table set of our own
                self._use_set(self.name, 1)
                self._create_set(conn)
                self._copy_seen(conn, s.tables(base_set), s.gone_table(base_set), base_seq, size)
        found = conn.execute(
            sql.SQL("SELECT coalesce(max(docnum) + 1, 0) FROM {}").format(self.docs)
        ).fetchone()
        self._next = self._base_next = max(size, int(found[0]) if found else 0)
        columns = ", ".join(
            f"{c} {t}" for c, t in zip(_STAGING_COLUMNS, _STAGING_TYPES, strict=True)
        )
        conn.execute(f"CREATE TEMPORARY TABLE as_staging ({columns}) ON COMMIT DROP")

    def _create_set(self, conn: psycopg.Connection) -> None:
        conn.execute(s.docs_ddl(self.docs))
        conn.execute(s.gone_ddl(self.gone))
        conn.execute(s.terms_ddl(self.terms))

    def _copy_seen(
        self,
        conn: psycopg.Connection,
        tables: tuple[sql.Identifier, ...],
        gone: sql.Identifier,
        seq: int,
        size: int,
    ) -> None:
        """The docs and vocabulary rows generation ``seq`` of a table set sees (``born`` 0)."""
        docs, terms, _ = tables
        conn.execute(
            sql.SQL(
                "INSERT INTO {} SELECT d.* FROM {} d WHERE d.docnum < %s AND NOT EXISTS "
                "(SELECT 1 FROM {} g WHERE g.docnum = d.docnum AND g.seq <= %s)"
            ).format(self.docs, docs, gone),
            (size, seq),
        )
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (field, term, df, docs, tfs) "
                "SELECT v.field, v.term, v.df, v.docs, v.tfs FROM {} v WHERE {}"
            ).format(self.terms, terms, s.Terms(terms, seq).visible("v"))
        )

    def delete(self, article_ids: Iterable[str]) -> None:
        self._flush()
        ids = list(set(article_ids))
        if not ids:
            return
        conn = self._open()
        rows = conn.execute(
            sql.SQL(
                "INSERT INTO {gone} (docnum, seq) SELECT d.docnum, %s FROM {docs} d "
                "WHERE d.id = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM {gone} g WHERE g.docnum = d.docnum) RETURNING docnum"
            ).format(gone=self.gone, docs=self.docs),
            (self._seq, ids),
        ).fetchall()
        self._deleted |= {int(r[0]) for r in rows if int(r[0]) < self._base_next}

    def add(self, articles: Iterable[Article]) -> None:
        for article in articles:
            self._pending.append(article)
            if len(self._pending) >= BATCH:
                self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        conn = self._open()
        columns = sql.SQL(", ").join(map(sql.Identifier, _STAGING_COLUMNS))
        with conn.cursor() as cur:
            with cur.copy(sql.SQL("COPY as_staging ({}) FROM STDIN").format(columns)) as copy:
                for article in self._pending:
                    copy.write_row(staging_row(self._next, article))
                    self._next += 1
            cur.execute(_INSERT.format(docs=self.docs, named=s.NAMED_FUNCTION))
            cur.execute("TRUNCATE as_staging")
        self._pending = []

    def commit(self) -> None:
        self._flush()
        conn = self._open()
        if not self._in_place:
            for statement in s.index_ddl(self.docs, s.table_suffix(self._set)):
                conn.execute(statement)
        if self._seq == 0:
            every = _TERMS_OF.format(docs=self.docs, where=self._live_rows(0))
            conn.execute(
                sql.SQL("INSERT INTO {} (field, term, df, docs, tfs) ").format(self.terms) + every
            )
        else:
            self._patch_terms(conn)
        conn.execute(s.stats_ddl(self.stats))
        arrays, names, size = _stats(conn, self.docs, self.gone, self._next, self._set, self._seq)
        conn.execute(
            sql.SQL("INSERT INTO {} (arrays, names, size) VALUES (%s, %s, %s)").format(self.stats),
            (arrays, json.dumps(names, ensure_ascii=False), size),
        )
        if not self._in_place:  # an update's few rows leave the planner's statistics right
            conn.execute(sql.SQL("ANALYZE {}").format(self.docs))
            conn.execute(sql.SQL("ANALYZE {}").format(self.terms))
        meta = {
            "engine": ENGINE_NAME,
            "format_version": s.FORMAT_VERSION,
            "generation": self.name,
            "id": secrets.token_hex(8),
            "created": dt.datetime.now(dt.UTC).isoformat(),
            "articles": int(names["articles"]),
            "tables": self._set,
            "seq": self._seq,
        }
        publish(conn, self.name, meta)
        conn.commit()
        write_atomic(self.directory / BASE_FILE, json.dumps({"generation": self.name}))
        try:
            collect_garbage(conn)
        finally:
            self._conn = None
            self._stack.close()
        if self._db.publish_wait > 0:
            # replicas serve the old generation until they replay this commit (decision 0196)
            servers = self._db.servers
            servers.wait_for_replay(servers.current_lsn(), self._db.publish_wait)

    def _live_rows(self, since: int) -> sql.Composed:
        """``WHERE``: the docs rows from docnum ``since`` on that no update replaced."""
        return sql.SQL(
            "WHERE d.docnum >= {} AND NOT EXISTS (SELECT 1 FROM {} g WHERE g.docnum = d.docnum)"
        ).format(sql.Literal(since), self.gone)

    def _patch_terms(self, conn: psycopg.Connection) -> None:
        """The update's vocabulary: the rows of only the words the deleted and added articles
        hold are replaced (deleted document numbers taken out, added ones appended: they are
        larger, so the postings stay in order); the replaced rows die at this ``seq``, the new
        ones are born at it, so readers of the base generation keep reading theirs.
        Regrouping every article's vectors took two thirds of an update on sisihagen."""
        newer = _TERMS_OF.format(docs=self.docs, where=self._live_rows(self._base_next))
        added = read_postings(conn.execute(newer).fetchall())
        removed: Postings = {}
        if self._deleted:
            older = _TERMS_OF.format(docs=self.docs, where=sql.SQL("WHERE d.docnum = ANY(%s)"))
            removed = read_postings(conn.execute(older, (sorted(self._deleted),)).fetchall())
        touched = sorted(set(added) | set(removed))
        base = s.Terms(self.terms, self._seq - 1)
        asked = postings_query(base, touched)
        if asked is None:
            return
        old = read_postings(conn.execute(*asked).fetchall())
        gone = np.asarray(sorted(self._deleted), dtype=np.int32)
        rows = []
        for key in touched:
            _df, docs, tfs = old.get(key, (0, _NO_DOCS, _NO_TFS))
            kept = ~np.isin(docs, gone)
            docs, tfs = docs[kept], tfs[kept]
            if key in added:
                docs = np.concatenate([docs, added[key][1]])
                tfs = np.concatenate([tfs, added[key][2]])
            if len(docs):
                rows.append(
                    (*key, len(docs), docs.astype(">i4").tobytes(), tfs.astype(">i2").tobytes(),
                     self._seq)
                )  # fmt: skip
        conn.execute(
            sql.SQL(
                "UPDATE {} v SET died = %s WHERE (v.field, v.term) IN "
                "(SELECT * FROM unnest(%s::text[], %s::text[])) AND {}"
            ).format(self.terms, base.visible("v")),
            (self._seq, [f for f, _ in touched], [t for _, t in touched]),
        )
        with (
            conn.cursor() as cur,
            cur.copy(
                sql.SQL("COPY {} (field, term, df, docs, tfs, born) FROM STDIN").format(self.terms)
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def cancel(self) -> None:
        if self._conn is not None:
            self._conn.rollback()  # the tables and rows of this generation vanish with it
            self._conn = None
            self._stack.close()


_STAGING_TYPES = (
    "integer", "text", "text", "text", "text", "integer", "text[]", "text", "text", "jsonb",
    "text", "tsvector", "tsvector", "tsvector", "text", "text", "integer", "integer",
)  # fmt: skip

_INSERT = sql.SQL(
    """INSERT INTO {docs} SELECT s.docnum, s.id, s.lang, s.stem_lang, s.cfg::regconfig, s.date,
    s.tags, s.publication, s.translation_key, s.record, s.body, s.title_exact, s.body_exact,
    s.author_exact, t.v, b.v, s.len_title_exact, s.len_body_exact,
    (SELECT coalesce(sum(cardinality(u.positions)), 0) FROM unnest(t0.v) u),
    (SELECT coalesce(sum(cardinality(u.positions)), 0) FROM unnest(b0.v) u)
    FROM as_staging s,
    LATERAL (SELECT to_tsvector(s.cfg::regconfig, s.title_stem_text) AS v) t0,
    LATERAL (SELECT to_tsvector(s.cfg::regconfig, s.body_stem_text) AS v) b0,
    LATERAL (SELECT {named}(s.stem_lang, t0.v) AS v) t,
    LATERAL (SELECT {named}(s.stem_lang, b0.v) AS v) b"""
)

_TERMS_OF = sql.SQL(
    """SELECT f.field, substr(u.lexeme, f.named + 1), count(*),
      string_agg(int4send(d.docnum), ''::bytea ORDER BY d.docnum),
      string_agg(int2send(least(cardinality(u.positions), 32767)::int2), ''::bytea
                 ORDER BY d.docnum)
    FROM {docs} d
    CROSS JOIN LATERAL (VALUES ('title_exact', d.title_exact, 0),
      ('body_exact', d.body_exact, 0), ('author', d.author_exact, 0),
      ('title_' || d.stem_lang, d.title_stem, length(d.stem_lang) + 1),
      ('body_' || d.stem_lang, d.body_stem, length(d.stem_lang) + 1),
      ('spell', d.title_exact || d.body_exact, 0)) AS f(field, v, named)
    CROSS JOIN LATERAL unnest(f.v) u
    {where}
    GROUP BY f.field, substr(u.lexeme, f.named + 1)"""
)
"""The vocabulary rows (field, term, df, docnums, tfs) of the documents ``where`` selects."""


def _stats(
    conn: psycopg.Connection,
    docs: sql.Identifier,
    gone: sql.Identifier,
    size: int,
    table_set: str,
    seq: int,
) -> tuple[bytes, dict[str, Any], int]:
    """The facet arrays and field lengths of every live document (the docs rows no update
    replaced), the average lengths, and the table set and ``seq`` readers look up."""
    builder = DocValuesBuilder(size)
    lengths = {name: np.zeros(size, dtype=np.int32) for name in LENGTH_FIELDS}
    stem_langs = np.full(size, "", dtype=object)
    query = sql.SQL(
        "SELECT docnum, record->>'date', lang, translation_key, record->'publication', "
        "record->'tags', record->'authors', stem_lang, len_title_exact, len_body_exact, "
        "len_title_stem, len_body_stem FROM {} d WHERE NOT EXISTS "
        "(SELECT 1 FROM {} g WHERE g.docnum = d.docnum) ORDER BY docnum"
    ).format(docs, gone)
    count = 0
    with conn.cursor() as cur:
        for row in cur.stream(query):
            docnum, date, lang, key, publication, tags, authors, stem = row[:8]
            builder.add(
                docnum,
                {"date": date, "lang": lang, "publication": publication, "tags": tags or (),
                 "authors": authors or (), "translation_key": key},
            )  # fmt: skip
            for name, value in zip(LENGTH_FIELDS, row[8:], strict=True):
                lengths[name][docnum] = value
            stem_langs[docnum] = stem
            count += 1
    dv = builder.build()
    avgdl: dict[str, float] = {}
    live = dv.live
    for kind in ("title", "body"):
        exact = lengths[f"len_{kind}_exact"][live]
        avgdl[f"{kind}_exact"] = float(exact.mean()) if count else 1.0
        # Every language's stemmed field has the average length of all stemmed text over
        # every article, as the other engines' one shared stemmed field has (docs/ranking.md):
        # an article and its translation then score alike. Averaged over its own language
        # only, sisihagen's known-item MRR@10 was 0.499/0.619 (any/all), 0.515/0.634 with
        # the language's words over every article; Cranfield and CISI (English) unchanged.
        shared = float(lengths[f"len_{kind}_stem"][live].sum()) / max(1, count)
        for lang in set(stem_langs[live].tolist()) - {""}:
            avgdl[f"{kind}_{lang}"] = shared
    extra = {
        "avgdl": {k: max(v, 1e-9) for k, v in avgdl.items()},
        "articles": count,
        "tables": table_set,
        "seq": seq,
    }
    packed, names = pack_docvalues(dv, lengths, extra)
    return packed, names, size


def publish(conn: psycopg.Connection, name: str, meta: dict[str, Any]) -> None:
    """Make ``name`` the served generation (inside the caller's transaction)."""
    conn.execute(
        sql.SQL("INSERT INTO {} (name, meta) VALUES (%s, %s)").format(s.CATALOGUE),
        (name, json.dumps(meta)),
    )
    conn.execute(
        sql.SQL("UPDATE {} SET retired_at = now() WHERE retired_at IS NULL AND name <> %s").format(
            s.CATALOGUE
        ),
        (name,),
    )
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (one, name) VALUES (true, %s) ON CONFLICT (one) DO UPDATE SET name = %s"
        ).format(s.CURRENT),
        (name, name),
    )


def collect_garbage(
    conn: psycopg.Connection, *, grace: float = GRACE_SECONDS, keep: int = KEEP_GENERATIONS
) -> list[str]:
    """Drop generations retired over ``grace`` seconds ago, keeping the newest ``keep``
    (the served one among them), and a table set once no kept generation reads it; then
    delete the rows no kept generation sees (replaced at or before the oldest kept ``seq``
    of their set). Returns the names dropped. A drop that would wait for a reader's lock is
    left for the next writer."""
    rows = conn.execute(
        sql.SQL(
            "SELECT name, meta, retired_at IS NOT NULL "
            "AND retired_at < now() - make_interval(secs => %s) "
            "FROM {} ORDER BY published_at DESC, name DESC"
        ).format(s.CATALOGUE),
        (grace,),
    ).fetchall()
    conn.commit()
    kept: dict[str, int] = {}  # table set → the oldest seq a kept generation reads
    doomed = []
    for rank, (name, meta, expired) in enumerate(rows):
        table_set, seq = _set_of(name, meta)
        if rank < keep or not expired:
            kept[table_set] = min(seq, kept.get(table_set, seq))
        else:
            doomed.append((name, table_set))
    dropped = []
    for name, table_set in doomed:
        doomed_tables = [s.tables(name)[2]]
        if table_set not in kept:
            doomed_tables += [*s.tables(table_set)[:2], s.gone_table(table_set)]
        if _locked_out(
            conn,
            sql.SQL("DROP TABLE IF EXISTS {}").format(sql.SQL(", ").join(doomed_tables)),
            (sql.SQL("DELETE FROM {} WHERE name = %s").format(s.CATALOGUE), (name,)),
        ):
            dropped.append(name)
    for table_set, oldest in kept.items():
        docs, terms, _ = s.tables(table_set)
        gone = s.gone_table(table_set)
        _locked_out(
            conn,
            sql.SQL(
                "DELETE FROM {} WHERE docnum IN (SELECT docnum FROM {} WHERE seq <= %s)"
            ).format(docs, gone),
            (sql.SQL("DELETE FROM {} WHERE seq <= %s").format(gone), (oldest,)),
            (sql.SQL("DELETE FROM {} WHERE died <= %s").format(terms), (oldest,)),
            first=(oldest,),
        )
    return dropped


def _locked_out(
    conn: psycopg.Connection,
    statement: sql.Composed,
    *more: tuple[sql.Composed, tuple[Any, ...]],
    first: tuple[Any, ...] = (),
) -> bool:
    """Run the statements in one transaction unless a lock is held over 2 s (False)."""
    try:
        with conn.transaction():
            conn.execute("SELECT set_config('lock_timeout', '2s', true)")
            conn.execute(statement, first or None)
            for query, params in more:
                conn.execute(query, params)
        return True
    except (psycopg.errors.LockNotAvailable, psycopg.errors.UndefinedTable):
        return False


def _set_of(name: str, meta: Any) -> tuple[str, int]:
    """The table set a catalogued generation reads and its ``seq`` there."""
    meta = json.loads(meta) if isinstance(meta, str) else (meta or {})
    return str(meta.get("tables", name)), int(meta.get("seq", 0))


def _newest_of_set(conn: psycopg.Connection, table_set: str, seq: int) -> bool:
    """Whether no catalogued generation reads ``table_set`` at a later ``seq`` than the
    base's: then an update may write into that set as the next ``seq``, whichever generation
    is served (the published one, or one another index directory published since: the
    bench's engine-only build, a second copy of an archive). Only a base that a later update
    already wrote past needs its rows copied. The caller holds the indexer lock."""
    rows = conn.execute(sql.SQL("SELECT name, meta FROM {}").format(s.CATALOGUE)).fetchall()
    sets = (_set_of(str(name), meta) for name, meta in rows)
    return all(later <= seq for named, later in sets if named == table_set)


def _base_stats(conn: psycopg.Connection, base: str) -> tuple[dict[str, Any], int]:
    """The stats names and size of the generation an update starts from."""
    stats = s.tables(base)[2]
    exists = conn.execute("SELECT to_regclass(%s)", (stats.as_string(conn),)).fetchone()
    if not exists or exists[0] is None:
        raise IndexFormatError(
            f"the database no longer holds generation {base}, which this update "
            "starts from: rebuild with 'archive-search index PATH --rebuild'"
        )
    row = conn.execute(sql.SQL("SELECT names, size FROM {}").format(stats)).fetchone()
    if row is None:
        raise IndexFormatError(f"generation {base} has no statistics: rebuild")
    names = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return dict(names), int(row[1])


def generation_name(directory: Path) -> str:
    """The generation a store directory is (``gen-NNN.partial-PID`` → ``gen-NNN``); a directory
    outside a store (a bench writing records straight into a folder) gets a time-based one."""
    name = directory.name.split(".partial-", 1)[0]
    try:
        s.table_suffix(name)
    except IndexFormatError:
        return f"gen-{dt.datetime.now(dt.UTC).strftime('%Y%m%d%H%M%S%f')[:-3]}"
    return name


def _base_generation(directory: Path) -> str | None:
    """The database generation the store directory was copied from, if any."""
    try:
        data = json.loads((directory / BASE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"{directory / BASE_FILE} is unreadable: {exc}") from exc
    name = data.get("generation") if isinstance(data, dict) else None
    if not isinstance(name, str):
        raise IndexFormatError(f"{directory / BASE_FILE} names no generation")
    s.table_suffix(name)
    return name


__all__ = ["PostgresWriter", "collect_garbage", "publish"]
