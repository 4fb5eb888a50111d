"""Pages and API on a real multilingual archive, where facets, months and translations matter."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import executable_parts

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

CHESS_EN = "en/blog/2020/11/the-Nagorno-Karabakh-chess-game.md"


def test_counts_follow_the_selection(sisihagen_client: FlaskClient) -> None:
    everything = sisihagen_client.get("/api/v1/search?q=krieg").get_json()
    staat = sisihagen_client.get("/api/v1/search?q=krieg&tag=Staat").get_json()
    both = sisihagen_client.get("/api/v1/search?q=krieg&tag=Staat&tag=Gesellschaft").get_json()
    year = sisihagen_client.get(
        "/api/v1/search?q=krieg&tag=Staat&tag=Gesellschaft&year=2021"
    ).get_json()
    assert everything["total"] > staat["total"] > 0
    assert both["total"] > staat["total"]  # OR within one facet widens
    assert 0 < year["total"] < both["total"]  # AND across facets narrows
    assert all(h["date"].startswith("2021") for h in year["hits"])
    months = {v["value"]: v["count"] for v in year["facets"]["month"]}
    assert months and all(m.startswith("2021-") for m, c in months.items() if c)
    assert sum(c for m, c in months.items() if m.startswith("2021-")) == year["total"]


def test_filters_apply_to_the_hits(sisihagen_client: FlaskClient) -> None:
    body = sisihagen_client.get("/api/v1/search?q=karabakh&lang=en&per_page=50").get_json()
    assert body["total"] > 0
    assert {h["lang"] for h in body["hits"]} == {"en"}


def test_months_appear_inside_one_selected_year(sisihagen_client: FlaskClient) -> None:
    html = sisihagen_client.get("/?q=krieg&year=2020").get_data(as_text=True)
    assert 'id="facet-month"' in html and "October 2020" in html
    assert 'href="?q=krieg&amp;year=2020&amp;month=2020-10"' in html
    html = sisihagen_client.get("/?q=krieg").get_data(as_text=True)
    assert 'id="facet-month"' not in html


def test_did_you_mean_is_a_link(sisihagen_client: FlaskClient) -> None:
    body = sisihagen_client.get("/api/v1/search?q=kreig&correct=0").get_json()
    assert (body["suggestion"], body["total"], body["corrected"]) == ("krieg", 0, False)
    html = sisihagen_client.get("/?q=kreig&correct=0").get_data(as_text=True)
    assert re.search(r'Did you mean <a href="\?q=krieg">', html)
    corrected = sisihagen_client.get("/api/v1/search?q=kreig").get_json()
    assert corrected["corrected"] and corrected["total"] > 0


def test_article_page_with_translations_and_related(sisihagen_client: FlaskClient) -> None:
    response = sisihagen_client.get(f"/articles/{CHESS_EN}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'hreflang="de"' in html and 'hreflang="fr"' in html and 'hreflang="ru"' in html
    assert "Related articles" in html
    assert "{{&lt;" not in html and "{{<" not in html  # Hugo shortcodes are gone
    assert executable_parts(html) == []
    body = sisihagen_client.get(f"/api/v1/articles/{CHESS_EN}").get_json()
    assert {t["lang"] for t in body["translations"]} == {"de", "fr", "ru"}
    assert body["related"] and all(r["id"] != CHESS_EN for r in body["related"])


def test_facets_endpoint_counts_the_whole_archive(sisihagen_client: FlaskClient) -> None:
    body = sisihagen_client.get("/api/v1/facets").get_json()
    langs = {v["value"]: v["count"] for v in body["facets"]["lang"]}
    assert set(langs) >= {"de", "en", "fr", "ru"}
    assert sum(langs.values()) == body["articles"]


def test_a_deep_page_and_the_last_allowed_page(sisihagen_client: FlaskClient) -> None:
    assert sisihagen_client.get("/?page=20&per_page=50").status_code == 200
    assert sisihagen_client.get("/?page=21&per_page=50").status_code == 400
