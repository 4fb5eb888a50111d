"""Matching and scoring a Whoosh query with NumPy, a whole posting list at a time.

Whoosh matches and scores one document at a time in Python (a tree of matcher
objects, several method calls per posting), and the engine ran each query twice:
every match unscored (the mask that facets count), then every match scored for
the page. Here each term's postings are read once, block by block as Whoosh's
own reader reads them (decompressed, unpickled), into arrays of document numbers
and weights, scored with the searcher's BM25 (``searchers.BM25``: Whoosh's
formula, its byte-coded field lengths, the searcher's IDF and average lengths),
and the query tree becomes a match mask and a score per document: ``Or`` adds,
``And`` intersects and adds, ``AndMaybe`` adds where both match, ``AndNot`` and
``Not`` mask, boosts multiply, and a compound of one query is that query (Whoosh
drops its boost too). Scores equal Whoosh's up to the order of additions.

A plain query's phrase clause (``querycompile._phrase_bonus``: an ``AndMaybe``
whose optional part is phrases) only adds to the score of matches holding the
phrase. Its positions are not checked for every match but kept aside
(:class:`Bonus`): a match can gain at most its phrase words' scores there, known
from the arrays, so :func:`top` checks only the matches whose bound could reach
the page, best bound first, as block-max pruning does (Lucene's WAND).

A query part of any other kind (a date range) is matched and scored by Whoosh's
own matcher, one document at a time.
"""

from __future__ import annotations

import functools
import io
import itertools
import pickle
import struct
import weakref
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import formats
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, _lenfield
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

from search import deadline
from search.docvalues import BoolArray
from search.selection import FloatArray, Ranked

IntArray = npt.NDArray[np.int64]

_LENGTHS = np.array([byte_to_length(code) for code in range(256)], dtype=np.float64)
"""Whoosh's field length of each length byte (its lengths column stores one byte a document)."""
_CHECK_EVERY = 1024
"""Documents matched one by one, or phrases checked, between two looks at the time cap."""
_BATCH_MAX = 256
"""The most phrase bonuses checked at once: the last batch may check some needlessly."""


@dataclass
class Postings:
    """One term's postings in one field, over the whole index (document numbers global)."""

    ids: IntArray
    weights: FloatArray
    scores: FloatArray
    """BM25 of the term in each document (the boost not applied)."""
    blocks: list[tuple[int, Any, tuple[bytes, ...]]] = field(default_factory=list)
    """(first index, format, encoded values) of each block read: the positions, for phrases."""
    starts: IntArray = field(init=False)

    def __post_init__(self) -> None:
        self.starts = np.array([start for start, _, _ in self.blocks], dtype=np.int64)

    def positions(self, docs: IntArray) -> tuple[IntArray, IntArray]:
        """The term's positions in ``docs`` (documents it is in): each position, and the
        index in ``docs`` of the document it is in."""
        at = np.searchsorted(self.ids, docs)
        block = np.searchsorted(self.starts, at, side="right") - 1
        blocks = self.blocks
        encoded = []
        for index, b in zip(at.tolist(), block.tolist(), strict=True):
            start, fmt, values = blocks[b]
            encoded.append(values[index - start])
        if not encoded:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        fmt = blocks[0][1]
        if type(fmt) is formats.Positions:  # its encoding: a count, then pickled deltas
            deltas = [pickle.loads(value[_INT_SIZE:]) for value in encoded]  # noqa: S301
        else:
            deltas = [np.diff(fmt.decode_positions(value), prepend=0) for value in encoded]
        counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
        summed = np.cumsum(np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64))
        before = np.concatenate(([0], summed))[np.cumsum(counts) - counts]
        owners = np.repeat(np.arange(len(docs)), counts)
        return owners, summed - np.repeat(before, counts)


@dataclass
class Bonus:
    """A phrase clause only adding score, not checked yet: the documents holding its words in
    its field, what each gains if they stand there as the phrase, and the check (of many
    documents at once)."""

    docs: IntArray
    gain: FloatArray
    holds: Callable[[IntArray], BoolArray]


@dataclass
class Scored:
    """A query's matches and scores (zero outside ``mask``), and its phrase bonuses."""

    query: wq.Query
    mask: BoolArray
    scores: FloatArray
    bonuses: list[Bonus] = field(default_factory=list)


