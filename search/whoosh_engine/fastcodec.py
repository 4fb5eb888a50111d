"""Writing a segment's posting lists in bulk, to the bytes Whoosh's own codec writes.

When a segment is flushed, Whoosh's ``FieldWriter.add_postings`` makes several
method calls per posting (type assertions, a field-length column lookup, block
statistics) — most of a build's time once analysis is fast. ``FastW3Codec``
writes the same files: it gathers each term's postings into lists, reads each
field's lengths once per segment, and hands whole blocks to Whoosh's own
``W3PostingsWriter`` block and term-info code, so the encoding is Whoosh's.

Posting blocks differ in two ways (:class:`BlockWriter`), so that a query reads
them several times faster. Each is pickled with protocol 4 where Whoosh uses
protocol 2, which writes every ``bytes`` object as a call to ``_codecs.encode``:
reading a block of a field with positions (one ``bytes`` value per posting) made
a call per posting, and the block is half the size compressed. And a block's ids
(delta-coded) and weights are ``array`` objects rather than tuples: one object
each, which ``arrayscore`` reads as NumPy arrays without a Python object per
posting. Whoosh's reader reads either (it iterates and indexes them).

The segment it creates names the plain ``W3Codec``, so the table of contents
is what plain Whoosh saves and readers never need this module.
"""

from __future__ import annotations

import heapq
import itertools
import os
import pickle
import tempfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PostingsWriter,
    W3Segment,
)
from whoosh.util.numeric import length_to_byte

Posting = tuple[str, bytes, int, Any, bytes | None]
"""What the writer's pool yields, sorted: field name, term bytes, docnum, weight, value."""
BLOCK_PROTOCOL = 4
"""The pickle protocol of posting blocks (Whoosh's own writer uses 2)."""
Key = tuple[str, bytes]
Group = tuple[Key, list[Any]]
"""A term's postings: (field name, term bytes) and [docnum, weight, value, docnum, …]."""


class GroupedPool:
    """The writer's posting pool, grouped by term as postings arrive.

    Whoosh's ``PostingPool`` keeps one tuple per posting, sorts them all, and
    past ``limitmb`` pickles each one to a run file and back. A term's postings
    arrive in document order (documents are numbered as they are added, and
    merged segments after them), so grouping them by term as they come gives
    the same sorted sequence with only the terms to sort. Past ``limitmb`` the
    groups go to a run file, one pickle per term, and the runs are merged by term.
    """

    def __init__(self, directory: Path, limitmb: int) -> None:
        self.directory = directory
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.groups: dict[Key, list[Any]] = {}
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()

    def add(self, item: Posting) -> None:
        fieldname, text, docnum, weight, value = item
        key = (fieldname, text)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = [docnum, weight, value]
            self.fieldnames.add(fieldname)
            self.size += 200 + len(text)
        else:
            if docnum <= group[-3]:
                raise ValueError(f"postings of {key!r} out of document order")
            group += (docnum, weight, value)
        self.size += 80 + len(value or b"")
        if self.size > self.limit:
            self._save_run()

    def _save_run(self) -> None:
        fd, path = tempfile.mkstemp(suffix=".run", prefix="pool-", dir=self.directory)
        self.runs.append(path)
        with os.fdopen(fd, "wb") as run:
            # One pickle per group, each read back by its own unpickler: one unpickler
            # for the whole run would keep every object it read in its memo, so the
            # merge would end with the whole run in memory again (~1 GB at 24,500 articles).
            for key in sorted(self.groups):
                pickle.dump((key, self.groups[key]), run, pickle.HIGHEST_PROTOCOL)
        self.groups, self.size = {}, 0

    def iter_postings(self) -> GroupedPostings:
        return GroupedPostings(self)

    def sorted_groups(self) -> Iterator[Group]:
        """Every term's postings, by field name then term bytes."""
        groups = self.groups
        if not self.runs:
            yield from ((key, groups[key]) for key in sorted(groups))
            return
        memory = ((key, groups[key]) for key in sorted(groups))
        merged = heapq.merge(*map(_read_run, self.runs), memory, key=itemgetter(0))
        current: Group | None = None
        for key, postings in merged:  # runs are in document order, so equal keys concatenate
            if current is not None and current[0] == key:
                current[1].extend(postings)
                continue
            if current is not None:
                yield current
            current = (key, postings)
        if current is not None:
            yield current

    def cleanup(self) -> None:
        for path in self.runs:
            Path(path).unlink(missing_ok=True)
        self.runs = []


def _read_run(path: str) -> Iterator[Group]:
    with open(path, "rb") as run:
        # our own run file, written by this process into the private generation directory
        while True:
            try:
                yield pickle.load(run)  # noqa: S301
            except EOFError:
                return


class GroupedPostings:
    """What ``GroupedPool.iter_postings`` returns: iterable as plain sorted postings, and
    by term groups for ``FastFieldWriter``."""

    def __init__(self, pool: GroupedPool) -> None:
        self.pool = pool

    def groups(self) -> Iterator[Group]:
        return self.pool.sorted_groups()

    def __iter__(self) -> Iterator[Posting]:
        for (fieldname, text), postings in self.groups():
            for i in range(0, len(postings), 3):
                yield fieldname, text, postings[i], postings[i + 1], postings[i + 2]


