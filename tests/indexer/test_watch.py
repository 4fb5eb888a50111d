"""``archive-search index PATH --watch`` as a real process over a real folder and index.

Every change is waited for by polling the index through ``SearchService`` until it
shows, with a timeout: no test measures how fast, only that nothing is lost.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search.service import SearchService
from search.store import IndexStore
from search.types import SearchRequest

WAIT_SECONDS = 120.0
"""Bound on every wait: generous, since eight developers share two cores."""
ENGINES = ["whoosh", "tantivy"]

ARTICLE = "---\ntitle: {title}\ndate: 2021-03-15\nlang: en\n---\n\n{body}\n"


def _write(root: Path, rel: str, title: str, body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, body=body), encoding="utf-8")


class Watcher:
    """One ``index --watch`` process, its log in a file (a pipe could fill and block it)."""

    def __init__(self, archive: Path, index: Path, engine: str, log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        cli = [str(Path(sys.executable).parent / "archive-search")]
        self.process = subprocess.Popen(
            [*cli, "index", str(archive), "--index", str(index), "--engine", engine,
             "--watch", "--quiet"],
            stdout=self._out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _until(lambda: "watching" in self.text(), "the watcher to start", self)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=WAIT_SECONDS)
        finally:
            self._out.close()


def _until(ready: Callable[[], bool], what: str, watcher: Watcher | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        if watcher is not None and watcher.process.poll() is not None:
            pytest.fail(f"the watcher exited ({watcher.process.returncode}):\n{watcher.text()}")
        if time.monotonic() > deadline:
            log = watcher.text() if watcher else ""
            pytest.fail(f"timed out waiting for {what}\n{log}")
        time.sleep(0.1)


def _paths(service: SearchService, q: str) -> set[str]:
    result = service.search(
        SearchRequest(q=q, per_page=50, snippets=False, facets=False, correct=False)
    )
    return {hit.path for hit in result.hits}


def _total(service: SearchService, q: str) -> int:
    request = SearchRequest(q=q, per_page=1, snippets=False, facets=False, correct=False)
    return service.search(request).total


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    _write(root, "a.md", "Harbour lights", "The harbour of Hamburg at night.")
    _write(root, "b.md", "Mountain passes", "Snow closes the mountain passes in winter.")
    _write(root, "sub/c.md", "River trade", "Barges carry grain down the river.")
    return root


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SearchService]:
    service = SearchService(tmp_path / "ix")
    yield service
    service.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_create_modify_rename_delete_are_published_and_sigterm_stops_cleanly(
    archive: Path, tmp_path: Path, service: SearchService, engine: str
) -> None:
    watcher = Watcher(archive, tmp_path / "ix", engine, tmp_path / "watch.log")
    try:
        assert _paths(service, "harbour") == {"a.md"}  # the catch-up built the index

        _write(archive, "new/d.md", "Spice trade", "Cloves from Zanzibar.")
        _until(lambda: _paths(service, "zanzibar") == {"new/d.md"}, "a created file", watcher)

        _write(archive, "a.md", "Harbour lights", "The lighthouse of Lisbon at dawn.")
        _until(lambda: _paths(service, "lisbon") == {"a.md"}, "a modified file", watcher)
        assert _paths(service, "hamburg") == set()

        (archive / "b.md").rename(archive / "sub" / "b-moved.md")
        _until(lambda: _paths(service, "mountain") == {"sub/b-moved.md"}, "a rename", watcher)

        (archive / "sub" / "c.md").unlink()
        _until(lambda: _paths(service, "barges") == set(), "a deleted file", watcher)
        assert "published generation" in watcher.text()  # a line per batch
    finally:
        status = watcher.stop(signal.SIGTERM)
    assert status == 0, watcher.text()
    assert watcher.text().rstrip().endswith("stopped")
    generations = IndexStore(tmp_path / "ix").generations_dir
    assert not [p for p in generations.iterdir() if ".partial" in p.name]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_change_is_lost_when_the_watcher_is_killed_and_restarted(
    archive: Path, tmp_path: Path, service: SearchService, engine: str
) -> None:
    index, log = tmp_path / "ix", tmp_path / "watch.log"
    watcher = Watcher(archive, index, engine, log)
    # written just before a SIGKILL: the watcher may or may not have seen it
    _write(archive, "e.md", "Tea clippers", "Clippers raced from Foochow.")
    watcher.stop(signal.SIGKILL)
    # written while no watcher runs: no event will ever be delivered for these
    _write(archive, "f.md", "Salt roads", "Salt went north by Lüneburg.")
    _write(archive, "a.md", "Harbour lights", "The harbour of Valparaiso.")
    (archive / "b.md").unlink()
    watcher = Watcher(archive, index, engine, log)
    try:
        _until(lambda: _paths(service, "foochow") == {"e.md"}, "the file before the kill")
        _until(lambda: _paths(service, "lüneburg") == {"f.md"}, "a file added while down")
        assert _paths(service, "valparaiso") == {"a.md"}
        assert _paths(service, "hamburg") == set()
        assert _paths(service, "mountain") == set()
    finally:
        watcher.stop(signal.SIGINT)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_a_burst_of_1000_files_is_published_whole(
    archive: Path, tmp_path: Path, service: SearchService, engine: str
) -> None:
    watcher = Watcher(archive, tmp_path / "ix", engine, tmp_path / "watch.log")
    try:
        for n in range(1000):
            _write(archive, f"burst/{n // 100}/{n}.md", f"Dispatch {n}", f"Quillwort note {n}.")
        _until(lambda: _total(service, "quillwort") == 1000, "1,000 files", watcher)
        assert _paths(service, "harbour") == {"a.md"}
        for n in range(0, 1000, 2):
            os.unlink(archive / f"burst/{n // 100}/{n}.md")
        _until(lambda: _total(service, "quillwort") == 500, "500 deletions", watcher)
        batches = watcher.text().count("published generation")
        assert 2 <= batches < 1000, "bursts are batched, not published file by file"
    finally:
        watcher.stop(signal.SIGTERM)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_a_watcher_killed_in_the_middle_of_a_burst_loses_nothing(
    archive: Path, tmp_path: Path, service: SearchService, engine: str
) -> None:
    """``kill -9`` while the burst's batches are being published (not between them, as above):
    the restarted watcher publishes every file, renamed folders and deletions included."""
    index, log = tmp_path / "ix", tmp_path / "watch.log"
    watcher = Watcher(archive, index, engine, log)
    for n in range(300):
        body = f"Quillwort note {n} of folder{n // 50}x."
        _write(archive, f"burst/{n // 50}/{n}.md", f"Dispatch {n}", body)
    _until(lambda: "published generation" in watcher.text(), "a first batch", watcher)
    watcher.stop(signal.SIGKILL)  # the rest of the burst may be half-published, or not at all
    (archive / "burst" / "0").rename(archive / "burst" / "renamed")
    shutil.rmtree(archive / "burst" / "5")
    watcher = Watcher(archive, index, engine, log)
    try:
        _until(lambda: _total(service, "quillwort") == 250, "the burst after a restart", watcher)
        renamed = _paths(service, "folder0x")
        assert len(renamed) == 50
        assert all(path.startswith("burst/renamed/") for path in renamed)
        assert _paths(service, "folder5x") == set()
    finally:
        watcher.stop(signal.SIGTERM)
