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


ENGINE_NAMES = {
    "whoosh": "ours, Whoosh",
    "tantivy": "ours, Tantivy",
    "postgres": "ours, PostgreSQL",
    "raw-tantivy": "raw Tantivy",
    "fts5": "SQLite FTS5",
}
MODES = (("top10", "top-10"), ("facets", "+ facet counts"), ("snippets", "+ 10 snippets"))


def side_by_side(title: str, r: dict[str, Any]) -> list[str]:
    """The issue's table: throughput and medians per engine, then the same as ratios."""
    engines, ratios = r["engines"], r["ratios"]
    first = next(iter(engines.values()))["build"]
    head = [
        f"### {title}",
        "",
        f"{first['articles']} articles ({first['source_mb']} MB), {r['queries']} queries "
        "(`bench/queries/mixed.txt`), medians in ms; p95/p99 in `latest.json`.",
        "",
    ]
    rows = []
    for name, e in engines.items():
        b, lat = e["build"], e["latency"]
        rows.append(
            [ENGINE_NAMES.get(name, name), b["articles_per_s"], b.get("engine_articles_per_s")]
            + [b["mb_per_s"], b["index_mb"], b["peak_rss_mb"]]
            + [lat[m]["median_ms"] for m, _ in MODES]
            + [lat["snippets"]["p99_ms"], lat["top10"]["zero_hit_queries"]]
        )
    header = ["engine", "index articles/s", "engine only articles/s", "index MB/s", "index MB"]
    header += ["peak RSS MB"]
    header += [f"{label} p50" for _, label in MODES] + ["+ snippets p99", "zero-hit queries"]
    lines = head + table(header, rows)
    if ratios:
        ratio_rows = [
            [ENGINE_NAMES.get(n, n), x["index"], x.get("engine_index"), *(x[m] for m, _ in MODES)]
            for n, x in ratios.items()
        ]
        lines += [
            "Ratios to raw Tantivy (time per article to index, end to end and engine only; "
            "median query time; > 1 is slower):",
            "",
        ]
        header = ["engine", "index", "index, engine only", *(label for _, label in MODES)]
        lines += table(header, ratio_rows)
    updates = [
        [ENGINE_NAMES[n], e["updates"]["changed_1"]["seconds"],
         e["updates"]["changed_100"]["seconds"]]
        for n, e in engines.items() if "updates" in e
    ]  # fmt: skip
    if updates:
        lines += [
            "Incremental update (seconds, whole run: hashing every file, copying and "
            "publishing the generation):",
            "",
        ]
        lines += table(["engine", "1 changed article", "100 changed articles"], updates)
    return lines


def compare(r: dict[str, Any]) -> list[str]:
    lines = ["## Engines side by side (in-process)", ""]
    if "main" in r:
        name = r["main"]["archive"]
        title = "The three real corpora (sisihagen, bbc, 20news)" if name == "real" else name
        lines += side_by_side(title, r["main"])
        lines += latency_table(r["main"]["engines"])
    return lines


def scaled(r: dict[str, Any]) -> list[str]:
    g = r["generated"]
    skipped = f" Skipped: {r['whoosh_skipped']}." if r.get("whoosh_skipped") else ""
    lines = ["## Scaled archive (generated)", "",
             f"{g['articles']} articles, {g['mb']} MB, generated in {g['seconds']} s.{skipped}",
             ""]  # fmt: skip
    return lines + side_by_side("Generated archive", r) + latency_table(r["engines"])


def latency_table(engines: dict[str, Any]) -> list[str]:
    """Medians and p99 of each engine for top-10, facets and snippets."""
    rows = [
        [ENGINE_NAMES.get(n, n), *(e["latency"][m]["median_ms"] for m, _ in MODES),
         *(e["latency"][m]["p99_ms"] for m, _ in MODES)]
        for n, e in engines.items()
    ]  # fmt: skip
    header = ["engine", *(f"{label} p50" for _, label in MODES)]
    header += [f"{label} p99" for _, label in MODES]
    return ["Medians and p99 (ms, in-process):", "", *table(header, rows)]


