"""Known-item search: can a reader find an article again from a few words of it?

``python -m bench.knownitem [--corpus sisihagen] [--engines tantivy,fts5,raw-tantivy]``, and
the ``knownitem`` part of ``make bench`` (``run``, ``report``).

Queries are drawn by a seeded program from the articles' own text: for each
language, ``PER_LANG`` articles, one sentence of each, ``4``–``6`` consecutive
words of it (for Chinese, Japanese and Korean, which write no spaces, six
consecutive characters). The article the words came from is the one right
answer; the score is the mean reciprocal rank of that article in the first ten
hits (MRR@10), per language and overall, for ``match=any`` and ``match=all``,
the default, which widens to any word when no article has them all (the peers
are asked the same way). Navigational queries (``title``: an article's title
typed as the query, ``PER_LANG`` articles per language drawn by the same seeded
program, the default mode) are scored the same way. Every engine searches the same
extracted text (the records our indexer makes): our engines through
``SearchService``, SQLite FTS5 with ``bm25()`` and raw Tantivy with its
``en_stem`` analyser, as ``bench.peers`` builds them.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import tantivy

from bench import postgres
from bench.archive import load_records
from bench.common import corpus, log, ranking_time_limit
from bench.peers import HEAP_BYTES, THREADS, build_fts5
from bench.postgres import bench_database
from indexer.build import build_index
from search.article import Article
from search.service import SearchService
from search.types import SearchRequest

SEED = 20261207
PER_LANG = 25
K = 10
MODES = ("any", "all")
TITLE = "title"
"""The navigational set's key beside the modes: titles as queries, in the default mode."""
_SENTENCE = re.compile(r"[^.!?。！？\n]{20,}")
_MARKS = "".join(
    chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")
)
_WORD = re.compile(f"(?:[^\\W_]|[{re.escape(_MARKS)}])+")
"""A word as written: letters and digits with their combining marks (Hindi vowel signs, Arabic
short vowels), which Python's ``\\w`` leaves out and would cut a Hindi word into pieces."""
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{6,}")

Query = tuple[str, str, str]
"""(language, query text, id of the article it came from)."""
Search = Callable[[str, str], list[str]]
"""(query, mode) → ranked ids."""


def _shuffled(articles: list[Article], rng: random.Random) -> Iterator[tuple[str, list[Article]]]:
    """Each language's articles in a seeded order (shuffled as the caller reaches it)."""
    by_lang: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_lang[article.lang].append(article)
    for lang in sorted(by_lang):
        pool = sorted(by_lang[lang], key=lambda a: a.id)
        rng.shuffle(pool)
        yield lang, pool


def make_queries(articles: list[Article], seed: int = SEED) -> list[Query]:
    rng = random.Random(seed)
    queries: list[Query] = []
    for lang, pool in _shuffled(articles, rng):
        for article in pool:
            if sum(q[0] == lang for q in queries) >= PER_LANG:
                break
            text = _query_from(article.body, rng)
            if text:
                queries.append((lang, text, article.id))
    return queries


def make_title_queries(articles: list[Article], seed: int = SEED) -> list[Query]:
    """``PER_LANG`` articles of each language, drawn by a seeded program, each with its
    title's words (as written, punctuation left out) as the query."""
    queries: list[Query] = []
    for lang, pool in _shuffled(articles, random.Random(seed + 1)):
        titled = [(a, " ".join(_WORD.findall(a.title))) for a in pool]
        queries += [(lang, text, a.id) for a, text in titled if text][:PER_LANG]
    return queries


def _query_from(body: str, rng: random.Random) -> str | None:
    sentences = _SENTENCE.findall(body)
    rng.shuffle(sentences)
    for sentence in sentences:
        words = _WORD.findall(sentence)
        runs = _CJK.findall(sentence)
        if runs and len(words) < 8:
            run = rng.choice(runs)
            start = rng.randrange(len(run) - 5)
            return str(run[start : start + 6])
        if len(words) >= 6:
            n = rng.randint(4, 6)
            start = rng.randrange(len(words) - n + 1)
            return " ".join(words[start : start + n])
    return None


def mrr(queries: list[Query], search: Search, mode: str) -> dict[str, float]:
    per_lang: dict[str, list[float]] = defaultdict(list)
    for lang, text, target in queries:
        ranked = search(text, mode)[:K]
        per_lang[lang].append(1 / (ranked.index(target) + 1) if target in ranked else 0.0)
    scores = {lang: round(sum(v) / len(v), 3) for lang, v in sorted(per_lang.items())}
    every = [x for v in per_lang.values() for x in v]
    scores["all"] = round(sum(every) / max(1, len(every)), 3)
    return scores


def ours(index_dir: Path) -> tuple[Search, Callable[[], None]]:
    """Our engine's search. This part measures ranking, so a search may run past the
    service's time cap (``ranking_time_limit``); each one that does is logged."""
    service = SearchService(index_dir)

    def search(text: str, mode: str) -> list[str]:
        request = SearchRequest(q=text, match=mode, per_page=K, snippets=False, facets=False)  # type: ignore[arg-type]
        started = time.perf_counter()
        with ranking_time_limit() as cap:
            found = [hit.id for hit in service.search(request).hits]
        took = time.perf_counter() - started
        if took > cap:
            log(f"known-item: {service.info().engine} {mode} {text!r} took {took:.1f} s")
        return found

    return search, service.close


