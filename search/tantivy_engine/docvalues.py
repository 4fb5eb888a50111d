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
minus the deleted ids, plus the added articles under new (larger) keys. So a
commit builds the arrays from hit lines in hand, never from the stored records
(reading 100,000 of those back was most of the time of a one-article update);
only when the live keys Tantivy reports differ from those rows (a bug) are the
stored records read back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import tantivy

from search.docvalues import DocValues, DocValuesBuilder, save_docvalues
from search.docvalues import load_docvalues as _load
from search.tantivy_engine.hittable import OffsetArray, hit_line, read_hit_lines, write_hit_lines
from search.tantivy_engine.schema import BODY, KEY, RECORD

KeyArray = npt.NDArray[np.uint64]


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
    """The rows of the generation ``directory`` was copied from (none for a new index)."""
    try:
        _dv, keys, offsets = load_docvalues(directory)
    except FileNotFoundError:
        return HitRows()
    return HitRows(keys.tolist(), read_hit_lines(directory, offsets))


def write_docvalues(rows: HitRows, directory: Path, next_key: int) -> None:
    """Save the facet arrays and the hit table of ``rows``, the generation's live documents.

    ``next_key`` is saved too, so a key is never given to two documents, even
    across generations.
    """
    builder = DocValuesBuilder(len(rows.lines))
    for docnum, line in enumerate(rows.lines):
        builder.add(docnum, orjson.loads(line))
    offsets = write_hit_lines(rows.lines, directory)
    arrays = {"keys": np.asarray(rows.keys, dtype=np.uint64), "hit_offsets": offsets}
    save_docvalues(builder.build(), directory, arrays=arrays, names={"next_key": next_key})


def load_docvalues(directory: Path) -> tuple[DocValues, KeyArray, OffsetArray]:
    """The facet arrays, the sorted document keys (dense number i has ``keys[i]``) and the
    offsets of the hit table's lines."""
    dv, arrays, _names = _load(directory)
    keys: KeyArray = arrays["keys"]
    offsets: OffsetArray = arrays["hit_offsets"]
    return dv, keys, offsets


def next_key(directory: Path) -> int:
    """The first key not used by the generation being extended (0 for a new index)."""
    try:
        _dv, _arrays, names = _load(directory)
    except FileNotFoundError:
        return 0
    return int(names["next_key"])
