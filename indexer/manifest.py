"""The manifest of a generation: what the indexer remembers of each file it looked at.

``manifest.json`` maps each file (by path relative to the archive) to the
SHA-256 of what was parsed, the article id(s), the status, the problems and
the stat taken when it was hashed (``indexer.build``). For 100,000 files it is
~25 MB of JSON; reading and writing it whole made every update cost seconds
whatever it changed. So:

- a generation's manifest is ``manifest.json`` plus ``manifest-delta.json``,
  the entries changed (or ``null``: removed) since that ``manifest.json`` was
  written. An update hard-links both from the generation it copies (the
  store's ``start_generation``) and writes only the delta, until the delta
  holds more than ``DELTA_SHARE`` of the files: then it writes the manifest
  whole again. A manifest without a delta, as earlier versions wrote it, is
  read as it is; an earlier version reading a newer generation sees an older
  manifest, so at worst it re-reads the files changed since.
- the manifest last written or read is kept in this process (``remember``)
  with the identity of its generation and the stat of both files, so a
  watcher's next update does not read it back. Any change to the files on disk
  (another indexer, a hand edit) makes it read again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from indexer.discover import Stat
from indexer.outcome import Problem
from search.store import Generation, write_atomic

MANIFEST = "manifest.json"
DELTA = "manifest-delta.json"
DELTA_SHARE = 20
"""The delta is written alone while it holds at most 1/20 of the files (or ``DELTA_FILES``)."""
DELTA_FILES = 2_000


@dataclass(frozen=True, slots=True)
class Entry:
    """What the manifest remembers of one file."""

    hash: str
    id: str | None
    status: str
    problems: tuple[Problem, ...] = ()
    stat: Stat | None = None
    """Size, mtime and ctime when the file was hashed; None: unknown (hash it again)."""
    ids: tuple[str, ...] = ()
    """The articles of a table file (``indexer.tables``), which has no single ``id``."""

    @property
    def all_ids(self) -> tuple[str, ...]:
        return (self.id,) if self.id else self.ids

    @property
    def articles(self) -> int:
        return len(self.all_ids) if self.status == "article" else 0


Files = dict[str, Entry]
_Stamp = tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]


@dataclass
class Saved:
    """A generation's manifest: the files, and how they differ from its ``manifest.json``."""

    files: Files = field(default_factory=dict)
    delta: dict[str, Entry | None] | None = field(default_factory=dict)
    """Entries changed since ``manifest.json`` (None: removed); None: write it whole."""
    _owners: dict[str, str] | None = None
    _folders: set[str] | None = None

    def folders(self) -> set[str]:
        """Every folder holding a file of the manifest (or that did: never fewer)."""
        if self._folders is None:
            self._folders = set()
            for rel in self.files:
                _add_parents(self._folders, rel)
        return self._folders

    def owners(self) -> dict[str, str]:
        """The file of each article id (a copy: the caller changes it)."""
        if self._owners is None:
            self._owners = {i: rel for rel, e in self.files.items() for i in e.all_ids}
        return dict(self._owners)

    def changed(
        self, files: Files, touched: set[str], owners: dict[str, str] | None = None
    ) -> Saved:
        """The manifest ``files``, which differs from this one in the ``touched`` files only."""
        folders = None
        if self._folders is not None:
            folders = set(self._folders)
            for rel in touched:
                _add_parents(folders, rel)
        if self.delta is None:
            return Saved(files, None, owners, folders)
        delta = dict(self.delta)
        for rel in touched:
            delta[rel] = files.get(rel)
        too_big = len(delta) > max(DELTA_FILES, len(files) // DELTA_SHARE)
        return Saved(files, None if too_big else delta, owners, folders)

    def save_files(self, directory: Path) -> None:
        """Write the delta into ``directory`` (which holds this manifest's ``manifest.json``),
        or the manifest whole."""
        if self.delta is None or not (directory / MANIFEST).exists():
            write_atomic(directory / MANIFEST, _dump(self.files))
            with contextlib.suppress(FileNotFoundError):
                (directory / DELTA).unlink()
            self.delta = {}
        elif self.delta:
            write_atomic(directory / DELTA, _dump(self.delta))
        else:
            with contextlib.suppress(FileNotFoundError):
                (directory / DELTA).unlink()


def _add_parents(folders: set[str], rel: str) -> None:
    while "/" in rel:
        rel = rel.rpartition("/")[0]
        if rel in folders:
            return
        folders.add(rel)


_remembered: dict[str, tuple[tuple[str, str], _Stamp, Saved]] = {}
"""By index directory: the generation (name, id), the stat of its manifest files, the manifest."""


def load(root: Path, generation: Generation | None) -> Saved:
    """The manifest of ``generation`` (empty for none, or when unreadable: all counts as new)."""
    if generation is None:
        return Saved()
    identity = (generation.name, str(generation.meta.get("id")))
    stamp = _stamp(generation.path)
    kept = _remembered.get(str(root))
    if kept is not None and kept[0] == identity and kept[1] == stamp:
        return kept[2]
    saved = read(generation.path)
    _remembered[str(root)] = (identity, stamp, saved)
    return saved


def read(directory: Path) -> Saved:
    """The manifest saved in ``directory``, its delta applied."""
    try:
        files = _parse(orjson.loads((directory / MANIFEST).read_bytes())["files"])
    except (OSError, ValueError, KeyError, TypeError):  # orjson's errors are ValueErrors
        return Saved()  # no usable manifest: everything counts as changed
    try:
        raw = orjson.loads((directory / DELTA).read_bytes())["files"]
    except FileNotFoundError:
        return Saved(files, {})
    except (OSError, ValueError, KeyError, TypeError):
        return Saved(files, None)  # a damaged delta: the files it lists are hashed again
    removed = [rel for rel, e in raw.items() if e is None]
    delta: dict[str, Entry | None] = {**_parse({r: e for r, e in raw.items() if e is not None})}
    files.update({rel: e for rel, e in delta.items() if e is not None})
    for rel in removed:
        files.pop(rel, None)
        delta[rel] = None
    return Saved(files, delta)


def remember(root: Path, generation: Generation, saved: Saved) -> None:
    """Keep ``saved`` as the manifest of ``generation``, just written."""
    identity = (generation.name, str(generation.meta.get("id")))
    _remembered[str(root)] = (identity, _stamp(generation.path), saved)


def save(root: Path, generation: Generation, saved: Saved) -> None:
    """Write ``saved`` into the published ``generation`` (times of touched files recorded)."""
    saved.save_files(generation.path)
    remember(root, generation, saved)


def forget(root: Path) -> None:
    _remembered.pop(str(root), None)


def _stamp(directory: Path) -> _Stamp:
    found: list[tuple[int, int, int] | None] = []
    for name in (MANIFEST, DELTA):
        try:
            info = (directory / name).stat()
        except OSError:
            found.append(None)
        else:
            found.append((info.st_ino, info.st_mtime_ns, info.st_size))
    return found[0], found[1]


def _parse(raw: dict[str, Any]) -> Files:
    return {
        rel: Entry(
            e["hash"],
            e["id"],
            e["status"],
            _problems_of(rel, e["problems"]) if e["problems"] else (),
            _stat_of(e),
            tuple(e.get("ids", ())),
        )
        for rel, e in raw.items()
    }


def _problems_of(rel: str, problems: list[dict[str, Any]]) -> tuple[Problem, ...]:
    return tuple(Problem(rel, p["reason"], p["severity"], p.get("line")) for p in problems)


def _stat_of(entry: dict[str, Any]) -> Stat | None:
    """The recorded size and time; None in a manifest written before they were recorded."""
    stat = entry.get("size"), entry.get("mtime_ns"), entry.get("ctime_ns")
    if all(isinstance(value, int) for value in stat):
        return stat  # type: ignore[return-value]
    return None


def _dump(entries: dict[str, Entry] | dict[str, Entry | None]) -> bytes:
    """Entries as UTF-8 JSON, by path (orjson: 26 MB for 100,000 files in a tenth of the
    time of ``json``)."""
    files = {rel: None if e is None else _entry_dict(e) for rel, e in sorted(entries.items())}
    return orjson.dumps({"files": files})


def _entry_dict(e: Entry) -> dict[str, Any]:
    return {
        "hash": e.hash,
        "id": e.id,
        "status": e.status,
        "problems": [problem_dict(p) for p in e.problems],
        **({"ids": list(e.ids)} if e.ids else {}),
        **({"size": e.stat[0], "mtime_ns": e.stat[1], "ctime_ns": e.stat[2]} if e.stat else {}),
    }


def problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "path": problem.path,
        "severity": problem.severity,
        "reason": problem.reason,
        "line": problem.line,
    }
