"""The article page and the API's article come from one path: same article, same related list,
and a failing related lookup handled alike (the article is still served)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from indexer.build import build_index
from search.contract import Engine
from search.errors import SearchTimeout
from search.service import SearchService
from tests.contract.archive import archive_files, write_archive
from web import create_app

KARABAKH = "en/blog/2020/10/karabakh.md"


class _RelatedFails:
    """The served engine, except that its related lookup runs out of time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def related(self, article_id: str, limit: int = 5) -> tuple[()]:
        raise SearchTimeout("the related lookup ran out of time")


class _Service(SearchService):
    def engine(self) -> Engine:
        return _RelatedFails(super().engine())


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The contract suite's archive (articles with related ones), indexed by Whoosh."""
    archive = write_archive(tmp_path_factory.mktemp("archive"), archive_files())
    index = tmp_path_factory.mktemp("index")
    build_index(archive, index, engine="whoosh")
    return index


def _client(service: SearchService) -> Iterator[FlaskClient]:
    app: Flask = create_app(
        {"SEARCH_SERVICE": service, "TESTING": True, "RATELIMIT_ENABLED": False}
    )
    yield app.test_client()
    service.close()


@pytest.fixture
def client(index: Path) -> Iterator[FlaskClient]:
    yield from _client(SearchService(index))


@pytest.fixture
def failing_client(index: Path) -> Iterator[FlaskClient]:
    yield from _client(_Service(index))


def test_page_and_api_show_the_same_related_articles(client: FlaskClient) -> None:
    api = client.get(f"/api/v1/articles/{KARABAKH}").get_json()
    page = client.get(f"/articles/{KARABAKH}").get_data(as_text=True)
    assert api["related"]
    for related in api["related"]:
        assert f'href="/articles/{related["id"]}"' in page


def test_a_failing_related_lookup_leaves_page_and_api_without_related(
    client: FlaskClient, failing_client: FlaskClient
) -> None:
    good = client.get(f"/api/v1/articles/{KARABAKH}").get_json()
    api = failing_client.get(f"/api/v1/articles/{KARABAKH}")
    assert api.status_code == 200, api.get_json()
    body = api.get_json()
    assert body["related"] == []
    assert {k: v for k, v in body.items() if k != "related"} == {
        k: v for k, v in good.items() if k != "related"
    }
    page = failing_client.get(f"/articles/{KARABAKH}")
    assert page.status_code == 200
    assert str(escape(good["title"])) in page.get_data(as_text=True)
    for related in good["related"]:
        assert f'href="/articles/{related["id"]}"' not in page.get_data(as_text=True)
