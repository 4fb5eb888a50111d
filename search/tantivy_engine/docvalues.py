"""Per-document facet values of a Tantivy generation, and the map from hits to dense numbers.

``search.facets`` works on arrays with one slot per dense document number.
Tantivy addresses a document as (segment, doc), which changes when segments
merge, so every document carries a ``key`` fast field of its own (assigned by
the writer, never reused). When a generation is committed, its live documents
are put in ``key`` order: the i-th becomes dense number i, and the sorted keys
are saved beside the arrays, so a reader can map any hit to its dense number
with one fast-field read and a binary search. The hit table (``hittable``) is
written in the same pass, in the same dense order.

The writer knows what a commit changed: the rows of the generation it copied,
minus the deleted ids, plus the added articles under new (larger) keys. An
update therefore carries the saved arrays on (``extend_docvalues``): the rows
of deleted documents stay in place as dead rows (``live`` false), the added
documents are appended (their keys are larger, so key order holds), and only
their hit lines are written, as a new part of the hit table. Its cost is the
change, not the archive. Once dead rows or parts pile up, a commit writes the
live rows whole again from the hit lines in hand (``write_docvalues``), never
from the stored records; only when the live keys Tantivy reports differ from
those rows (a bug) are the stored records read back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import tantivy

from search.docvalues import NAMES, DocValues, DocValuesBuilder, Saved
from search.docvalues import load_docvalues as _load
from search.tantivy_engine.hittable import (
    FILE,
    PART_GLOB,
    OffsetArray,
    hit_line,
    part_name,
    read_hit_lines,
    write_hit_lines,
)
from search.tantivy_engine.schema import BODY, KEY, RECORD

KeyArray = npt.NDArray[np.uint64]
MAX_PARTS = 16
"""Hit table parts (one per update) before a commit writes the table whole again."""
MAX_DEAD_SHARE = 0.2
"""Share of dead rows (deleted or replaced documents) before a commit drops them."""


def stored_body(doc: tantivy.Document) -> str:
    """The article body the writer stored apart from the record."""
    raw = doc.get_first(BODY)
    if not isinstance(raw, bytes):
        raise ValueError("a document without its stored body")
    return raw.decode("utf-8")


def stored_fields(doc: tantivy.Document) -> dict[str, Any]:
    """The article record the writer stored, without the body (stored apart)."""
    raw = doc.get_first(RECORD)
    if not isinstance(raw, bytes):
        raise ValueError("a document without its stored record")
    record: dict[str, Any] = orjson.loads(raw)
    return record


def stored_record(doc: tantivy.Document) -> dict[str, Any]:
    """The article record the writer stored: the JSON fields, with the body put back."""
    record = stored_fields(doc)
    record["body"] = stored_body(doc)
    return record


@dataclass
class HitRows:
    """Live documents in dense order: their keys and their hit-table lines."""

    keys: list[int] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)


def read_back(searcher: tantivy.Searcher) -> HitRows:
    """Every live document's key and hit line, from the stored records (in key order)."""
    total = searcher.num_docs
    if total == 0:
        return HitRows()
    hits = searcher.search(tantivy.Query.all_query(), limit=total, count=False).hits
    found = []
    for _score, address in hits:
        doc = searcher.doc(address)
        found.append((int(doc.get_first(KEY) or 0), hit_line(stored_fields(doc))))
    found.sort(key=lambda pair: pair[0])
    return HitRows([key for key, _ in found], [line for _, line in found])


def live_keys(searcher: tantivy.Searcher) -> list[int]:
    """The keys of the live documents, sorted: one fast-field read, no stored record."""
    total = searcher.num_docs
    if total == 0:
        return []
    hits = searcher.search(tantivy.Query.all_query(), limit=total, count=False).hits
    keys = searcher.fast_field_values(KEY, [address for _score, address in hits])
    return sorted(np.asarray(keys, dtype=np.uint64).tolist())


