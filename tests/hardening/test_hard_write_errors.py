"""Issue 12, finding 9: the engines' write errors are the CLI's exit 3, with a message.

Real file systems, no patching: a tiny tmpfs that fills up (Tantivy raised a
``ValueError`` there, exit 1 with a traceback, which the Makefile's ``index``
target took for success), and a read-only mount under the index. Needs the
right to mount (root); skipped without it. And a folder of the index that root
may not write once ``setpriv`` has dropped its capability to ignore modes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.conftest import ROOT, index_command, run_index, write_state


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 articles (24 MB), far more than the tmpfs can index; parsed by the pool."""
    return write_state(tmp_path_factory.mktemp("big"), 1, 6000)


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Path]:
    """A folder on which the test may mount; everything mounted is unmounted after."""
    point = tmp_path / "mnt"
    point.mkdir()
    yield point
    subprocess.run(["umount", "-R", "-l", str(point)], capture_output=True, check=False)


def tmpfs(point: Path, size: str) -> None:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def assert_write_error(code: int, stderr: str, problem: str) -> None:
    assert code == 3, (code, stderr)
    assert problem in stderr, stderr
    assert "the served index is unchanged" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


def full_disk(engine: str, size: str, big: Path, point: Path, tmp_path: Path) -> None:
    tmpfs(point, size)
    small = write_state(tmp_path / "small", 0, 20)
    index = point / "ix"
    first = run_index(small, index, "--engine", engine)
    assert first.code == 0, first.stderr
    served = (index / "CURRENT").read_text()
    run = run_index(big, index, "--engine", engine, "--rebuild")
    assert_write_error(run.code, run.stderr, "No space left on device")
    assert (index / "CURRENT").read_text() == served
    assert [p.name for p in (index / "generations").iterdir()] == [served.strip()]


def test_tantivy_on_a_full_disk_exits_3(big_archive: Path, mount: Path, tmp_path: Path) -> None:
    # 1.5 MB: the disk fills while Tantivy's threads write ("index writer was killed")
    full_disk("tantivy", "1500k", big_archive, mount, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(
    "engine, size",
    [("tantivy", "3m"), ("tantivy", "5m"), ("whoosh", "1500k"), ("whoosh", "3m")],
)
def test_full_disk_at_other_moments_exits_3(
    big_archive: Path, mount: Path, tmp_path: Path, engine: str, size: str
) -> None:
    # 3 MB: Tantivy's commit fails ("An IO error occurred ... os error 28"); 5 MB: our own
    # side files; Whoosh in its segment writer and its spool
    full_disk(engine, size, big_archive, mount, tmp_path)


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_read_only_generations_exit_3(engine: str, mount: Path, tmp_path: Path) -> None:
    tmpfs(mount, "20m")
    archive = write_state(tmp_path / "archive", 0, 20)
    index = mount / "ix"
    assert run_index(archive, index, "--engine", engine).code == 0
    generations = index / "generations"
    for options in (["--bind"], ["-o", "remount,bind,ro"]):
        done = subprocess.run(["mount", *options, str(generations), str(generations)],
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr
    write_state(archive, 1, 20)
    run = run_index(archive, index)
    assert_write_error(run.code, run.stderr, "Read-only file system")


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_no_permission_exits_3(engine: str, tmp_path: Path) -> None:
    """Root ignores file modes; without CAP_DAC_OVERRIDE (``setpriv``) it obeys them."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to drop the capability that ignores file modes")
    archive = write_state(tmp_path / "archive", 0, 20)
    index = tmp_path / "ix"
    assert run_index(archive, index, "--engine", engine).code == 0
    write_state(archive, 1, 20)
    generations = index / "generations"
    generations.chmod(0o555)
    try:
        caps = "-dac_override,-dac_read_search"
        done = subprocess.run(
            [setpriv, "--bounding-set", caps, "--inh-caps", caps, *index_command(archive, index)],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
    finally:
        generations.chmod(0o755)
    assert_write_error(done.returncode, done.stderr, "Permission denied")
