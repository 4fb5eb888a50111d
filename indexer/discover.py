"""Which files under an archive root are candidate articles.

- Every regular file, in sorted (deterministic) order.
- Hidden entries (name starting with ``.``) are skipped and counted: a hidden
  folder counts once, its contents are not walked.
- Symbolic links: a link to a file inside the root is followed (the candidate
  names its target); a link to a folder, to anything outside the root, or in a
  loop is not (reported as a warning).
- The walk goes through directory descriptors without following links, and
  files are later read the same way (``indexer.safe_read``): swapping a folder
  or a file for a link while the indexer runs cannot make it read outside the
  archive.
- ``include``/``exclude`` globs of the configuration (see ``indexer.config``).
- Text or binary is decided by content, not by extension: a NUL byte in the
  first 8 KiB (unless a UTF-16 byte-order mark says why) or a known binary
  signature (images, PDF, archives, audio/video, executables) makes a file
  binary; binary files are skipped and listed.
- The configuration file at the root is not an article.
- Files a site generator publishes no page for because of another file (a Hugo
  headless bundle, a section's ``cascade`` of ``build: {render: never}``:
  ``indexer.unpublished``) are skipped and counted; each bundle's or section's
  index file is read for it while its folder is walked.
- A file or folder that cannot be read, or whose name is not valid UTF-8, is a
  Problem; the walk goes on.
- Given the ``known`` stats of the files found last time (``Stat``: size,
  mtime and ctime), a file whose stat is the same is a candidate without being
  opened (it was text and has not changed); the stats of all candidates are
  collected for the caller.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from indexer.config import CONFIG_NAME, ArchiveConfig
from indexer.decode import decode
from indexer.frontmatter_article import FrontMatterError, read_front_matter
from indexer.outcome import Problem
from indexer.safe_read import (
    DEFAULT_MAX_FILE_BYTES,
    DIR_FLAGS,
    FILE_FLAGS,
    FileBytes,
    UnsafePath,
    open_beneath,
    open_file,
    open_root,
    read_beneath,
)
from indexer.unpublished import (
    BRANCH_INDEX,
    LEAF_INDEX,
    UNPUBLISHED_EVERYTHING,
    Cascades,
    bundle_unpublished,
    cascade_rules,
)

SNIFF_BYTES = 8192
INDEX_FRONT_BYTES = 65_536
"""Read of a bundle's or section's index file, for its front matter."""
_SIGNATURES: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",  # zip, docx, epub, jar
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"OggS",
    b"fLaC",
    b"ID3",  # MP3
    b"\x1aE\xdf\xa3",  # Matroska / WebM
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",
    b"\x00asm",
    b"wOFF",
    b"wOF2",
    b"SQLite format 3\x00",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # old Office documents
    b"II*\x00",  # TIFF
    b"MM\x00*",
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
Stat = tuple[int, int, int]
"""A file's ``st_size``, ``st_mtime_ns`` and ``st_ctime_ns``: changes when its content does."""


@dataclass(frozen=True)
class Candidate:
    location: str
    """Where the file is, as the walk found it: a string, not a ``Path``, because an update
    lists every file of the archive and reads only the few that changed."""
    relpath: str
    """Relative to the archive root, with ``/`` separators."""
    root: str = ""
    """The archive root, resolved: files are opened beneath it (``indexer.safe_read``)."""
    target: str | None = None
    """For a symbolic link, the path (relative to ``root``) of the file it points to."""

    @property
    def path(self) -> Path:
        return Path(self.location)

    def read(self, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> FileBytes:
        """At most ``max_bytes`` of the file, opened so that no link swapped in is followed."""
        if not self.root:  # made by hand (tests, tools): the location is all there is
            folder, _, name = self.location.rpartition("/")
            return read_beneath(folder or ".", name, max_bytes)
        return read_beneath(self.root, self.target or self.relpath, max_bytes)

    def open(self) -> BinaryIO:
        """The whole file to stream (a table), opened as safely as ``read`` opens it."""
        if not self.root:
            folder, _, name = self.location.rpartition("/")
            return open_file(folder or ".", name)
        return open_file(self.root, self.target or self.relpath)


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    skipped_hidden: int = 0
    skipped_binary: list[str] = field(default_factory=list)
    skipped_filtered: int = 0
    skipped_unpublished: int = 0
    """Files in headless bundles or below a cascade of ``render: never`` (Hugo)."""
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, Stat] = field(default_factory=dict)
    """Of the candidates, when ``discover`` was given ``known`` stats."""
    known: Mapping[str, Stat] | None = None


