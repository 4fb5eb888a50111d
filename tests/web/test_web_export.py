"""Exports: every result of a search as CSV or JSON, formula-safe, same filters as the page."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

from indexer.build import build_index
from tests.web.openapi_check import checking_client
from web import create_app

ARTICLE = """---
title: "{title}"
date: 2021-03-{day:02d}
tags: ["{tag}"]
lang: en
---

The harbour report number {n}. {extra}
"""


@pytest.fixture(scope="module")
def export_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    archive = tmp_path_factory.mktemp("export-archive")
    for n in range(60):
        title = "=SUM(1+1) harbour" if n == 0 else f"Harbour {n}"
        tag = "Ports" if n % 2 else "Ships"
        text = ARTICLE.format(title=title, day=1 + n % 28, tag=tag, n=n, extra="")
        (archive / f"a{n:02d}.md").write_text(text, encoding="utf-8")
    index = tmp_path_factory.mktemp("export-index")
    build_index(archive, index)
    app = create_app({"INDEX_DIR": str(index), "TESTING": True, "RATELIMIT_ENABLED": False})
    return checking_client(app)


def test_csv_export_has_every_result_past_one_page(export_client: FlaskClient) -> None:
    response = export_client.get("/api/v1/export?q=harbour&page=3&per_page=5")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 60 == int(response.headers["X-Total-Count"])
    assert len({row["id"] for row in rows}) == 60
    assert rows[0].keys() >= {"id", "title", "date", "tags", "url"}
    assert all(row["url"].startswith("/articles/") for row in rows)


def test_csv_cells_cannot_be_formulas(export_client: FlaskClient) -> None:
    text = export_client.get("/api/v1/export?q=harbour").get_data(as_text=True)
    titles = [row["title"] for row in csv.DictReader(io.StringIO(text))]
    assert "'=SUM(1+1) harbour" in titles
    assert not any(t.startswith(("=", "+", "-", "@")) for t in titles)


def test_json_export_follows_the_filters(export_client: FlaskClient) -> None:
    response = export_client.get("/api/v1/export?q=harbour&tag=Ports&format=json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == data["exported"] == 30 == data["manifest"]["count"]
    assert all(row["tags"] == ["Ports"] for row in data["articles"])


@pytest.mark.parametrize("query", ["format=xml", "format=csv&format=json", "sort=sideways", "q=*x"])
def test_bad_export_requests_are_400_with_the_error_shape(
    export_client: FlaskClient, query: str
) -> None:
    response = export_client.get(f"/api/v1/export?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_the_results_page_links_to_its_export(export_client: FlaskClient) -> None:
    page = export_client.get("/?q=harbour&tag=Ships&page=2").get_data(as_text=True)
    assert "/api/v1/export?q=harbour&amp;tag=Ships&amp;format=csv" in page
    assert "page=2" not in page.split("/api/v1/export", 1)[1].split('"', 1)[0]
