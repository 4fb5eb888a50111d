"""Per-document facet values of a Tantivy generation, and the map from hits to dense numbers.

``search.facets`` works on arrays with one slot per dense document number.
Tantivy addresses a document as (segment, doc), which changes when segments
merge, so every document carries a ``key`` fast field of its own (assigned by
the writer, never reused). When a generation is committed, the live documents
are read once in ``key`` order: the i-th becomes dense number i, and the
sorted keys are saved beside the arrays, so a reader maps any hit to its dense
number with one fast-field read and a binary search.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import tantivy

from search.facets import DocValues
from search.tantivy_engine.schema import KEY, RECORD, date_key

ARRAYS = "docvalues.npz"
NAMES = "docvalues.json"
KeyArray = npt.NDArray[np.uint64]


class _Vocabulary:
    """Case-folded keys with the most common original spelling as the label."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def add(self, value: str) -> int:
        key = value.casefold()
        self.spellings[key][value] += 1
        return self.ids.setdefault(key, len(self.ids))

    def keys(self) -> list[str]:
        return list(self.ids)

    def labels(self) -> list[str]:
        # most_common keeps first-seen order among ties, so the label is deterministic
        return [self.spellings[key].most_common(1)[0][0] for key in self.ids]


def stored_record(doc: tantivy.Document) -> dict[str, Any]:
    """The article record the writer stored as JSON."""
    raw = doc.get_first(RECORD)
    if not isinstance(raw, bytes):
        raise ValueError("a document without its stored record")
    record: dict[str, Any] = json.loads(raw)
    return record


def live_documents(searcher: tantivy.Searcher) -> list[tuple[int, dict[str, Any]]]:
    """(key, record) of every live document, in key order."""
    total = searcher.num_docs
    if total == 0:
        return []
    hits = searcher.search(tantivy.Query.all_query(), limit=total, count=False).hits
    found = []
    for _score, address in hits:
        doc = searcher.doc(address)
        found.append((int(doc.get_first(KEY) or 0), stored_record(doc)))
    found.sort(key=lambda pair: pair[0])
    return found


def write_docvalues(searcher: tantivy.Searcher, directory: Path, next_key: int) -> None:
    """Read every stored record of the committed index once and save the facet arrays.

    ``next_key`` is saved too, so a key is never given to two documents, even
    across generations.
    """
    documents = live_documents(searcher)
    size = len(documents)
    date = np.zeros(size, dtype=np.int32)
    lang = np.zeros(size, dtype=np.int32)
    publication = np.full(size, -1, dtype=np.int32)
    tag_doc: list[int] = []
    tag_id: list[int] = []
    langs, pubs, tags = _Vocabulary(), _Vocabulary(), _Vocabulary()
    for docnum, (_key, record) in enumerate(documents):
        if record.get("date"):
            year, month, day = (int(part) for part in record["date"].split("-"))
            date[docnum] = date_key(year, month, day)
        lang[docnum] = langs.add(record["lang"])
        if record.get("publication"):
            publication[docnum] = pubs.add(record["publication"])
        seen: set[int] = set()
        for tag in record.get("tags") or ():
            tid = tags.add(tag)
            if tid not in seen:
                seen.add(tid)
                tag_doc.append(docnum)
                tag_id.append(tid)
    np.savez(
        directory / ARRAYS,
        keys=np.asarray([key for key, _ in documents], dtype=np.uint64),
        date=date,
        lang=lang,
        publication=publication,
        tag_doc=np.asarray(tag_doc, dtype=np.int32),
        tag_id=np.asarray(tag_id, dtype=np.int32),
    )
    names = {
        "langs": langs.keys(),
        "publications": pubs.keys(),
        "publication_labels": pubs.labels(),
        "tags": tags.keys(),
        "tag_labels": tags.labels(),
        "next_key": next_key,
    }
    (directory / NAMES).write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")


def load_docvalues(directory: Path) -> tuple[DocValues, KeyArray]:
    """The facet arrays and the sorted document keys (dense number i has ``keys[i]``)."""
    names = json.loads((directory / NAMES).read_text(encoding="utf-8"))
    with np.load(directory / ARRAYS) as arrays:
        keys: KeyArray = arrays["keys"]
        values = DocValues(
            live=np.ones(keys.shape[0], dtype=np.bool_),
            date=arrays["date"],
            lang=arrays["lang"],
            publication=arrays["publication"],
            tag_doc=arrays["tag_doc"],
            tag_id=arrays["tag_id"],
            langs=tuple(names["langs"]),
            publications=tuple(names["publications"]),
            publication_labels=tuple(names["publication_labels"]),
            tags=tuple(names["tags"]),
            tag_labels=tuple(names["tag_labels"]),
        )
    return values, keys


def next_key(directory: Path) -> int:
    """The first key not used by the generation being extended (0 for a new index)."""
    try:
        names = json.loads((directory / NAMES).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0
    return int(names["next_key"])