class FastW3Codec(W3Codec):  # type: ignore[misc]  # Whoosh has no type hints
    """``W3Codec`` with a bulk ``add_postings``; see the module docstring."""

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return FastFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        return BlockWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def new_segment(self, storage: Any, indexname: str) -> W3Segment:
        plain = W3Codec(self._blocklimit, self._compression, self._inlinelimit)
        return W3Segment(plain, indexname)


class FastFieldWriter(W3FieldWriter):  # type: ignore[misc]
    def add_postings(self, schema: Any, lengths: Any, items: Iterable[Posting]) -> None:
        """``FieldWriter.add_postings`` one term at a time instead of one posting at a time."""
        groups = items.groups() if isinstance(items, GroupedPostings) else _grouped(items)
        fieldname: str | None = None
        length_of: Callable[[int], int | None] = _no_lengths
        for (name, text), postings in groups:
            if name != fieldname:
                if fieldname is not None:
                    self.finish_field()
                fieldname = name
                self.start_field(name, schema[name])
                length_of = _field_lengths(lengths, name)
            ids = postings[0::3]
            doclengths = [length_of(docnum) for docnum in ids]
            self._write_term(text, ids, postings[1::3], postings[2::3], doclengths)
        if fieldname is not None:
            self.finish_field()

    def _write_term(
        self,
        btext: bytes,
        ids: list[int],
        weights: list[Any],
        values: list[bytes],
        doclengths: list[int | None],
    ) -> None:
        """What ``start_term``, ``add`` per posting and ``finish_term`` write for one term."""
        self.start_term(btext)
        writer = self._postwriter
        limit = writer._blocklimit
        for start in range(0, len(ids), limit):
            end = start + limit
            _fill_block(writer, ids[start:end], weights[start:end], values[start:end],
                        doclengths[start:end])  # fmt: skip
            if end < len(ids):
                writer._write_block()  # add_posting writes a full block before the next one
        self.finish_term()


class BlockWriter(W3PostingsWriter):  # type: ignore[misc]
    """``W3PostingsWriter`` writing the same block layout, its data pickled with
    :data:`BLOCK_PROTOCOL`: the header tag before a term's first block, then per block
    its length (negative for the last), its statistics (pickled as Whoosh does) and its
    compressed (ids, weights, values); ids and weights as arrays (``array``: unsigned
    ints, the weights' own 32-bit floats)."""

    def _mini_ids(self) -> Any:
        if self._byteids:  # a term vector's ids are words
            return super()._mini_ids()
        ids = self._ids
        return array("I", [ids[0], *(b - a for a, b in itertools.pairwise(ids))])

    def _mini_weights(self) -> Any:
        weights = self._weights
        first = weights[0]
        if all(w == first for w in weights):
            return None if first == 1.0 else first
        return array("f", weights)

    def _write_block(self, last: bool = False) -> None:
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, BLOCK_PROTOCOL)
        if self._compression:  # Whoosh compresses every block when asked, however small
            databytes = zlib.compress(databytes, self._compression)
        ids = self._ids
        stats = (len(ids), ids[-1], self._maxweight, self._compression,
                 length_to_byte(self._minlength), length_to_byte(self._maxlength))  # fmt: skip
        infobytes = pickle.dumps(stats, 2)
        length = len(infobytes) + len(databytes)
        postfile.write_int(-length if last else length)
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


def _fill_block(
    writer: Any, ids: list[int], weights: list[Any], values: list[bytes], lengths: list[int | None]
) -> None:
    """Set ``W3PostingsWriter``'s block buffer as its ``add_posting`` would have."""
    writer._new_block()
    writer._ids = array("I", ids)
    writer._weights = array("f", weights)
    writer._values = [v for v in values if v]
    maxweight: Any = 0
    for weight in weights:
        if weight > maxweight:
            maxweight = weight
    writer._maxweight = maxweight
    minlength: int | None = None
    maxlength = 0
    for length in lengths:
        if length:
            if minlength is None or length < minlength:
                minlength = length
            if length > maxlength:
                maxlength = length
    writer._minlength = minlength
    writer._maxlength = maxlength


def _grouped(items: Iterable[Posting]) -> Iterator[Group]:
    """Sorted postings as term groups (Whoosh skips docnum -1, its spelling-word marker)."""
    key: Key | None = None
    postings: list[Any] = []
    for fieldname, text, docnum, weight, value in items:
        if docnum == -1:
            continue
        if key is None or text != key[1] or fieldname != key[0]:
            if key is not None:
                yield key, postings
            key, postings = (fieldname, text), []
        postings += (docnum, weight, value)
    if key is not None:
        yield key, postings


def _no_lengths(docnum: int) -> int | None:
    return 0


def _field_lengths(lengths: Any, fieldname: str) -> Callable[[int], int | None]:
    """``lengths.doc_field_length(docnum, fieldname)``, read once per field and segment."""
    if not lengths:
        return _no_lengths
    table = [lengths.doc_field_length(d, fieldname) for d in range(lengths.doc_count_all())]
    return table.__getitem__


__all__ = ["BLOCK_PROTOCOL", "BlockWriter", "FastW3Codec"]