@dataclass
class _Part:
    mask: BoolArray
    scores: FloatArray


def evaluate(searcher: Searcher, query: wq.Query) -> Scored:
    """The matches and scores of ``query`` over every document of ``searcher``."""
    run = _Run(searcher)
    if isinstance(query, wq.AndMaybe) and _phrases(query.b) is not None:
        part = run.part(query.a)
        return Scored(query, part.mask, part.scores, run.bonuses(query.b))
    part = run.part(query)
    return Scored(query, part.mask, part.scores)


def top(scored: Scored, allowed: BoolArray, limit: int) -> Ranked:
    """The ``limit`` best of the ``allowed`` matches, best first, ties in document order;
    a phrase bonus is checked only where it could lift a match into them."""
    docs = np.flatnonzero(allowed)
    total = scored.scores[docs]
    if scored.bonuses and len(docs):
        total = _with_bonuses(scored.bonuses, docs, total.copy(), limit)
    if len(docs) > limit > 0:
        cut = len(docs) - limit
        keep = total >= np.partition(total, cut)[cut]
        docs, total = docs[keep], total[keep]
    order = np.lexsort((docs, -total))[:limit]
    return [(int(docs[i]), float(total[i])) for i in order]


def _with_bonuses(
    bonuses: list[Bonus], docs: IntArray, total: FloatArray, limit: int
) -> FloatArray:
    """``total`` (the scores of ``docs``) with the phrase bonuses of the documents that could
    rank among the first ``limit``: those whose bound reaches the ``limit``-th best score
    known, checked best bound first, in growing batches, until the next bound falls short.

    Only documents whose bound reaches the ``limit``-th best score before any check can
    end among the first (scores only grow), so the best score known is kept among them,
    and they are put in order once."""
    upper = total.copy()
    where: list[tuple[IntArray, IntArray]] = []
    for bonus in bonuses:
        at = np.searchsorted(docs, bonus.docs).clip(max=len(docs) - 1)
        held = docs[at] == bonus.docs
        where.append((at[held], np.flatnonzero(held)))  # both ascending
        np.add.at(upper, at[held], bonus.gain[held])
    ranked = 0 < limit < len(docs)
    within = np.arange(len(docs))
    if ranked:
        within = np.flatnonzero(upper >= _best(total, limit))
    pending = within[upper[within] > total[within]]
    order = pending[np.argsort(-upper[pending], kind="stable")]
    first, batch = 0, max(limit, 16)
    while first < len(order):
        if ranked and upper[order[first]] < _best(total[within], limit):
            break
        deadline.check()
        chunk = order[first : first + batch]
        first, batch = first + batch, min(2 * batch, _BATCH_MAX)  # few checks, or many
        for bonus, (at, rows) in zip(bonuses, where, strict=True):
            j = np.searchsorted(at, chunk).clip(max=max(len(at) - 1, 0))
            has = at[j] == chunk if len(at) else np.zeros(len(chunk), dtype=np.bool_)
            if has.any():
                ok = bonus.holds(docs[chunk[has]])
                total[chunk[has][ok]] += bonus.gain[rows[j[has]][ok]]
    return total


def _best(scores: FloatArray, limit: int) -> float:
    """The ``limit``-th best of ``scores`` (more than ``limit`` of them)."""
    cut = len(scores) - limit
    return float(np.partition(scores, cut)[cut])


def _phrases(query: wq.Query) -> list[tuple[wq.Phrase, float]] | None:
    """The phrases of a phrase clause and the boost on each, or None when it is not one."""
    if type(query) is wq.Phrase and query.slop == 1:
        return [(query, query.boost)]
    if type(query) is wq.Or and query.minmatch in (0, None) and not query.scale:
        found = [_phrases(sub) for sub in query.subqueries]
        if found and all(f is not None and len(f) == 1 for f in found):
            outer = query.boost if len(query.subqueries) > 1 else 1.0
            return [(phrase, boost * outer) for f in found if f for phrase, boost in f]
    return None


