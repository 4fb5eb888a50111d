"""The indexer under faults: a full disk, an I/O error, a second indexer at the same time.

Each fault is injected into a real ``archive-search index`` process (a small
wrapper patches one function, then runs the CLI's ``main``). The CLI must exit
non-zero naming the problem and saying the served index is unchanged; the
served generation and its search results must be exactly as before; no
``.partial`` directory may be left; the next normal run must succeed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from subprocess import PIPE

import pytest

from search.service import SearchService
from search.types import SearchRequest
from tests.hardening.conftest import (
    MARKER,
    ROOT,
    index_command,
    marked,
    run_index,
    write_state,
)

FAULTY = textwrap.dedent(
    """\
    import errno, os, sys

    mode, limit = sys.argv[1], int(sys.argv[2])

    def fail(code):
        raise OSError(code, os.strerror(code))

    if mode == "enospc":
        from whoosh.filedb import structfile

        real_write, written = structfile.StructFile.write, [0]

        def write(self, data, *args, **kwargs):
            written[0] += len(data)
            if written[0] > limit:
                fail(errno.ENOSPC)
            return real_write(self, data, *args, **kwargs)

        structfile.StructFile.write = write
    elif mode == "eio-fsync":
        import search.store
        search.store.fsync_tree = lambda path, **_: fail(errno.EIO)
    elif mode == "enospc-current":
        import search.store
        real_atomic = search.store.write_atomic

        def atomic(path, data, **options):  # the disk fills up exactly when CURRENT is swapped
            if path.name == search.store.CURRENT:
                fail(errno.ENOSPC)
            return real_atomic(path, data, **options)

        search.store.write_atomic = atomic

    from archive_search.cli import main
    sys.exit(main(sys.argv[3:]))
    """
)


def _served(index: Path) -> tuple[str, int, int, frozenset[str]]:
    """Generation, articles, hits for the marker and the ids of page 1, by a fresh reader."""
    service = SearchService(index)
    try:
        info = service.info()
        result = service.search(SearchRequest(q=MARKER, per_page=50, facets=False))
        return info.generation, info.articles, result.total, frozenset(h.id for h in result.hits)
    finally:
        service.close()


def _partials(index: Path) -> list[str]:
    return [p.name for p in (index / "generations").iterdir() if ".partial-" in p.name]


def _run_faulty(
    tmp_path: Path, archive: Path, index: Path, mode: str, limit: int
) -> tuple[int, str]:
    script = tmp_path / "faulty.py"
    script.write_text(FAULTY, encoding="utf-8")
    command = [sys.executable, str(script), mode, str(limit), *index_command(archive, index)[1:]]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    ("mode", "limit", "problem"),
    [
        ("enospc", 0, "No space left on device"),
        ("enospc", 20_000, "No space left on device"),
        ("eio-fsync", 0, "Input/output error"),
        ("enospc-current", 0, "No space left on device"),
    ],
)
def test_a_failed_write_leaves_the_served_index_alone(
    fresh_index: tuple[Path, Path], tmp_path: Path, mode: str, limit: int, problem: str
) -> None:
    archive, index = fresh_index
    before = _served(index)
    assert before[2] == marked(0, 40)
    write_state(archive, 1, 40)
    code, stderr = _run_faulty(tmp_path, archive, index, mode, limit)
    assert code == 3, stderr
    assert problem in stderr and "the served index is unchanged" in stderr, stderr
    assert "Traceback" not in stderr
    assert _served(index) == before
    assert _partials(index) == []
    unpublished = sorted((index / "generations").iterdir())[-1].name
    assert unpublished == before[0], "a generation that was never published is not left behind"
    run = run_index(archive, index)
    assert run.code == 0, run.stderr
    after = _served(index)
    assert after[0] != before[0] and after[2] == marked(1, 40)


def test_a_real_full_filesystem(tmp_path: Path) -> None:
    """On a tiny tmpfs (needs mount rights: skipped without them)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(mnt)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        archive, index = tmp_path / "archive", mnt / "ix"
        write_state(archive, 0, 20)
        first = run_index(archive, index)
        assert first.code == 0, first.stderr
        before = _served(index)
        write_state(archive, 1, 1500)  # far more than the filesystem can hold
        run = run_index(archive, index)
        assert run.code == 3, (run.code, run.stderr)
        assert "No space left on device" in run.stderr
        assert "the served index is unchanged" in run.stderr
        assert _served(index) == before and _partials(index) == []
        write_state(archive, 2, 20)
        assert run_index(archive, index).code == 0
        assert _served(index)[2] == marked(2, 20)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_two_indexers_at_once(tmp_path: Path) -> None:
    """Two real processes started together: one publishes, the other exits 3 at once."""
    archive = write_state(tmp_path / "archive", 0, 300)
    index = tmp_path / "ix"
    for _attempt in range(3):
        command = index_command(archive, index, "--rebuild")
        processes = [
            subprocess.Popen(command, cwd=ROOT, text=True, stdout=PIPE, stderr=PIPE)
            for _ in range(2)
        ]
        outcomes = []
        for process in processes:
            _, stderr = process.communicate(timeout=120)
            outcomes.append((process.returncode, stderr))
        codes = sorted(code for code, _ in outcomes)
        if codes != [0, 0]:  # both 0: the first finished before the second started; again
            break
        time.sleep(0.1)
    assert codes == [0, 3], outcomes
    loser = next(stderr for code, stderr in outcomes if code == 3)
    assert "another indexer" in loser and "Traceback" not in loser
    served = _served(index)
    assert served[1] == 300 and served[2] == marked(0, 300)
    assert _partials(index) == []
