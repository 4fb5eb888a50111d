"""``archive-search``: index an archive, search it from a terminal, serve it over HTTP."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TextIO

from archive_search.settings import Settings, SettingsError
from search.registry import REGISTRY

REQUEST_LINE_BYTES = 8190
"""The longest request line gunicorn accepts (its own maximum)."""
THREADS = 256
"""Threads per gunicorn worker: slow connections each hold one (blocked, nearly free)."""
KEEPALIVE_ROOM = 64
"""Connections per worker beyond its threads: idle kept-alive ones wait in its poller."""

EPILOG = """\
examples:
  archive-search index corpus/                      build or update the index in var/index
  archive-search index ~/blog/content --rebuild     rebuild from scratch
  archive-search index corpus/ --watch              update, then publish each change as it lands
  archive-search search 'karabakh -israel' --json   search it, print the API's JSON
  archive-search serve --port 8000                  serve the site and the API with gunicorn
"""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"archive-search: {exc}", file=sys.stderr)
        return 2
    parser = _parser(settings)
    args = parser.parse_args(argv)
    handler = {"index": _index, "search": _search, "serve": _serve}[args.command]
    return handler(args, settings)


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archive-search",
        description="Full-text search for archives of articles.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser(
        "index",
        help="build or update the index of an archive",
        description="Read every article under PATH into the index. The first run builds it; "
        "later runs update only what changed (by content hash). Readers keep the last good "
        "index until the new one is complete. Exit status: 0 when every file was indexed, "
        "1 when some failed (reported by path and reason), 2 on a usage error, 3 when the "
        "index is locked by another indexer or cannot be written.",
    )
    index.add_argument("path", type=Path, help="the archive's root folder")
    _index_option(index, settings)
    _database_option(index, settings)
    index.add_argument("--rebuild", action="store_true", help="build from scratch")
    engines = "; ".join(f"{spec.name}: {spec.summary}" for spec in REGISTRY.values())
    index.add_argument(
        "--engine", choices=tuple(REGISTRY),
        help=f"engine for a new or rebuilt index (default $ARCHIVE_SEARCH_ENGINE, now "
        f"{settings.engine}); an update keeps the index's engine. {engines}",
    )  # fmt: skip
    index.add_argument(
        "--config", type=Path, help="archive config (default PATH/archive-search.toml)"
    )
    index.add_argument("--include", action="append", default=[], metavar="GLOB",
                       help="index only files matching GLOB (repeatable)")  # fmt: skip
    index.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                       help="leave out files matching GLOB (repeatable)")  # fmt: skip
    index.add_argument("--json", action="store_true", help="print the summary as JSON")
    index.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument(
        "--watch", action="store_true",
        help="after the update, keep watching PATH and publish every change as it lands "
        "(bursts batched; a line per batch); Ctrl-C or SIGTERM stops it after the batch in hand",
    )  # fmt: skip

    search = commands.add_parser(
        "search",
        help="search the index from the terminal",
        description="Search the index with the same query language and parameters as the web "
        "page and the JSON API.",
    )
    search.add_argument("query", help="the query, e.g. 'karabakh \"peace process\" -israel'")
    _index_option(search, settings)
    _database_option(search, settings)
    search.add_argument("--tag", action="append", default=[], help="filter by tag (repeatable)")
    search.add_argument("--publication", action="append", default=[], help="filter by publication")
    search.add_argument("--lang", action="append", default=[], help="filter by language code")
    search.add_argument("--year", action="append", default=[], help="filter by year")
    search.add_argument("--from", dest="date_from", help="earliest date, YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", help="latest date, YYYY-MM-DD")
    search.add_argument("--sort", default="relevance", help="relevance, newest or oldest")
    search.add_argument("--match", default="all", help="all (default) or any")
    search.add_argument("--page", default="1")
    search.add_argument("--per-page", default="10")
    search.add_argument(
        "--group", default="none", help="none (default) or translations: one hit per group"
    )
    search.add_argument("--lang-pref", default="", help="preferred languages, e.g. de,en")
    search.add_argument("--json", action="store_true", help="print the JSON API's response")

    serve = commands.add_parser(
        "serve",
        help="serve the web site and the JSON API with gunicorn",
        description="Run gunicorn with the web application over the index.",
    )
    _index_option(serve, settings)
    _database_option(serve, settings)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument(
        "--threads", type=int, default=THREADS,
        help=f"threads per worker (default {THREADS}): each connection still sending its "
        "request holds one; the workers' threads together bound the slow connections served",
    )  # fmt: skip
    return parser


def _database_option(parser: argparse.ArgumentParser, settings: Settings) -> None:
    now = " ".join(settings.database_urls) or "unset"
    parser.add_argument(
        "--database", action="append", metavar="URL",
        help="PostgreSQL URL of the postgres engine (repeatable: replicas; libpq multi-host "
        f"URLs too; default $ARCHIVE_SEARCH_DATABASE_URL, now {now}); with it, search and "
        "serve read the generation published in the database",
    )  # fmt: skip


def _database_urls(args: argparse.Namespace, settings: Settings) -> tuple[str, ...]:
    from archive_search.settings import split_urls

    given = tuple(u for text in args.database or () for u in split_urls(text))
    return given or settings.database_urls


def _index_option(parser: argparse.ArgumentParser, settings: Settings) -> None:
    parser.add_argument(
        "--index", type=Path, default=settings.index_dir, metavar="DIR",
        help=f"the index directory (default $ARCHIVE_SEARCH_INDEX, now {settings.index_dir})",
    )  # fmt: skip


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from indexer.build import BuildReport, build_index
    from indexer.config import ConfigError, load_config
    from search.errors import SearchError

    if not args.path.is_dir():
        print(f"archive-search: {args.path} is not a folder", file=sys.stderr)
        return 2
    try:
        config = load_config(args.path, args.config)
    except ConfigError as exc:
        print(f"archive-search: {exc}", file=sys.stderr)
        return 2
    if args.include or args.exclude:
        config = replace(
            config,
            include=(*config.include, *args.include),
            exclude=(*config.exclude, *args.exclude),
        )
    bar = None if args.quiet or args.json or not sys.stderr.isatty() else _ProgressBar(sys.stderr)
    stop = None
    if args.watch:
        from indexer.watch import stop_on_signals

        stop = stop_on_signals()  # before the catch-up run, so that it too stops cleanly

    urls = _database_urls(args, settings)
    if urls:
        from search.postgres_engine import database

        database.use(urls, publish_wait=settings.publish_wait, max_lag=settings.replica_max_lag)

    def update(
        paths: Collection[str] | None = None,
        rebuild: bool = False,
        progress: _ProgressBar | None = None,
    ) -> BuildReport:
        return build_index(
            args.path, args.index, rebuild=rebuild, config=config, progress=progress,
            engine=args.engine, default_engine=settings.engine, workers=settings.parse_workers,
            paths=paths, keep_writer=stop is not None,
        )  # fmt: skip

    try:
        report = update(None, args.rebuild, bar)
    except SearchError as exc:
        print(f"archive-search: {exc.message}", file=sys.stderr)
        return 3
    except OSError as exc:
        print(
            f"archive-search: the index could not be written ({exc}); "
            "the served index is unchanged",
            file=sys.stderr,
        )
        return 3
    except KeyboardInterrupt:
        return _interrupted()
    finally:
        if bar:
            bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_summary(report, sys.stdout)
    if stop is not None:
        from indexer.watch import watch_archive

        sys.stdout.flush()
        try:
            watch_archive(args.path, args.index, update, sys.stdout, stop)
        except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM, in the middle of a batch
            return _interrupted()
    return report.exit_status(strict=args.strict)


def _interrupted() -> int:
    print("archive-search: interrupted; the last published generation is served", file=sys.stderr)
    return 130  # as a shell reports a process ended by SIGINT


def _print_summary(report: object, out: TextIO) -> None:
    from indexer.build import BuildReport
    from indexer.outcome import printable

    assert isinstance(report, BuildReport)
    source, index_dir = printable(report.source), printable(report.index_dir)
    rate = report.files / report.seconds if report.seconds else 0.0
    print(f"{report.mode}: {source} -> {index_dir} (generation {report.generation})",
          file=out)  # fmt: skip
    print(
        f"  {report.articles} articles in the index; {report.indexed} indexed, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.removed} removed, "
        f"{report.drafts} drafts skipped",
        file=out,
    )
    for reason, count in report.skipped.items():
        print(f"  {count} skipped: {printable(reason)}", file=out)
    print(
        f"  skipped: {report.skipped_hidden} hidden, {len(report.skipped_binary)} binary, "
        f"{report.skipped_filtered} filtered out",
        file=out,
    )
    print(f"  {len(report.warnings)} warnings, {len(report.errors)} errors; "
          f"{report.seconds:.1f} s ({rate:.0f} files/s)", file=out)  # fmt: skip
    for note, count in sorted(report.notes.items()):
        print(f"  {count} {printable(note)}", file=out)
    for problem in report.problems:
        print(f"  {problem}", file=out)  # Problem.__str__ escapes what could forge a line


class _ProgressBar:
    """A one-line progress bar on a terminal; nothing when output is not a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent == self.shown and done != total:
            return
        self.shown = percent
        width = max(10, min(40, shutil.get_terminal_size().columns - 30))
        filled = width * done // max(total, 1)
        self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        self.out.flush()

    def close(self) -> None:
        if self.shown >= 0:
            self.out.write("\n")


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from search.errors import SearchError
    from search.request import build_request
    from search.service import SearchService, database_service
    from web.serialise import ArticleUrls, error_body, result_json

    params: dict[str, list[str]] = {
        "q": [args.query], "tag": args.tag, "publication": args.publication, "lang": args.lang,
        "year": args.year, "sort": [args.sort], "match": [args.match], "page": [args.page],
        "per_page": [args.per_page], "group": [args.group], "lang_pref": [args.lang_pref],
    }  # fmt: skip
    if args.date_from:
        params["from"] = [args.date_from]
    if args.date_to:
        params["to"] = [args.date_to]
    urls = _database_urls(args, settings)
    try:
        if urls:
            service = database_service(urls, max_lag=settings.replica_max_lag)
        else:
            service = SearchService(args.index)
    except SearchError as exc:
        print(f"archive-search: {exc.message}", file=sys.stderr)
        return 3
    try:
        result = service.search(build_request(params))
    except SearchError as exc:
        if args.json:
            _print_json(error_body(exc.code, exc.message, exc.status))
        else:
            print(f"archive-search: {exc.message}", file=sys.stderr)
        return 2 if exc.status < 500 else 3
    finally:
        service.close()
    if args.json:
        _print_json(result_json(result, ArticleUrls.relative(settings.public_url or "")))
    else:
        _print_result(result)
    return 0


