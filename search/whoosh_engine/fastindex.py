"""Indexing text fields without Whoosh's per-token generator chain, to the same postings.

Whoosh analyses a field by passing one ``Token`` object through a tokenizer and
three filter generators and a cached stemmer: several Python calls per word,
most of a build's time. ``FastText.index`` produces exactly the postings
``fields.TEXT.index`` produces (term bytes, frequency, weight, encoded
positions, in the same order) from the same analyser's parts, fused into one
regular-expression pass and one dictionary lookup per word: each distinct raw
word is lower-cased, stop-filtered and stemmed once per writer.

Only the writer uses ``FastText``, while it adds documents; the schema it saves
is the plain one, so the index on disk is what plain Whoosh writes and the
query side analyses with Whoosh's own chain.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterator
from pickle import dumps
from typing import Any, cast

from whoosh import fields, formats
from whoosh.analysis import Analyzer, CompositeAnalyzer
from whoosh.analysis.filters import LowercaseFilter, StopFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer
from whoosh.system import pack_uint

Posting = tuple[bytes, int, float, bytes]
"""What ``FieldType.index`` yields: term bytes, frequency, weight, encoded value."""


class FusedAnalysis:
    """The term each raw token becomes under one Whoosh chain of tokenizer | lowercase |
    [stop] | [stem], or None for a stopped token. Built from the chain's own parts."""

    def __init__(self, analyzer: Analyzer) -> None:
        parts = fused_parts(analyzer)
        if parts is None:
            raise ValueError(f"not a tokenizer | lowercase | stop | stem chain: {analyzer!r}")
        self.findall = _matches_of(parts[0].expression)
        stop, stem = parts[1], parts[2]
        self._stops: frozenset[str] = stop.stops if stop else frozenset()
        self._min = stop.min if stop else 0
        self._max: int | None = stop.max if stop else None
        self._ignore: frozenset[str] = stem.ignore if stem else frozenset()
        self._stem: Callable[[str], str] | None = stem._stem if stem else None
        self._terms = _TermCache(self.term)
        """Raw token → term: unbounded, a build sees each distinct spelling once."""

    def __len__(self) -> int:
        """Distinct raw words seen so far."""
        return len(self._terms)

    def term(self, raw: str) -> str | None:
        """Computes and remembers one raw token's term (``terms`` asks on a cache miss)."""
        text = raw.lower()
        too_long = self._max is not None and len(text) > self._max
        if len(text) < self._min or too_long or text in self._stops:
            term = None
        elif self._stem is not None and text not in self._ignore:
            term = self._stem(text)
        else:
            term = text
        self._terms[raw] = term
        return term

    def terms(self, text: str) -> tuple[list[str], int]:
        """The kept terms of ``text`` in order, and the position of the first one.

        Whoosh's ``StopFilter`` renumbers kept tokens consecutively from the first kept
        token's original position, so that start is all that is needed. The tokens are
        looked up and the stopped ones dropped by ``map`` and ``filter``, in C: a Python
        loop over every token was a tenth of a whole Whoosh build.
        """
        mapped = list(map(self._terms.__getitem__, self.findall(text)))
        kept = cast(list[str], list(filter(_KEPT, mapped)))
        if len(kept) == len(mapped) or not kept:
            return kept, 0
        return kept, next(index for index, term in enumerate(mapped) if term is not None)


_KEPT = functools.partial(operator.is_not, None)
"""True for a kept token's term (a stopped token's is None)."""


class _TermCache(dict[str, str | None]):
    """Raw token → term, each new token's computed by ``compute`` on its first lookup."""

    def __init__(self, compute: Callable[[str], str | None]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, raw: str) -> str | None:
        return self._compute(raw)


_NON_CAPTURING = {r"\w+(\.?\w+)*": r"\w+(?:\.?\w+)*"}
"""Whoosh's default token pattern has a group, which would make ``findall`` return the group;
the same pattern without capturing matches the same text."""


def _matches_of(expression: re.Pattern[str]) -> Callable[[str], list[str]]:
    """A function listing the whole-match texts of ``expression`` in ``text``, in order."""
    if expression.groups == 0:
        return expression.findall
    if expression.pattern in _NON_CAPTURING:
        return re.compile(_NON_CAPTURING[expression.pattern], expression.flags).findall
    return lambda text: [match.group(0) for match in expression.finditer(text)]


