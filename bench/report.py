"""The figures as a readable Markdown report (printed and written to ``latest.md``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def machine(m: dict[str, Any]) -> list[str]:
    return [
        f"Run {m['date']} on {m['cores']} cores, Python {m['python']} ({m['platform']}); "
        f"load average at start {m['load_average_at_start']}. {m['note']}.",
        "",
    ]


def indexing(r: dict[str, Any]) -> list[str]:
    full = r["full"]
    rows = [
        ["full build", full["seconds"], full["articles"], full["articles_per_s"], full["mb_per_s"]],
        ["no-op update", r["noop"]["seconds"], r["noop"]["articles"], None, None],
        ["1 changed article", r["one_changed"]["seconds"], r["one_changed"]["updated"], None, None],
    ]
    head = [
        "## Indexing (sisihagen)",
        "",
        f"{full['files']} files, {full['source_mb']} MB read, index on disk {full['index_mb']} MB, "
        f"{full['problems']} problems reported.",
        "",
    ]
    return head + table(["run", "seconds", "articles", "articles/s", "MB/s"], rows)


def latency(r: dict[str, Any]) -> list[str]:
    modes = ("plain", "faceted", "faceted+snippets", "filtered")
    rows = [
        [
            m,
            r[m]["n"],
            r[m]["median_ms"],
            r[m]["p95_ms"],
            r[m]["p99_ms"],
            sum(r[m]["errors"].values()),
        ]
        for m in modes
    ]
    filters = ", ".join(f"{k}={'|'.join(v)}" for k, v in r["filters"].items())
    head = [
        "## Query latency (in-process SearchService)",
        "",
        f"{r['queries']} queries × {r['rounds']} rounds after a warm-up pass; filtered: {filters}.",
        "",
    ]
    return head + table(["mode", "n", "median ms", "p95 ms", "p99 ms", "errors"], rows)


def http(r: dict[str, Any]) -> list[str]:
    head = [
        f"## HTTP load (gunicorn, {r['workers']} workers, "
        f"{r['clients']} clients, {r['seconds']} s)",
        "",
    ]
    row = [r["requests_per_s"], r["requests"], r["median_ms"], r["p99_ms"], r["errors"]]
    return head + table(["requests/s", "requests", "median ms", "p99 ms", "errors"], [row])


def relevance(r: dict[str, Any]) -> list[str]:
    lines = ["## Relevance (nDCG@10, match=any)", ""]
    rows = [
        [
            name,
            c["judged_queries"],
            c["ndcg10_binary"],
            c["reference_ndcg10_binary"],
            c["ndcg10_graded"],
        ]
        for name, c in ((n, r[n]) for n in ("cranfield", "cisi"))
    ]
    lines += table(["collection", "queries", "ours (binary)", "README BM25", "ours (graded)"], rows)
    boosts = [row["boost"] for row in r["cranfield"]["by_boost"]]
    if len(boosts) > 1:
        by = {
            n: {row["boost"]: row["ndcg10_binary"] for row in r[n]["by_boost"]}
            for n in ("cranfield", "cisi")
        }
        rows = [
            [b, by["cranfield"][b], by["cisi"][b], round(r["best_boost"]["means"][b], 4)]
            for b in boosts
        ]
        lines += ["Title boost (binary nDCG@10):", ""]
        lines += table(["title boost", "cranfield", "cisi", "mean"], rows)
    lines += [
        f"Best title boost: {r['best_boost']['boost']} "
        f"(current {r['cranfield']['current_boost']}).",
        "",
    ]
    return lines


SECTIONS = {"indexing": indexing, "latency": latency, "http": http, "relevance": relevance}


def render(results: dict[str, Any]) -> str:
    lines = ["# archive-search benchmarks" + (" (quick)" if results.get("quick") else ""), ""]
    lines += machine(results["machine"])
    for name, section in SECTIONS.items():
        if name in results:
            lines += section(results[name])
    for name, reason in results.get("skipped", {}).items():
        lines += [f"**{name} skipped:** {reason}", ""]
    lines.append(f"Total time {results['total_seconds']} s.")
    return "\n".join(lines) + "\n"
