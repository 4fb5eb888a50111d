"""Exports of whole result sets: complete, in a stable order, resumable by cursor within a
generation and refused across a reindex, with a manifest whose hash matches the data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.build import build_index
from web import create_app

ARTICLE = """---
title: "{title}"
date: 2021-03-{day:02d}
tags: ["{tag}"]
author: "Writer {n}"
lang: en
---

The harbour report number {n}. Ships came in.
"""
ENGINES = ("whoosh", "tantivy", "postgres")


def _write(archive: Path, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        title = "=SUM(1+1) harbour" if n == 0 else f"Harbour {n}"
        text = ARTICLE.format(title=title, day=1 + n % 28, tag="Ports" if n % 2 else "Ships", n=n)
        (archive / f"a{n:03d}.md").write_text(text, encoding="utf-8")


def _app(index: Path) -> Flask:
    return create_app({"INDEX_DIR": str(index), "TESTING": True, "RATELIMIT_ENABLED": False})


@pytest.fixture(scope="module", params=ENGINES)
def small(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    archive = tmp_path_factory.mktemp("archive")
    _write(archive, 45)
    index = tmp_path_factory.mktemp("index")
    build_index(archive, index, engine=str(request.param))
    return _app(index).test_client()


def _manifest_and_rows(body: bytes, fmt: str) -> tuple[dict[str, Any], list[Any], bytes]:
    """The manifest, the rows and the bytes its hash covers, as a reader would find them."""
    if fmt == "jsonl":
        head, _, data = body.partition(b"\n")
        rows = [json.loads(line) for line in data.splitlines()]
        return json.loads(head)["manifest"], rows, data
    if fmt == "json":
        parsed = json.loads(body)
        start = body.index(b',"articles":') + len(b',"articles":')
        return parsed["manifest"], parsed["articles"], body[start:-1]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        data = archive.read(manifest["data_file"])
    return manifest, list(csv.DictReader(io.StringIO(data.decode("utf-8")))), data


@pytest.mark.parametrize(("fmt", "extra"), [("jsonl", ""), ("json", ""), ("csv", "&zip=1")])
def test_manifest_names_the_export_and_hashes_its_data(
    small: FlaskClient, fmt: str, extra: str
) -> None:
    response = small.get(f"/api/v1/export?q=harbour&tag=Ports&format={fmt}{extra}&sort=oldest")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and "gen-" in disposition
    manifest, rows, data = _manifest_and_rows(response.get_data(), fmt)
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]
    assert manifest["count"] == manifest["total"] == len(rows) == 22
    assert manifest["query"] == "harbour" and manifest["parameters"]["tag"] == ["Ports"]
    assert manifest["generation"].startswith("gen-") and manifest["generation_created"]
    assert manifest["engine"] in ENGINES and manifest["service_version"]
    assert manifest["exported_at"] and manifest["next_cursor"] is None
    dates = [row["date"] for row in rows]
    assert dates == sorted(dates)


def test_csv_has_a_disposition_and_safe_cells(small: FlaskClient) -> None:
    response = small.get("/api/v1/export?q=harbour&fields=title,authors,tags")
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["title", "authors", "tags"]
    assert len(rows) == 45 and "'=SUM(1+1) harbour" in {r["title"] for r in rows}
    assert {r["authors"] for r in rows} >= {"Writer 1", "Writer 2"}


def test_pages_by_cursor_add_up_to_the_whole_export(small: FlaskClient) -> None:
    whole = small.get("/api/v1/export?q=harbour&format=jsonl&fields=id").get_data()
    expected = [json.loads(line)["id"] for line in whole.splitlines()[1:]]
    got: list[str] = []
    cursor = ""
    for _ in range(10):
        response = small.get(f"/api/v1/export?q=harbour&format=jsonl&fields=id&limit=7{cursor}")
        manifest, rows, _ = _manifest_and_rows(response.get_data(), "jsonl")
        got += [row["id"] for row in rows]
        if manifest["next_cursor"] is None:
            assert "X-Next-Cursor" not in response.headers
            break
        assert response.headers["X-Next-Cursor"] == manifest["next_cursor"]
        cursor = f"&cursor={manifest['next_cursor']}"
    assert got == expected and len(got) == 45 == len(set(got))


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("format=xml", "bad_parameter"),
        ("fields=id,colour", "bad_fields"),
        ("cursor=not-a-cursor", "bad_cursor"),
        ("limit=0", "bad_request"),
        ("zip=2", "bad_request"),
    ],
)
def test_bad_exports_are_400(small: FlaskClient, query: str, code: str) -> None:
    response = small.get(f"/api/v1/export?q=harbour&{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_a_cursor_only_continues_its_own_export(small: FlaskClient) -> None:
    cursor = small.get("/api/v1/export?q=harbour&limit=5").headers["X-Next-Cursor"]
    response = small.get(f"/api/v1/export?q=harbour&tag=Ports&cursor={cursor}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "cursor_mismatch"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_cursor_across_a_reindex_is_refused(tmp_path: Path, engine: str) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    _write(archive, 12)
    build_index(archive, index, engine=engine)
    client = _app(index).test_client()
    first = client.get("/api/v1/export?q=harbour&limit=5")
    cursor = first.headers["X-Next-Cursor"]
    assert client.get(f"/api/v1/export?q=harbour&cursor={cursor}").status_code == 200
    _write(archive, 3, start=12)
    build_index(archive, index)  # a new generation replaces the one the cursor was made on
    response = client.get(f"/api/v1/export?q=harbour&cursor={cursor}")
    assert response.status_code == 410
    error = response.get_json()["error"]
    assert error["code"] == "cursor_expired"
    assert first.headers["X-Index-Generation"] in error["message"]


BIG_QUERY = "said OR says OR wrote OR writes OR one OR two OR new OR time"
ALLOWED_GROWTH = 4 * 1024 * 1024


def _stream(client: FlaskClient, url: str) -> tuple[int, int, bytes, hashlib._Hash, int]:
    """Stream ``url``; its size, the traced peak while streaming, the first line, the hash
    of the rest and its lines. Nothing of the body is kept."""
    response = client.get(url, buffered=False)
    assert response.status_code == 200
    tracemalloc.start()
    tracemalloc.reset_peak()
    size, head, rest, lines = 0, b"", hashlib.sha256(), 0
    for chunk in response.response:
        part = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")
        size += len(part)
        if not head:
            head, _, part = part.partition(b"\n")
        rest.update(part)
        lines += part.count(b"\n")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    response.close()
    return size, peak, head, rest, lines


@pytest.mark.corpus
@pytest.mark.slow
def test_an_export_of_every_result_streams_in_flat_memory(real_tantivy: Path) -> None:
    client = _app(real_tantivy).test_client()
    url = f"/api/v1/export?q={BIG_QUERY}&format=jsonl&fields=id,title,date,tags,summary,text"
    small_size, small_peak, _, _, _ = _stream(client, url + "&limit=1000")
    size, peak, head, rest, lines = _stream(client, url)
    manifest = json.loads(head)["manifest"]
    assert manifest["total"] == manifest["count"] == lines >= 15_000
    assert manifest["sha256"] == rest.hexdigest()
    # eighteen times the rows, and what the stream holds at once does not grow with them
    assert size > 10 * small_size and size > 10 * ALLOWED_GROWTH
    assert peak < small_peak + ALLOWED_GROWTH, (peak, small_peak)
    print(f"streamed {size:,} bytes; traced peak {peak:,} (1,000 rows: {small_peak:,})")
