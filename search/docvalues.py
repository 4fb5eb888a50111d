"""The per-document arrays that ``search.facets`` works on: ``DocValues``, the tables
derived from them once per generation, and building, saving and loading them.

Engine-neutral: an engine hands each live document's stored record to a
``DocValuesBuilder`` under the dense number it will find the document by, once
per committed generation, and saves the result beside its index files. Facet
values are keyed case-folded (``State`` and ``state`` are one value) and
labelled with their most common spelling across the archive.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from search.languages import display_name
from search.store import write_atomic
from search.types import FacetName

IntArray = npt.NDArray[np.int32]
IndexArray = npt.NDArray[np.intp]
CountArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_SEPARATORS = re.compile(r"[\s_-]+")

ARRAYS = "docvalues.npz"
NAMES = "docvalues.json"
_FIELDS = ("live", "date", "lang", "publication", "tag_doc", "tag_id")
_AUTHOR_FIELDS = ("author_doc", "author_id")
"""Saved since the author facet; a generation saved before it has no authors."""
_GROUP_FIELDS = ("group",)
"""Saved since translation grouping; before it every document is its own group."""


def facet_key(value: str) -> str:
    """The key a keyed facet value is counted under: entities decoded, case folded, and
    hyphens, underscores and spaces alike, so ``Strategy and Policy``,
    ``strategy-and-policy`` and ``Strategy &amp; Policy``'s plain twin are one value."""
    text = html.unescape(value) if "&" in value else value
    return " ".join(_SEPARATORS.split(text.casefold())).strip()


@dataclass(frozen=True, eq=False)
class _Keyed:
    """One keyed facet's values, with what every search would otherwise recompute."""

    keys: tuple[str, ...]
    labels: tuple[str, ...]
    folded: tuple[str, ...]
    """``facet_key(key)``: requests name values in any case and slug or word form."""
    rank: IndexArray
    """Each key's place in the order of case-folded labels (key order among equal ones)."""
    index: dict[str, int]
    by_folded: dict[str, tuple[int, ...]]

    @classmethod
    def build(cls, keys: tuple[str, ...], labels: tuple[str, ...]) -> _Keyed:
        order = sorted(range(len(keys)), key=lambda i: labels[i].casefold())
        rank = np.empty(len(keys), dtype=np.intp)
        rank[order] = np.arange(len(keys), dtype=np.intp)
        folded = tuple(facet_key(key) for key in keys)
        by_folded: dict[str, tuple[int, ...]] = {}
        for i, key in enumerate(folded):
            by_folded[key] = (*by_folded.get(key, ()), i)
        index = {key: i for i, key in enumerate(keys)}
        return cls(keys, labels, folded, rank, index, by_folded)

    def ids_of(self, folded: set[str]) -> set[int]:
        """The ids whose case-folded key is one of ``folded``."""
        return {i for value in folded for i in self.by_folded.get(value, ())}


