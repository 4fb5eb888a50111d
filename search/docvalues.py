"""The per-document arrays that ``search.facets`` works on: ``DocValues``, the tables
derived from them once per generation, and building, saving and loading them.

Engine-neutral: an engine hands each live document's stored record to a
``DocValuesBuilder`` under the dense number it will find the document by, once
per committed generation, and saves the result beside its index files. Facet
values are keyed case-folded (``State`` and ``state`` are one value) and
labelled with their most common spelling across the archive.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from search.facetkeys import facet_key as facet_key  # re-exported: facets count by it
from search.languages import display_name
from search.store import write_atomic
from search.types import FacetName

IntArray = npt.NDArray[np.int32]
IndexArray = npt.NDArray[np.intp]
CountArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ARRAYS = "docvalues.npz"
NAMES = "docvalues.json"
WRITER_FILE = "docvalues-writer.json"
WRITER_NAMES = ("group_keys",)
"""Names a server never reads: each article's translation key and group (3 MB of JSON at
100,000 generated articles, 70 ms of opening a generation), kept apart from ``NAMES``."""
_FIELDS = ("live", "date", "lang", "publication", "tag_doc", "tag_id")
_AUTHOR_FIELDS = ("author_doc", "author_id")
"""Saved since the author facet; a generation saved before it has no authors."""
_GROUP_FIELDS = ("group",)
"""Saved since translation grouping; before it every document is its own group."""


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
class _ByDoc:
    """(document, value) pairs grouped by document: the values of document ``d`` are
    ``values[starts[d]:starts[d + 1]]``. Counting the values of a few documents reads
    their own pairs only, not a mask entry for every pair of the archive."""

    starts: IndexArray
    values: IntArray

    @classmethod
    def build(cls, docs: IntArray, values: IntArray, size: int) -> _ByDoc:
        order = np.argsort(docs, kind="stable")
        starts = np.searchsorted(docs[order], np.arange(size + 1)).astype(np.intp)
        return cls(starts, values[order])

    def of(self, docnums: IndexArray) -> IntArray:
        """The values of ``docnums``, every pair of each."""
        starts = self.starts[docnums]
        lengths = self.starts[docnums + 1] - starts
        total = int(lengths.sum())
        if not total:
            return self.values[:0]
        # each pair's position: its document's start plus its place among that document's
        ends = np.cumsum(lengths)
        place = np.arange(total, dtype=np.intp) - np.repeat(ends - lengths - starts, lengths)
        found: IntArray = self.values[place]
        return found


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
    def tags_by_doc(self) -> _ByDoc:
        return _ByDoc.build(self.tag_doc, self.tag_id, self.size)

    @cached_property
    def authors_by_doc(self) -> _ByDoc:
        return _ByDoc.build(self.author_doc, self.author_id, self.size)

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
    common original spelling among the live documents as the label.

    Every occurrence of a value is kept as (document, spelling id), so the labels can be
    counted again after documents die or are added (``DocValuesBuilder.extend``) without
    the records of the documents already in the arrays."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.spelling_ids: dict[str, int] = {}
        self.spellings: list[str] = []
        self.spelling_key: list[int] = []
        """The key id of each spelling."""

    @classmethod
    def restore(
        cls, keys: tuple[str, ...], spellings: list[str], spelling_key: list[int]
    ) -> _Labels:
        labels = cls()
        labels.ids = {key: i for i, key in enumerate(keys)}
        labels.spellings, labels.spelling_key = list(spellings), list(spelling_key)
        labels.spelling_ids = {value: i for i, value in enumerate(spellings)}
        return labels

    def add(self, value: str) -> tuple[int, int]:
        """The key id and spelling id of ``value``."""
        sid = self.spelling_ids.get(value)
        if sid is not None:
            return self.spelling_key[sid], sid
        kid = self.ids.setdefault(facet_key(value), len(self.ids))
        sid = self.spelling_ids[value] = len(self.spellings)
        self.spellings.append(value)
        self.spelling_key.append(kid)
        return kid, sid

    def keys(self) -> tuple[str, ...]:
        return tuple(self.ids)

    def labels(self, live_spellings: IntArray) -> tuple[str, ...]:
        """Each key's most common spelling among ``live_spellings`` (one spelling id per live
        occurrence); between equally common ones, the one that sorts first, so that a label
        never depends on the order the documents were added in (an index kept current by
        updates labels as a rebuild does)."""
        if not self.spellings:
            return ()
        counts = np.bincount(live_spellings, minlength=len(self.spellings))
        key = np.asarray(self.spelling_key, dtype=np.int64)
        rank = np.empty(len(key), dtype=np.int64)
        rank[sorted(range(len(key)), key=self.spellings.__getitem__)] = np.arange(len(key))
        order = np.lexsort((rank, -counts, key))
        first = order[np.concatenate(([True], key[order][1:] != key[order][:-1]))]
        return tuple(self.spellings[i] for i in first.tolist())

    def state(self, name: str) -> tuple[dict[str, IntArray], dict[str, list[Any]]]:
        """What ``restore`` needs, as extra arrays and names to save."""
        arrays = {f"{name}_spelling_key": np.asarray(self.spelling_key, dtype=np.int32)}
        return arrays, {f"{name}_spellings": self.spellings}


class _Occurrences:
    """(document, spelling id) of every value of one facet, as arrays kept from a previous
    generation (its first rows) plus lists of the rows added since."""

    def __init__(self, docs: IntArray | None = None, spells: IntArray | None = None) -> None:
        none = np.zeros(0, dtype=np.int32)
        self.base_docs = docs if docs is not None else none
        self.base_spells = spells if spells is not None else none
        self.docs: list[int] = []
        self.spells: list[int] = []

    def arrays(self) -> tuple[IntArray, IntArray]:
        docs = np.concatenate((self.base_docs, np.asarray(self.docs, dtype=np.int32)))
        spells = np.concatenate((self.base_spells, np.asarray(self.spells, dtype=np.int32)))
        return docs.astype(np.int32), spells.astype(np.int32)


_SPELLED = ("tag", "author", "publication")
Saved = tuple[DocValues, dict[str, npt.NDArray[Any]], dict[str, Any]]
"""What ``load_docvalues`` reads: the arrays, and the extra arrays and names saved with them."""


class DocValuesBuilder:
    """Collects the facet values of ``size`` document slots; slots never added stay dead.

    Values are gathered in lists and put into arrays once in ``build``: a NumPy
    element assignment per field and document cost half of a commit's time.
    ``extend`` starts from the saved arrays of a previous generation instead, keeping
    its first rows, so an update adds the values of its new documents only.
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
        self.langs, self.pubs, self.tags, self.authors = _Labels(), _Labels(), _Labels(), _Labels()
        self.spelled = {name: _Occurrences() for name in _SPELLED}
        self.groups: list[int] = []
        self.group_ids: dict[str, int] = {}
        """Translation key → group: provisional in a new builder, final in an extended one."""
        self.next_group = 0
        """The next group id of an extended builder."""
        self.base: DocValues | None = None
        self.keep = 0
        self.dead: list[int] = []

    @classmethod
    def extend(cls, saved: Saved, keep: int, size: int) -> DocValuesBuilder | None:
        """A builder holding the first ``keep`` rows of ``saved`` (``load_docvalues``), for
        ``size`` slots; None when they were saved without what this needs (rebuild instead)."""
        dv, arrays, names = saved
        if any(f"{name}_spellings" not in names for name in _SPELLED) or keep > dv.size:
            return None
        if "group_keys" not in names or dv.group.shape[0] != dv.size:
            return None
        builder = cls(size)
        builder.base, builder.keep = dv, keep
        builder.group_ids = dict(names["group_keys"])
        builder.next_group = int(dv.group.max()) + 1 if dv.size else 0
        builder.langs = _Labels.restore(dv.langs, list(dv.langs), list(range(len(dv.langs))))
        for name, keys in (
            ("tag", dv.tags),
            ("author", dv.authors),
            ("publication", dv.publications),
        ):
            labels = _Labels.restore(
                keys, names[f"{name}_spellings"], arrays[f"{name}_spelling_key"].tolist()
            )
            setattr(
                builder, {"tag": "tags", "author": "authors", "publication": "pubs"}[name], labels
            )
            docs, spells = arrays[f"{name}_spell_doc"], arrays[f"{name}_spell"]
            kept = docs < keep
            builder.spelled[name] = _Occurrences(docs[kept], spells[kept])
        return builder

    def kill(self, docnums: list[int]) -> None:
        """Mark kept rows dead (documents deleted since the saved generation)."""
        self.dead.extend(docnums)

    def add(self, docnum: int, record: Mapping[str, Any]) -> None:
        """``record`` as the engines store it: ISO ``date`` or None, ``lang``, ``publication``,
        ``tags``."""
        self.docs.append(docnum)
        date = record.get("date")
        # "yyyy-mm-dd" → yyyymmdd (dates are stored as ISO strings with four-digit years)
        self.dates.append(int(str(date).replace("-", "")) if date else 0)
        self.lang_ids.append(self.langs.add(record["lang"])[0])
        publication = record.get("publication")
        if publication:
            kid, sid = self.pubs.add(publication)
            self.spelled["publication"].docs.append(docnum)
            self.spelled["publication"].spells.append(sid)
        self.pub_ids.append(kid if publication else -1)
        self._pairs(docnum, record.get("tags"), "tag", self.tag_doc, self.tag_id)
        self._pairs(docnum, record.get("authors"), "author", self.author_doc, self.author_id)
        key = record.get("translation_key")
        if self.base is not None:  # final ids: a key's group as saved, else a new one
            group = self.group_ids.get(key) if key else None
            if group is None:
                group, self.next_group = self.next_group, self.next_group + 1
                if key:
                    self.group_ids[key] = group
            self.groups.append(group)
            return
        # an article without a key is a group of its own
        fresh = len(self.group_ids) + len(self.groups)
        self.groups.append(self.group_ids.setdefault(key, fresh) if key else fresh)

    def _pairs(self, docnum: int, values: Any, name: str, docs: list[int], ids: list[int]) -> None:
        """One (document, value) pair per distinct value (by key) of a many-valued facet."""
        labels = self.tags if name == "tag" else self.authors
        spelled = self.spelled[name]
        seen: set[int] = set()
        for value in values or ():
            vid, sid = labels.add(value)
            spelled.docs.append(docnum)
            spelled.spells.append(sid)
            if vid not in seen:
                seen.add(vid)
                docs.append(docnum)
                ids.append(vid)

    def build(self) -> DocValues:
        docs = np.asarray(self.docs, dtype=np.intp)
        live = np.zeros(self.size, dtype=np.bool_)
        date = np.zeros(self.size, dtype=np.int32)
        lang = np.zeros(self.size, dtype=np.int32)
        publication = np.full(self.size, -1, dtype=np.int32)
        base, keep = self.base, self.keep
        if base is not None:
            live[:keep], date[:keep] = base.live[:keep], base.date[:keep]
            lang[:keep], publication[:keep] = base.lang[:keep], base.publication[:keep]
            live[np.asarray(self.dead, dtype=np.intp)] = False
        live[docs] = True
        date[docs] = self.dates
        lang[docs] = self.lang_ids
        publication[docs] = self.pub_ids
        group = self._group(docs)
        tag_doc, tag_id = self._kept("tag_doc", "tag_id", self.tag_doc, self.tag_id)
        author_doc, author_id = self._kept(
            "author_doc", "author_id", self.author_doc, self.author_id
        )
        labels = {}
        for name in _SPELLED:
            occ_docs, occ_spells = self.spelled[name].arrays()
            labels[name] = self._labels(name).labels(occ_spells[live[occ_docs]])
        return DocValues(
            live=live,
            date=date,
            lang=lang,
            publication=publication,
            tag_doc=tag_doc,
            tag_id=tag_id,
            langs=self.langs.keys(),
            publications=self.pubs.keys(),
            publication_labels=labels["publication"],
            tags=self.tags.keys(),
            tag_labels=labels["tag"],
            author_doc=author_doc,
            author_id=author_id,
            authors=self.authors.keys(),
            author_labels=labels["author"],
            group=group,
        )

    def _group(self, docs: IndexArray) -> IntArray:
        """Each slot's translation group; in a new builder, dense ids (a dead slot keeps its
        own number, above every live group's), and ``group_ids`` made final."""
        group = np.arange(self.size, dtype=np.int32)
        if self.base is not None:
            group[: self.keep] = self.base.group[: self.keep]
            group[docs] = self.groups
            return group
        if self.docs:
            provisional = np.asarray(self.groups, dtype=np.int64)
            unique, dense = np.unique(provisional, return_inverse=True)
            group += len(self.docs)
            group[docs] = dense
            final = np.searchsorted(
                unique, np.asarray(list(self.group_ids.values()), dtype=np.int64)
            )
            self.group_ids = dict(zip(self.group_ids, final.tolist(), strict=True))
        return group

    def _labels(self, name: str) -> _Labels:
        return {"tag": self.tags, "author": self.authors, "publication": self.pubs}[name]

    def _kept(
        self, doc_field: str, id_field: str, docs: list[int], ids: list[int]
    ) -> tuple[IntArray, IntArray]:
        """A many-valued facet's pairs: the kept rows' ones, then the added ones."""
        new_docs, new_ids = np.asarray(docs, dtype=np.int32), np.asarray(ids, dtype=np.int32)
        if self.base is None:
            return new_docs, new_ids
        old_docs, old_ids = getattr(self.base, doc_field), getattr(self.base, id_field)
        kept = old_docs < self.keep
        return (
            np.concatenate((old_docs[kept], new_docs)).astype(np.int32),
            np.concatenate((old_ids[kept], new_ids)).astype(np.int32),
        )

    def save(
        self,
        directory: Path,
        *,
        arrays: Mapping[str, npt.NDArray[Any]] | None = None,
        names: Mapping[str, Any] | None = None,
    ) -> DocValues:
        """Build, and save the arrays with what ``extend`` needs to carry them on."""
        dv = self.build()
        extra_arrays: dict[str, npt.NDArray[Any]] = dict(arrays or {})
        extra_names: dict[str, Any] = dict(names or {})
        extra_names["group_keys"] = self.group_ids
        for name in _SPELLED:
            state_arrays, state_names = self._labels(name).state(name)
            occ_docs, occ_spells = self.spelled[name].arrays()
            extra_arrays |= state_arrays
            extra_arrays[f"{name}_spell_doc"], extra_arrays[f"{name}_spell"] = occ_docs, occ_spells
            extra_names |= state_names
        save_docvalues(dv, directory, arrays=extra_arrays, names=extra_names)
        return dv


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
    """Write ``dv`` (and an engine's own extra ``arrays`` and ``names``) into ``directory``;
    the names only a writer reads (``WRITER_NAMES``) go into a file of their own."""
    packed, labels = pack_docvalues(dv, arrays, names)
    # into a generation being written: publishing flushes it (an fsync each took 9 ms at load)
    write_atomic(directory / ARRAYS, packed, flush=False)
    # orjson: the names of a large archive are megabytes, written on every update (a watcher's);
    # the json module took 0.13 s of a 0.42 s update at 24,543 articles
    writer_names = {name: labels.pop(name) for name in WRITER_NAMES if name in labels}
    write_atomic(directory / NAMES, orjson.dumps(labels), flush=False)
    write_atomic(directory / WRITER_FILE, orjson.dumps(writer_names), flush=False)
    _WRITER_NAMES.remember(directory / WRITER_FILE, writer_names)