def is_binary(head: bytes) -> bool:
    """Whether the first bytes of a file say it is not text."""
    if head.startswith(_SIGNATURES):
        return True
    if head[:4] == b"RIFF" or head[4:8] == b"ftyp":  # WAV/AVI/WebP, MP4/MOV/HEIC
        return True
    return b"\x00" in head[:SNIFF_BYTES] and not head.startswith(_UTF16_BOMS)


def discover(
    root: Path,
    config: ArchiveConfig,
    known: Mapping[str, Stat] | None = None,
    *,
    only: Collection[str] | None = None,
) -> Discovery:
    """The candidates under ``root``; with ``only``, those among these paths (relative to the
    root) and below them, each looked at as the whole walk would see it."""
    found = Discovery(known=known)
    real_root = os.path.realpath(root)
    try:
        root_fd = open_root(real_root)
    except OSError as exc:
        found.problems.append(Problem(".", f"cannot list folder: {exc.strerror or exc}"))
        return found
    walk = _Walk(root_fd, real_root, config, found)
    try:
        paths = None if only is None else _outermost(_index_folders(only))
        if paths is None or "" in paths:
            walk.folder(root_fd, "")
        else:
            for relpath in paths:
                walk.path(relpath)
    finally:
        os.close(root_fd)
    found.candidates.sort(key=lambda candidate: candidate.relpath)
    return found


def _index_folders(paths: Collection[str]) -> list[str]:
    """``paths``, with a bundle's or section's index file replaced by its folder: the
    index decides whether the folder's pages are published (``indexer.unpublished``)."""
    found = []
    for path in paths:
        folder, _, name = path.rpartition("/")
        found.append(folder if name.lower() in (*LEAF_INDEX, *BRANCH_INDEX) else path)
    return found


def _outermost(paths: Collection[str]) -> list[str]:
    """``paths`` without those inside another one of them, sorted ("" is the root)."""
    if "" in paths:
        return [""]
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(f"{kept[-1]}/"):
            kept.append(path)
    return kept


