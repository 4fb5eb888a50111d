"""A working copy of the served Tantivy index with one writer kept open across updates.

A watcher publishes a generation per batch of changes. Opening a Tantivy writer
on a copy of the served generation for each batch means waiting for that
writer's merges before the generation is published (its folder is renamed when
published: a merge still running would write into a path that no longer
exists), and Tantivy's merge policy sometimes merges the whole index: a batch
of one file then took 29 s at 24,543 articles (docs/freshness.md).

So a watcher keeps a working copy of the index (``INDEX/live/tantivy-<pid>``,
hard links of the served generation's files) and one ``IndexWriter`` on it for
as long as it runs. Each batch is committed there without waiting for merges,
and the files its commit names (Tantivy's ``meta.json``: the segments and their
deletions) are hard-linked into the new generation, with a copy of that
``meta.json``. Merges finish in the background, in the working copy; the next
batch's snapshot takes their result. Readers see exactly what a commit made:
Tantivy writes every segment file once and never changes it, and the
generation holds links to those files, so the working copy's later merges and
their clean-up (which unlinks merged segments' files there) change nothing in
a published generation.

The working copy is used only while the generation it was last published as is
the one served (checked by comparing Tantivy's ``meta.json`` in the copy of the
served generation with the one the working copy last gave): after another
indexer published, after a failed publication, or on the first batch, it is made
again from the served generation.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import tantivy

from search.tantivy_engine import schema as s

HEAP_BYTES = 256_000_000
"""Tantivy's indexing buffer, shared by its threads (default 128 MB): bigger is faster for bulk."""
THREADS = 2
"""The service runs on small machines; more threads only split the buffer further."""
TANTIVY_META = "meta.json"
_LOCKS = (".tantivy-writer.lock", ".tantivy-meta.lock")
_COPY_PREFIX = "tantivy-"
"""A working copy's folder name before the pid of the process that owns it."""
SNAPSHOT_TRIES = 5
"""A merge may finish and remove the files of the segments it merged between reading
``meta.json`` and linking them: the snapshot is then taken again from the new ``meta.json``."""

_KEPT: dict[Path, LiveIndex] = {}


def live_index(work: Path) -> LiveIndex:
    """This process's working copy under ``work`` (one per index), made on first use;
    copies left by processes no longer running are removed then."""
    work = Path(work).resolve()
    found = _KEPT.get(work)
    if found is None:
        _remove_stale(work)
        found = _KEPT[work] = LiveIndex(work / f"{_COPY_PREFIX}{os.getpid()}")
    return found


def _remove_stale(work: Path) -> None:
    if not work.is_dir():
        return
    for child in work.iterdir():
        pid = child.name.removeprefix(_COPY_PREFIX)
        if child.name.startswith(_COPY_PREFIX) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(child, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def segment_files(meta: bytes, folder: Path) -> list[Path]:
    """The files in ``folder`` of the segments Tantivy's ``meta`` names (their data and their
    deletions): what a reader of that commit opens."""
    ids = tuple(seg["segment_id"].replace("-", "") + "." for seg in json.loads(meta)["segments"])
    if not ids:
        return []
    return [file for file in folder.iterdir() if file.name.startswith(ids)]


class LiveIndex:
    """The working copy in ``folder`` and the writer open on it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index: tantivy.Index | None = None
        self.writer: tantivy.IndexWriter | None = None
        self._given: bytes | None = None
        """Tantivy's ``meta.json`` of the last snapshot taken (and so, once it is published,
        of the served generation)."""

    @property
    def engine_dir(self) -> Path:
        return self.folder / s.INDEX_SUBDIR

    def open_on(self, copied: Path) -> tuple[tantivy.Index, tantivy.IndexWriter]:
        """The index and writer to apply a batch with; ``copied`` is the generation being
        written (a copy of the served one): the working copy is made from it again unless
        it is the one this working copy last gave."""
        try:
            meta = (copied / s.INDEX_SUBDIR / TANTIVY_META).read_bytes()
        except FileNotFoundError:
            meta = None
        if self.writer is None or self.index is None or meta is None or meta != self._given:
            self._make(copied)
        assert self.index is not None and self.writer is not None
        self.index.reload()  # the searcher sees the last commit (the keys of deleted ids)
        return self.index, self.writer

    def _make(self, copied: Path) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.engine_dir.mkdir(parents=True)
        source = copied / s.INDEX_SUBDIR
        if source.is_dir():
            for file in source.iterdir():
                if file.name not in _LOCKS and file.is_file():
                    os.link(file, self.engine_dir / file.name)
        self.index = s.open_index(self.folder, create=True)
        self.writer = self.index.writer(HEAP_BYTES, THREADS)

    def snapshot(self, target: Path) -> None:
        """Make ``target``'s engine folder hold the working copy's last commit: links to the
        files its ``meta.json`` names, and a copy of that ``meta.json``."""
        engine_dir = target / s.INDEX_SUBDIR
        staged = target / f".{s.INDEX_SUBDIR}-snapshot"
        for attempt in range(SNAPSHOT_TRIES):
            shutil.rmtree(staged, ignore_errors=True)
            staged.mkdir()
            meta = (self.engine_dir / TANTIVY_META).read_bytes()
            try:
                for file in segment_files(meta, self.engine_dir):
                    os.link(file, staged / file.name)
            except FileNotFoundError:
                if attempt == SNAPSHOT_TRIES - 1:
                    raise
                continue  # a merge removed a segment in between: take its result instead
            (staged / TANTIVY_META).write_bytes(meta)
            break
        shutil.rmtree(engine_dir, ignore_errors=True)
        staged.rename(engine_dir)
        self._given = meta

    def forget(self) -> None:
        """After a failure: the next batch makes the working copy again."""
        if self.writer is not None:
            with contextlib.suppress(ValueError):
                self.writer.rollback()
        self.close()

    def close(self) -> None:
        # Dropping the writer releases its lock; a merge still running in it is abandoned
        # (its files, never named by a meta.json, go with the folder).
        self.writer, self.index, self._given = None, None, None