def _print_json(body: dict[str, object]) -> None:
    """What the JSON API answers, indented; article URLs are under $ARCHIVE_SEARCH_PUBLIC_URL,
    or relative to the site's root, as the API writes them."""
    from web.jsonio import to_json

    sys.stdout.write(to_json(body, indent=True).decode("utf-8") + "\n")


def _print_result(result: object) -> None:
    import re

    from search.types import SearchResult

    assert isinstance(result, SearchResult)
    counted = f"{result.total} results"
    if result.articles is not None:
        counted = f"{result.total} translation groups ({result.articles} articles)"
    print(f"{counted} for {result.interpreted or '(everything)'} "
          f"({result.took_ms:.0f} ms)")  # fmt: skip
    for notice in result.notices:
        print(f"note: {notice}")
    if result.suggestion:
        print(f"did you mean: {result.suggestion}")
    first = (result.request.page - 1) * result.request.per_page
    for rank, hit in enumerate(result.hits, first + 1):
        meta = " · ".join(filter(None, [hit.date.isoformat() if hit.date else "", hit.lang,
                                        hit.publication or "", ", ".join(hit.tags)]))  # fmt: skip
        print(f"\n{rank}. {hit.title}\n   {hit.id}  {meta}")
        if hit.also_in:
            print("   also in: " + " · ".join(f"{t.lang} {t.id}" for t in hit.also_in))
        for snippet in hit.snippets[:1]:
            print("   " + re.sub(r"\s+", " ", snippet.text))


