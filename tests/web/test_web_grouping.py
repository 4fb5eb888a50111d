"""Translation groups on the pages and the API: the pages' default, ``lang_pref`` and
``Accept-Language``, "also in" links, counts that say what they count; and, in a real
Chromium against gunicorn, that an "also in" link opens the translation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.contract.archive import write_archive
from tests.contract.grouping_archive import PAGED, grouping_files
from tests.web.browser_support import CHROMIUM, CHROMIUM_ARGS, gunicorn, require_browser
from tests.web.conftest import _app, _build


@pytest.fixture(scope="module")
def grouping_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_archive(tmp_path_factory.mktemp("grouping-web"), grouping_files())
    return _build(root, tmp_path_factory.mktemp("grouping-web-index"))


@pytest.fixture(scope="module")
def grouping_app(grouping_index: Path) -> Iterator[Flask]:
    yield from _app(grouping_index)


@pytest.fixture
def web(grouping_app: Flask) -> FlaskClient:
    return grouping_app.test_client()


def _hit_links(html: str) -> list[str]:
    return re.findall(r'<li class="hit">\s*<h2><a href="/articles/([^"?]+)', html)


def _also_in(html: str) -> list[list[str]]:
    blocks = re.findall(r'<p class="also-in">(.*?)</p>', html, re.S)
    return [re.findall(r">([^<]+)</a>", block) for block in blocks]


def test_pages_group_translations_by_default(web: FlaskClient) -> None:
    html = web.get("/?q=karabakh").get_data(as_text=True)
    assert len(_hit_links(html)) == 4
    assert "Translations grouped: 4 groups of 8 articles" in html
    assert "Counts are translation groups" in html
    # language names as the site shows them elsewhere (CLDR), each a link to the member
    names = [set(names) for names in _also_in(html)]
    assert any(len(found) == 3 and found <= {"English", "Deutsch", "Français", "Русский"}
               for found in names)  # fmt: skip
    assert "group=translations" in re.search(r'href="([^"]*format=csv[^"]*)"', html).group(1)  # type: ignore[union-attr]
    flat = web.get("/?q=karabakh&group=none").get_data(as_text=True)
    assert len(_hit_links(flat)) == 8 and "Every translation shown; counts are articles" in flat
    assert 'class="also-in"' not in flat
    browsing = web.get("/").get_data(as_text=True)
    assert f"{12 + 2 * PAGED} articles in the archive" in browsing
    assert f"{6 + PAGED} with translations grouped" in browsing


def test_pages_show_the_readers_language(web: FlaskClient) -> None:
    response = web.get("/?q=karabakh", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert "Accept-Language" in response.headers["Vary"]
    shown = _hit_links(response.get_data(as_text=True))
    assert "fr/news/summit.md" in shown and "en/news/storm.md" in shown
    russian = _hit_links(web.get("/?q=karabakh", headers={"Accept-Language": "ru"}).text)
    assert "ru/news/summit.md" in russian
    # the parameter wins over the header; a header tag that is no language is skipped
    chosen = web.get("/?q=karabakh&lang_pref=de", headers={"Accept-Language": "x-bogus-1, ru"})
    assert "de/news/summit.md" in _hit_links(chosen.text)
    assert "ru/news/summit.md" in _hit_links(
        web.get("/?q=karabakh", headers={"Accept-Language": "x-bogus-1, ru"}).text
    )


def test_api_groups_when_asked_and_says_what_it_counts(web: FlaskClient) -> None:
    flat = web.get("/api/v1/search?q=karabakh").get_json()
    assert (flat["total"], flat["count_unit"], flat["articles"]) == (8, "articles", 8)
    assert all(hit["also_in"] == [] for hit in flat["hits"])
    body = web.get("/api/v1/search?q=karabakh&group=translations&lang_pref=ru").get_json()
    assert (body["total"], body["count_unit"], body["articles"]) == (4, "groups", 8)
    assert body["query"]["group"] == "translations" and body["query"]["lang_pref"] == ["ru"]
    summit = next(hit for hit in body["hits"] if hit["id"].endswith("summit.md"))
    assert summit["id"] == "ru/news/summit.md"
    assert [(m["lang"], m["lang_name"], m["matched"]) for m in summit["also_in"]] == [
        ("de", "Deutsch", True),
        ("en", "English", True),
        ("fr", "Français", True),
    ]
    assert summit["also_in"][0]["url"] == "/articles/de/news/summit.md"
    assert body["facets"]["year"][0] == {
        "value": "2021",
        "label": "2021",
        "count": 1,  # one group of four articles
        "selected": False,
        "excluded": False,
    }


def test_api_pages_over_groups(web: FlaskClient) -> None:
    first = web.get("/api/v1/search?q=harbour&group=translations&per_page=3").get_json()
    assert first["total"] == PAGED and first["pages"] == 3
    assert "group=translations" in first["links"]["next"]
    second = web.get(first["links"]["next"].replace("http://localhost", "")).get_json()
    ids = [hit["id"].rsplit("/", 1)[-1] for page in (first, second) for hit in page["hits"]]
    assert len(ids) == len(set(ids)) == 6


@pytest.mark.parametrize(
    "query", ["group=all", "lang_pref=de,%2A%2A%2A", f"lang_pref={'de,' * 200}en"]
)
def test_api_refuses_bad_grouping_parameters(web: FlaskClient, query: str) -> None:
    response = web.get(f"/api/v1/search?q=karabakh&{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.browser
@pytest.mark.slow
def test_also_in_links_open_the_translation(grouping_index: Path) -> None:
    sync_playwright = require_browser()
    with gunicorn(grouping_index) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="de-DE")  # sends Accept-Language: de-DE
            page: Any = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(base + "/?q=karabakh")
            summit = page.locator("li.hit", has_text="Friedensgipfel")
            assert summit.count() == 1  # the German member, for a German reader
            link = summit.locator("p.also-in a", has_text="Français")
            with page.expect_navigation():
                link.click()
            assert "/articles/fr/news/summit.md" in page.url
            assert page.locator("h1").first.inner_text() == "Sommet de paix sur le Karabakh"
            page.go_back()
            link = page.locator("li.hit", has_text="Friedensgipfel").locator(
                "p.also-in a", has_text="English"
            )
            with page.expect_navigation():
                link.click()
            assert page.locator("h1").first.inner_text() == "Peace summit on Karabakh"
        finally:
            browser.close()
