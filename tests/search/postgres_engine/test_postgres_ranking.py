"""BM25 in the PostgreSQL engine: statistics kept at index time, as the other engines
count them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from indexer.build import build_index
from search.postgres_engine import database
from search.service import SearchService
from search.types import SearchRequest
from tests.contract.archive import write_archive
from tests.pgserver import new_database

FILES = {
    "en/a.md": "---\ntitle: Harbour\nlang: en\n---\nFerries cross the harbour at night.\n",
    "en/b.md": "---\ntitle: River\nlang: en\n---\nThe river runs past the mill and the harbour.\n",
    "de/a.md": "---\ntitle: Hafen\nlang: de\n---\nFähren fahren nachts über den Hafen.\n",
    "de/b.md": "---\ntitle: Fluss\nlang: de\n---\nDer Fluss fließt an der Mühle vorbei.\n",
}


@pytest.fixture
def built(pg_admin: str, pg_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    url = new_database(pg_admin)
    database.use([url])
    index = tmp_path / "index"
    build_index(write_archive(tmp_path / "archive", FILES), index, engine="postgres")
    yield url, index
    database.use([pg_url])


def test_a_stemmed_fields_average_length_counts_every_article(built: tuple[str, Path]) -> None:
    url, index = built
    service = SearchService(index)
    engine = service.engine()
    with psycopg.connect(url) as conn:
        (name,) = conn.execute("SELECT name FROM as_current").fetchone()  # type: ignore[misc]
        table = f"as_docs_g{name.removeprefix('gen-')}"
        words = conn.execute(f"SELECT sum(len_body_stem) FROM {table}")
        (stemmed,) = words.fetchone()  # type: ignore[misc]
    # as the other engines' one stemmed field: all stemmed words over every article
    assert engine._avgdl["body_en"] == pytest.approx(stemmed / 4)  # type: ignore[attr-defined]
    assert engine._avgdl["body_de"] == engine._avgdl["body_en"]  # type: ignore[attr-defined]
    service.close()


def test_bm25_ranks_the_rarer_word_and_the_shorter_article_first(built: tuple[str, Path]) -> None:
    _url, index = built
    service = SearchService(index)
    result = service.search(SearchRequest(q="harbour", facets=False, snippets=False))
    assert [hit.id for hit in result.hits] == ["en/a.md", "en/b.md"]  # same tf, shorter first
    first, second = (hit.score or 0.0 for hit in result.hits)
    assert first > second > 0
    # a word in one article of four weighs more than one in two
    mill = service.search(SearchRequest(q="mill", facets=False, snippets=False)).hits[0].score
    assert mill is not None and mill > second
    assert math.isfinite(first)
    service.close()


def test_an_update_patches_the_vocabulary_to_what_a_rebuild_writes(
    pg_admin: str, pg_url: str, tmp_path: Path
) -> None:
    from psycopg import sql

    from search.postgres_engine import schema
    from search.postgres_engine.writer import _TERMS_OF

    url = new_database(pg_admin)
    database.use([url])
    try:
        source = write_archive(tmp_path / "archive", FILES)
        build_index(source, tmp_path / "index", engine="postgres")
        (source / "en/a.md").write_text(FILES["en/a.md"].replace("night", "dawn"))
        (source / "de/b.md").unlink()
        (source / "en/c.md").write_text("---\ntitle: Mill\nlang: en\n---\nThe mill wheel.\n")
        report = build_index(source, tmp_path / "index")
        assert (report.mode, report.updated, report.removed, report.indexed) == (
            "update", 1, 1, 1,
        )  # fmt: skip
        with psycopg.connect(url) as conn:
            # the update wrote into the rebuild's tables: what it sees is what a rebuild of
            # the rows it sees would hold (the rebuild's vocabulary kept for its readers)
            seen = conn.execute("SELECT meta FROM as_current JOIN as_catalogue USING (name)")
            meta = seen.fetchone()[0]  # type: ignore[index]
            assert meta["seq"] == 1 and meta["tables"] != report.generation
            docs, table, _ = schema.tables(meta["tables"])
            terms = schema.Terms(table, meta["seq"])
            patched = conn.execute(
                sql.SQL("SELECT field, term, df, docs, tfs FROM {} v WHERE {} ORDER BY 1, 2")
                .format(table, terms.visible("v"))
            )  # fmt: skip
            got = patched.fetchall()
            live = sql.SQL(
                "WHERE NOT EXISTS (SELECT 1 FROM {} g WHERE g.docnum = d.docnum)"
            ).format(schema.gone_table(meta["tables"]))
            every = _TERMS_OF.format(docs=docs, where=live)
            want = conn.execute(sql.SQL("SELECT * FROM ({}) t ORDER BY 1, 2").format(every))
            assert got == want.fetchall()
            base = schema.Terms(table, 0)  # the rebuild's readers still see the old words
            old = conn.execute(
                sql.SQL("SELECT field, term FROM {} v WHERE {}").format(table, base.visible("v"))
            ).fetchall()
            assert ("body_exact", "night") in set(old) and ("body_exact", "dawn") not in set(old)
        assert ("body_exact", "dawn") in {(f, t) for f, t, *_ in got}
        assert ("body_exact", "night") not in {(f, t) for f, t, *_ in got}
    finally:
        database.use([pg_url])
