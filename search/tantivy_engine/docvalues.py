"""Per-document facet values of a Tantivy generation, and the map from hits to dense numbers.

``search.facets`` works on arrays with one slot per dense document number.
Tantivy addresses a document as (segment, doc), which changes when segments
merge, so every document carries a ``key`` fast field of its own (assigned by
the writer, never reused). When a generation is committed, the live documents
are read once in ``key`` order: the i-th becomes dense number i, and the
sorted keys are saved beside the arrays, so a reader can map any hit to its
dense number with one fast-field read and a binary search. The hit table
(``hittable``) is written in the same pass, in the same dense order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import tantivy

from search.docvalues import DocValuesBuilder, save_docvalues
from search.docvalues import load_docvalues as _load
from search.facets import DocValues
from search.tantivy_engine.hittable import OffsetArray, write_hit_table
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


def live_documents(searcher: tantivy.Searcher) -> list[tuple[int, dict[str, Any]]]:
    """(key, record without its body) of every live document, in key order."""
    total = searcher.num_docs
    if total == 0:
        return []
    hits = searcher.search(tantivy.Query.all_query(), limit=total, count=False).hits
    found = []
    for _score, address in hits:
        doc = searcher.doc(address)
        found.append((int(doc.get_first(KEY) or 0), stored_fields(doc)))
    found.sort(key=lambda pair: pair[0])
    return found


def write_docvalues(searcher: tantivy.Searcher, directory: Path, next_key: int) -> None:
    """Read every stored record of the committed index once and save the facet arrays.

    ``next_key`` is saved too, so a key is never given to two documents, even
    across generations.
    """
    documents = live_documents(searcher)
    builder = DocValuesBuilder(len(documents))
    for docnum, (_key, record) in enumerate(documents):
        builder.add(docnum, record)
    keys = np.asarray([key for key, _ in documents], dtype=np.uint64)
    offsets = write_hit_table((record for _, record in documents), directory)
    arrays = {"keys": keys, "hit_offsets": offsets}
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