@dataclass
class _Walk:
    """One walk of the archive, through directory descriptors: each folder is opened
    beneath its parent without following links, so a folder swapped for a link to
    ``/etc`` during the walk is reported, not listed."""

    root_fd: int
    root: str
    config: ArchiveConfig
    found: Discovery

    def cascades(self) -> Cascades:
        """The build rules above the root: none (the language for a cascade's ``lang``)."""
        site = self.config.site_lang
        return Cascades(site_lang=site.lang if site else "en")

    def folder(self, fd: int, prefix: str, published: Cascades | None = None) -> None:
        """List a folder; ``published``: the build rules the sections above cascade to its
        pages (``indexer.unpublished``)."""
        published = published if published is not None else self.cascades()
        found = self.found
        try:
            with os.scandir(fd) as entries:
                ordered = sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            found.problems.append(
                Problem(prefix or ".", f"cannot list folder: {exc.strerror or exc}")
            )
            return
        below = self.published_below(fd, ordered, published)
        for entry in ordered:
            relpath = f"{prefix}{entry.name}"
            here = published if entry.name.lower() in BRANCH_INDEX else below
            if entry.name.startswith("."):
                found.skipped_hidden += 1
            elif not _valid_name(relpath):
                found.problems.append(Problem(repr(relpath), "file name is not valid UTF-8"))
            elif entry.is_dir(follow_symlinks=False):
                if is_excluded(relpath, self.config.exclude):
                    found.skipped_filtered += 1
                else:
                    self.subfolder(fd, entry.name, relpath, here)
            elif entry.is_symlink():
                self.symlink(relpath, here)
            elif entry.is_file(follow_symlinks=False):
                self.consider(fd, entry, relpath, None, here)

    def path(self, relpath: str) -> None:
        """One file or folder named by its path, as ``folder`` would meet it in its parent,
        with the published state the folders above it give it."""
        *folders, name = relpath.split("/")
        if any(part.startswith(".") or not part for part in relpath.split("/")):
            return  # hidden, or not a plain path: the walk would not list it
        opened: list[int] = []
        try:
            parent, published = self.root_fd, self.cascades()
            for i, folder in enumerate(folders):
                if is_excluded("/".join(folders[: i + 1]), self.config.exclude):
                    return
                published = self.published_below(parent, _listed(parent), published)
                parent = os.open(folder, DIR_FLAGS, dir_fd=parent)
                opened.append(parent)
            below = self.published_below(parent, _listed(parent), published)
            here = published if name.lower() in BRANCH_INDEX else below
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except OSError:
            return  # gone, or a folder on its way is (or became a link): nothing to find
        finally:
            for fd in opened:
                os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            if is_excluded(relpath, self.config.exclude):
                self.found.skipped_filtered += 1
            else:
                parent_fd = (
                    open_beneath(self.root_fd, "/".join(folders), DIR_FLAGS) if folders else None
                )
                try:
                    self.subfolder(
                        parent_fd if parent_fd is not None else self.root_fd, name, relpath, here
                    )
                finally:
                    if parent_fd is not None:
                        os.close(parent_fd)
        elif stat.S_ISLNK(info.st_mode):
            self.symlink(relpath, here)
        elif stat.S_ISREG(info.st_mode):
            self.consider(None, None, relpath, None, here)

    def published_below(
        self, fd: int, entries: list[os.DirEntry[str]], published: Cascades
    ) -> Cascades:
        """The build rules of the pages of a folder, given its index files: a headless
        leaf bundle's ``index.md`` unpublishes the folder (itself included), a section's
        ``_index.md`` cascades its ``build`` to the pages below it that its targets match."""
        for entry in entries:
            name = entry.name.lower()
            if name in LEAF_INDEX or name in BRANCH_INDEX:
                meta = _front_matter(fd, entry.name)
                if meta is None:
                    continue
                if name in LEAF_INDEX and bundle_unpublished(meta):
                    return published.below(UNPUBLISHED_EVERYTHING)
                if name in BRANCH_INDEX:
                    published = published.below(cascade_rules(meta))
        return published

    def subfolder(
        self, parent: int, name: str, relpath: str, published: Cascades | None = None
    ) -> None:
        try:
            fd = os.open(name, DIR_FLAGS, dir_fd=parent)
        except OSError as exc:
            self.found.problems.append(_unreadable(relpath, "cannot list folder", exc))
            return
        try:
            self.folder(fd, relpath + "/", published)
        finally:
            os.close(fd)

    def symlink(self, relpath: str, published: Cascades | None = None) -> None:
        target = os.path.realpath(f"{self.root}/{relpath}")
        inside = os.path.commonpath([self.root, target]) == self.root and target != self.root
        try:
            is_file = inside and stat.S_ISREG(Path(target).stat().st_mode)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.found.problems.append(
                    Problem(relpath, "symbolic link loop; not followed", "warning")
                )
                return
            is_file = False
        if not inside:
            reason = "symbolic link points outside the archive; not followed"
        elif not is_file:
            reason = "symbolic link to a folder (or broken); not followed"
        else:
            self.consider(
                None,
                None,
                relpath,
                os.path.relpath(target, self.root).replace(os.sep, "/"),
                published,
            )
            return
        self.found.problems.append(Problem(relpath, reason, "warning"))

    def consider(
        self,
        fd: int | None,
        entry: os.DirEntry[str] | None,
        relpath: str,
        target: str | None,
        published: Cascades | None = None,
    ) -> None:
        """Whether a file (or a link's ``target``) is a text file to parse."""
        found = self.found
        if relpath == CONFIG_NAME:
            return
        if not is_included(relpath, self.config.include) or is_excluded(
            relpath, self.config.exclude
        ):
            found.skipped_filtered += 1
            return
        if published is not None and not published.publishes(relpath):
            found.skipped_unpublished += 1
            return
        candidate = Candidate(f"{self.root}/{relpath}", relpath, self.root, target)
        stat = None
        if found.known is not None:
            stat = file_stat(entry) if entry else _stat_beneath(self.root_fd, target or relpath)
            if stat is not None and found.known.get(relpath) == stat:
                found.stats[relpath] = stat  # unchanged since it was found to be text
                found.candidates.append(candidate)
                return
        try:
            head = _head(self.root_fd, fd, entry.name if entry else None, target or relpath)
        except OSError as exc:
            found.problems.append(_unreadable(relpath, "cannot read file", exc))
            return
        if is_binary(head):
            found.skipped_binary.append(relpath)
        else:
            if stat is not None:
                found.stats[relpath] = stat
            found.candidates.append(candidate)


