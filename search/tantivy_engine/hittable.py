"""The short fields a result list shows for each hit, read by dense document number.

A page of hits needs each article's id, title, date, tags and summary, not its
body or source, which are most of a stored record: Tantivy's ``doc`` hands back
every stored field, and the JSON record would be decoded whole for ten titles.
So when a generation is committed the short fields of every live document are
written, in dense order, one JSON line each, into ``hits.jsonl``, and the line
offsets are saved with the facet arrays. A reader maps the file (shared by the
workers through the page cache) and decodes only the lines of the hits it shows.
"""

from __future__ import annotations

import bisect
import mmap
import os
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from search.store import write_atomic

FILE = "hits.jsonl"
PART_GLOB = "hits-*.jsonl"
"""The parts added by updates since the last whole hit table (``part_name``)."""
HIT_FIELDS = (
    "id", "path", "title", "date", "tags", "publication", "lang", "summary", "authors",
    "translation_key",
)  # fmt: skip
"""What ``BaseEngine._hits`` and the translation links read of a record, body aside."""
OffsetArray = npt.NDArray[np.int64]


def hit_line(record: Mapping[str, Any]) -> bytes:
    """The hit table's line for a record (or anything with the same keys), newline included."""
    # JSON escapes control characters (newlines too) inside strings: a record is one line
    return orjson.dumps({name: record.get(name) for name in HIT_FIELDS}) + b"\n"


def write_hit_lines(
    lines: Sequence[bytes], directory: Path, name: str = FILE, start: int = 0
) -> OffsetArray:
    """Write ``lines`` (in dense order) into the part ``name``; their offsets, one more than
    lines, counted from ``start`` (the bytes of the parts before this one)."""
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    offsets[0] = start
    np.cumsum([len(line) for line in lines], out=offsets[1:])
    offsets[1:] += start
    write_atomic(directory / name, b"".join(lines), flush=False)  # publishing flushes it
    return offsets


def part_name(first_key: int) -> str:
    """The hit table part holding the lines of an update whose first new key is ``first_key``:
    keys are never reused, so neither are part names."""
    return f"hits-{first_key}.jsonl"


def read_hit_lines(
    directory: Path, offsets: OffsetArray, parts: Sequence[str] = (FILE,)
) -> list[bytes]:
    """The lines ``write_hit_lines`` wrote, for the next generation to keep the unchanged ones."""
    data = b"".join((directory / part).read_bytes() for part in parts)
    bounds: list[int] = offsets.tolist()
    if (bounds[-1] if bounds else 0) != len(data):
        raise ValueError(f"{directory / FILE} does not match its offsets")
    return [data[start:end] for start, end in pairwise(bounds)]


class HitTable:
    """The hit lines of one generation, mapped read-only: one file, or the file of the last
    full commit followed by a part per update since (``parts``), read as if concatenated."""

    def __init__(
        self, directory: Path, offsets: OffsetArray, parts: Sequence[str] = (FILE,)
    ) -> None:
        # Python ints: indexing a list is cheaper than converting NumPy scalars on every hit
        self._offsets: list[int] = offsets.tolist()
        self._maps: list[mmap.mmap | None] = []
        self._starts: list[int] = []
        """The byte offset each part starts at."""
        size = 0
        for part in parts:
            with open(directory / part, "rb") as fh:
                length = os.fstat(fh.fileno()).st_size
                # an empty file cannot be mapped
                self._maps.append(
                    mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if length else None
                )
            self._starts.append(size)
            size += length
        if size != (self._offsets[-1] if self._offsets else 0):
            self.close()
            raise ValueError(f"{directory / FILE} does not match its offsets")

    def __len__(self) -> int:
        return max(0, len(self._offsets) - 1)

    def __getitem__(self, docnum: int) -> dict[str, Any]:
        if not 0 <= docnum < len(self):
            raise IndexError(docnum)
        start, end = self._offsets[docnum], self._offsets[docnum + 1]
        part = bisect.bisect_right(self._starts, start) - 1
        found_map = self._maps[part] if part >= 0 else None
        if found_map is None or start == end:
            raise IndexError(docnum)
        base = self._starts[part]
        found: dict[str, Any] = orjson.loads(found_map[start - base : end - base])
        return found

    def close(self) -> None:
        for found_map in self._maps:
            if found_map is not None:
                found_map.close()
        self._maps = []
