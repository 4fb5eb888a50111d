"""Files → records → a new published generation: full builds and incremental updates.

An update compares each file's SHA-256 with the manifest of the served
generation and re-parses only what was added or changed; removed files are
deleted from the index. Nothing is visible until the store publishes the new
generation whole, so a crash at any moment leaves the last good index served.

A file whose size, modification time and inode change time (``st_size``,
``st_mtime_ns``, ``st_ctime_ns``) are those the manifest recorded is taken as
unchanged without being opened (``indexer.discover``): an update of an
unchanged archive costs a ``stat`` per file. A file whose stat changed is read
and hashed; touched but not changed, it is reported unchanged and its new
times recorded. The change time is compared as git does, because ``touch -d``
or ``rsync -t`` can put back an old mtime after an edit of the same size, and
nothing short of changing the clock sets ctime back. Where ctime does not move
(some network or FUSE mounts) such an edit goes unseen: ``--rebuild`` reads
everything. An mtime within ``RACY_SECONDS`` of the run's start is not recorded
(git's "racy" rule): the file could change again within the same clock tick.
A manifest entry without recorded times is hashed.

Changed files are parsed in worker processes when there are many of them
(``indexer.parse_pool``), with the same outcomes, in the same order. A table
file (CSV, TSV, JSON Lines, JSON array: ``indexer.tables``) is many articles:
it is streamed row by row in this process after the other files, and its
manifest entry lists the ids of its rows, so an update re-reads it only when it
changed and deletes exactly its old rows.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import shutil
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer import manifest as manifests
from indexer.config import CONFIG_NAME, ArchiveConfig, load_config
from indexer.cost import estimate_text
from indexer.discover import Candidate, Stat, discover
from indexer.manifest import Entry, problem_dict
from indexer.outcome import Problem
from indexer.parse_pool import Parsed, parsed_files, worker_count
from indexer.tables import table_articles, table_format
from indexer.unpublished import UNPUBLISHED
from search.article import Article
from search.contract import EngineWriter
from search.errors import BadRequest, IndexFormatError, IndexMissing, SearchError
from search.registry import DEFAULT_ENGINE, check_engine, check_meta, format_version, open_writer
from search.store import Generation, IndexStore

MANIFEST = manifests.MANIFEST
SKIPPED = "skipped: "
"""Manifest status prefix of a file left out on purpose, followed by the reason."""
Progress = Callable[[int, int], None]
RACY_SECONDS = 3
LIVE = "live"
"""Folder of the index directory where a watcher's engine keeps its working copy."""
"""A file modified this close to the run's start has its size and time left unrecorded."""


@dataclass
class BuildReport:
    index_dir: str
    source: str
    engine: str = ""
    mode: str = "build"
    """``build`` (first), ``rebuild``, ``update`` or ``unchanged`` (nothing to publish)."""
    generation: str | None = None
    files: int = 0
    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    drafts: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    """Files deliberately left out for another reason than being a draft, by reason."""
    articles: int = 0
    bytes_read: int = 0
    skipped_hidden: int = 0
    skipped_binary: list[str] = field(default_factory=list)
    skipped_filtered: int = 0
    skipped_unpublished: int = 0
    """Files of headless bundles and unpublished sections (counted in ``skipped`` too)."""
    problems: list[Problem] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)
    """Counts of the notes of the files read in this run (``undated (tried date, …)``)."""
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds of each step of the run, in order (``scan``, ``write``, ``commit``, …): where an
    update's time goes, logged by ``--watch`` and read by ``bench.freshness``."""

    def lap(self, phase: str, since: float) -> float:
        """Add the time since ``since`` to ``phase``; the time now, for the next lap."""
        now = time.perf_counter()
        self.phases[phase] = round(self.phases.get(phase, 0.0) + now - since, 4)
        return now

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def exit_status(self, *, strict: bool = False) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "problems"}
        data["warnings"] = [problem_dict(p) for p in self.warnings]
        data["errors"] = [problem_dict(p) for p in self.errors]
        return data


