"""Which files under an archive root are candidate articles.

- Every regular file, in sorted (deterministic) order.
- Hidden entries (name starting with ``.``) are skipped and counted: a hidden
  folder counts once, its contents are not walked.
- Symbolic links: a link to a file inside the root is followed; a link to a
  folder, or to anything outside the root, is not (reported as a warning).
- ``include``/``exclude`` globs of the configuration (see ``indexer.config``).
- Text or binary is decided by content, not by extension: a NUL byte in the
  first 8 KiB (unless a UTF-16 byte-order mark says why) or a known binary
  signature (images, PDF, archives, audio/video, executables) makes a file
  binary; binary files are skipped and listed.
- The configuration file at the root is not an article.
- A file or folder that cannot be read, or whose name is not valid UTF-8, is a
  Problem; the walk goes on.
- Given the ``known`` stats of the files found last time (``Stat``: size,
  mtime and ctime), a file whose stat is the same is a candidate without being
  opened (it was text and has not changed); the stats of all candidates are
  collected for the caller.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.config import CONFIG_NAME, ArchiveConfig
from indexer.outcome import Problem

SNIFF_BYTES = 8192
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
    """Where the file is, as the walk found it: a string, because a ``Path`` costs ~6 µs to
    make and an update of a 100,000-article archive reads only the few changed files."""
    relpath: str
    """Relative to the archive root, with ``/`` separators."""

    @property
    def path(self) -> Path:
        return Path(self.location)


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    skipped_hidden: int = 0
    skipped_binary: list[str] = field(default_factory=list)
    skipped_filtered: int = 0
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
    root: Path, config: ArchiveConfig, known: Mapping[str, Stat] | None = None
) -> Discovery:
    found = Discovery(known=known)
    _walk(root, root.resolve(), "", config, found)
    return found


def _walk(
    folder: Path, real_root: Path, prefix: str, config: ArchiveConfig, found: Discovery
) -> None:
    try:
        with os.scandir(folder) as entries:
            ordered = sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        found.problems.append(Problem(prefix or ".", f"cannot list folder: {exc.strerror or exc}"))
        return
    for entry in ordered:
        relpath = f"{prefix}{entry.name}"
        if entry.name.startswith("."):
            found.skipped_hidden += 1
        elif not _valid_name(relpath):
            found.problems.append(Problem(repr(relpath), "file name is not valid UTF-8"))
        elif entry.is_dir(follow_symlinks=False):
            if not is_excluded(relpath, config.exclude):
                _walk(Path(entry.path), real_root, relpath + "/", config, found)
            else:
                found.skipped_filtered += 1
        elif entry.is_symlink():
            _symlink(entry, real_root, relpath, config, found)
        elif entry.is_file(follow_symlinks=False):
            _consider(entry, relpath, config, found)


def _symlink(
    entry: os.DirEntry[str], real_root: Path, relpath: str, config: ArchiveConfig, found: Discovery
) -> None:
    target = Path(entry.path).resolve()
    if not target.is_relative_to(real_root):
        found.problems.append(
            Problem(relpath, "symbolic link points outside the archive; not followed", "warning")
        )
    elif target.is_file():
        _consider(entry, relpath, config, found)
    else:
        found.problems.append(
            Problem(relpath, "symbolic link to a folder (or broken); not followed", "warning")
        )


def _consider(
    entry: os.DirEntry[str], relpath: str, config: ArchiveConfig, found: Discovery
) -> None:
    if relpath == CONFIG_NAME:
        return
    if not is_included(relpath, config.include) or is_excluded(relpath, config.exclude):
        found.skipped_filtered += 1
        return
    stat = file_stat(entry) if found.known is not None else None
    if stat is not None and found.known is not None and found.known.get(relpath) == stat:
        found.stats[relpath] = stat  # unchanged since it was found to be text
        found.candidates.append(Candidate(entry.path, relpath))
        return
    try:
        with open(entry.path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        found.problems.append(Problem(relpath, f"cannot read file: {exc.strerror or exc}"))
        return
    if is_binary(head):
        found.skipped_binary.append(relpath)
    else:
        if stat is not None:
            found.stats[relpath] = stat
        found.candidates.append(Candidate(entry.path, relpath))


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