def million(r: dict[str, Any]) -> list[str]:
    lines = ["## A million articles (generated, Tantivy)", ""]
    if not r.get("articles"):
        return [*lines, f"Not run: {r['not_run']}.", ""]
    g = r["generated"]
    lines += [
        f"{r['articles']:,} articles, {g['mb']} MB of text ({r['source_mb_on_disk']} MB on "
        f"disk in 4 KB blocks), generated in {g['seconds']} s. Builds without the "
        "engine-only second pass.",
        "",
    ]
    if r["reason"]:
        lines += [f"Fewer than the {r['wanted']:,} asked for: {r['reason']}.", ""]
    reused = [ENGINE_NAMES[n] for n, e in r["engines"].items() if e["build"].get("reused")]
    if reused:
        lines += [f"Build figures of {', '.join(reused)} from an earlier run of this part.", ""]
    lines += side_by_side(f"Generated archive of {r['articles']:,}", r)
    lines += latency_table(r["engines"])
    lines += cpu_table(r["engines"])
    h = r["http"]
    lines += [
        f"HTTP (gunicorn, {h['workers']} workers, {h['clients']} connections from "
        f"{h.get('generator', 'Python threads')}, ~{h['seconds']} s, our Tantivy index of "
        f"{r['articles']:,}): {h['requests_per_s']} requests/s, median {h['median_ms']} ms, "
        f"p99 {h['p99_ms']} ms, {h['errors']} errors.",
        "",
    ]
    return lines


def cpu_table(engines: dict[str, Any]) -> list[str]:
    """CPU time per search (the searching thread's), median and p99 per mode, and the median's
    ratio to raw Tantivy's: on a shared machine wall time is mostly waiting for a core."""
    base = engines.get("raw-tantivy", {}).get("latency", {})
    rows = []
    for name, e in engines.items():
        row = [ENGINE_NAMES.get(name, name)]
        for mode, _ in MODES:
            x = e["latency"][mode]
            if "cpu_median_ms" not in x:
                return []  # a run from before CPU time was recorded
            low = base.get(mode, {}).get("cpu_median_ms")
            ratio = f" ({x['cpu_median_ms'] / low:.2f}×)" if low else ""
            row += [f"{_cell(x['cpu_median_ms'])}{ratio}", x["cpu_p99_ms"]]
        rows.append(row)
    header = ["engine"]
    for _, label in MODES:
        header += [f"{label} CPU p50 (× raw)", f"{label} CPU p99"]
    return ["CPU per search (ms, the searching thread's time):", "", *table(header, rows)]


def http(r: dict[str, Any]) -> list[str]:
    first = next(iter(r.values()))
    head = [
        f"## HTTP closed loop (gunicorn, {first['workers']} workers as `archive-search serve`, "
        f"{first['clients']} connections from {first.get('generator', 'Python threads')}, "
        f"~{first['seconds']} s each, the real corpora)",
        "",
    ]
    rows = [
        [
            ENGINE_NAMES[n],
            x["requests_per_s"],
            x["requests"],
            x["median_ms"],
            x["p99_ms"],
            x["errors"],
        ]
        for n, x in r.items()
    ]
    return head + table(["engine", "requests/s", "requests", "median ms", "p99 ms", "errors"], rows)


def suggest(r: dict[str, Any]) -> list[str]:
    head = [
        "## Search as you type and answer sizes",
        "",
        "Suggest: every prefix of the query set's words as typed, in-process, uncached. "
        "Bytes: median size of a 10-hit `/api/v1/search` answer by `Accept-Encoding`.",
        "",
    ]
    rows = []
    for name, x in r.items():
        s, b = x["suggest"], x["bytes"]["median_bytes"]
        rows.append([ENGINE_NAMES[name], s["n"], s["median_ms"], s["p99_ms"],
                     b["identity"], b["gzip"], b["br"], x["bytes"]["responses"]])  # fmt: skip
    header = ["engine", "prefixes", "suggest p50 ms", "suggest p99 ms", "10 hits plain B",
              "gzip B", "br B", "answers"]  # fmt: skip
    return head + table(header, rows)


def load(r: dict[str, Any]) -> list[str]:
    lines = ["## Hardening load test (open loop, 2 sync workers, the real corpora)", ""]
    for name, x in r.items():
        steps = ", ".join(f"{s['rate']:g}/s → p99 {s['p99_ms']:g} ms" for s in x["steps"])
        base, hit = x["without_hostile"], x["with_hostile"]
        hostile = hit["hostile"] or {}
        answers = {k: ", ".join(f"{n}×{s}" for s, n in v.items())
                   for k, v in hostile.get("statuses", {}).items()}  # fmt: skip
        lines += [
            f"**{ENGINE_NAMES[name]}**: sustained rate with p99 < {x['p99_target_ms']:g} ms: "
            f"{x['sustained_per_s'] or 'none'} requests/s (steps: {steps}).",
            "",
        ]
        rows = [
            ["normal mix", base["rate"], base["p50_ms"], base["p99_ms"], base["status_5xx"]],
            ["+ 10% hostile", hit["rate"], hit["p50_ms"], hit["p99_ms"], hit["status_5xx"]],
        ]
        lines += table(["run", "rate/s", "normal p50 ms", "normal p99 ms", "5xx"], rows)
        lines += [
            f"p99 ratio {x['p99_ratio']} (promise ≤ 2), 5xx {x['status_5xx']} (promise 0); "
            f"hostile answers p99 {hostile.get('p99_ms')} ms, unexpected answers: "
            f"{hostile.get('unexpected')} (4xx expected; 200 for NUL bytes, which are "
            f"stripped). Answers by kind: {answers}. Promise kept: {x['promise_kept']}.",
            "",
        ]
    return lines