def build_index(
    source: Path,
    index_dir: Path,
    *,
    rebuild: bool = False,
    config: ArchiveConfig | None = None,
    progress: Progress | None = None,
    engine: str | None = None,
    default_engine: str = DEFAULT_ENGINE,
    workers: int | None = None,
    paths: Collection[str] | None = None,
    keep_writer: bool = False,
) -> BuildReport:
    """Index the archive at ``source`` into ``index_dir``; see the module docstring.

    ``engine`` (else ``default_engine``) applies to new and rebuilt indexes; an update
    keeps the engine the index was built with, and asking for another is a
    ``BadRequest``. ``workers``: processes that may parse and write (default: the
    CPUs this process may use). ``paths``: the only files and folders (relative to
    ``source``) that may have changed since the served generation, as a watcher
    knows them; an update then looks at nothing else (``None``: the whole archive).
    ``keep_writer``: the process runs update after update (a watcher): an engine may keep
    its writer open between them, in a working copy under ``index_dir/live``
    (``BuildHints.work``), so that an update waits for nothing but its own commit.
    """
    started = time.perf_counter()
    source = Path(source)
    config = config if config is not None else load_config(source)
    store = IndexStore(Path(index_dir))
    report = BuildReport(index_dir=str(index_dir), source=str(source))
    with store.write_lock():
        base = None if rebuild else _served(store)
        report.mode = "rebuild" if rebuild else ("update" if base else "build")
        engine = _engine_for(base, engine, default_engine)
        report.engine = engine
        saved = manifests.load(store.root, base)
        old = saved.files
        lap = report.lap("manifest", started)
        scan = _scan(source, config, saved, report, paths if saved.files else None)
        stats = scan.stats
        checked, hashes = _check(scan.candidates, old, stats, report, config.max_file_bytes)
        changed = [c for c in scan.candidates if _changed(c.relpath, old.get(c.relpath), hashes)]
        lap = report.lap("scan", lap)
        removed = scan.removed
        touched = {*hashes, *removed, *(c.relpath for c in changed)}
        if base is not None and not changed and not removed:
            report.mode = "unchanged"
            report.unchanged = report.files
            report.generation = base.name
            if touched:
                # record the times of files touched but unchanged, so they are not read again
                manifests.save(store.root, base, saved.changed(checked, touched))
            _finish(report, checked, base, started)
            return report
        partial = store.start_generation(base)
        lap = report.lap("copy", lap)
        try:
            update = _Update(
                engine, config, checked, (stats, hashes), report, progress,
                workers=worker_count(workers), removed=removed, owners=saved.owners(),
                work=store.root / LIVE if keep_writer else None,
            )  # fmt: skip
            update.apply(partial, changed, removed)
            lap = time.perf_counter()
            manifest = update.manifest
            written = saved.changed(manifest, touched, update.owners)
            written.save_files(partial)
            lap = report.lap("manifest", lap)
            meta = {
                "engine": engine,
                "format_version": format_version(engine),
                "source": str(source),
            }
            meta["articles"] = len(update.owners)  # every article id, with its file
            generation = store.publish(partial, meta)
            lap = report.lap("publish", lap)
        except BaseException:
            manifests.forget(store.root)
            shutil.rmtree(partial, ignore_errors=True)
            raise
        manifests.remember(store.root, generation, written)
        store.collect_garbage()
        report.lap("collect", lap)
        report.generation = generation.name
        _finish(report, manifest, None, started)
        return report


@dataclass
class _Scan:
    """What a run looks at: the candidates found, their trusted stats, the files gone."""

    candidates: list[Candidate]
    stats: dict[str, Stat | None]
    removed: list[str]


