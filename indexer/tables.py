"""Tabular archives: one article per row of a CSV, TSV, JSON Lines or JSON array file.

- **Formats**, by extension: ``.csv`` (RFC 4180: quoted fields may hold commas
  and line breaks), ``.tsv`` (IANA: tab-separated, no quoting), ``.jsonl`` and
  ``.ndjson`` (one JSON object per line), and ``.json`` when its content is a
  top-level array of objects (a ``.json`` object is site data,
  ``indexer.site_files``). Files are read as UTF-8 (a byte-order mark is
  dropped; bytes that are not UTF-8 become U+FFFD).
- **Columns** are mapped by name (case, spaces and ``-`` ignored): see
  ``COLUMN_NAMES``; ``[tables."glob"]`` in ``archive-search.toml`` names the
  column of any field for the files matching the glob. A row's text that holds
  HTML tags is read as HTML; entities are decoded once. A ``source`` column
  holding a URL is the row's URL (where a missing date is looked for, as in a
  path), otherwise it names the publication.
- **Ids**: the file's id, ``#``, then the row's ``id``/``article_id`` value, or
  its row number (1 = the first row under the header) when there is none or
  it is empty; a value seen before in the same file is a bad row.
- **Streaming**: rows are read one at a time from the open file, so memory
  does not grow with the file. A row is at most ``MAX_ROW_CHARS`` characters.
- **Bad rows** (a wrong number of fields, invalid JSON, not an object, no
  title nor text, a repeated id) are reported with their line number, and the
  other rows indexed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

from indexer.config import ArchiveConfig
from indexer.discover import Candidate, is_included
from indexer.markdown_text import decode_entities, html_to_text, tidy
from indexer.normalise import (
    Extracted,
    article_id,
    as_text,
    clean_line,
    cut_at_word,
    normalise_tags,
    split_authors,
    web_url,
)
from indexer.outcome import Problem
from indexer.parse import make_article, without_surrogates
from search.article import Article

TABLE_EXTENSIONS = {"csv": "csv", "tsv": "tsv", "jsonl": "jsonl", "ndjson": "jsonl"}
"""Extension → format; ``.json`` is a table only when it holds an array."""
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "text": ("text", "body", "content", "article"),
    "summary": ("summary", "description", "abstract"),
    "date": ("date", "publish_date", "published", "publishdate", "pubdate", "published_at"),
    "authors": ("author", "authors"),
    "url": ("url", "link", "source"),
    "tags": ("tags", "keywords", "category", "categories"),
    "lang": ("lang", "language"),
    "id": ("id", "article_id"),
}
"""Field → the column names that mean it, in order of preference."""
MAX_ROW_CHARS = 2_000_000
_CHUNK = 1 << 16
_HTML_TAG = re.compile(r"</?(?:p|br|div|a|b|i|em|strong|span|ul|ol|li|h[1-6]|img)\b[^>]*>", re.I)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)

csv.field_size_limit(MAX_ROW_CHARS)


def table_format(relpath: str, head: bytes) -> str | None:
    """``csv``, ``tsv``, ``jsonl`` or ``json`` if ``relpath`` is a table, else None."""
    extension = relpath.rsplit(".", 1)[-1].lower() if "." in relpath else ""
    if extension == "json":
        return "json" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") else None
    return TABLE_EXTENSIONS.get(extension)


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    """1 for the first row (under a header)."""
    line: int
    """The file's line where the row starts."""
    values: dict[str, object]


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str


def read_rows(handle: BinaryIO, fmt: str) -> Iterator[Row | BadRow]:
    """The rows of an open binary file, one at a time."""
    with io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="") as text:
        if fmt in ("csv", "tsv"):
            yield from _csv_rows(text, "\t" if fmt == "tsv" else ",")
        elif fmt == "jsonl":
            yield from _jsonl_rows(text)
        else:
            yield from _json_array_rows(text)


def _csv_rows(text: io.TextIOWrapper, delimiter: str) -> Iterator[Row | BadRow]:
    if delimiter == "\t":
        reader = csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE, strict=True)
    else:
        reader = csv.reader(text, strict=True)
    header: list[str] | None = None
    number = 0
    last_line = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRow(last_line + 1, f"unreadable row: {exc}")
            last_line = reader.line_num
            continue
        start, last_line = last_line + 1, reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        if header is None:
            header = [name.strip() for name in fields]
            continue
        number += 1
        if len(fields) != len(header):
            yield BadRow(start, f"row has {len(fields)} fields, the header {len(header)}")
            continue
        yield Row(number, start, dict(zip(header, fields, strict=True)))


def _jsonl_rows(text: io.TextIOWrapper) -> Iterator[Row | BadRow]:
    number = 0
    for line_number, line in enumerate(text, 1):
        if not line.strip():
            continue
        number += 1
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield BadRow(line_number, f"invalid JSON: {exc}")
            continue
        yield _object_row(value, number, line_number)


def _object_row(value: object, number: int, line: int) -> Row | BadRow:
    if not isinstance(value, dict):
        return BadRow(line, f"a row must be a JSON object, not {type(value).__name__}")
    return Row(number, line, {str(key): item for key, item in value.items()})