class _Run:
    """One query's evaluation on one searcher: term postings are read once each."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.size = int(searcher.doc_count_all())
        self.leaves: list[tuple[Searcher, int]] = list(searcher.leaf_searchers())
        self.read: dict[tuple[str, str], Postings] = {}

    def empty(self) -> _Part:
        return _Part(np.zeros(self.size, dtype=np.bool_), np.zeros(self.size))

    def part(self, query: wq.Query) -> _Part:
        kind = type(query)
        if isinstance(query, type(wq.NullQuery)):
            return self.empty()
        if isinstance(query, wq.Term):
            return self.sparse(self.postings(query.fieldname, query.text), query.boost)
        if isinstance(query, wq.CompoundQuery) and len(query.subqueries) == 1:
            return self.part(query.subqueries[0])  # as Whoosh: the boost is lost
        if kind is wq.Or and query.minmatch in (0, None) and not query.scale:
            return self.boosted(self.either(query.subqueries), query.boost)
        if kind is wq.And:
            return self.boosted(self.all_of(query.subqueries), query.boost)
        if isinstance(query, wq.AndMaybe):
            a, b = self.part(query.a), self.part(query.b)
            return _Part(a.mask, a.scores + np.where(a.mask, b.scores, 0.0))
        if isinstance(query, wq.AndNot):
            a, b = self.part(query.a), self.part(query.b)
            mask = a.mask & ~b.mask
            return _Part(mask, np.where(mask, a.scores, 0.0))
        if kind is wq.Not:
            inner = self.part(query.query)
            return _Part(~inner.mask, (~inner.mask).astype(np.float64))
        if kind is wq.Every and query.fieldname in (None, "", "*"):
            return _Part(np.ones(self.size, dtype=np.bool_), np.full(self.size, query.boost))
        if kind is wq.Phrase and query.slop == 1:
            return self.phrase(query)
        return self.whoosh(query)

    def boosted(self, part: _Part, boost: float) -> _Part:
        if boost != 1.0:
            part.scores *= boost
        return part

    def sparse(self, postings: Postings, boost: float) -> _Part:
        part = self.empty()
        part.mask[postings.ids] = True
        part.scores[postings.ids] = postings.scores * boost if boost != 1.0 else postings.scores
        return part

    def either(self, queries: list[wq.Query]) -> _Part:
        out = self.empty()
        for sub in queries:
            if isinstance(sub, wq.Term):
                postings = self.postings(sub.fieldname, sub.text)
                out.mask[postings.ids] = True
                add = postings.scores * sub.boost if sub.boost != 1.0 else postings.scores
                out.scores[postings.ids] += add
            else:
                part = self.part(sub)
                out.mask |= part.mask
                out.scores += part.scores
        return out

    def all_of(self, queries: list[wq.Query]) -> _Part:
        parts = [self.part(sub) for sub in queries]
        mask = parts[0].mask.copy()
        for part in parts[1:]:
            mask &= part.mask
        scores = sum((part.scores for part in parts[1:]), parts[0].scores)
        return _Part(mask, np.where(mask, scores, 0.0))

    def postings(self, fieldname: str, text: str) -> Postings:
        """A term's postings and BM25 scores, read once per evaluation."""
        key = (fieldname, text)
        found = self.read.get(key)
        if found is None:
            deadline.check()  # a query of a thousand expanded terms reads for seconds
            found = self.read[key] = _read(self.searcher, self.leaves, fieldname, text)
        return found

    def phrase_docs(self, phrase: wq.Phrase) -> tuple[list[Postings], IntArray]:
        """The words' postings in the phrase's field, and the documents holding every word."""
        words = [self.postings(phrase.fieldname, word) for word in phrase.words]
        docs = words[0].ids if words else np.zeros(0, dtype=np.int64)
        for postings in words[1:]:
            docs = np.intersect1d(docs, postings.ids, assume_unique=True)
        return words, docs

    def phrase_gain(self, words: list[Postings], docs: IntArray, boost: float) -> FloatArray:
        """The phrase's score in each of ``docs`` (Whoosh's: its words' scores, boosted)."""
        gain = np.zeros(len(docs))
        for postings in words:
            gain += postings.scores[np.searchsorted(postings.ids, docs)]
        return gain * boost

    def phrase(self, phrase: wq.Phrase) -> _Part:
        words, docs = self.phrase_docs(phrase)
        gain = self.phrase_gain(words, docs, phrase.boost)
        part = self.empty()
        for first in range(0, len(docs), _CHECK_EVERY):
            deadline.check()
            chunk = slice(first, first + _CHECK_EVERY)
            ok = _holds(words, docs[chunk])
            part.mask[docs[chunk][ok]] = True
            part.scores[docs[chunk][ok]] = gain[chunk][ok]
        return part

    def bonuses(self, clause: wq.Query) -> list[Bonus]:
        found = []
        for phrase, boost in _phrases(clause) or []:
            words, docs = self.phrase_docs(phrase)
            if len(docs):
                gain = self.phrase_gain(words, docs, boost)
                found.append(Bonus(docs, gain, functools.partial(_holds, words)))
        return found

    def whoosh(self, query: wq.Query) -> _Part:
        """Any other query, by Whoosh's own matcher, one document at a time."""
        part = self.empty()
        context = self.searcher.context()
        for count, (leaf, offset) in enumerate(self.leaves):
            matcher = query.matcher(leaf, context)
            while matcher.is_active():
                count += 1
                if count % _CHECK_EVERY == 0:
                    deadline.check()
                doc = matcher.id() + offset
                part.mask[doc] = True
                part.scores[doc] = matcher.score()
                matcher.next()
        return part


