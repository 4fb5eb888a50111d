"""Pure parts of the web layer: links, pagination, rendering, URL checks, the error shape."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from web.links import request_urls
from web.render import render_article, render_markdown, render_text
from web.security import url_is_utf8
from web.serialise import ArticleUrls, error_body
from web.urls import exclude, remove, replace, state_pairs, toggle
from web.viewmodel import page_numbers


def test_state_pairs_drop_tracking_and_empty_values() -> None:
    pairs = state_pairs([("q", "war"), ("utm_source", "x"), ("from", ""), ("tag", "State")])
    assert pairs == (("q", "war"), ("tag", "State"))


def test_toggle_adds_and_removes_and_resets_page() -> None:
    pairs = (("q", "war"), ("page", "3"))
    on = toggle(pairs, "tag", "State")
    assert on == (("q", "war"), ("tag", "State"))
    assert toggle(on, "tag", "State") == (("q", "war"),)


def test_toggle_year_off_drops_its_months() -> None:
    pairs = (("year", "2020"), ("month", "2020-10"), ("month", "2019-01"))
    assert toggle(pairs, "year", "2020") == (("month", "2019-01"),)


def test_exclude_replaces_a_selection() -> None:
    pairs = (("tag", "State"),)
    assert exclude(pairs, "tag", "State") == (("not_tag", "State"),)
    assert exclude((("not_tag", "State"),), "tag", "State") == ()
    assert toggle((("not_tag", "State"),), "tag", "State") == (("tag", "State"),)


def test_replace_and_remove() -> None:
    pairs = (("q", "a"), ("sort", "newest"), ("page", "2"))
    assert replace(pairs, "sort", "oldest") == (("q", "a"), ("sort", "oldest"))
    assert replace(pairs, "page", "5") == (("q", "a"), ("sort", "newest"), ("page", "5"))
    assert remove(pairs, "sort", "newest") == (("q", "a"),)


def test_page_numbers() -> None:
    assert page_numbers(1, 1, 10) == [1]
    assert page_numbers(5, 20, 10) == [1, None, 3, 4, 5, 6, 7, None, 20]
    assert page_numbers(1, 500, 10) == [1, 2, 3, None, 100]  # capped by the result window


def test_markdown_is_sanitised() -> None:
    html = render_markdown(
        "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [a](javascript:alert(3)) "
        "[b](https://example.org) <span onclick='x()' style='color:red'>s</span>\n\n"
        "{{< youtube abc >}}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    assert 'href="javascript:' not in html and "style=" not in html and "<img" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">b</a>' in html
    assert "youtube" not in html
    assert "<table>" in html and "<td>2</td>" in html


def test_text_is_escaped_into_paragraphs() -> None:
    assert render_text("a <b>\nc\n\n\nd & e") == "<p>a &lt;b&gt;<br>\nc</p>\n<p>d &amp; e</p>"
    assert str(render_article("<i>x</i>", "text")) == "<p>&lt;i&gt;x&lt;/i&gt;</p>"


@pytest.mark.parametrize(
    ("path", "query", "ok"),
    [
        ("/", b"q=caf%C3%A9", True),
        ("/", b"q=%FF", False),
        ("/", b"q=%C3", False),
        ("/articles/caf\xc3\xa9", b"", True),
        ("/articles/\xff", b"", False),
    ],
)
def test_url_is_utf8(path: str, query: bytes, ok: bool) -> None:
    assert url_is_utf8(path, query) is ok


def test_error_body_shape() -> None:
    assert error_body("not_found", "no such article", 404) == {
        "error": {"code": "not_found", "message": "no such article", "status": 404}
    }


def test_join_snippets_does_not_double_ellipses() -> None:
    from web.serialise import join_snippets

    assert join_snippets(["… a <mark>b</mark> …", "… c …"]) == "… a <mark>b</mark> … c …"
    assert join_snippets(["Start x", "y"]) == "Start x … y"
    assert join_snippets([]) == ""


def test_facet_values_match_case_insensitively() -> None:
    pairs = (("tag", "State"),)
    assert toggle(pairs, "tag", "state") == ()
    assert exclude(pairs, "tag", "state") == (("not_tag", "state"),)


@pytest.mark.parametrize(
    "article_id",
    [
        "en/blog/2021/plain",
        "de/blog/über uns",
        "odd/a?b#c&d=e",
        "pct/100%/x+y",
        "quote/\"'<>",
        "ru/блог/статья",
    ],
)
def test_article_urls_equal_url_for(demo_app: Flask, article_id: str) -> None:
    with demo_app.test_request_context("/api/v1/search?q=x", base_url="http://example.org:8000"):
        expected = {
            "url": url_for("pages.article", article_id=article_id),
            "api_url": url_for("api.article", article_id=article_id),
        }
        assert request_urls()(article_id) == expected
        assert request_urls()(article_id) == expected  # second call: from the app's cache
        assert ArticleUrls.relative()(article_id) == expected  # the CLI's, built without Flask
        public = ArticleUrls.relative("http://example.org:8000/")(article_id)
        assert public == {k: "http://example.org:8000" + v for k, v in expected.items()}


def test_json_provider_writes_what_the_stdlib_reads_back(demo_app: Flask) -> None:
    document = {
        "title": "Über « naïve » Москва",
        "n": 3,
        "score": 1.25,
        "none": None,
        "tags": ("a", "b"),
        "date": dt.date(2021, 3, 4),
        1: "non-string key",
    }
    with demo_app.app_context():
        text = demo_app.json.dumps(document)
        assert "Москва" in text  # written as UTF-8, not \\u escapes
        assert json.loads(text) == {
            "title": "Über « naïve » Москва",
            "n": 3,
            "score": 1.25,
            "none": None,
            "tags": ["a", "b"],
            "date": "2021-03-04",
            "1": "non-string key",
        }
        with pytest.raises(TypeError):
            demo_app.json.dumps({"x": object()})


def test_api_search_response_is_json_with_its_mimetype(client: FlaskClient) -> None:
    response = client.get("/api/v1/search?q=karabakh")
    assert response.mimetype == "application/json"
    assert json.loads(response.data)["total"] == response.get_json()["total"] > 0
