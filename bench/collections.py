"""Readers for the classic test collections (Cranfield 1400, CISI) and nDCG@k.

Both collections use the SMART record format: a record starts with ``.I id``
and each field with a line holding a dot and one letter (``.T`` title, ``.A``
authors, ``.B`` source, ``.W`` text, ``.X`` references). The readers are pure
functions on text; :func:`load_cranfield` and :func:`load_cisi` read the files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

Judgments = dict[str, dict[str, int]]
"""Query id → document id → gain (> 0 means relevant)."""

_FIELD = re.compile(r"^\.([A-Z])(?:\s+(.*?))?\s*$")


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Collection:
    name: str
    documents: tuple[Document, ...]
    queries: dict[str, str]
    judgments: Judgments
    binary: Judgments
    """The same judgments with every relevant document at gain 1."""

    def judged_queries(self) -> list[str]:
        """Ids of the queries with at least one relevant document, in query order."""
        return [q for q in self.queries if any(g > 0 for g in self.judgments.get(q, {}).values())]


def smart_records(text: str) -> Iterator[dict[str, str]]:
    """Each ``.I`` record as a dict of field letter → text (lines joined by spaces)."""
    record: dict[str, list[str]] | None = None
    current = ""
    for line in text.splitlines():
        match = _FIELD.match(line)
        if match and match.group(1) == "I":
            if record is not None:
                yield _joined(record)
            record, current = {"I": [match.group(2) or ""]}, "I"
        elif match:
            current = match.group(1)
            if record is not None:
                record.setdefault(current, []).append(match.group(2) or "")
        elif record is not None and current != "I":
            record.setdefault(current, []).append(line.strip())
    if record is not None:
        yield _joined(record)


def _joined(record: dict[str, list[str]]) -> dict[str, str]:
    return {key: " ".join(p for p in parts if p).strip() for key, parts in record.items()}


def documents(text: str) -> tuple[Document, ...]:
    return tuple(
        Document(str(int(r["I"])), r.get("T", ""), r.get("W", "")) for r in smart_records(text)
    )


def cranfield_queries(text: str) -> dict[str, str]:
    """Queries keyed ``1``…``225`` by position: ``cranqrel`` numbers them so, not by ``.I``."""
    return {str(n): r.get("W", "") for n, r in enumerate(smart_records(text), 1)}


def cisi_queries(text: str) -> dict[str, str]:
    """Queries keyed by ``.I``; the later ones have a title (``.T``) besides the text."""
    return {
        str(int(r["I"])): " ".join(p for p in (r.get("T", ""), r.get("W", "")) if p)
        for r in smart_records(text)
    }


def cranfield_judgments(text: str) -> Judgments:
    """``query doc grade`` lines; grades 1 (complete answer) … 4 (minimum interest) are relevant.

    The gain runs the other way (grade 1 → 4, grade 4 → 1); other grades
    (``-1``) are not relevant and are left out.
    """
    judged: Judgments = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        query, doc, grade = parts[0], parts[1], int(parts[2])
        if 1 <= grade <= 4:
            judged.setdefault(str(int(query)), {})[str(int(doc))] = 5 - grade
    return judged


def cisi_judgments(text: str) -> Judgments:
    """``query doc 0 0.0`` lines: every listed document is relevant (gain 1)."""
    judged: Judgments = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            judged.setdefault(str(int(parts[0])), {})[str(int(parts[1]))] = 1
    return judged


def binary(judgments: Judgments) -> Judgments:
    return {q: {d: 1 for d, g in docs.items() if g > 0} for q, docs in judgments.items()}


def _read(path: Path) -> str:
    # Text mode turns the CRLF line endings of the Cranfield files into plain newlines.
    return path.read_text(encoding="utf-8", errors="replace")


def load_cranfield(folder: Path) -> Collection:
    judged = cranfield_judgments(_read(folder / "cranqrel"))
    return Collection(
        "cranfield",
        documents(_read(folder / "cran.all.1400")),
        cranfield_queries(_read(folder / "cran.qry")),
        judged,
        binary(judged),
    )


def load_cisi(folder: Path) -> Collection:
    judged = cisi_judgments(_read(folder / "CISI.REL"))
    return Collection(
        "cisi",
        documents(_read(folder / "CISI.ALL")),
        cisi_queries(_read(folder / "CISI.QRY")),
        judged,
        binary(judged),
    )


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain with the linear gain: ``sum(g / log2(rank + 1))``."""
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, 1))


def ndcg_at(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k of one ranking against one query's judgments (0.0 when nothing is relevant)."""
    ideal = dcg(sorted((g for g in judged.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([max(judged.get(doc, 0), 0) for doc in ranked[:k]]) / ideal


def mean_ndcg(runs: Mapping[str, Sequence[str]], judgments: Judgments, k: int = 10) -> float:
    """Mean nDCG@k over the queries that have a run; a query missing from judgments scores 0."""
    if not runs:
        return math.nan
    return sum(ndcg_at(ranked, judgments.get(q, {}), k) for q, ranked in runs.items()) / len(runs)
