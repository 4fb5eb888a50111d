"""The PostgreSQL engine's generations: published in one transaction, read from the
catalogue by servers that do not share the index directory, never half-written, dropped
after the grace period; and each read capped by ``statement_timeout`` and read-only."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from indexer.build import build_index
from search import deadline, limits
from search.errors import IndexLocked, IndexMissing, SearchTimeout
from search.postgres_engine import database
from search.postgres_engine.writer import BASE_FILE, PostgresWriter, collect_garbage
from search.service import SearchService, database_service
from search.types import SearchRequest
from tests.conftest import ROOT
from tests.contract.archive import archive_files, write_archive
from tests.pgserver import new_database


@pytest.fixture
def db_url(pg_admin: str, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of the test's own, named for the process while the test runs. These tests
    are about what is read, not how fast: a search may take 30 s on a loaded machine (the
    time cap has its own test below, with its own limit)."""
    monkeypatch.setattr(limits, "SEARCH_TIME_LIMIT", 30.0)
    url = new_database(pg_admin)
    database.use([url])
    yield url
    database.use([pg_url])


def ids(service: SearchService, q: str) -> set[str]:
    return {hit.id for hit in service.search(SearchRequest(q=q, per_page=50)).hits}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'as_%'")
        return {str(r[0]) for r in rows}


def test_a_server_without_the_index_directory_serves_what_the_catalogue_publishes(
    db_url: str, tmp_path: Path
) -> None:
    files = archive_files()
    source = write_archive(tmp_path / "archive", files)
    with pytest.raises(IndexMissing):
        database_service([db_url]).search(SearchRequest(q="zebra"))
    build_index(source, tmp_path / "index", engine="postgres")
    service = database_service([db_url])
    before = service.engine()
    assert ids(service, "zebra") == {"en/notes/zebra.txt"}
    (source / "en/notes/zebra.txt").write_text("An okapi, not a striped horse.\n")
    report = build_index(source, tmp_path / "index")
    assert (report.mode, report.updated) == ("update", 1)
    time.sleep(0.6)  # the catalogue is polled twice a second
    assert ids(service, "okapi") == {"en/notes/zebra.txt"}
    assert ids(service, "zebra") == set()
    assert service.info().generation == report.generation
    # a request that started on the old generation still reads it whole
    assert {h.id for h in before.search(SearchRequest(q="zebra")).hits} == {"en/notes/zebra.txt"}
    service.close()