def fts5(path: Path, ids: list[str]) -> Search:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def search(text: str, mode: str) -> list[str]:
        # each word quoted: FTS5 splits it as its tokenizer splits the text
        words = ['"' + w.replace('"', '""') + '"' for w in text.split()]
        sql = f"SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT {K}"
        rows = [] if mode == "any" else db.execute(sql, [" ".join(words)]).fetchall()
        if not rows:
            rows = db.execute(sql, [" OR ".join(words)]).fetchall()
        return [ids[rowid - 1] for (rowid,) in rows]

    return search


def build_raw(articles: list[Article], index_dir: Path) -> None:
    """Raw Tantivy as ``bench.peers`` builds it (``en_stem`` title and body), with the id."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    index_dir.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(builder.build(), path=str(index_dir))
    writer = index.writer(HEAP_BYTES, THREADS)
    for article in articles:
        writer.add_document(tantivy.Document(id=article.id, title=article.title, body=article.body))
    writer.commit()
    writer.wait_merging_threads()


def raw_tantivy(index_dir: Path) -> Search:
    index = tantivy.Index.open(str(index_dir))
    searcher = index.searcher()

    def run(text: str, conjunction: bool) -> list[str]:
        words = " ".join(_WORD.findall(text))
        query = index.parse_query(words, ["title", "body"], conjunction_by_default=conjunction)
        hits = searcher.search(query, K).hits
        return [str(searcher.doc(address).get_first("id")) for _score, address in hits]

    def search(text: str, mode: str) -> list[str]:
        found = [] if mode == "any" else run(text, True)
        return found or run(text, False)

    return search


def measure(name: str, engines: list[str], work: Path) -> dict[str, dict[str, dict[str, float]]]:
    """MRR@10 per engine and mode on corpus ``name``: {engine: {mode: {lang: mrr}}}; the
    postgres engine in a database of its own (``bench.postgres``)."""
    if "postgres" in engines:
        with bench_database():
            return _measure(name, engines, work)
    return _measure(name, engines, work)


def _measure(name: str, engines: list[str], work: Path) -> dict[str, dict[str, dict[str, float]]]:
    source = corpus(name)
    articles, _files, _bytes = load_records(source)
    ids = [a.id for a in articles]
    queries = make_queries(articles)
    titles = make_title_queries(articles)
    log(
        f"known-item: {len(queries)} sentence and {len(titles)} title queries over "
        f"{len(articles)} articles of {name}"
    )
    results: dict[str, dict[str, dict[str, float]]] = {}
    for engine in engines:
        folder = work / f"knownitem-{name}-{engine}"
        close: Callable[[], None] = lambda: None  # noqa: E731
        if engine in ("tantivy", "whoosh", "postgres"):
            build_index(source, folder, rebuild=True, engine=engine)
            search, close = ours(folder)
        elif engine == "fts5":
            build_fts5(articles, folder / "fts5.db")
            search = fts5(folder / "fts5.db", ids)
        else:
            build_raw(articles, folder)
            search = raw_tantivy(folder)
        results[engine] = {mode: mrr(queries, search, mode) for mode in MODES}
        results[engine][TITLE] = mrr(titles, search, "all")
        close()
    return results


ENGINES = ("tantivy", "fts5", "raw-tantivy", "whoosh", "postgres")


def engines_of(asked: Sequence[str] | None, *, quick: bool) -> list[str]:
    """The engines of the part, in the report's order: those ``asked`` (``--engines``), else
    all but the Whoosh engine under ``--quick`` (ten minutes a build); PostgreSQL only where
    a server can run."""
    wanted = set(asked) if asked is not None else set(ENGINES) - ({"whoosh"} if quick else set())
    return [e for e in ENGINES if e in wanted and (e != "postgres" or postgres.available())]


def run(work: Path, *, quick: bool, engines: Sequence[str] | None = None) -> dict[str, object]:
    """The ``knownitem`` part of ``make bench``: sisihagen and astro-docs, our engines beside
    FTS5 and raw Tantivy (``engines_of``)."""
    chosen = engines_of(engines, quick=quick)
    return {name: measure(name, chosen, work) for name in ("sisihagen", "astro-docs")}


def report(results: dict[str, object]) -> list[str]:
    lines = ["## Known-item search (MRR@10, queries from the articles' sentences and titles)", ""]
    lines += ["| archive | engine | mode | all | per language |", "|---|---|---|---|---|"]
    for name, by_engine in results.items():
        assert isinstance(by_engine, dict)
        for engine, by_mode in by_engine.items():
            for mode, scores in by_mode.items():
                langs = " ".join(f"{k} {v}" for k, v in scores.items() if k != "all")
                lines.append(f"| {name} | {engine} | {mode} | {scores['all']} | {langs} |")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.knownitem", description=__doc__)
    parser.add_argument("--corpus", default="sisihagen")
    parser.add_argument("--engines", default="tantivy,whoosh,postgres,fts5,raw-tantivy")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="knownitem-"))
    for engine, by_mode in measure(args.corpus, args.engines.split(","), work).items():
        for mode, scores in by_mode.items():
            print(args.corpus, engine, mode, scores, flush=True)


if __name__ == "__main__":
    main()
