"""``/api/v1/articles/<relative path>`` answers for every file, whatever its characters."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask

from indexer.build import build_index
from search.ids import article_id
from tests.contract.archive import ENGINES
from tests.web.conftest import _app

NAMES = (
    "conf-lineup@0.md",
    "100% sure.md",
    "c#/notes.md",
    "what?.md",
    "with space/a b.md",
    "chile-despertó.md",
    "日本語/記事.md",
    "news\\report.md",
    "news/report.md",
    "a%20b.md",
    "plus+and&semi;.md",
)


@pytest.fixture(scope="module", params=ENGINES)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    archive = tmp_path_factory.mktemp("ids-archive")
    for number, name in enumerate(NAMES):
        path = archive / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Article {number}\n---\nBody of article {number}.\n")
    index = tmp_path_factory.mktemp("ids-index")
    report = build_index(archive, index, rebuild=True, engine=request.param)
    assert report.articles == len(NAMES) and not report.errors
    yield from _app(index)


@pytest.mark.parametrize("number", range(len(NAMES)))
def test_the_relative_path_and_the_id_both_answer(app: Flask, number: int) -> None:
    client = app.test_client()
    name = NAMES[number]
    for asked in (name, article_id(name)):
        response = client.get("/api/v1/articles/" + quote(asked, safe="/"))
        assert response.status_code == 200, (asked, response.get_json())
        body = response.get_json()
        assert (body["path"], body["title"]) == (name, f"Article {number}")
        assert body["id"] == article_id(name)
        page = client.get("/articles/" + quote(asked, safe="/"))
        assert page.status_code == 200 and f"Article {number}" in page.get_data(as_text=True)


def test_a_backslash_is_not_a_separator() -> None:
    assert article_id("news\\report.md") != article_id("news/report.md")
    assert article_id("news\\report.md") == "news%5Creport.md"


def test_a_missing_path_is_a_404(app: Flask) -> None:
    response = app.test_client().get("/api/v1/articles/" + quote("nope@0.md"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
