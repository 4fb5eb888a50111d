"""Opening the archive's files so that no path swap can lead outside the archive.

Discovery lists the archive, then the files are read, seconds or minutes later;
meanwhile anyone who can write to the archive can replace a folder or a file
with a symbolic link (to ``/etc``, say). Opening the path again by name would
follow it. So every open here starts at the archive root's directory
descriptor and takes one path component at a time with ``O_NOFOLLOW``
(``os.open(name, dir_fd=parent)``): a component that has become a link fails
with ``ELOOP`` and the file is reported, not read. The root itself (given by
the person indexing, resolved once by discovery) is the one path opened by
name. A symbolic link that discovery accepted (to a file inside the archive) is
read through its target's path, found at discovery, with the same rule.

The descriptor opened must be a regular file (``fstat``, before any read; a
FIFO swapped in cannot block the run: the open is non-blocking). Its size is
also checked before reading: at most ``max_bytes`` are read, so memory never
grows with the size of a file; the caller says what was left out.

``openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`` does the walk in one call on
Linux 5.6+, but Python does not expose it; the component walk costs a few
microseconds per folder level, ~1% of parsing a file.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import BinaryIO

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024
"""Enough for the 2,000,000 characters the parser indexes, whatever the encoding."""
_MOVED = (
    "a folder on its path, or the file, was replaced by a symbolic link or a file "
    "(the archive changed while it was read); not read"
)


class UnsafePath(OSError):
    """The path cannot be opened without leaving the archive or reading a non-file."""


@dataclass(frozen=True, slots=True)
class FileBytes:
    data: bytes
    """At most ``max_bytes`` bytes, cut at a character boundary when the file was longer."""
    size: int
    """The file's size (``fstat``) when it was opened."""

    @property
    def cut(self) -> bool:
        return len(self.data) < self.size


def open_root(root: str) -> int:
    """A descriptor of the archive root (a folder; links in its own path are the user's)."""
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def open_beneath(root_fd: int, relpath: str, flags: int = FILE_FLAGS) -> int:
    """A descriptor of ``relpath`` (``/``-separated) under ``root_fd``, no link followed."""
    *folders, name = relpath.split("/")
    if not name or any(part in ("", ".", "..") for part in folders) or name in (".", ".."):
        raise UnsafePath(errno.EINVAL, f"not a plain relative path: {relpath!r}")
    parent = root_fd
    try:
        for folder in folders:
            child = _open_at(folder, DIR_FLAGS, parent)
            if parent != root_fd:
                os.close(parent)
            parent = child
        return _open_at(name, flags, parent)
    finally:
        if parent != root_fd:
            os.close(parent)


def _open_at(name: str, flags: int, parent: int) -> int:
    try:
        return os.open(name, flags, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafePath(exc.errno, _MOVED) from exc
        raise


def open_regular(root_fd: int, relpath: str) -> tuple[int, os.stat_result]:
    """``open_beneath`` for reading, refusing anything but a regular file; the fd and its stat."""
    fd = open_beneath(root_fd, relpath)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(errno.EINVAL, "not a regular file (the archive changed)")
        os.set_blocking(fd, True)  # O_NONBLOCK only kept a FIFO from blocking the open
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def open_file(root: str, relpath: str) -> BinaryIO:
    """``relpath`` under ``root`` as a binary file object, safely opened (for streaming)."""
    root_fd = open_root(root)
    try:
        fd, _ = open_regular(root_fd, relpath)
    finally:
        os.close(root_fd)
    return os.fdopen(fd, "rb")


def read_beneath(root: str, relpath: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> FileBytes:
    """At most ``max_bytes`` of ``relpath`` under ``root``; ``OSError`` if it cannot be read."""
    root_fd = open_root(root)
    try:
        fd, info = open_regular(root_fd, relpath)
    finally:
        os.close(root_fd)
    size = info.st_size
    try:
        # read straight from the descriptor: a file object per file cost 5% of parsing 20news
        data = _read_all(fd, min(size, max_bytes))  # what it grows by meanwhile: next run
    finally:
        os.close(fd)
    return FileBytes(whole_characters(data) if size > max_bytes else data, size)


def _read_all(fd: int, length: int) -> bytes:
    """``length`` bytes from ``fd``, or fewer at its end (a read may return less than asked)."""
    data = os.read(fd, length)
    if len(data) == length or not data:
        return data
    parts = [data]
    while length > (got := sum(map(len, parts))) and (more := os.read(fd, length - got)):
        parts.append(more)
    return b"".join(parts)


def whole_characters(data: bytes) -> bytes:
    """``data`` without a character cut in two at its end (UTF-8, or UTF-16 after its mark)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data[: len(data) - len(data) % 2]
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:  # ASCII: nothing cut
            return data
        if byte >= 0xC0:  # a lead byte: keep its character only if it is whole
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= length else data[:-back]
    return data  # not UTF-8 (a legacy encoding): every byte is a character