def previous_rows(directory: Path) -> HitRows:
    """The live rows of the generation ``directory`` was copied from (none for a new index)."""
    try:
        dv, keys, offsets, parts = load_docvalues(directory)
    except FileNotFoundError:
        return HitRows()
    lines = read_hit_lines(directory, offsets, parts)
    live = dv.live.tolist()
    return HitRows(
        [k for k, alive in zip(keys.tolist(), live, strict=True) if alive],
        [line for line, alive in zip(lines, live, strict=True) if alive],
    )


def write_docvalues(rows: HitRows, directory: Path, next_key: int) -> None:
    """Save the facet arrays and the hit table of ``rows``, the generation's live documents.

    ``next_key`` is saved too, so a key is never given to two documents, even
    across generations. Hit table parts of earlier updates are removed.
    """
    builder = DocValuesBuilder(len(rows.lines))
    for docnum, line in enumerate(rows.lines):
        builder.add(docnum, orjson.loads(line))
    for part in directory.glob(PART_GLOB):
        part.unlink()
    offsets = write_hit_lines(rows.lines, directory)
    arrays = {"keys": np.asarray(rows.keys, dtype=np.uint64), "hit_offsets": offsets}
    builder.save(directory, arrays=arrays, names={"next_key": next_key, "hit_parts": [FILE]})


def extend_docvalues(
    directory: Path, dead_keys: list[int], added: list[tuple[int, bytes]], next_key: int
) -> DocValues | None:
    """Carry the saved arrays of the copied generation on: the rows of ``dead_keys`` dead, the
    ``added`` (key, hit line) rows appended, their lines in a new hit table part.

    Only the new rows are decoded and only their lines written: the cost of an update
    is its change, not the archive. None when the saved arrays cannot be carried on
    (saved by an older version, or too many dead rows or parts: then the caller
    writes them whole, which drops the dead rows).
    """
    try:
        saved = _load(directory, for_writer=True)
    except FileNotFoundError:
        return None
    old, keys, offsets, parts = _split(saved)
    dead = np.searchsorted(keys, np.asarray(dead_keys, dtype=np.uint64))
    dead_rows = int(np.count_nonzero(~old.live)) + len(dead_keys)
    if len(parts) >= MAX_PARTS or dead_rows > MAX_DEAD_SHARE * (old.size + len(added)):
        return None
    builder = DocValuesBuilder.extend(saved, old.size, old.size + len(added))
    if builder is None or not np.array_equal(keys[dead], np.asarray(dead_keys, dtype=np.uint64)):
        return None
    builder.kill(dead.tolist())
    for docnum, (_key, line) in enumerate(added, old.size):
        builder.add(docnum, orjson.loads(line))
    arrays = {"keys": keys, "hit_offsets": offsets}
    if added:
        name = part_name(added[0][0])
        new = write_hit_lines([line for _key, line in added], directory, name, int(offsets[-1]))
        arrays = {
            "keys": np.concatenate((keys, np.asarray([k for k, _ in added], dtype=np.uint64))),
            "hit_offsets": np.concatenate((offsets, new[1:])),
        }
        parts = [*parts, name]
    return builder.save(directory, arrays=arrays, names={"next_key": next_key, "hit_parts": parts})


def load_docvalues(directory: Path) -> tuple[DocValues, KeyArray, OffsetArray, list[str]]:
    """The facet arrays, the sorted document keys (dense number i has ``keys[i]``, live or
    not), the offsets of the hit table's lines and the files of the hit table."""
    return _split(_load(directory))


def _split(saved: Saved) -> tuple[DocValues, KeyArray, OffsetArray, list[str]]:
    dv, arrays, names = saved
    keys: KeyArray = arrays["keys"]
    offsets: OffsetArray = arrays["hit_offsets"]
    return dv, keys, offsets, list(names.get("hit_parts", [FILE]))


def next_key(directory: Path) -> int:
    """The first key not used by the generation being extended (0 for a new index)."""
    try:
        names = orjson.loads((directory / NAMES).read_bytes())
    except FileNotFoundError:
        return 0
    return int(names["next_key"])