def _scan(
    source: Path,
    config: ArchiveConfig,
    saved: manifests.Saved,
    report: BuildReport,
    paths: Collection[str] | None,
) -> _Scan:
    """The whole archive, or only ``paths`` and what lies below them (a watcher's batch); the
    files of the manifest elsewhere are then taken as they were."""
    old = saved.files
    if paths is not None and (CONFIG_NAME in paths or "" in paths or "." in paths):
        paths = None  # the configuration, or the root itself: everything may have changed
    known = {r: e.stat for r, e in old.items() if e.stat} if paths is None else _KnownStats(old)
    found = discover(source, config, known, only=paths)
    report.skipped_hidden = found.skipped_hidden
    report.skipped_binary = list(found.skipped_binary)
    report.skipped_filtered = found.skipped_filtered
    report.skipped_unpublished = found.skipped_unpublished
    report.problems.extend(found.problems)
    racy_after = time.time_ns() - RACY_SECONDS * 1_000_000_000
    stats = {c.relpath: _trusted(found.stats.get(c.relpath), racy_after) for c in found.candidates}
    if paths is None:
        report.files = len(found.candidates)
        return _Scan(found.candidates, stats, [rel for rel in old if rel not in stats])
    folders = saved.folders()
    removed = [rel for rel in _below(old, folders, paths) if rel not in stats]
    report.files = len(old) - len(removed) + sum(1 for rel in stats if rel not in old)
    return _Scan(found.candidates, stats, removed)


class _KnownStats(dict[str, Stat]):
    """The recorded stats of a manifest, looked up one by one (a watcher's batch asks for a
    few): no copy of a hundred thousand entries."""

    def __init__(self, manifest: dict[str, Entry]) -> None:
        super().__init__()
        self.manifest = manifest

    def get(self, key: str, default: Any = None) -> Any:
        entry = self.manifest.get(key)
        return entry.stat if entry is not None and entry.stat is not None else default


def _below(manifest: dict[str, Entry], folders: set[str], paths: Collection[str]) -> list[str]:
    """The files of the manifest that are one of ``paths`` or inside one of them; the
    manifest is searched only for paths that were folders (``folders``)."""
    found = [path for path in paths if path in manifest]
    prefixes = tuple(f"{path}/" for path in paths if path in folders)
    if prefixes:
        found += [rel for rel in manifest if rel.startswith(prefixes) and rel not in found]
    return found


def _served(store: IndexStore) -> Generation | None:
    try:
        generation = store.current()
    except IndexMissing:
        return None
    except IndexFormatError as exc:  # say how to get out of it, not only what is wrong
        raise IndexFormatError(
            f"{exc.message}; rebuild the index with 'archive-search index PATH --rebuild'"
        ) from exc
    check_meta(generation)
    return generation


def _engine_for(base: Generation | None, requested: str | None, default: str) -> str:
    if base is None:
        return check_engine(requested or default)
    built_with = str(base.meta["engine"])
    if requested and requested != built_with:
        raise BadRequest(
            f"the index was built with {built_with}; use --rebuild to build it with {requested}"
        )
    return built_with


def _trusted(stat: Stat | None, racy_after_ns: int) -> Stat | None:
    """``stat``, unless the file was modified too recently for its times to prove anything."""
    return None if stat is None or stat[1] >= racy_after_ns else stat


def _check(
    candidates: list[Candidate],
    old: dict[str, Entry],
    stats: dict[str, Stat | None],
    report: BuildReport,
    max_bytes: int,
) -> tuple[dict[str, Entry], dict[str, str | None]]:
    """The old manifest with the times of touched-but-unchanged files brought up to date,
    and the hash of each file the manifest knows whose size or time changed.

    A file the manifest does not know is new: it is hashed as it is parsed.
    """
    hashes: dict[str, str | None] = {}
    old = dict(old)
    for candidate in candidates:
        rel = candidate.relpath
        entry = old.get(rel)
        if entry is None or (entry.stat is not None and entry.stat == stats[rel]):
            continue
        digest = hashes[rel] = _hash(candidate, max_bytes, report)
        if digest == entry.hash and entry.stat != stats[rel]:
            old[rel] = dataclasses.replace(entry, stat=stats[rel])
    return old, hashes


def _changed(rel: str, entry: Entry | None, hashes: dict[str, str | None]) -> bool:
    """Whether a file must be parsed: it is new, unreadable, or its content changed."""
    if entry is None:
        return True
    if rel not in hashes:
        return False  # same size and time as recorded: not read
    digest = hashes[rel]
    return digest is None or entry.hash != digest