_SPAN = 1 << 32
"""Above every position: (document index, position) pairs as one number."""


def _holds(words: list[Postings], docs: IntArray) -> BoolArray:
    """Whether the words stand one after the other in each of ``docs`` (Whoosh's ``Phrase``,
    slop 1); ``docs`` hold every word. Where each possible start of the phrase is, as a
    (document, position) number, kept while each next word stands after it; these numbers
    come in ascending order (documents in order, positions in order within each)."""
    owners, positions = words[0].positions(docs)
    starts = owners * _SPAN + positions
    for offset, postings in enumerate(words[1:], 1):
        owners, positions = postings.positions(docs)
        moved = owners * _SPAN + positions - offset
        at = np.searchsorted(starts, moved).clip(max=max(len(starts) - 1, 0))
        starts = moved[starts[at] == moved] if len(starts) else starts
        if not len(starts):
            break
    found = np.zeros(len(docs), dtype=np.bool_)
    found[starts // _SPAN] = True
    return found


def _read(
    searcher: Searcher, leaves: list[tuple[Searcher, int]], fieldname: str, text: str
) -> Postings:
    """The postings of a term in every segment, scored by the searcher's BM25."""
    schema = searcher.schema
    if fieldname not in schema:
        return _nothing()
    fieldtype = schema[fieldname]
    try:
        btext = fieldtype.to_bytes(text)
    except ValueError:
        return _nothing()
    parts: list[tuple[IntArray, FloatArray, FloatArray, list[Any]]] = []
    start = 0
    for leaf, offset in leaves:
        reader = leaf.reader()
        found = _leaf_postings(reader, fieldname, btext, fieldtype.format)
        if found is None:
            continue
        ids, weights, blocks = found
        lengths = _field_lengths(reader, fieldname)[ids]
        parts.append((ids + offset, weights, lengths, [(start + s, f, v) for s, f, v in blocks]))
        start += len(ids)
    if not parts:
        return _nothing()
    ids = np.concatenate([p[0] for p in parts])
    weights = np.concatenate([p[1] for p in parts])
    if fieldtype.scorable:
        weighting = searcher.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        idf = searcher.idf(fieldname, text)
        avgfl = searcher.avg_field_length(fieldname) or 1
        fl = np.concatenate([p[2] for p in parts])
        # whoosh.scoring.bm25, element by element
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * fl / avgfl)))
    else:
        scores = weights.copy()  # Whoosh's WeightScorer
    blocks = [block for p in parts for block in p[3]]
    return Postings(ids, weights, scores, blocks)


def _nothing() -> Postings:
    return Postings(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))


