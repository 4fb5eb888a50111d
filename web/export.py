"""Exports for research: every result of a search, streamed, with a manifest to cite it by.

Same parameters as the search (paging ignored), plus:

``format``
    ``csv`` (default), ``jsonl`` (JSON Lines) or ``json``.
``fields``
    Comma-separated columns (``search.exporting.FIELDS``); default ``DEFAULT_FIELDS``.
``limit``
    Rows in this response; the manifest and the ``X-Next-Cursor`` header then give the
    cursor that continues. Without it, every row from the cursor on.
``cursor``
    Resume after the last row of an earlier response of the same export.
``zip``
    ``1``: a ZIP holding the data file and ``manifest.json``.

The manifest records the query and every parameter, the index generation and
its creation time, the engine, the service version, the time of export, the
counts and the SHA-256 of the data: for ``jsonl`` of every line after the first
(the manifest's own), for ``json`` of the ``articles`` value exactly as written
(the last member of the object), in a ZIP of the data file. JSON and JSON Lines
carry it in front of the data, so the data is read twice (once to hash it), and
memory stays flat either way; a ZIP writes the manifest after the data.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or CR) are prefixed with an apostrophe (OWASP's advice).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.metadata
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Response

from search.errors import BadRequest
from search.exporting import parse_fields
from search.request import build_request, to_params
from web.context import service
from web.httpcache import cacheable, etag_for, not_modified
from web.links import request_urls

MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/jsonl", "json": "application/json"}
OPTIONS = ("format", "fields", "limit", "cursor", "zip")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Options:
    format: str
    fields: tuple[str, ...]
    limit: int | None
    cursor: str | None
    zip: bool


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = [v for v in params.pop(name, []) if v.strip()]
    if len(values) > 1:
        raise BadRequest(f"parameter '{name}' is given more than once", code="repeated_parameter")
    return values[0].strip() if values else None


def parse_options(params: dict[str, list[str]]) -> Options:
    """Take the export's own parameters out of ``params`` (the rest is the search)."""
    fmt = _one(params, "format") or "csv"
    if fmt not in MEDIA_TYPES:
        raise BadRequest(f"format must be one of {', '.join(MEDIA_TYPES)}", code="bad_parameter")
    limit_text = _one(params, "limit")
    limit = None
    if limit_text is not None:
        if not (limit_text.isascii() and limit_text.isdigit()) or not 0 < int(limit_text) < 10**9:
            raise BadRequest("parameter 'limit' must be a positive whole number")
        limit = int(limit_text)
    zipped = _one(params, "zip") or "0"
    if zipped not in ("0", "1"):
        raise BadRequest("parameter 'zip' must be 1 or 0")
    fields = parse_fields(_one(params, "fields"))
    return Options(fmt, fields, limit, _one(params, "cursor"), zipped == "1")


def service_version() -> str:
    try:
        return importlib.metadata.version("archive-search")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def export_response(params: dict[str, list[str]]) -> Response:
    given = {name: list(values) for name, values in params.items()}
    options = parse_options(params)
    for name in ("page", "per_page"):
        params.pop(name, None)
    request = build_request(params)
    engine = service().engine()  # one engine for the whole stream: a swap does not move it
    # the same rows for the same generation, options and normalised search: 304 before any work
    key = urlencode([*to_params(request), *sorted(_option_pairs(options))])
    tag = etag_for(engine.info(), "export", key)
    early = not_modified(tag)
    if early is not None:
        return early
    plan = engine.export_plan(request, options.cursor)
    stop = len(plan.docs) if options.limit is None else min(options.limit, len(plan.docs))
    next_cursor = plan.cursor_after(stop - 1) if 0 < stop < len(plan.docs) else None
    urls = request_urls()
    exported_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest: dict[str, Any] = {
        "query": request.q,
        "interpreted": plan.parsed.interpreted(),
        "parameters": given,
        "sort": request.sort,
        "format": options.format,
        "fields": list(options.fields),
        "generation": plan.generation,
        "generation_created": plan.generation_created,
        "engine": plan.engine,
        "service_version": service_version(),
        "exported_at": exported_at,
        "total": plan.total,
        "count": stop,
        "cursor": options.cursor,
        "next_cursor": next_cursor,
    }

    def data() -> Iterator[bytes]:
        rows = engine.export_rows(plan, options.fields, lambda i: urls(i)["url"], stop)
        return _batched(_SERIALISERS[options.format](rows, options.fields))

    body = _zip(data, manifest, options.format) if options.zip else _stream(data, manifest, options)
    ext = "zip" if options.zip else options.format
    media = "application/zip" if options.zip else MEDIA_TYPES[options.format]
    response = Response(body, mimetype=media)
    stamp = exported_at.replace(":", "").replace("-", "")[:15]
    response.headers["Content-Disposition"] = (
        f'attachment; filename="archive-search-{plan.generation}-{stamp}.{ext}"'
    )
    response.headers["X-Total-Count"] = str(plan.total)
    response.headers["X-Export-Count"] = str(stop)
    response.headers["X-Index-Generation"] = plan.generation
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    # weak: the manifest's exported_at differs between two equivalent exports
    return cacheable(response, tag)


