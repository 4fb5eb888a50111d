"""Issue 12, findings 1, 6, 11 and 12: reading the archive's files.

- 1: a folder or a file swapped for a symbolic link to ``/etc`` by another
  thread while a real build runs is reported, never indexed nor served;
- 6: a symbolic link loop is a warning, the build goes on;
- 11: the size is checked before reading: a file over the cap is read up to
  it, never whole (the peak memory of a real 200 MB file is in the slow test);
- 12: a body that is one 25 MB line is cut at a word, not to nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.config import ArchiveConfig
from indexer.discover import discover
from indexer.parse_pool import read_and_parse
from search.errors import NotFound
from search.service import SearchService
from search.types import SearchRequest
from tests.conftest import PEAK_RSS_SCRIPT as PEAK
from tests.hardening.conftest import ROOT, index_command, write_state

pytestmark = pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="POSIX only")


def swap_during_build(archive: Path, index: Path, swap: dict[str, Path]) -> object:
    """Build ``archive``; once the first file is parsed (discovery is over, ``zzz/`` not yet
    read), a thread replaces each ``swap`` key with a symbolic link to its value."""
    first_parsed, swapped = threading.Event(), threading.Event()

    def attacker() -> None:
        first_parsed.wait(60)
        for name, target in swap.items():
            os.rename(archive / name, archive / f"{name}.old")
            os.symlink(target, archive / name)
        swapped.set()

    def progress(done: int, total: int) -> None:
        if done == 1:
            first_parsed.set()
            assert swapped.wait(60)

    thread = threading.Thread(target=attacker)
    thread.start()
    try:
        return build_index(archive, index, progress=progress, workers=1)
    finally:
        first_parsed.set()
        thread.join()


def test_a_folder_swapped_for_a_link_to_etc_is_not_read(tmp_path: Path) -> None:
    archive = write_state(tmp_path / "archive", 0, 30)
    (archive / "zzz").mkdir()
    (archive / "zzz" / "passwd").write_text("Harmless\n\nA file that was here first.\n")
    (archive / "zzz" / "hostname").write_text("Also harmless\n\nAnother one.\n")
    report = swap_during_build(archive, tmp_path / "ix", {"zzz": Path("/etc")})
    problems = {p.path: p.reason for p in report.errors}  # type: ignore[attr-defined]
    assert set(problems) == {"zzz/hostname", "zzz/passwd"}, problems
    assert all("symbolic link" in reason for reason in problems.values())
    service = SearchService(tmp_path / "ix")
    try:
        with pytest.raises(NotFound):
            service.article("zzz/passwd")
        assert service.search(SearchRequest(q="root")).total == 0
        assert service.info().articles == 30
    finally:
        service.close()


def test_a_file_swapped_for_a_link_is_not_read(tmp_path: Path) -> None:
    archive = write_state(tmp_path / "archive", 0, 10)
    (archive / "zzz.txt").write_text("Harmless\n\nA file that was here first.\n")
    report = swap_during_build(archive, tmp_path / "ix", {"zzz.txt": Path("/etc/hostname")})
    (problem,) = report.errors  # type: ignore[attr-defined]
    assert problem.path == "zzz.txt" and "symbolic link" in problem.reason


def test_a_link_inside_the_archive_is_still_read(tmp_path: Path) -> None:
    archive = write_state(tmp_path / "archive", 0, 3)
    (archive / "inner").mkdir()
    (archive / "inner" / "real.txt").write_text("Linked title\n\nwombat text\n")
    (archive / "link.txt").symlink_to("inner/real.txt")
    report = build_index(archive, tmp_path / "ix", workers=1)
    assert report.errors == [] and report.articles == 5
    service = SearchService(tmp_path / "ix")
    try:
        assert service.search(SearchRequest(q="wombat")).total == 2
    finally:
        service.close()


def test_a_symlink_loop_is_a_warning_and_the_build_goes_on(tmp_path: Path) -> None:
    archive = write_state(tmp_path / "archive", 0, 5)
    (archive / "A").mkdir()
    (archive / "A" / "self").symlink_to("self")
    (archive / "ping").symlink_to("pong")
    (archive / "pong").symlink_to("ping")
    done = subprocess.run(
        index_command(archive, tmp_path / "ix"), capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = __import__("json").loads(done.stdout)
    loops = {w["path"]: w["reason"] for w in report["warnings"]}
    assert set(loops) == {"A/self", "ping", "pong"}
    assert all("loop" in reason for reason in loops.values())
    assert report["articles"] == 5


def test_a_big_file_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "archive-search.toml").write_text("max_file_mb = 1\n")
    line = "wombat " * 100 + "\n"
    with (archive / "big.txt").open("w") as out:
        out.write("Big\n\n")
        for _ in range(3 * 1024 * 1024 // len(line)):
            out.write(line)
    config = ArchiveConfig(max_file_bytes=1024 * 1024)
    (candidate,) = discover(archive, config).candidates
    parsed = read_and_parse(candidate, config)
    assert parsed.size == 1024 * 1024  # not the 3 MB of the file
    article = parsed.outcome.article
    assert article is not None and 1_000_000 < len(article.body) < 1024 * 1024
    (warning,) = parsed.outcome.problems
    assert "3.0 MB, over the limit of 1.0 MB" in warning.reason


def test_a_cut_inside_a_character_keeps_the_file_utf8(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    # 3-byte characters: a cap of 1 MiB falls inside one
    (archive / "big.txt").write_text("Big\n\n" + "€uro " * 300_000, encoding="utf-8")
    config = ArchiveConfig(max_file_bytes=1024 * 1024)
    (candidate,) = discover(archive, config).candidates
    outcome = read_and_parse(candidate, config).outcome
    assert outcome.article is not None and outcome.article.body.startswith("€uro €uro")
    assert [p.reason for p in outcome.problems if "UTF-8" in p.reason] == []


def test_one_line_of_25_mb_is_cut_at_a_word_not_to_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    words = "aardvark " * (25 * 1024 * 1024 // 9)
    (archive / "line.md").write_text(f"---\ntitle: One line\n---\n{words}\n")
    report = build_index(archive, tmp_path / "ix", workers=1)
    assert report.articles == 1
    service = SearchService(tmp_path / "ix")
    try:
        body = service.article("line.md").body
    finally:
        service.close()
    assert len(body) > 1_000_000 and body.endswith("aardvark")
    reasons = " ".join(w.reason for w in report.warnings)
    assert "longer than 2,000,000 characters" in reasons


@pytest.mark.slow
@pytest.mark.parametrize("emoji", [False, True], ids=["ascii", "one-emoji"])
def test_peak_memory_of_a_200_mb_file(tmp_path: Path, emoji: bool) -> None:
    """The issue's case: 667 MB (1.9 GB with one emoji) to index one 200 MB file."""
    archive = tmp_path / "archive"
    archive.mkdir()
    line = ("harbour river mountain " * 40 + "\n").encode()
    with (archive / "huge.txt").open("wb") as out:
        out.write(("Huge 🦘\n\n" if emoji else "Huge\n\n").encode())
        for _ in range(200 * 1024 * 1024 // len(line)):
            out.write(line)
    peak_mb = peak_rss_mb(archive, tmp_path / "ix")
    print(f"peak RSS indexing a 200 MB file ({'one emoji' if emoji else 'ASCII'}): {peak_mb} MB")
    assert peak_mb < 400


def peak_rss_mb(archive: Path, index: Path) -> int:
    """The peak resident memory of a real ``archive-search index`` run (one process)."""
    command = index_command(archive, index)
    arguments = command[command.index("index") :]
    env = {**os.environ, "ARCHIVE_SEARCH_PARSE_WORKERS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *arguments], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.returncode in (0, 1), done.stderr  # 1: the file had errors, reported
    return int(done.stderr.strip().splitlines()[-1])
