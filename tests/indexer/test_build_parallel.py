"""Parsing in worker processes changes nothing, and unchanged files are not read again.

The parallel path is forced on a small archive by lowering the file threshold
(the constants are read by the indexer process, not by the workers). The
size+mtime check is driven with ``os.utime``: files get times well in the past,
since a time within ``RACY_SECONDS`` of a run is deliberately not trusted.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from indexer import discover as discover_module
from indexer import parse_pool
from indexer.build import MANIFEST, build_index
from indexer.config import load_config
from indexer.discover import discover
from indexer.manifest import DELTA
from search.service import SearchService
from search.store import IndexStore
from search.types import SearchRequest

DAY_NS = 86_400 * 1_000_000_000
OLD_NS = time.time_ns() - 30 * DAY_NS


def _article(n: int) -> str:
    return (
        f"---\ntitle: Article {n}\ndate: 2021-03-{1 + n % 28:02d}\ntags: [t{n % 3}]\n---\n"
        f"Paragraph {n} about the [harbour](https://example.org/{n}) and *rivers*.\n"
    )


def _archive(root: Path) -> Path:
    files = {f"posts/a{n:02d}.md": _article(n) for n in range(14)}
    files |= {
        "posts/broken.md": '---\ntitle: "bad \\\' escape"\n---\nbody\n',
        "posts/draft.md": "---\ntitle: Draft\ndraft: true\n---\nnot yet\n",
        "posts/_index.md": "---\ntitle: Section\n---\n",
        "news/mail.txt": "From: et@teal.csn.org (Eric H. Taylor)\nSubject: Re: Gravity\n\nBody.\n",
        "news/plain.txt": "A plain title\n\nPublication: Gazette Volume: 3\n\nText here.\n",
        "news/empty.txt": "   \n",
        "news/notes.txt": "---\nthis is not front matter\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(OLD_NS, OLD_NS))
    return root


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return _archive(tmp_path / "archive")


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in report.items() if k not in ("index_dir", "seconds", "generation", "phases")
    }


def _manifest(index: Path) -> dict[str, Any]:
    """The served manifest as JSON: ``manifest.json`` with its delta applied."""
    current = IndexStore(index).current()
    data: dict[str, Any] = json.loads((current.path / MANIFEST).read_text(encoding="utf-8"))
    if (current.path / DELTA).exists():
        delta = json.loads((current.path / DELTA).read_text(encoding="utf-8"))["files"]
        for rel, entry in delta.items():
            if entry is None:
                data["files"].pop(rel, None)
            else:
                data["files"][rel] = entry
    return data


def _titles(index: Path) -> dict[str, str]:
    service = SearchService(index)
    try:
        result = service.search(SearchRequest(per_page=50, snippets=False, facets=False))
        return {hit.id: hit.title for hit in result.hits}
    finally:
        service.close()


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parse_pool, "CHUNK_FILES", 3)  # several chunks, in flight at once
    monkeypatch.setattr(parse_pool, "worker_count", lambda: 2)


def test_the_pool_yields_the_serial_outcomes_in_order(archive: Path, parallel: None) -> None:
    config = load_config(archive)
    candidates = discover(archive, config).candidates
    with parse_pool.parsed_files(candidates, config, workers=1) as results:
        serial = list(results)
    with parse_pool.parsed_files(candidates, config, workers=2) as results:
        pooled = list(results)
    assert pooled == serial
    assert [p.outcome.path for p in pooled] == [c.relpath for c in candidates]
    by_path = {p.outcome.path: p.outcome for p in pooled}
    assert by_path["posts/draft.md"].skipped == "draft"
    assert "unknown escape character" in by_path["posts/broken.md"].problems[0].reason
    assert by_path["news/mail.txt"].article is not None
    assert by_path["news/mail.txt"].article.authors == ("Eric H. Taylor",)
    assert all(p.digest and p.size for p in pooled)


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_parallel_build_reports_and_indexes_what_the_serial_build_does(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    serial = build_index(archive, tmp_path / "serial", engine=engine)
    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parse_pool, "CHUNK_FILES", 3)
    pooled = build_index(archive, tmp_path / "pooled", engine=engine, workers=2)
    assert _comparable(pooled.to_dict()) == _comparable(serial.to_dict())
    assert pooled.problems == serial.problems
    assert [str(p) for p in pooled.errors] == [str(p) for p in serial.errors]
    assert len(serial.errors) == 2 and serial.drafts == 1 and serial.articles == 17
    assert _manifest(tmp_path / "pooled") == _manifest(tmp_path / "serial")
    assert _titles(tmp_path / "pooled") == _titles(tmp_path / "serial")
    assert _titles(tmp_path / "serial")["posts/a07.md"] == "Article 7"


def test_pool_workers_are_gone_after_an_error_in_the_consumer(
    archive: Path, parallel: None
) -> None:
    config = load_config(archive)
    candidates = discover(archive, config).candidates
    with (
        pytest.raises(KeyboardInterrupt),
        parse_pool.parsed_files(candidates, config, workers=2) as results,
    ):
        next(results)
        raise KeyboardInterrupt
    server = _forkserver_pid()
    deadline = time.monotonic() + 10
    while _children(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children(server) == []


def _forkserver_pid() -> int:
    from multiprocessing import forkserver

    pid = getattr(forkserver, "_forkserver")._forkserver_pid  # noqa: B009 - private, for the test
    assert isinstance(pid, int)
    return pid


def _children(parent: int) -> list[int]:
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to list processes")
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_an_unchanged_archive_is_not_read_again(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    first = build_index(archive, index)
    total = sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
    assert first.bytes_read == total
    again = build_index(archive, index)
    assert (again.mode, again.unchanged, again.bytes_read) == ("unchanged", 21, 0)
    assert again.problems == first.problems
    entry = _manifest(index)["files"]["posts/a03.md"]
    assert entry["mtime_ns"] == OLD_NS and entry["size"] == len(_article(3))
    assert entry["ctime_ns"] == (archive / "posts/a03.md").stat().st_ctime_ns


def test_an_unchanged_file_is_not_even_opened(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "ix"
    first = build_index(archive, index)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"opened {args[0]}")

    monkeypatch.setattr(discover_module, "open", no_open, raising=False)
    again = build_index(archive, index)
    assert again.mode == "unchanged" and again.problems == first.problems


def test_a_touched_file_is_hashed_and_reported_unchanged(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    build_index(archive, index)
    path = archive / "posts/a03.md"
    path.write_text(_article(3), encoding="utf-8")  # same content, new time
    os.utime(path, ns=(OLD_NS + DAY_NS, OLD_NS + DAY_NS))
    touched = build_index(archive, index)
    assert (touched.mode, touched.bytes_read) == ("unchanged", len(_article(3)))
    assert _manifest(index)["files"]["posts/a03.md"]["mtime_ns"] == OLD_NS + DAY_NS
    assert build_index(archive, index).bytes_read == 0  # the new time was recorded


def test_a_changed_file_is_reindexed(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    build_index(archive, index)
    path = archive / "posts/a03.md"
    path.write_text(_article(3).replace("Article 3", "Revised 3"), encoding="utf-8")
    os.utime(path, ns=(OLD_NS + DAY_NS, OLD_NS + DAY_NS))
    report = build_index(archive, index)
    assert (report.mode, report.updated, report.unchanged) == ("update", 1, 20)
    assert _titles(index)["posts/a03.md"] == "Revised 3"


def test_same_size_and_restored_mtime_is_still_seen_through_ctime(
    archive: Path, tmp_path: Path
) -> None:
    index = tmp_path / "ix"
    build_index(archive, index)
    path = archive / "posts/a03.md"
    path.write_text(_article(3).replace("Article 3", "Articlf 3"), encoding="utf-8")
    os.utime(path, ns=(OLD_NS, OLD_NS))  # what rsync -t or touch -d would do
    report = build_index(archive, index)
    assert (report.mode, report.updated) == ("update", 1)
    assert _titles(index)["posts/a03.md"] == "Articlf 3"


def test_a_file_system_whose_ctime_stays_put_is_the_documented_blind_spot(
    archive: Path, tmp_path: Path
) -> None:
    """Size, mtime and ctime unchanged: not read again, until --rebuild."""
    index = tmp_path / "ix"
    build_index(archive, index)
    path = archive / "posts/a03.md"
    path.write_text(_article(3).replace("Article 3", "Articlf 3"), encoding="utf-8")
    os.utime(path, ns=(OLD_NS, OLD_NS))
    manifest_path = IndexStore(index).current().path / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"]["posts/a03.md"]["ctime_ns"] = path.stat().st_ctime_ns  # ctime "stayed"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    report = build_index(archive, index)
    assert (report.mode, report.bytes_read) == ("unchanged", 0)
    assert _titles(index)["posts/a03.md"] == "Article 3"
    build_index(archive, index, rebuild=True)
    assert _titles(index)["posts/a03.md"] == "Articlf 3"


def test_a_manifest_without_times_is_hashed_as_before(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    build_index(archive, index)
    manifest_path = IndexStore(index).current().path / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"].values():
        del entry["size"], entry["mtime_ns"], entry["ctime_ns"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    report = build_index(archive, index)
    assert report.mode == "unchanged" and report.bytes_read > 0
    assert "mtime_ns" in _manifest(index)["files"]["posts/a00.md"]  # recorded for next time
    assert build_index(archive, index).bytes_read == 0


def test_a_just_modified_file_is_hashed_again_next_time(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    path = archive / "posts/a05.md"
    os.utime(path)  # now: its time could still change within the same clock tick
    build_index(archive, index)
    assert "mtime_ns" not in _manifest(index)["files"]["posts/a05.md"]
    report = build_index(archive, index)
    assert (report.mode, report.bytes_read) == ("unchanged", len(_article(5)))


def test_the_number_of_workers_can_be_set() -> None:
    assert parse_pool.worker_count(1) == 1
    assert parse_pool.worker_count(3) == 3
    assert parse_pool.worker_count(0) == 1
    assert parse_pool.worker_count() == len(os.sched_getaffinity(0))
