"""Index generations on disk: write aside, publish atomically, never expose half an index.

Layout of an index directory::

    INDEX/
      CURRENT                 name of the published generation ("gen-20261207081600123\\n")
      .lock                   held (flock) by the one indexer allowed at a time
      generations/
        gen-20261207080000042/           an older generation, kept for a grace period
        gen-20261207081600123/           engine files + meta.json + the engine's side files
        gen-20261207090000007.partial-…  being written; never read; removed by the next indexer
      live/tantivy-<pid>/     a watcher's working copy of a Tantivy index (never read by a
                              server: ``search.tantivy_engine.live``)

A writer builds a new generation in a ``.partial`` directory, fsyncs every
file and the directory, renames it to its final name, then replaces
``CURRENT`` atomically (write a temporary file, fsync, ``os.replace``, fsync
the directory). A reader only ever follows ``CURRENT``, so it sees the old
generation or the new one, whole, whatever moment the writer is killed at.

Generation names never repeat: the number is the UTC time of the build to the
millisecond (``YYYYMMDDhhmmssmmm``), or one more than the newest name in the
folder if that is larger (a clock set back). Deleting generations, or the
whole folder, therefore never brings an old name back while the clock runs
forward. Each publication also writes a random ``id`` into ``meta.json``: a
reader tells generations apart by name *and* id (``identity``), so even a
generation replaced under the same name by hand is noticed. Indexes written
with the older six-digit names (``gen-000003``) are read as they are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import itertools
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import IndexFormatError, IndexLocked, IndexMissing

CURRENT = "CURRENT"
LOCK = ".lock"
GENERATIONS = "generations"
META = "meta.json"
_GEN_RE = re.compile(r"^gen-(\d{6,})$")
GRACE_SECONDS = 300.0
"""How long a superseded generation stays on disk for readers still using it."""
KEEP_GENERATIONS = 2


@dataclass(frozen=True, slots=True)
class Generation:
    name: str
    path: Path
    meta: dict[str, Any]


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path, *, skip_linked: bool = False) -> None:
    """Flush every file below ``path`` and then the directories themselves to disk.

    ``skip_linked``: leave out files with more than one link, the files a new generation
    shares with the one it was copied from (``start_generation``), flushed when that
    one was published; an update then flushes what it wrote, not the whole index."""
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            file = Path(dirpath) / name
            if not skip_linked or file.stat(follow_symlinks=False).st_nlink == 1:
                fsync_path(file)
        fsync_path(Path(dirpath))


def write_atomic(path: Path, data: str | bytes, *, flush: bool = True) -> None:
    """Replace ``path`` whole: write aside, fsync, rename. Never writes into the old file,
    which a hard-linked older generation may share. ``flush=False`` for a file of a
    generation being written: publishing flushes its new files and folders once."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        if flush:
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    if flush:
        fsync_path(path.parent)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another filesystem, or one without hard links
        shutil.copy2(src, dst)


