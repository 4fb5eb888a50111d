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

import mmap
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from search.store import write_atomic

FILE = "hits.jsonl"
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


def write_hit_lines(lines: Sequence[bytes], directory: Path) -> OffsetArray:
    """Write ``lines`` (in dense order); their offsets, one more than lines."""
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum([len(line) for line in lines], out=offsets[1:])
    write_atomic(directory / FILE, b"".join(lines))
    return offsets


def read_hit_lines(directory: Path, offsets: OffsetArray) -> list[bytes]:
    """The lines ``write_hit_lines`` wrote, for the next generation to keep the unchanged ones."""
    data = (directory / FILE).read_bytes()
    bounds: list[int] = offsets.tolist()
    if (bounds[-1] if bounds else 0) != len(data):
        raise ValueError(f"{directory / FILE} does not match its offsets")
    return [data[start:end] for start, end in pairwise(bounds)]


class HitTable:
    """The hit lines of one generation, mapped read-only."""

    def __init__(self, directory: Path, offsets: OffsetArray) -> None:
        # Python ints: indexing a list is cheaper than converting NumPy scalars on every hit
        self._offsets: list[int] = offsets.tolist()
        self._map: mmap.mmap | None = None
        size = self._offsets[-1] if self._offsets else 0
        with open(directory / FILE, "rb") as fh:
            if size > 0:  # an empty file cannot be mapped
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if (len(self._map) if self._map is not None else 0) != size:
            raise ValueError(f"{directory / FILE} does not match its offsets")

    def __len__(self) -> int:
        return max(0, len(self._offsets) - 1)

    def __getitem__(self, docnum: int) -> dict[str, Any]:
        if self._map is None or not 0 <= docnum < len(self):
            raise IndexError(docnum)
        found: dict[str, Any] = orjson.loads(
            self._map[self._offsets[docnum] : self._offsets[docnum + 1]]
        )
        return found

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