def _rows(url: str, query: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        return int(row[0]) if row else -1


def test_updates_write_into_the_published_tables_and_each_generation_reads_its_own_rows(
    db_url: str, tmp_path: Path
) -> None:
    source = write_archive(tmp_path / "archive", archive_files())
    first = build_index(source, tmp_path / "index", engine="postgres")
    suffix = str(first.generation).removeprefix("gen-")
    service = database_service([db_url])
    old = service.engine()
    zebra = source / "en/notes/zebra.txt"
    zebra.write_text("An okapi, not a striped horse.\n")
    second = build_index(source, tmp_path / "index")
    (source / "en/notes/okapi.txt").write_text("Another okapi.\n")
    third = build_index(source, tmp_path / "index")
    assert (second.mode, third.mode) == ("update", "update")
    # no table set of their own: the rebuild's docs table got the new versions
    assert {t.rsplit("_g", 1)[1] for t in tables(db_url) if t.startswith("as_docs_")} == {suffix}
    assert _rows(db_url, f"SELECT count(*) FROM as_gone_g{suffix}") == 1
    time.sleep(0.6)
    new = service.engine()
    for engine, title in ((old, "Zebra <script>"), (new, "An okapi")):
        assert engine.article("en/notes/zebra.txt").title.startswith(title)
    assert {h.id for h in old.search(SearchRequest(q="okapi")).hits} == set()
    assert {h.id for h in new.search(SearchRequest(q="okapi")).hits} == {
        "en/notes/zebra.txt", "en/notes/okapi.txt",
    }  # fmt: skip
    assert old.info().articles + 1 == new.info().articles
    # once only the newest generation is kept, the rows no one sees are deleted
    with psycopg.connect(db_url) as conn:
        collect_garbage(conn, grace=0, keep=1)
    assert _rows(db_url, f"SELECT count(*) FROM as_gone_g{suffix}") == 0
    assert _rows(db_url, f"SELECT count(*) FROM as_terms_g{suffix} WHERE died IS NOT NULL") == 0
    docs = _rows(db_url, f"SELECT count(*) FROM as_docs_g{suffix}")
    assert docs == new.info().articles
    assert ids(service, "okapi") == {"en/notes/zebra.txt", "en/notes/okapi.txt"}
    assert ids(service, "zebra") == set()
    service.close()


def docs_tables(url: str) -> set[str]:
    return {t for t in tables(url) if t.startswith("as_docs_")}


def test_an_update_of_a_generation_no_longer_published_writes_into_its_tables_when_newest(
    db_url: str, tmp_path: Path
) -> None:
    """The bench's case: another index directory published since (its engine-only build);
    the update still writes into its own base's tables, and each served generation reads
    its own rows."""
    source = write_archive(tmp_path / "archive", archive_files())
    build_index(source, tmp_path / "one", engine="postgres")
    other = build_index(source, tmp_path / "two", engine="postgres")  # published after
    service = database_service([db_url])
    before = service.engine()
    assert before.info().generation == other.generation
    built = docs_tables(db_url)
    (source / "en/notes/zebra.txt").write_text("An okapi, not a striped horse.\n")
    report = build_index(source, tmp_path / "one")  # starts from the first one
    assert report.mode == "update"
    assert docs_tables(db_url) == built  # no table set of its own: no copy, no GIN rebuild
    time.sleep(0.6)  # the catalogue is polled twice a second
    assert service.info().generation == report.generation
    assert ids(service, "okapi") == {"en/notes/zebra.txt"}
    assert ids(service, "zebra") == set()
    assert {h.id for h in before.search(SearchRequest(q="zebra")).hits} == {"en/notes/zebra.txt"}
    service.close()


def test_an_update_from_a_generation_an_update_wrote_past_copies_what_it_sees(
    db_url: str, tmp_path: Path
) -> None:
    """Two copies of one index directory: the first update writes into the shared tables;
    the second starts from the generation the first wrote past, so it copies its rows."""
    source = write_archive(tmp_path / "archive", archive_files())
    first = build_index(source, tmp_path / "one", engine="postgres")
    shutil.copytree(tmp_path / "one", tmp_path / "copy")
    (source / "en/notes/okapi.txt").write_text("Another okapi.\n")
    ahead = build_index(source, tmp_path / "one")
    assert ahead.mode == "update" and len(docs_tables(db_url)) == 1  # in place
    (source / "en/notes/okapi.txt").unlink()
    (source / "en/notes/zebra.txt").write_text("An okapi, not a striped horse.\n")
    report = build_index(source, tmp_path / "copy")  # starts from the first build
    assert report.mode == "update"
    suffix = str(report.generation).removeprefix("gen-")
    assert docs_tables(db_url) == {
        f"as_docs_g{str(first.generation).removeprefix('gen-')}",
        f"as_docs_g{suffix}",
    }
    service = database_service([db_url])
    assert service.info().generation == report.generation
    assert ids(service, "okapi") == {"en/notes/zebra.txt"}
    assert ids(service, "zebra") == set()
    service.close()


KILLED_WRITER = """
import sys, time
from pathlib import Path
from search.postgres_engine import database
from search.postgres_engine.writer import PostgresWriter
from search.article import Article
database.use([sys.argv[1]])
writer = PostgresWriter(Path(sys.argv[2]), database.database())
writer.delete(["en/notes/zebra.txt"])
writer.add(Article(id=f"n{i}.md", path=f"n{i}.md", title="Okapi", body="okapi") for i in range(900))
print("written", flush=True)
time.sleep(60)
"""


def test_a_killed_indexer_leaves_the_published_generation_served(
    db_url: str, tmp_path: Path
) -> None:
    source = write_archive(tmp_path / "archive", archive_files())
    report = build_index(source, tmp_path / "index", engine="postgres")
    partial = tmp_path / "index" / "generations" / "gen-99999999999999999.partial-1"
    partial.mkdir()
    # an update of the published generation: it writes into the served tables themselves
    base = tmp_path / "index" / "generations" / str(report.generation) / BASE_FILE
    (partial / BASE_FILE).write_bytes(base.read_bytes())
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, db_url, str(partial)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "written"
        service = database_service([db_url])
        assert service.info().generation == report.generation  # the half-written one unseen
        with pytest.raises(IndexLocked):  # one writer at a time
            PostgresWriter(tmp_path / "gen-99999999999999998.partial-2", database.database())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert ids(service, "zebra") == {"en/notes/zebra.txt"}
    assert ids(service, "okapi") == set()
    assert not any("99999999999999999" in name for name in tables(db_url))
    suffix = str(report.generation).removeprefix("gen-")
    assert _rows(db_url, f"SELECT count(*) FROM as_docs_g{suffix}") == report.indexed
    again = build_index(
        source, tmp_path / "index", engine="postgres", rebuild=True
    )  # the lock went with it
    time.sleep(0.6)
    assert service.info().generation == again.generation
    service.close()


def test_superseded_generations_are_dropped_after_the_grace_period(
    db_url: str, tmp_path: Path
) -> None:
    source = write_archive(tmp_path / "archive", archive_files())
    names = [build_index(source, tmp_path / "index", engine="postgres", rebuild=True).generation]
    for _ in range(3):
        names.append(
            build_index(source, tmp_path / "index", engine="postgres", rebuild=True).generation
        )
    suffixes = {str(n).removeprefix("gen-") for n in names}
    # the default grace (300 s) has not passed: every generation is still there
    assert {t.rsplit("_g", 1)[1] for t in tables(db_url) if "_g" in t} == suffixes
    with psycopg.connect(db_url) as conn:
        dropped = collect_garbage(conn, grace=0, keep=2)
    assert sorted(dropped) == sorted(str(n) for n in names[:2])
    left = {t.rsplit("_g", 1)[1] for t in tables(db_url) if "_g" in t}
    assert left == {str(n).removeprefix("gen-") for n in names[2:]}
    service = database_service([db_url])
    assert service.info().generation == names[-1]
    service.close()


def test_a_read_is_capped_by_the_request_time_and_is_read_only(db_url: str) -> None:
    db = database.database()
    started = time.perf_counter()
    with pytest.raises(SearchTimeout), deadline.running(0.3):
        db.fetch("SELECT pg_sleep(3)")
    assert time.perf_counter() - started < 2.5
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        db.fetch("CREATE TABLE intruder (a integer)")


@pytest.mark.parametrize(
    "q",
    [
        'tag:"\'); DROP TABLE as_current; --"',
        "o'brien \\' zebra:* | !zebra",
        "publication:\"x' OR '1'='1\"",
        'title:"a <-> b" & zebra',
        'author:"\'\\\\"',
    ],
)
def test_query_text_never_becomes_sql_or_tsquery_syntax(
    db_url: str, tmp_path: Path, q: str
) -> None:
    source = write_archive(tmp_path / "archive", archive_files())
    build_index(source, tmp_path / "index", engine="postgres")
    service = SearchService(tmp_path / "index")
    result = service.search(SearchRequest(q=q, per_page=50))
    assert result.total == len({h.id for h in result.hits})
    assert "as_current" in tables(db_url)
    assert ids(service, "zebra") == {"en/notes/zebra.txt"}
    service.close()