def relevance(r: dict[str, Any]) -> list[str]:
    lines = ["## Relevance (nDCG@10, match=any)", ""]
    rows = [
        [
            name,
            c["judged_queries"],
            c["ndcg10_binary"],
            c.get("tantivy", {}).get("ndcg10_binary", "–"),
            c.get("postgres", {}).get("ndcg10_binary", "–"),
            c["reference_ndcg10_binary"],
            c["ndcg10_graded"],
            c.get("tantivy", {}).get("ndcg10_graded", "–"),
            c.get("postgres", {}).get("ndcg10_graded", "–"),
        ]
        for name, c in ((n, r[n]) for n in ("cranfield", "cisi"))
    ]
    head = ["collection", "queries", "Whoosh (binary)", "Tantivy (binary)",
            "PostgreSQL (binary)", "README BM25", "Whoosh (graded)", "Tantivy (graded)",
            "PostgreSQL (graded)"]  # fmt: skip
    lines += table(head, rows)
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


def research(r: dict[str, Any]) -> list[str]:
    from bench.research import report

    return report(r)


def knownitem(r: dict[str, Any]) -> list[str]:
    from bench.knownitem import report

    return report(r)


def grouping(r: dict[str, Any]) -> list[str]:
    from bench.grouping import report

    return report(r)


def pgcluster(r: dict[str, Any]) -> list[str]:
    first = next(iter(r["setups"].values()))
    head = [
        "## PostgreSQL: searches on the primary, one replica, two replicas (`make pg-cluster`)",
        "",
        f"gunicorn (2 workers) and {first['clients']} connections from "
        f"{first.get('generator', 'Python threads')}, ~{first['seconds']} s each; every server "
        f"on the same 2 cores, so replicas cannot add throughput here: the CPU ms per request "
        f"predict a larger machine. Built into the primary in {r['index_seconds']} s.",
        "",
    ]
    rows = [[label, x["requests_per_s"], x["median_ms"], x["p99_ms"], x["errors"],
             x["app_cpu_ms_per_request"],
             ", ".join(f"{k} {v}" for k, v in x["db_cpu_ms_per_request"].items())]
            for label, x in r["setups"].items()]  # fmt: skip
    m = r["model"]
    tail = [
        "",
        f"Per search (median of the runs): {m['db_cpu_ms_per_search']} ms of the database "
        f"server's CPU and {m['app_cpu_ms_per_search']} ms of gunicorn's, so one replica core "
        f"answers about {m['searches_per_s_per_db_core']} searches/s and one web core about "
        f"{m['searches_per_s_per_app_core']}; each replica adds its cores' worth.",
        "",
    ]
    header = ["searches on", "requests/s", "median ms", "p99 ms", "errors",
              "gunicorn CPU ms/req", "PostgreSQL CPU ms/req"]  # fmt: skip
    return head + table(header, rows) + tail


def freshness(r: dict[str, Any]) -> list[str]:
    from bench.freshness import report

    return report(r)


def tail(r: dict[str, Any]) -> list[str]:
    from bench.tail import report

    return report(r)


SECTIONS = {
    "compare": compare,
    "scaled": scaled,
    "million": million,
    "http": http,
    "load": load,
    "relevance": relevance,
    "suggest": suggest,
    "research": research,
    "knownitem": knownitem,
    "pgcluster": pgcluster,
    "grouping": grouping,
    "freshness": freshness,
    "tail": tail,
}


def render(results: dict[str, Any]) -> str:
    lines = ["# archive-search benchmarks" + (" (quick)" if results.get("quick") else ""), ""]
    runs = results.get("runs", {})
    if len({run["date"] for run in runs.values()}) > 1:
        lines += ["Parts measured in separate runs (each part's run is named above it).", ""]
    else:
        lines += machine(results["machine"])
        runs = {}
    for name, section in SECTIONS.items():
        if name in results:
            lines += machine(runs[name]) if name in runs else []
            lines += section(results[name])
    for name, reason in results.get("skipped", {}).items():
        lines += [f"**{name} skipped:** {reason}", ""]
    end = results["machine"].get("load_average_at_end")
    lines.append(f"Total time {results['total_seconds']} s; load average at end {end}.")
    return "\n".join(lines) + "\n"