def fused_parts(
    analyzer: Analyzer,
) -> tuple[RegexTokenizer, StopFilter | None, StemFilter | None] | None:
    """The tokenizer, stop filter and stemmer of a chain this module can fuse, else None."""
    if not isinstance(analyzer, CompositeAnalyzer):
        return None
    items = list(analyzer.items)
    if len(items) < 2 or type(items[0]) is not RegexTokenizer or items[0].gaps:
        return None
    if type(items[1]) is not LowercaseFilter:
        return None
    rest = items[2:]
    stop = rest.pop(0) if rest and type(rest[0]) is StopFilter else None
    stem = rest.pop(0) if rest and type(rest[0]) is StemFilter else None
    if rest or (stop is not None and not stop.renumber):
        return None
    return items[0], stop, stem


def _encode_positions(positions: list[int]) -> bytes:
    """``formats.Positions.encode``: the count, then the pickled position deltas.

    A new bytes object each time, never a shared one: Whoosh pickles a block's values
    together, and pickle would write a repeated object as a back-reference."""
    deltas = [positions[0], *(b - a for a, b in itertools.pairwise(positions))]
    encoded: bytes = pack_uint(len(deltas)) + dumps(deltas, 2)
    return encoded


def position_postings(kept: list[str], first: int, boost: float) -> Iterator[Posting]:
    """``formats.Positions.word_values`` for the kept terms, starting at ``first``."""
    positions: dict[str, list[int]] = {}
    for pos, term in enumerate(kept, first):
        found = positions.get(term)
        if found is None:
            positions[term] = [pos]
        else:
            found.append(pos)
    for term, found in positions.items():
        yield term.encode("utf-8"), len(found), float(len(found)) * boost, _encode_positions(found)


def frequency_postings(kept: list[str], boost: float) -> Iterator[Posting]:
    """``formats.Frequency.word_values`` for the kept terms."""
    counts: dict[str, int] = {}
    for term in kept:
        counts[term] = counts.get(term, 0) + 1
    for term, count in counts.items():
        yield term.encode("utf-8"), count, float(count) * boost, pack_uint(count)


class FastText(fields.TEXT):  # type: ignore[misc]  # Whoosh has no type hints
    """A ``fields.TEXT`` whose ``index`` runs the fused analysis; see the module docstring."""

    def __init__(self, original: fields.TEXT, fused: FusedAnalysis) -> None:
        self.__dict__.update(original.__dict__)
        self._fused = fused

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:
        fmt = type(self.format)
        if (
            kwargs
            or not isinstance(value, str)
            or fmt not in (formats.Positions, formats.Frequency)
        ):
            yield from super().index(value, **kwargs)
            return
        kept, first = self._fused.terms(value)
        boost = float(self.format.field_boost)
        if fmt is formats.Positions:
            yield from position_postings(kept, first, boost)
        else:
            yield from frequency_postings(kept, boost)


def _analysis_key(analyzer: Analyzer) -> tuple[Any, ...]:
    """What makes two chains analyse alike (``StemFilter.__eq__`` ignores the language)."""
    parts = fused_parts(analyzer)
    assert parts is not None
    tokenizer, stop, stem = parts
    return (
        tokenizer.expression.pattern,
        (stop.stops, stop.min, stop.max) if stop else None,
        (stem.lang, stem.stemfn, stem.ignore) if stem else None,
    )


def fast_schema(schema: fields.Schema) -> fields.Schema:
    """A copy of ``schema`` whose fusable text fields index through ``FastText``.

    Fields with the same analyser share one cache (``title_de`` and ``body_de``); the caches
    live as long as the returned schema, that is one writer."""
    fast = schema.copy()
    shared: dict[tuple[Any, ...], FusedAnalysis] = {}
    for name, field in schema.items():
        if type(field) is not fields.TEXT or field.vector or field.separate_spelling():
            continue
        if fused_parts(field.analyzer) is None:
            continue
        key = _analysis_key(field.analyzer)
        if key not in shared:
            shared[key] = FusedAnalysis(field.analyzer)
        fast._fields[name] = FastText(field, shared[key])
    return fast


__all__ = ["FastText", "FusedAnalysis", "fast_schema", "fused_parts"]