def load_docvalues(
    directory: Path, *, for_writer: bool = False
) -> tuple[DocValues, dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """The arrays saved by ``save_docvalues``, with the extra arrays and names; ``for_writer``:
    with the names only a writer carrying the arrays on reads (``DocValuesBuilder.extend``)."""
    names: dict[str, Any] = orjson.loads((directory / NAMES).read_bytes())
    if for_writer and (directory / WRITER_FILE).is_file():
        names |= _WRITER_NAMES.read(directory / WRITER_FILE)
    return unpack_docvalues(directory / ARRAYS, names)


class _LastFile:
    """The names of the last writer file saved or read by this process, known by the file's
    identity: the next update's copy of the generation holds a hard link to that very file,
    so a watcher parses it once (0.14 s at 100,000 articles), not on every update."""

    def __init__(self) -> None:
        self._key: tuple[int, int, int, int] | None = None
        self._names: dict[str, Any] = {}

    @staticmethod
    def _identity(path: Path) -> tuple[int, int, int, int]:
        st = path.stat()
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def remember(self, path: Path, names: dict[str, Any]) -> None:
        self._key, self._names = self._identity(path), names

    def read(self, path: Path) -> dict[str, Any]:
        key = self._identity(path)
        if key != self._key:
            self.remember(path, orjson.loads(path.read_bytes()))
        return dict(self._names)  # callers copy what they change (``DocValuesBuilder.extend``)


_WRITER_NAMES = _LastFile()
