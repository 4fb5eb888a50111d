"""nDCG@10 of our real indexer and search service on Cranfield and CISI, and the title weight.

Each document becomes a small Markdown file with front matter (``title``,
``lang: en``; the body is the abstract), indexed by ``build_index`` like any
archive. Queries are run with ``match="any"`` (ranked any-word matching)
after removing every character of our query language, so the text is
searched as plain words.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from whoosh.lang import stopwords_for_language

from bench import postgres
from bench.collections import Collection, load_cisi, load_cranfield, mean_ndcg
from bench.common import corpus, log, ranking_time_limit
from indexer.build import build_index
from indexer.config import ArchiveConfig
from search import limits, ranking
from search.service import SearchService
from search.types import SearchRequest

REFERENCE = {"cranfield": 0.368, "cisi": 0.361}
"""nDCG@10 (binary) of a simple BM25 (k1=0.9, b=0.4, Porter, one field), from the corpora README."""
BOOSTS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0)
K = 10
_NOT_WORD = re.compile(r"[^\w\s]|_")
_STOP = frozenset(stopwords_for_language("en"))


def sanitise(text: str) -> tuple[str, bool]:
    """Plain lower-case words only, within our query caps; also whether words were dropped.

    Lower case keeps ``OR``/``AND``/``NOT`` from being read as operators. A
    query longer than the caps loses its stop words first (the analyser
    ignores them anyway), then its tail.
    """
    words = _NOT_WORD.sub(" ", text).lower().split()
    if len(words) <= limits.MAX_TERMS and len(" ".join(words)) <= limits.MAX_QUERY_CHARS:
        return " ".join(words), False
    words = [w for w in words if w not in _STOP][: limits.MAX_TERMS]
    while len(" ".join(words)) > limits.MAX_QUERY_CHARS:
        words.pop()
    return " ".join(words), True


def write_collection(collection: Collection, folder: Path) -> None:
    """One ``<id>.md`` file per document; YAML's dumper quotes titles safely."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc in collection.documents:
        front = yaml.safe_dump({"title": doc.title, "lang": "en"}, allow_unicode=True)
        (folder / f"{doc.id}.md").write_text(f"---\n{front}---\n\n{doc.text}\n", encoding="utf-8")


@contextmanager
def title_boost(value: float) -> Iterator[None]:
    """Search with another title weight (both engines weigh title terms at query time)."""
    saved = ranking.TITLE_BOOST
    ranking.TITLE_BOOST = value
    try:
        yield
    finally:
        ranking.TITLE_BOOST = saved


def doc_id(path: str) -> str:
    return Path(path).stem


def run_queries(index_dir: Path, collection: Collection) -> dict[str, list[str]]:
    """Top-k document ids per judged query."""
    service = SearchService(index_dir)
    runs: dict[str, list[str]] = {}
    try:
        for qid in collection.judged_queries():
            text, _ = sanitise(collection.queries[qid])
            request = SearchRequest(q=text, match="any", per_page=K, snippets=False, facets=False)
            started = time.perf_counter()
            with ranking_time_limit() as usual:
                result = service.search(request)
            if (took := time.perf_counter() - started) > usual:
                log(f"relevance: {collection.name} query {qid} took {took:.1f} s")
            runs[qid] = [doc_id(hit.path) for hit in result.hits]
    finally:
        service.close()
    return runs


def evaluate(
    collection: Collection, source: Path, work: Path, boost: float, engine: str = "whoosh"
) -> dict[str, Any]:
    index_dir = work / f"index-{collection.name}-{boost}-{engine}"
    report = build_index(
        source, index_dir, rebuild=True, config=ArchiveConfig(default_lang="en"), engine=engine
    )
    started = time.perf_counter()
    with title_boost(boost):
        runs = run_queries(index_dir, collection)
    return {
        "boost": boost,
        "articles": report.articles,
        "problems": len(report.problems),
        "ndcg10_binary": round(mean_ndcg(runs, collection.binary, K), 4),
        "ndcg10_graded": round(mean_ndcg(runs, collection.judgments, K), 4),
        "queries": len(runs),
        "query_seconds": round(time.perf_counter() - started, 2),
        "build_seconds": report.seconds,
    }


def bench_collection(
    collection: Collection,
    work: Path,
    boosts: tuple[float, ...],
    engines: Sequence[str] = ("tantivy", "postgres"),
) -> dict[str, Any]:
    """The Whoosh engine at each title weight (the reference), and ``engines`` at the current
    one (PostgreSQL where a server can run)."""
    source = work / f"source-{collection.name}"
    write_collection(collection, source)
    truncated = sum(sanitise(collection.queries[q])[1] for q in collection.judged_queries())
    rows = []
    for boost in boosts:
        log(f"relevance: {collection.name}, title boost {boost}")
        rows.append(evaluate(collection, source, work, boost))
    current = next((r for r in rows if r["boost"] == ranking.TITLE_BOOST), rows[-1])
    others = {}
    for engine in ("tantivy", "postgres"):
        if engine not in engines or (engine == "postgres" and not postgres.available()):
            continue  # postgres's database: ``bench.postgres``, started by the runner
        log(f"relevance: {collection.name}, {engine} engine")
        found = evaluate(collection, source, work, ranking.TITLE_BOOST, engine=engine)
        others[engine] = {
            "ndcg10_binary": found["ndcg10_binary"],
            "ndcg10_graded": found["ndcg10_graded"] if collection.name == "cranfield" else None,
        }
    return {
        "documents": len(collection.documents),
        "judged_queries": len(collection.judged_queries()),
        "queries_shortened": truncated,
        "reference_ndcg10_binary": REFERENCE[collection.name],
        "current_boost": ranking.TITLE_BOOST,
        "ndcg10_binary": current["ndcg10_binary"],
        "ndcg10_graded": current["ndcg10_graded"] if collection.name == "cranfield" else None,
        "by_boost": rows,
        **others,
    }


def run(
    work: Path, *, quick: bool, engines: Sequence[str] = ("tantivy", "postgres")
) -> dict[str, Any]:
    """Both collections; ``quick`` measures the current title weight only."""
    boosts = (ranking.TITLE_BOOST,) if quick else BOOSTS
    folder = corpus("relevance")
    results: dict[str, Any] = {}
    for name, loader in (("cranfield", load_cranfield), ("cisi", load_cisi)):
        results[name] = bench_collection(loader(folder / name), work, boosts, engines)
    results["best_boost"] = best_boost(results, boosts)
    return results


def best_boost(results: dict[str, Any], boosts: tuple[float, ...]) -> dict[str, Any]:
    """The boost with the highest mean binary nDCG@10 over the two collections."""
    means = {
        b: sum(
            next(r["ndcg10_binary"] for r in results[c]["by_boost"] if r["boost"] == b)
            for c in ("cranfield", "cisi")
        )
        / 2
        for b in boosts
    }
    best = max(means, key=lambda b: (means[b], -abs(b - ranking.TITLE_BOOST)))
    return {"boost": best, "mean_ndcg10_binary": round(means[best], 4), "means": means}