def _leaf_postings(
    reader: Any, fieldname: str, btext: bytes, fmt: Any
) -> tuple[IntArray, FloatArray, list[tuple[int, Any, tuple[bytes, ...]]]] | None:
    """One segment's postings of a term: document numbers, weights, and each block's values;
    None when the segment does not have the term.

    Reads the term's posting list in one piece and takes its blocks apart as
    ``W3LeafMatcher`` does, without its calls per block and per posting (the layout of
    ``W3PostingsWriter``: a header tag, then per block its length, negative for the
    last, its pickled statistics, and its data, compressed if the statistics say so:
    delta-coded ids, weights as None for all 1.0, one float for all, or one each, and
    values). The ids and weights of every block are joined as bytes and read as one
    array each. The term is looked up once (a lookup reads the terms file: ``in``
    then ``matcher`` read it twice)."""
    terms = getattr(reader, "_terms", None)  # an empty index's reader has none
    if terms is None:
        return None
    try:
        info = terms.term_info(fieldname, btext)
    except TermNotFound:
        return None
    if info.is_inlined():
        inline_ids, inline_weights, inline_values = info.inlined_postings()
        ids = np.asarray(inline_ids, dtype=np.int64)
        weights = np.asarray(
            inline_weights if inline_weights is not None else [1.0] * len(ids), dtype=np.float64
        )
        return ids, weights, [(0, fmt, tuple(inline_values or ()))]
    offset, length = info.extent()
    if isinstance(length, tuple):  # Whoosh 2.7.4 reads it back as struct.unpack's tuple
        (length,) = length
    raw = terms._postfile.get(offset, length)
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"no posting list of {fieldname}:{btext!r} at {offset}")
    stream = io.BytesIO(raw)
    deltas: list[array[int]] = []
    weighed: list[array[float]] = []
    counts: list[int] = []
    blocks: list[tuple[int, Any, tuple[bytes, ...]]] = []
    at, start, last = 4, 0, False
    while not last:
        (size,) = _BLOCK_LENGTH.unpack_from(raw, at)
        last, end = size < 0, at + _BLOCK_LENGTH.size + abs(size)
        stream.seek(at + _BLOCK_LENGTH.size)
        count, _, _, compressed, _, _ = pickle.load(stream)  # noqa: S301 - the index's own
        data = raw[stream.tell() : end]
        block_ids, block_weights, block_values = pickle.loads(  # noqa: S301
            zlib.decompress(data) if compressed else data
        )
        # our writer stores arrays (``fastcodec.BlockWriter``), Whoosh's own tuples
        deltas.append(block_ids if isinstance(block_ids, array) else array("I", block_ids))
        if block_weights is None or isinstance(block_weights, float):
            block_weights = array("f", [1.0 if block_weights is None else block_weights]) * count
        elif not isinstance(block_weights, array):
            block_weights = array("f", block_weights)
        weighed.append(block_weights)
        counts.append(count)
        blocks.append((start, fmt, block_values))
        at, start = end, start + count
    summed = np.cumsum(np.frombuffer(b"".join(deltas), dtype=np.uintc), dtype=np.int64)
    ends = np.cumsum(counts)
    before = np.concatenate(([0], summed[ends[:-1] - 1]))  # each block's ids start from 0
    ids = summed - np.repeat(before, counts)
    return ids, np.frombuffer(b"".join(weighed), dtype=np.float32).astype(np.float64), blocks


_BLOCK_LENGTH = struct.Struct("!i")
"""A posting block's length, as ``StructFile.write_int`` writes it."""


_FIELD_LENGTHS: weakref.WeakKeyDictionary[Any, dict[str, FloatArray]] = weakref.WeakKeyDictionary()


def _field_lengths(reader: Any, fieldname: str) -> FloatArray:
    """Each document's length in ``fieldname`` as Whoosh scores it, read once per segment."""
    cached = _FIELD_LENGTHS.setdefault(reader, {})
    found = cached.get(fieldname)
    if found is None:
        codes = np.zeros(reader.doc_count_all(), dtype=np.uint8)
        perdoc = reader._perdoc
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is not None:
            stored = column._count
            raw = column._dbfile.get(column._basepos, stored)
            codes[:stored] = np.frombuffer(raw, dtype=np.uint8)
        found = cached[fieldname] = _LENGTHS[codes]
    return found


__all__ = ["Bonus", "Postings", "Scored", "evaluate", "top"]
