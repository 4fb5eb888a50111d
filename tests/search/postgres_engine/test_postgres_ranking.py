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
        en = conn.execute(f"SELECT sum(len_body_stem) FROM {table} WHERE stem_lang = 'en'")
        (en_words,) = en.fetchone()  # type: ignore[misc]
    # as Whoosh and Tantivy average a field: German articles count, with length 0
    assert engine._avgdl["body_en"] == pytest.approx(en_words / 4)  # type: ignore[attr-defined]
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
