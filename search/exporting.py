"""Every result of a search, in a stable order, read a chunk at a time: engine-neutral exports.

An export is ordered by the request's sort with the document number breaking
ties: within one generation (whose document numbers never change) the order is
total and the same on every call. A cursor is the sort key and document number
of the last row given, as Elasticsearch's ``search_after`` is, tied to the
generation it was made on; a cursor from another generation is refused, since
its document numbers mean other articles there.

Memory does not grow with the export: the plan holds two numbers per matching
document (the same size as the index's own per-document arrays), and rows are
read ``CHUNK`` documents at a time and dropped once written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from search.errors import BadRequest, StaleCursor
from search.query import ParsedQuery, parse_query
from search.types import SearchRequest

if TYPE_CHECKING:
    from search.engine_base import BaseEngine

FIELDS = (
    "id", "title", "date", "authors", "tags", "publication", "lang", "url", "summary",
    "snippet", "text",
)  # fmt: skip
DEFAULT_FIELDS = ("id", "title", "date", "publication", "lang", "tags", "url", "summary")
FULL_RECORD = frozenset({"authors", "text"})
"""Fields only the whole stored record has (the hit record has the others)."""
CHUNK = 200
UNDATED_LAST = 99_999_999
FloatArray = npt.NDArray[np.float64]
DocArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Cursor:
    generation: str
    fingerprint: str
    """What the request selected and in which order: a cursor only resumes its own export."""
    key: float
    doc: int

    def encode(self) -> str:
        data = json.dumps([self.generation, self.fingerprint, self.key, self.doc])
        return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """A cursor from its text; ``BadRequest`` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        generation, fingerprint, key, doc = json.loads(raw)
        cursor = Cursor(str(generation), str(fingerprint), float(key), int(doc))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        message = "parameter 'cursor' is not a cursor this service gave"
        raise BadRequest(message, code="bad_cursor") from None
    return cursor


def fingerprint(request: SearchRequest) -> str:
    """The request's selection and order, without paging, snippets or facets."""
    parts = [
        request.q, request.match, request.sort,
        sorted((k, sorted(v)) for k, v in request.filters.items()),
        sorted((k, sorted(v)) for k, v in request.excludes.items()),
        str(request.date_from), str(request.date_to),
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """The documents of one export, in order, from its cursor on."""

    generation: str
    generation_created: str
    engine: str
    total: int
    """Every match of the request, before the cursor too."""
    parsed: ParsedQuery
    fingerprint: str
    docs: DocArray
    keys: FloatArray

    def cursor_after(self, position: int) -> str:
        """The cursor that resumes after the row at ``position`` of this plan."""
        return Cursor(
            self.generation, self.fingerprint, float(self.keys[position]), int(self.docs[position])
        ).encode()


def plan(engine: BaseEngine, request: SearchRequest, after: str | None) -> ExportPlan:
    """Every match of ``request`` in export order, from after the cursor ``after``."""
    notices: list[str] = []
    sel = engine.select(parse_query(request.q, request.match), request, notices)
    docs = np.flatnonzero(sel.allowed).astype(np.int64)
    keys = _keys(engine, request, sel.match, sel.allowed, docs)
    order = np.lexsort((docs, keys))
    docs, keys = docs[order], keys[order]
    mark = fingerprint(request)
    if after:
        cursor = decode_cursor(after)
        if cursor.generation != engine.generation.name:
            raise StaleCursor(
                f"the cursor belongs to index generation {cursor.generation}, which is no "
                f"longer served (now {engine.generation.name}); start the export again "
                "without a cursor"
            )
        if cursor.fingerprint != mark:
            raise BadRequest(
                "the cursor belongs to an export of another query, filters or sort; "
                "give the same parameters as the request that returned it",
                code="cursor_mismatch",
            )
        later = (keys > cursor.key) | ((keys == cursor.key) & (docs > cursor.doc))
        docs, keys = docs[later], keys[later]
    meta = engine.generation.meta
    return ExportPlan(
        generation=engine.generation.name,
        generation_created=str(meta.get("created", "")),
        engine=engine.name,
        total=int(np.count_nonzero(sel.allowed)),
        parsed=sel.parsed,
        fingerprint=mark,
        docs=docs,
        keys=keys,
    )


def _keys(
    engine: BaseEngine, request: SearchRequest, match: Any, allowed: Any, docs: DocArray
) -> FloatArray:
    """Ascending sort keys: newest and oldest put the undated last, as searches do."""
    dates = engine.docvalues.date[docs].astype(np.float64)
    if request.sort == "newest":
        return -dates
    if request.sort == "oldest":
        return np.where(dates == 0, float(UNDATED_LAST), dates)
    if match.query is None or len(docs) == 0:
        return np.zeros(len(docs), dtype=np.float64)
    scores = np.zeros(engine.docvalues.size, dtype=np.float64)
    for doc, score in engine.ranked(match, allowed, len(docs)):
        scores[doc] = score or 0.0
    result: FloatArray = -scores[docs]
    return result


def rows(
    engine: BaseEngine,
    plan: ExportPlan,
    fields: Sequence[str],
    url: Callable[[str], str],
    stop: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The plan's rows (up to ``stop``), ``fields`` of each; ``url`` gives an id's URL."""
    docs = plan.docs[:stop] if stop is not None else plan.docs
    snippets = "snippet" in fields
    full = not FULL_RECORD.isdisjoint(fields)
    for start in range(0, len(docs), CHUNK):
        chunk: list[tuple[int, float | None]] = [
            (int(d), None) for d in docs[start : start + CHUNK]
        ]
        hits = engine.hits(chunk, plan.parsed, snippets)
        for (doc, _), hit in zip(chunk, hits, strict=True):
            record: Mapping[str, Any] = engine.record(doc) if full else {}
            row = {
                "id": hit.id,
                "title": hit.title,
                "date": hit.date.isoformat() if hit.date else None,
                "authors": list(record.get("authors") or ()),
                "tags": list(hit.tags),
                "publication": hit.publication,
                "lang": hit.lang,
                "url": url(hit.id),
                "summary": hit.summary,
                "snippet": " … ".join(s.text for s in hit.snippets),
                "text": record.get("body") or "",
            }
            yield {name: row[name] for name in fields}


def parse_fields(text: str | None) -> tuple[str, ...]:
    """``fields=id,title,…`` → the names, in the order given; ``BadRequest`` names a bad one."""
    if not text:
        return DEFAULT_FIELDS
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FIELDS]
    if unknown or not names:
        raise BadRequest(
            f"parameter 'fields' names unknown fields {', '.join(unknown)[:80]!r}; "
            f"choose from {', '.join(FIELDS)}",
            code="bad_fields",
        )
    return names
