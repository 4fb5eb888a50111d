"""The results and article pages keep their promises (server side; tests/web/test_web_visitor.py
drives the same in Chromium)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient

from search.request import build_request
from web.render import nest_headings
from web.results_page import back_url, empty_advice, long_date

KARABAKH_ID = "israels-role-in-nagorno-karabakh.txt"


def html_of(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def selected_sort(html: str) -> tuple[str, str]:
    select = html[
        html.index('<select id="sort"') : html.index("</select>", html.index('id="sort"'))
    ]
    match = re.search(r'<option value="([a-z]*)" selected>([^<]+)<', select)
    assert match, select
    return match.group(1), match.group(2)


def test_a_query_is_ranked_by_relevance_and_says_so(client: FlaskClient) -> None:
    html = html_of(client, "/?q=karabakh")
    assert selected_sort(html) == ("", "Relevance")
    assert "sorted by relevance" in html
    assert selected_sort(html_of(client, "/?q=karabakh&sort=newest")) == ("newest", "Newest first")


def test_browsing_preselects_nothing_a_query_would_inherit(client: FlaskClient) -> None:
    html = html_of(client, "/")
    # the empty value submits no sort, so a query typed here is ranked by relevance
    assert selected_sort(html) == ("", "Newest first")
    assert '<option value="relevance"' not in html


def test_results_link_to_articles_with_the_way_back(client: FlaskClient) -> None:
    html = html_of(client, "/?q=karabakh&tag=State&per_page=1&page=1")
    link = re.search(r'href="(/articles/[^"]+)"', html)
    assert link
    article = html_of(client, link.group(1).replace("&amp;", "&"))
    assert (
        '<a href="/?q=karabakh&amp;tag=State&amp;per_page=1&amp;page=1">&larr; Back to results'
        in (article)
    )


def test_a_bad_way_back_falls_back_to_the_search_page(client: FlaskClient) -> None:
    for back in ("page%3D0", "colour%3Dred", "https%3A%2F%2Fevil.example%2F", ""):
        article = html_of(client, f"/articles/{KARABAKH_ID}?back={back}")
        assert '<a href="/">&larr; Search</a>' in article
    assert back_url("q=war&page=2&utm_source=x", "/") == "/?q=war&page=2"


def test_a_selected_value_stays_in_its_facet(client: FlaskClient) -> None:
    html = html_of(client, "/?q=karabakh&tag=NoSuchTag&not_lang=xx")
    facet = html[html.index('id="facet-tag"') :]
    assert re.search(r'is-selected">\s*<a class="toggle"[^>]*>.*?NoSuchTag', facet, re.S)
    assert "No articles match" in html


def test_dates_in_one_format_per_locale(client: FlaskClient) -> None:
    html = html_of(client, "/?q=karabakh")
    assert '<time datetime="2020-10-20">October 20, 2020</time>' in html
    assert long_date(dt.date(2021, 2, 1), "de") == "1. Februar 2021"
    assert long_date(dt.date(2021, 2, 1), "und") == "February 1, 2021"
    article = html_of(client, f"/articles/{KARABAKH_ID}")
    assert '<time datetime="2020-10-20">October 20, 2020</time>' in article


def test_empty_advice_fits_the_query(client: FlaskClient) -> None:
    one = html_of(client, "/?q=zzzqqq")
    assert "No articles match" in one
    assert "any" not in one[one.index("No articles match") :].split("</div>")[0]
    assert "browse every article" in one
    filtered = html_of(client, "/?q=%22karabakh+war%22&tag=Nothing")
    assert 'Remove a filter: <a href="?q=%22karabakh+war%22">Tags: Nothing</a>' in filtered
    assert (
        'Search the words anywhere: <a href="?tag=Nothing&amp;q=karabakh+war">karabakh war</a>'
        in filtered
    )


def test_empty_advice_offers_the_spelling(demo_app: Flask) -> None:
    req = build_request({"q": ["karabakk"]})
    result = dataclasses.replace(
        demo_app.extensions["archive_search.service"].search(req), suggestion="karabakh"
    )
    (advice,) = empty_advice(req, result, (("q", "karabakk"),), [])
    assert (advice.text, advice.link_text, advice.url) == (
        "Check the spelling:", "karabakh", "?q=karabakh"
    )  # fmt: skip


def test_a_syntax_error_notice_quotes_the_part_that_failed(client: FlaskClient) -> None:
    html = html_of(client, "/?q=%22karabakh+war")
    assert "a quotation mark is not closed: “&#34;karabakh war”" in html


def test_body_headings_nest_below_the_title() -> None:
    assert nest_headings("<h4>a</h4><p>x</p><h5 id=y>b</h5><h4>c</h4>") == (
        "<h2>a</h2><p>x</p><h3 id=y>b</h3><h2>c</h2>"
    )
    assert nest_headings("<h1>a</h1><h3>b</h3>") == "<h2>a</h2><h3>b</h3>"
    assert nest_headings("<p>no headings</p>") == "<p>no headings</p>"
