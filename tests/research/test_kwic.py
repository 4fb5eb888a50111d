"""The concordance on the real archive: every line's centre is a real match of the query."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search.kwic import KwicOptions
from search.request import build_request
from search.service import SearchService
from web import create_app

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(sisihagen_index: Path) -> Iterator[Flask]:
    app = create_app({"INDEX_DIR": str(sisihagen_index), "TESTING": True})
    app.config["RATELIMIT_ENABLED"] = False
    yield app


@pytest.fixture
def kclient(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def sisihagen_service(sisihagen_index: Path) -> Iterator[SearchService]:
    service = SearchService(sisihagen_index)
    yield service
    service.close()


def _lines(service: SearchService, q: str, **options: int) -> list:  # type: ignore[type-arg]
    found = service.engine().concordance(build_request({"q": [q]}), KwicOptions(**options))  # type: ignore[arg-type]
    return list(found.lines)


def test_a_phrase_gives_the_phrase(sisihagen_service: SearchService) -> None:
    lines = _lines(sisihagen_service, '"human rights"')
    assert len(lines) > 50
    # the phrase's two words in order, in the forms the analyser matched ("Humans Rights")
    for line in lines:
        assert re.fullmatch(r"humans?\W+rights?", line.match, re.IGNORECASE), line
    # every article the search found has its lines, but those that matched by the title alone
    request = build_request({"q": ['"human rights"'], "per_page": ["50"], "facets": ["0"]})
    found: list[str] = []
    for page in range(1, 10):
        hits = sisihagen_service.search(dataclasses.replace(request, page=page)).hits
        found += [hit.id for hit in hits if hit.id not in {line.id for line in lines}]
    assert len(found) < 5
    for article_id in found:
        title = sisihagen_service.article(article_id).title
        assert re.search(r"human\W+rights?", title, re.IGNORECASE), title


def test_a_prefix_gives_its_expansions(sisihagen_service: SearchService) -> None:
    lines = _lines(sisihagen_service, "karaba*")
    words = {line.match.casefold() for line in lines}
    assert len(lines) > 20 and all(w.startswith("karaba") for w in words)
    assert len(words) >= 2, words  # karabakh, karabach…


def test_every_centre_is_a_word_the_search_matched(sisihagen_service: SearchService) -> None:
    """The stemmed word's forms, each standing alone as a word of its article."""
    lines = _lines(sisihagen_service, "krieg", per_article=3)
    assert lines
    forms = {line.match.casefold() for line in lines}
    assert "krieg" in forms and all(f.startswith("krieg") for f in forms), forms
    for line in lines[:200]:
        article = sisihagen_service.article(line.id)
        text = " ".join(article.body.split())
        assert f"{line.left}{line.match}{line.right}" in text, line


def test_caps_are_kept_and_reported(sisihagen_service: SearchService) -> None:
    found = sisihagen_service.engine().concordance(
        build_request({"q": ["krieg"]}), KwicOptions(per_article=2, limit=50)
    )
    per_article: dict[str, int] = {}
    for line in found.lines:
        per_article[line.id] = per_article.get(line.id, 0) + 1
    assert len(found.lines) == 50 and max(per_article.values()) <= 2
    assert found.limit_reached and found.capped_articles > 0 and found.read < found.articles


def test_width_gives_that_many_words(sisihagen_service: SearchService) -> None:
    for line in _lines(sisihagen_service, "karabakh", width=3):
        assert len(line.left.split()) <= 3 and len(line.right.split()) <= 3


def test_sorted_by_right_context(kclient: FlaskClient) -> None:
    data = kclient.get("/api/v1/kwic?q=karabakh&order=right&per_page=500").get_json()
    rights = [(ln["right"].casefold(), ln["match"].casefold()) for ln in data["lines"]]
    assert rights == sorted(rights) and data["total_lines"] == len(rights) > 10


def test_pages_and_csv(kclient: FlaskClient) -> None:
    first = kclient.get("/api/v1/kwic?q=war&per_page=20").get_json()
    second = kclient.get("/api/v1/kwic?q=war&per_page=20&page=2").get_json()
    assert len(first["lines"]) == 20 and first["lines"] != second["lines"]
    response = kclient.get("/api/v1/kwic?q=war&format=csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == first["total_lines"]
    assert [r["match"] for r in rows[:20]] == [ln["match"] for ln in first["lines"]]


def test_the_page_shows_the_lines_and_the_caps(kclient: FlaskClient) -> None:
    html = kclient.get('/kwic?q="human+rights"&lang=en').get_data(as_text=True)
    assert '<td class="kwic-match"><mark>' in html
    assert "at most 20 per article" in html and "format=csv" in html
    assert kclient.get("/kwic").status_code == 200  # the empty form
    assert kclient.get("/api/v1/kwic").status_code == 400  # no query