def _hash(candidate: Candidate, max_bytes: int, report: BuildReport) -> str | None:
    """The SHA-256 of what parsing reads of the file (its first ``max_bytes``)."""
    try:
        data = candidate.read(max_bytes).data
    except OSError:
        return None  # reported when the file is parsed
    report.bytes_read += len(data)
    return hashlib.sha256(data).hexdigest()


class _Update:
    """One run's changes, applied to the copy of the old generation in a ``.partial`` directory."""

    def __init__(
        self,
        engine: str,
        config: ArchiveConfig,
        old: dict[str, Entry],
        files: tuple[dict[str, Stat | None], dict[str, str | None]],
        report: BuildReport,
        progress: Progress | None,
        *,
        workers: int,
        removed: list[str],
        owners: dict[str, str],
        work: Path | None = None,
    ) -> None:
        self.engine, self.config, self.old, self.workers = engine, config, old, workers
        self.work = work
        # the trusted stat of every candidate looked at; the hashes of the files read before
        # parsing
        self.stats, self.hashed = files
        self.report, self.progress = report, progress
        self.manifest = dict(old)
        for rel in removed:
            del self.manifest[rel]
        self.owners = owners

    def apply(self, partial: Path, changed: list[Candidate], removed: list[str]) -> None:
        old = self.old
        fresh = not self.old
        lap = time.perf_counter()
        writer = _open_writer(
            self.engine, partial, changed if fresh else [], self.stats, self.workers, self.config,
            None if fresh else self.work,
        )  # fmt: skip
        lap = self.report.lap("open", lap)
        try:
            touched = [old[rel] for rel in removed] + [
                old[c.relpath] for c in changed if c.relpath in old
            ]
            writer.delete(i for entry in touched for i in entry.all_ids)
            for entry in touched:
                for i in entry.all_ids:
                    self.owners.pop(i, None)
            self.report.removed = sum(old[rel].articles for rel in removed)
            tables = {c.relpath: f for c in changed if (f := _table_format(c)) is not None}
            files = [c for c in changed if c.relpath not in tables]
            with parsed_files(files, self.config, workers=self.workers) as parsed:
                writer.add(self._articles(files, parsed))
            for candidate in changed:
                if candidate.relpath in tables:
                    writer.add(self._table(candidate, tables[candidate.relpath]))
            lap = self.report.lap("write", lap)  # parsing included: workers feed the writer
            writer.commit()
            self.report.lap("commit", lap)
            # the engine's own split of its commit (merges waited for, facet arrays), if any
            self.report.phases.update(getattr(writer, "phases", {}))
        except BaseException:
            writer.cancel()
            raise
        self.report.unchanged = self.report.files - len(changed)

    def _articles(self, changed: list[Candidate], parsed: Iterator[Parsed]) -> Iterator[Article]:
        """Record the parsed changed files in the manifest, and yield their articles."""
        for done, (candidate, result) in enumerate(zip(changed, parsed, strict=True), 1):
            rel, outcome = candidate.relpath, result.outcome
            if rel not in self.hashed:  # not read before: count it now
                self.report.bytes_read += result.size
            article, problems = outcome.article, list(outcome.problems)
            for note in outcome.notes:
                self.report.notes[note] = self.report.notes.get(note, 0) + 1
            if article is not None and self.owners.get(article.id, rel) != rel:
                problems.append(
                    Problem(rel, f"same id {article.id!r} as {self.owners[article.id]}")
                )
                article = None
            status = "article" if article else "error"
            if article is None and outcome.skipped:
                status = f"{SKIPPED}{outcome.skipped}"
            article_id = article.id if article else None
            self.manifest[rel] = Entry(
                result.digest or "", article_id, status, tuple(problems), self.stats[rel]
            )
            if self.progress:
                self.progress(done, len(changed))
            if article is None:
                continue
            self.owners[article.id] = rel
            if self.old.get(rel) and self.old[rel].status == "article":
                self.report.updated += 1
            else:
                self.report.indexed += 1
            yield article

    def _table(self, candidate: Candidate, fmt: str) -> Iterator[Article]:
        """Record a table file in the manifest, and yield the articles of its rows."""
        rel = candidate.relpath
        digest, size = _hash_file(candidate)
        if rel not in self.hashed:
            self.report.bytes_read += size
        ids: list[str] = []
        problems: list[Problem] = []
        for item in table_articles(candidate, fmt, self.config):
            if isinstance(item, Problem):
                problems.append(item)
            elif self.owners.get(item.id, rel) != rel:
                problems.append(Problem(rel, f"same id {item.id!r} as {self.owners[item.id]}"))
            else:
                self.owners[item.id] = rel
                ids.append(item.id)
                yield item
        if digest is None and not problems:
            problems.append(Problem(rel, "cannot read file"))
        status = "article" if ids else "error"
        entry = Entry(digest or "", None, status, tuple(problems), self.stats[rel], tuple(ids))
        self.manifest[rel] = entry
        if self.old.get(rel) and self.old[rel].status == "article":
            self.report.updated += len(ids)
        else:
            self.report.indexed += len(ids)


