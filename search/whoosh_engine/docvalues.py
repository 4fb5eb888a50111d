"""Saving and loading the per-document facet values of a Whoosh generation.

Whoosh counts facets by walking every hit in Python and rebuilding date ranges
on every search (WHOOSH-NOTES.md: ~283 ms for a date facet). Instead, when a
generation is committed we read each document's facet values once and save
them as arrays indexed by Whoosh document number (see ``search.facets``).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.index import Index

from search.facets import DocValues

ARRAYS = "docvalues.npz"
NAMES = "docvalues.json"


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


def write_docvalues(ix: Index, directory: Path) -> None:
    """Read every stored record of the committed index once and save the facet arrays."""
    with ix.reader() as reader:
        size = reader.doc_count_all()
        live = np.zeros(size, dtype=np.bool_)
        date = np.zeros(size, dtype=np.int32)
        lang = np.zeros(size, dtype=np.int32)
        publication = np.full(size, -1, dtype=np.int32)
        tag_doc: list[int] = []
        tag_id: list[int] = []
        langs, pubs, tags = _Vocabulary(), _Vocabulary(), _Vocabulary()
        for docnum, fields in reader.iter_docs():
            record: dict[str, Any] = fields["record"]
            live[docnum] = True
            date[docnum] = fields.get("date") or 0
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
        live=live,
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
    }
    (directory / NAMES).write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")


def load_docvalues(directory: Path) -> DocValues:
    names = json.loads((directory / NAMES).read_text(encoding="utf-8"))
    with np.load(directory / ARRAYS) as arrays:
        return DocValues(
            live=arrays["live"],
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