class IndexStore:
    """The generations of one index directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def generations_dir(self) -> Path:
        return self.root / GENERATIONS

    def current_name(self) -> str | None:
        """The published generation's name, read fresh from disk (cheap: one small file)."""
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if not _GEN_RE.match(name):
            raise IndexFormatError(f"{self.root / CURRENT} does not name a generation: {name!r}")
        return name

    def identity(self, name: str) -> tuple[str, str]:
        """What tells the generation published as ``name`` from any other one ever published:
        its name and the random id written at publication (the time of its ``meta.json``
        for a generation published before ids were written)."""
        generation = self.load(name)
        stamp = generation.meta.get("id")
        if not isinstance(stamp, str):
            with contextlib.suppress(OSError):
                stamp = str((generation.path / META).stat().st_mtime_ns)
        return name, str(stamp)

    def current(self) -> Generation:
        """The published generation; raises ``IndexMissing`` or ``IndexFormatError``."""
        if not self.root.is_dir():
            raise IndexMissing(f"no index at {self.root}: run 'archive-search index'")
        name = self.current_name()
        if name is None:
            raise IndexMissing(f"{self.root} holds no published index: run 'archive-search index'")
        return self.load(name)

    def load(self, name: str) -> Generation:
        path = self.generations_dir / name
        try:
            meta = json.loads((path / META).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexMissing(f"generation {name} is missing from {self.root}") from exc
        except (OSError, ValueError) as exc:
            raise IndexFormatError(f"generation {name} has an unreadable {META}: {exc}") from exc
        if not isinstance(meta, dict):
            raise IndexFormatError(f"generation {name} has a malformed {META}")
        return Generation(name, path, meta)

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the index's write lock, or raise ``IndexLocked`` at once if another indexer has it.

        ``flock`` is released by the kernel when the holder dies, even by ``kill -9``,
        so a crashed indexer never leaves a stale lock behind.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                raise IndexLocked(
                    f"another indexer (pid {holder}) is writing {self.root}; "
                    "wait for it to finish and run again"
                ) from exc
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)

    def start_generation(self, base: Generation | None) -> Path:
        """A fresh ``.partial`` directory for the next generation, seeded with ``base``'s files.

        Call with the write lock held. Leftovers of crashed runs are removed first.
        """
        self.generations_dir.mkdir(parents=True, exist_ok=True)
        self.remove_partials()
        now = dt.datetime.now(dt.UTC)
        number = max([*self._numbers(), int(now.strftime("%Y%m%d%H%M%S%f")[:-3]) - 1]) + 1
        partial = self.generations_dir / f"gen-{number:06d}.partial-{os.getpid()}"
        if base is not None:
            # Hard links, not copies: an update then costs what it changes, not the index's
            # size. Safe because engines never rewrite a file in place (Whoosh and Tantivy
            # write new segment, table-of-contents and deletion files; Tantivy replaces its
            # meta.json by renaming), and our own side files are replaced by ``write_atomic``.
            shutil.copytree(base.path, partial, copy_function=_link_or_copy)
            (partial / META).unlink(missing_ok=True)
        else:
            partial.mkdir()
        return partial

    def publish(self, partial: Path, meta: dict[str, Any]) -> Generation:
        """Make ``partial`` the current generation, durably and atomically."""
        name = partial.name.split(".partial-", 1)[0]
        created = dt.datetime.now(dt.UTC).isoformat()
        meta = {**meta, "generation": name, "id": secrets.token_hex(8), "created": created}
        (partial / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        fsync_tree(partial, skip_linked=True)
        final = self.generations_dir / name
        os.rename(partial, final)
        fsync_path(self.generations_dir)
        try:
            write_atomic(self.root / CURRENT, name + "\n")
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)  # never published: nobody reads it
            raise
        return Generation(name, final, meta)

    def remove_partials(self) -> None:
        if not self.generations_dir.is_dir():
            return
        for child in self.generations_dir.iterdir():
            if ".partial-" in child.name:
                shutil.rmtree(child, ignore_errors=True)

    def collect_garbage(
        self, *, grace: float = GRACE_SECONDS, keep: int = KEEP_GENERATIONS
    ) -> None:
        """Remove generations superseded over ``grace`` seconds ago, keeping the newest ``keep``.

        A generation was superseded when the next one was published, so the grace
        period counts from its successor's publication: a reader that opened it
        just before the swap has that long to finish.
        """
        current = self.current_name()
        names = sorted(self._names(), key=lambda n: int(n.split("-")[1]), reverse=True)
        published = {}
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                published[name] = (self.generations_dir / name / META).stat().st_mtime
        now = time.time()
        for rank, (successor, name) in enumerate(itertools.pairwise(names), 1):
            if name == current or rank < keep:
                continue
            if now - published.get(successor, now) >= grace:
                shutil.rmtree(self.generations_dir / name, ignore_errors=True)

    def _names(self) -> list[str]:
        if not self.generations_dir.is_dir():
            return []
        return [p.name for p in self.generations_dir.iterdir() if _GEN_RE.match(p.name)]

    def _numbers(self) -> list[int]:
        numbers = [int(n.split("-")[1]) for n in self._names()]
        for child in self.generations_dir.iterdir():
            if ".partial-" in child.name:
                numbers.append(int(child.name.split(".")[0].split("-")[1]))
        return numbers