def _head(root_fd: int, fd: int | None, name: str | None, target: str) -> bytes:
    """The first bytes of a file listed in ``fd`` as ``name``, or else of ``target`` (a link's
    target, or the file's own path) beneath the root."""
    if fd is not None and name is not None:
        handle = os.open(name, FILE_FLAGS, dir_fd=fd)
    else:
        handle = open_beneath(root_fd, target)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise UnsafePath(errno.EINVAL, "not a regular file (the archive changed)")
        return os.pread(handle, SNIFF_BYTES, 0)
    finally:
        os.close(handle)


def _listed(fd: int) -> list[os.DirEntry[str]]:
    with os.scandir(fd) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _front_matter(fd: int, name: str) -> dict[str, object] | None:
    """The front matter of file ``name`` in folder ``fd``, or None (none, unreadable, bad:
    the file itself is reported when it is parsed)."""
    try:
        handle = os.open(name, FILE_FLAGS, dir_fd=fd)
    except OSError:
        return None
    try:
        head = os.pread(handle, INDEX_FRONT_BYTES, 0)
    except OSError:
        return None
    finally:
        os.close(handle)
    try:
        front = read_front_matter(decode(head).text)
    except FrontMatterError:
        return None
    return None if front is None else front.meta


def _stat_beneath(root_fd: int, relpath: str) -> Stat | None:
    try:
        fd = open_beneath(root_fd, relpath)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
    finally:
        os.close(fd)
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _unreadable(relpath: str, what: str, exc: OSError) -> Problem:
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link that was not one when listed
        return Problem(relpath, f"{what}: it became a symbolic link while the archive was read")
    return Problem(relpath, f"{what}: {exc.strerror or exc}")


def file_stat(entry: os.DirEntry[str]) -> Stat | None:
    """The size and times of a listed file (symbolic links followed), None if it cannot be
    stat'ed."""
    try:
        info = entry.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _valid_name(relpath: str) -> bool:
    try:
        relpath.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_included(relpath: str, patterns: tuple[str, ...]) -> bool:
    return not patterns or any(_glob(p).fullmatch(relpath) for p in patterns)


def is_excluded(relpath: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``relpath`` or one of its parent folders matches an exclude pattern."""
    if not patterns:
        return False
    parts = relpath.split("/")
    paths = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(_glob(p).fullmatch(path) for p in patterns for path in paths)


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: ``*``/``?`` stay in one folder, ``**`` spans folders."""
    pattern = pattern.replace("\\", "/").lstrip("/")
    if "/" not in pattern:
        pattern = "**/" + pattern
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append(_glob_char(pattern, i))
            i += len(_glob_token(pattern, i))
    return re.compile("".join(out), re.DOTALL)


def _glob_token(pattern: str, i: int) -> str:
    if pattern[i] == "[":
        end = pattern.find("]", i + 2)
        if end > 0:
            return pattern[i : end + 1]
    return pattern[i]


def _glob_char(pattern: str, i: int) -> str:
    part = _glob_token(pattern, i)
    if part == "*":
        return "[^/]*"
    if part == "?":
        return "[^/]"
    if len(part) > 1:
        body = part[1:-1]
        negate = body.startswith("!")
        body = re.escape(body[1:] if negate else body).replace("\\-", "-")
        return f"[{'^/' if negate else ''}{body}]"
    return re.escape(part)