def _option_pairs(options: Options) -> list[tuple[str, str]]:
    return [
        ("format", options.format),
        ("fields", ",".join(options.fields)),
        ("limit", str(options.limit or "")),
        ("cursor", options.cursor or ""),
        ("zip", "1" if options.zip else "0"),
    ]


def _stream(
    data: Callable[[], Iterator[bytes]], manifest: dict[str, Any], options: Options
) -> Iterator[bytes]:
    if options.format == "csv":
        yield from data()  # its manifest comes in the ZIP form only
        return
    digest = hashlib.sha256()
    for part in data():  # first pass: the hash the header carries
        digest.update(part)
    head = orjson.dumps({**manifest, "sha256": digest.hexdigest()})
    if options.format == "jsonl":
        yield b'{"manifest":' + head + b"}\n"
    else:
        yield (
            b'{"manifest":'
            + head
            + b',"total":%d,"exported":%d,"articles":'
            % (
                manifest["total"],
                manifest["count"],
            )
        )
    yield from data()
    if options.format == "json":
        yield b"}"


class _Sink(io.RawIOBase):
    """What ``zipfile`` writes, kept until the stream takes it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.size

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def _zip(
    data: Callable[[], Iterator[bytes]], manifest: dict[str, Any], fmt: str
) -> Iterator[bytes]:
    sink = _Sink()
    now = dt.datetime.now(dt.UTC).timetuple()[:6]
    digest = hashlib.sha256()
    name = f"export.{fmt}"
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, now)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            for part in data():
                digest.update(part)
                member.write(part)
                yield sink.take()
        text = {**manifest, "sha256": digest.hexdigest(), "data_file": name}
        manifest_info = zipfile.ZipInfo("manifest.json", now)
        manifest_info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(manifest_info, orjson.dumps(text, option=orjson.OPT_INDENT_2))
    yield sink.take()


BATCH_BYTES = 64 * 1024


def _batched(parts: Iterable[bytes]) -> Iterator[bytes]:
    """Small parts joined into writes of about ``BATCH_BYTES``: one per row would cost a
    system call (and a chunk header) per row."""
    held: list[bytes] = []
    size = 0
    for part in parts:
        held.append(part)
        size += len(part)
        if size >= BATCH_BYTES:
            yield b"".join(held)
            held.clear()
            size = 0
    if held:
        yield b"".join(held)


def csv_cell(value: Any) -> str:
    if isinstance(value, list):
        value = "; ".join(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(rows: Iterable[Row], fields: tuple[str, ...]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_cell(row[name]) for name in fields])
        if n % 200 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def _jsonl(rows: Iterable[Row], fields: tuple[str, ...]) -> Iterator[bytes]:
    for row in rows:
        yield orjson.dumps(row) + b"\n"


def _json(rows: Iterable[Row], fields: tuple[str, ...]) -> Iterator[bytes]:
    yield b"["
    first = True
    for row in rows:
        yield orjson.dumps(row) if first else b"," + orjson.dumps(row)
        first = False
    yield b"]"


_SERIALISERS: dict[str, Callable[[Iterable[Row], tuple[str, ...]], Iterator[bytes]]] = {
    "csv": _csv,
    "jsonl": _jsonl,
    "json": _json,
}