@dataclass(frozen=True, eq=False)
class _Dates:
    """The distinct years and months, and each document's slot among them."""

    years: tuple[int, ...]
    year_slot: IndexArray
    """Index into ``years``; ``len(years)`` when undated, one more for a negative date."""
    months: tuple[int, ...]
    """``yyyymm``, ascending."""
    month_slot: IndexArray
    """Index into ``months``; ``len(months)`` when undated."""

    @classmethod
    def build(cls, date: IntArray) -> _Dates:
        dated = date > 0
        years = np.unique(date[dated] // 10000)
        year_slot = np.where(date == 0, len(years), len(years) + 1).astype(np.intp)
        year_slot[dated] = np.searchsorted(years, date[dated] // 10000)
        months = np.unique(date[dated] // 100)
        month_slot = np.full(date.shape[0], len(months), dtype=np.intp)
        month_slot[dated] = np.searchsorted(months, date[dated] // 100)
        return cls(tuple(years.tolist()), year_slot, tuple(months.tolist()), month_slot)


@dataclass(frozen=True)
class DocValues:
    live: BoolArray
    """False for deleted document numbers."""
    date: IntArray
    """``yyyymmdd``; 0 when undated."""
    lang: IntArray
    publication: IntArray
    """Index into ``publications``; -1 when none."""
    tag_doc: IntArray
    tag_id: IntArray
    """One (document, tag) pair per distinct tag of each document."""
    langs: tuple[str, ...]
    publications: tuple[str, ...]
    publication_labels: tuple[str, ...]
    tags: tuple[str, ...]
    tag_labels: tuple[str, ...]
    author_doc: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    author_id: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    """One (document, author) pair per distinct author of each document."""
    authors: tuple[str, ...] = ()
    author_labels: tuple[str, ...] = ()
    group: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    """Each document's translation group (documents sharing a translation key share it);
    empty in a generation saved before groups, where every document is its own group."""

    @property
    def size(self) -> int:
        return int(self.live.shape[0])

    # Derived once per loaded generation, on first use, so engines construct DocValues
    # from their arrays alone and every search after the first reuses the tables.
    @cached_property
    def keyed(self) -> dict[FacetName, _Keyed]:
        return {
            "tag": _Keyed.build(self.tags, self.tag_labels),
            "publication": _Keyed.build(self.publications, self.publication_labels),
            "author": _Keyed.build(self.authors, self.author_labels),
            "lang": _Keyed.build(self.langs, tuple(display_name(k) for k in self.langs)),
        }

    @cached_property
    def groups(self) -> IntArray:
        """The translation group of each document slot (never empty, unlike ``group``)."""
        if self.group.shape[0] == self.size:
            return self.group
        return np.arange(self.size, dtype=np.int32)

    @cached_property
    def translated(self) -> int:
        """How many translation groups have more than one live member."""
        sizes = np.bincount(self.groups[self.live])
        return int(np.count_nonzero(sizes > 1))

    @cached_property
    def dates(self) -> _Dates:
        return _Dates.build(self.date)

    @cached_property
    def days(self) -> IntArray:
        """Days since 1970-01-01 of each dated document (0 for undated ones too)."""
        dated = self.date > 0
        date = np.where(dated, self.date, 19700101)
        months = (date // 10000 - 1970) * 12 + (date // 100 % 100 - 1)
        first = months.astype("datetime64[M]").astype("datetime64[D]")
        days = (first - np.datetime64("1970-01-01", "D")).astype(np.int64) + date % 100 - 1
        result: IntArray = days.astype(np.int32)
        return result


class _Labels:
    """Keys (``facet_key``: case, slug or word form and entities folded) with the most
    common original spelling as the label."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def add(self, value: str) -> int:
        key = facet_key(value)
        self.spellings[key][value] += 1
        return self.ids.setdefault(key, len(self.ids))

    def keys(self) -> tuple[str, ...]:
        return tuple(self.ids)

    def labels(self) -> tuple[str, ...]:
        # most_common keeps first-seen order among ties, so the label is deterministic
        return tuple(self.spellings[key].most_common(1)[0][0] for key in self.ids)


class DocValuesBuilder:
    """Collects the facet values of ``size`` document slots; slots never added stay dead.

    Values are gathered in lists and put into arrays once in ``build``: a NumPy
    element assignment per field and document cost half of a commit's time.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.docs: list[int] = []
        self.dates: list[int] = []
        self.lang_ids: list[int] = []
        self.pub_ids: list[int] = []
        self.tag_doc: list[int] = []
        self.tag_id: list[int] = []
        self.author_doc: list[int] = []
        self.author_id: list[int] = []
        self.groups: list[int] = []
        self.group_ids: dict[str, int] = {}
        self.langs, self.pubs, self.tags, self.authors = _Labels(), _Labels(), _Labels(), _Labels()

    def add(self, docnum: int, record: Mapping[str, Any]) -> None:
        """``record`` as the engines store it: ISO ``date`` or None, ``lang``, ``publication``,
        ``tags``."""
        self.docs.append(docnum)
        date = record.get("date")
        # "yyyy-mm-dd" → yyyymmdd (dates are stored as ISO strings with four-digit years)
        self.dates.append(int(str(date).replace("-", "")) if date else 0)
        self.lang_ids.append(self.langs.add(record["lang"]))
        publication = record.get("publication")
        self.pub_ids.append(self.pubs.add(publication) if publication else -1)
        _pairs(docnum, record.get("tags"), self.tags, self.tag_doc, self.tag_id)
        _pairs(docnum, record.get("authors"), self.authors, self.author_doc, self.author_id)
        key = record.get("translation_key")
        # an article without a key is a group of its own
        fresh = len(self.group_ids) + len(self.groups)
        self.groups.append(self.group_ids.setdefault(key, fresh) if key else fresh)

    def build(self) -> DocValues:
        docs = np.asarray(self.docs, dtype=np.intp)
        live = np.zeros(self.size, dtype=np.bool_)
        live[docs] = True
        date = np.zeros(self.size, dtype=np.int32)
        date[docs] = self.dates
        lang = np.zeros(self.size, dtype=np.int32)
        lang[docs] = self.lang_ids
        publication = np.full(self.size, -1, dtype=np.int32)
        publication[docs] = self.pub_ids
        group = np.arange(self.size, dtype=np.int32)
        if self.docs:
            # dense ids: a dead slot keeps its own number, above every live group's
            _, dense = np.unique(np.asarray(self.groups, dtype=np.int64), return_inverse=True)
            group += len(self.docs)
            group[docs] = dense
        return DocValues(
            live=live,
            date=date,
            lang=lang,
            publication=publication,
            tag_doc=np.asarray(self.tag_doc, dtype=np.int32),
            tag_id=np.asarray(self.tag_id, dtype=np.int32),
            langs=self.langs.keys(),
            publications=self.pubs.keys(),
            publication_labels=self.pubs.labels(),
            tags=self.tags.keys(),
            tag_labels=self.tags.labels(),
            author_doc=np.asarray(self.author_doc, dtype=np.int32),
            author_id=np.asarray(self.author_id, dtype=np.int32),
            authors=self.authors.keys(),
            author_labels=self.authors.labels(),
            group=group,
        )


def _pairs(docnum: int, values: Any, labels: _Labels, docs: list[int], ids: list[int]) -> None:
    """One (document, value) pair per distinct value (by key) of a many-valued facet."""
    seen: set[int] = set()
    for value in values or ():
        vid = labels.add(value)
        if vid not in seen:
            seen.add(vid)
            docs.append(docnum)
            ids.append(vid)


def pack_docvalues(
    dv: DocValues,
    arrays: Mapping[str, npt.NDArray[Any]] | None = None,
    names: Mapping[str, Any] | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """``dv`` (and an engine's own extra ``arrays`` and ``names``) as NumPy ``.npz`` bytes and
    JSON-ready names: what ``save_docvalues`` writes, for engines storing them elsewhere."""
    saved = (*_FIELDS, *_AUTHOR_FIELDS, *_GROUP_FIELDS)
    data = {f: getattr(dv, f) for f in saved} | dict(arrays or {})
    buffer = io.BytesIO()
    savez: Any = np.savez  # its stubs type **arrays as its keyword options
    savez(buffer, **data)
    labels = {
        "langs": dv.langs,
        "publications": dv.publications,
        "publication_labels": dv.publication_labels,
        "tags": dv.tags,
        "tag_labels": dv.tag_labels,
        "authors": dv.authors,
        "author_labels": dv.author_labels,
    }
    return buffer.getvalue(), {**labels, **(names or {})}


def unpack_docvalues(
    packed: bytes | Path, names: Mapping[str, Any]
) -> tuple[DocValues, dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """What ``pack_docvalues`` made (the bytes or a file of them), with the extra arrays and
    names."""
    names = dict(names)
    source = packed if isinstance(packed, Path) else io.BytesIO(packed)
    with np.load(source) as saved:
        arrays = {key: saved[key] for key in saved.files}
    none = np.zeros(0, dtype=np.int32)
    dv = DocValues(
        **{f: arrays.pop(f) for f in _FIELDS},
        **{f: arrays.pop(f, none) for f in (*_AUTHOR_FIELDS, *_GROUP_FIELDS)},
        authors=tuple(names.pop("authors", ())),
        author_labels=tuple(names.pop("author_labels", ())),
        langs=tuple(names.pop("langs")),
        publications=tuple(names.pop("publications")),
        publication_labels=tuple(names.pop("publication_labels")),
        tags=tuple(names.pop("tags")),
        tag_labels=tuple(names.pop("tag_labels")),
    )
    return dv, arrays, names


def save_docvalues(
    dv: DocValues,
    directory: Path,
    *,
    arrays: Mapping[str, npt.NDArray[Any]] | None = None,
    names: Mapping[str, Any] | None = None,
) -> None:
    """Write ``dv`` (and an engine's own extra ``arrays`` and ``names``) into ``directory``."""
    packed, labels = pack_docvalues(dv, arrays, names)
    write_atomic(directory / ARRAYS, packed)
    write_atomic(directory / NAMES, json.dumps(labels, ensure_ascii=False))


def load_docvalues(
    directory: Path,
) -> tuple[DocValues, dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """The arrays saved by ``save_docvalues``, with the extra arrays and names."""
    names: dict[str, Any] = json.loads((directory / NAMES).read_text(encoding="utf-8"))
    return unpack_docvalues(directory / ARRAYS, names)