def _table_format(candidate: Candidate) -> str | None:
    if table_format(candidate.relpath, b"[") is None:
        # not a table whatever it holds: opening every file here cost 0.5 s of 20news
        return None
    try:
        with candidate.open() as handle:
            head = handle.read(64)
    except OSError:
        return None  # the parser reports it
    return table_format(candidate.relpath, head)


def _hash_file(candidate: Candidate) -> tuple[str | None, int]:
    """SHA-256 and size of a file read in pieces (a table can be hundreds of megabytes)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with candidate.open() as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError:
        return None, size
    return digest.hexdigest(), size


def _open_writer(
    engine: str,
    partial: Path,
    added: list[Candidate],
    stats: dict[str, Stat | None],
    workers: int,
    config: ArchiveConfig,
    work: Path | None = None,
) -> EngineWriter:
    """A writer on the copy of the served generation; a corrupt copy is an ``IndexFormatError``.

    ``added`` are the files a full build will add: their number and size (from the
    stat taken when they were found), and the estimate of their text, let the engine
    tune the build."""
    size = sum(stat[0] for stat in map(stats.get, (c.relpath for c in added)) if stat)
    try:
        return open_writer(
            engine, partial, expected=len(added), expected_bytes=size, processes=workers,
            estimate_text=functools.partial(estimate_text, added, stats, config), work=work,
        )  # fmt: skip
    except (SearchError, OSError):  # OSError: the disk, not the files (the CLI says so)
        raise
    except Exception as exc:  # the engine's own errors when its files are damaged
        raise IndexFormatError(
            f"the served index cannot be updated, its files are damaged ({exc}); "
            "rebuild it with 'archive-search index PATH --rebuild'"
        ) from exc


def _finish(
    report: BuildReport, manifest: dict[str, Entry], base: Generation | None, started: float
) -> None:
    """Totals, and the problems of unchanged files, which stay reported until they are fixed.

    One pass over the manifest, touching only what most entries lack (problems, a status
    other than ``article``): a watcher's update of one file runs this too."""
    seen = {p.path for p in report.problems}
    with_problems: list[str] = []
    skips: Counter[str] = Counter()
    articles = 0
    for rel, entry in manifest.items():
        if entry.problems:
            with_problems.append(rel)
        if entry.status == "article":
            articles += 1 if entry.id else len(entry.ids)
        elif entry.status.startswith(SKIPPED):
            skips[entry.status[len(SKIPPED) :]] += 1
    for rel in sorted(with_problems):
        if rel not in seen:
            report.problems.extend(manifest[rel].problems)
    if report.skipped_unpublished:  # bundles and sections left out whole
        skips[UNPUBLISHED] += report.skipped_unpublished
    report.drafts = skips.pop("draft", 0)
    report.skipped = dict(sorted(skips.items()))
    report.articles = articles
    report.seconds = round(time.perf_counter() - started, 3)