def gunicorn_command(host: str, port: int, workers: int, threads: int = THREADS) -> list[str]:
    """The gunicorn command line that serves the site (the hardening tests run it too).

    Threaded workers (``gthread``), chosen by measurement (docs/decisions/0201-*.md): a
    client that sends its request slowly holds one of a worker's many threads, never the
    worker itself, and the worker's main loop keeps accepting; requests that reach Flask
    are limited per client and queued cheap-first (``web.ratelimit``, ``web.admission``).
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        # a worker accepts no more connections than it has threads plus room for idle
        # kept-alive ones, so a queued request never waits behind a pool full of slow ones
        # for long; past that, connections wait in the kernel's backlog for the other worker
        "--worker-connections", str(threads + KEEPALIVE_ROOM),
        # hooks: a shorter interpreter switch interval in each worker (see the module)
        "--config", "python:archive_search.gunicorn_conf",
        "--access-logfile", "-",
        # gunicorn's control socket defaults to one path in $HOME shared by every instance
        # (and unwritable for the image's user); nothing here uses it
        "--no-control-socket",
        # gunicorn's default (4094 bytes) refuses, with its own bare 414 page, a GET of a
        # query within our cap: 1,000 Cyrillic characters are 6,000 bytes percent-encoded.
        # 8190 is the most gunicorn allows; our caps answer anything shorter in our shape.
        "--limit-request-line", str(REQUEST_LINE_BYTES),
        "web:create_app()",
    ]  # fmt: skip


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    command = gunicorn_command(args.host, args.port, args.workers, args.threads)
    os.environ["ARCHIVE_SEARCH_INDEX"] = str(args.index.resolve())
    urls = _database_urls(args, settings)
    if urls:  # the workers read it from the settings, as every other setting
        os.environ["ARCHIVE_SEARCH_DATABASE_URL"] = " ".join(urls)
    os.execvp(command[0], command)


if __name__ == "__main__":
    raise SystemExit(main())