def _json_array_rows(text: io.TextIOWrapper) -> Iterator[Row | BadRow]:
    """The items of a top-level JSON array, decoded one at a time from a sliding buffer."""
    decoder = json.JSONDecoder()
    buffer, pos, line, number = "", 0, 1, 0
    started = False
    while True:
        # keep the buffer small: drop what is decoded, read more when an item may be cut
        buffer, pos = buffer[pos:], 0
        chunk = text.read(_CHUNK)
        buffer += chunk
        while True:
            skipped = len(buffer) - pos - len(buffer[pos:].lstrip(" \t\r\n,"))
            if not started:
                skipped = len(buffer) - len(buffer.lstrip(" \t\r\n"))
            line += buffer.count("\n", pos, pos + skipped)
            pos += skipped
            if pos >= len(buffer):
                break
            if not started:
                if buffer[pos] != "[":
                    yield BadRow(line, "a JSON table must be an array of objects")
                    return
                started, pos = True, pos + 1
                continue
            if buffer[pos] == "]":
                return
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except (json.JSONDecodeError, RecursionError) as exc:
                if chunk and len(buffer) - pos < MAX_ROW_CHARS:
                    break  # the item may go on in the next chunk
                yield BadRow(line, f"invalid JSON: {exc}; the rest of the file is not read")
                return
            if end == len(buffer) and chunk:
                break  # a number or a string may go on in the next chunk
            number += 1
            yield _object_row(value, number, line)
            line += buffer.count("\n", pos, end)
            pos = end
        if not chunk:
            if started:
                yield BadRow(line, "the JSON array is never closed")
            return


def column_map(columns: list[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Field → column for a table with ``columns``: the ``overrides`` (field → column),
    then the first column whose name means the field."""
    by_key = {_key(name): name for name in reversed(columns)}
    mapping = {field: column for field, column in overrides.items() if column in columns}
    for field, names in COLUMN_NAMES.items():
        if field not in mapping:
            found = next((by_key[n] for n in names if n in by_key), None)
            if found is not None and found not in mapping.values():
                mapping[field] = found
    return mapping


def _key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def row_fields(values: Mapping[str, object], mapping: Mapping[str, str]) -> Extracted:
    """What one row says, as a format reader's ``Extracted`` (before normalisation)."""

    def get(field: str) -> object:
        column = mapping.get(field)
        return values.get(column) if column is not None else None

    body = _text(get("text"))
    source = as_text(get("url"))
    url = source if source and _URL.match(source) else None
    title = as_text(get("title"))
    summary = as_text(get("summary"))
    return Extracted(
        title=decode_entities(title) if title else None,
        body=body,
        source=body,
        source_format="text",
        summary=_text(summary) if summary else None,
        date=get("date") if get("date") not in (None, "") else None,
        tags=normalise_tags([get("tags")]),
        publication=None if url else source,
        lang=get("lang") or None,
        authors=split_authors([get("authors")]),
        dates={"url": url} if url else {},  # a date in a URL, as in a permalink
        source_url=web_url(url),
    )


def _text(value: object) -> str:
    text = value if isinstance(value, str) else (as_text(value) or "")
    if "<" in text and _HTML_TAG.search(text):
        return tidy(html_to_text(text))  # the HTML parser decodes entities
    return tidy(decode_entities(text))


def row_id(row: Row, mapping: Mapping[str, str]) -> str:
    """The row's own id (the id column's value), or its row number."""
    column = mapping.get("id")
    value = as_text(row.values.get(column)) if column else None
    return value or str(row.number)


def columns_for(relpath: str, config: ArchiveConfig) -> dict[str, str]:
    """The configured field → column overrides of the globs matching ``relpath`` (a later
    glob wins)."""
    merged: dict[str, str] = {}
    for glob, columns in config.tables.items():
        if is_included(relpath, (glob,)):
            merged.update(columns)
    return merged


MAX_ROW_PROBLEMS = 100
"""Bad rows reported one by one per file; past this, one line counts the rest."""


def table_articles(
    candidate: Candidate, fmt: str, config: ArchiveConfig
) -> Iterator[Article | Problem]:
    """The articles of a table file, streamed, and a ``Problem`` per bad row."""
    relpath = candidate.relpath
    overrides = columns_for(relpath, config)
    base = article_id(relpath)
    mappings: dict[tuple[str, ...], dict[str, str]] = {}
    seen: dict[str, int] = {}
    bad = 0
    try:
        with candidate.open() as handle:
            for row in read_rows(handle, fmt):
                if isinstance(row, Row):
                    keys = tuple(row.values)
                    mapping = mappings.get(keys) or mappings.setdefault(
                        keys, column_map(list(keys), overrides)
                    )
                    result = _row_article(row, mapping, relpath, base, seen, config)
                else:
                    result = Problem(relpath, row.reason, "error", row.line)
                if isinstance(result, Problem):
                    bad += 1
                    if bad > MAX_ROW_PROBLEMS:
                        continue
                yield result
    except OSError as exc:
        yield Problem(relpath, f"cannot read file: {exc.strerror or exc}")
    if bad > MAX_ROW_PROBLEMS:
        yield Problem(relpath, f"{bad - MAX_ROW_PROBLEMS:,} more bad rows not listed")


def _row_article(
    row: Row,
    mapping: dict[str, str],
    relpath: str,
    base: str,
    seen: dict[str, int],
    config: ArchiveConfig,
) -> Article | Problem:
    found = row_fields(row.values, mapping)
    if not found.body and not found.title:
        return Problem(relpath, "row has neither a title nor a text", "error", row.line)
    own = row_id(row, mapping)
    if own in seen:
        return Problem(relpath, f"id {own!r} already used on line {seen[own]}", "error", row.line)
    seen[own] = row.line
    if not found.title:
        found.title = cut_at_word(clean_line(found.body[:400]), 100)
    warnings: list[str] = []
    digest = hashlib.sha256(repr(sorted(row.values.items())).encode("utf-8", "replace"))
    article = make_article(
        relpath,
        found,
        config,
        warnings,
        [],
        content_hash=digest.hexdigest(),
        identifier=f"{base}#{quote(own, safe='-._~')}",
    )
    return without_surrogates(article, warnings)
