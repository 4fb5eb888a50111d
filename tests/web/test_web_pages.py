"""HTML pages through Flask's test client: search, article, errors, headers, XSS."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import executable_parts

KARABAKH_ID = "israels-role-in-nagorno-karabakh.txt"
CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined,no-any-return]


def test_search_page(client: FlaskClient) -> None:
    response = client.get("/?q=karabakh")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = text(response)
    assert '<label for="q"' in html and 'value="karabakh"' in html
    # opens with its marks, and a way back to these results
    assert f'href="/articles/{KARABAKH_ID}?hl=karabakh&amp;back=q%3Dkarabakh"' in html
    assert "Nagorno-<mark>Karabakh</mark>" in html
    assert "2 results" in html
    assert 'href="?q=karabakh&amp;tag=state"' in html  # a facet value is a real link
    assert "Tags" in html and "Year" in html and "Language" in html
    assert executable_parts(html) == []


def test_selected_values_are_shown_removable_and_excludable(client: FlaskClient) -> None:
    html = text(client.get("/?q=karabakh&tag=State&year=2020"))
    assert 'aria-label="Active filters"' in html
    assert 'aria-label="Remove filter Tags: State"' in html
    assert 'href="?q=karabakh&amp;year=2020"' in html  # the link that removes the tag
    assert "Month" in html  # months appear inside the one selected year
    assert 'href="?q=karabakh&amp;year=2020&amp;not_tag=state"' in html
    assert '<input type="hidden" name="tag" value="State">' in html


def test_browsing_without_a_query(client: FlaskClient) -> None:
    html = text(client.get("/"))
    assert "2 articles in the archive" in html and f'/articles/{KARABAKH_ID}"' in html
    assert "sorted by newest first" in html


def test_pagination_links(client: FlaskClient) -> None:
    html = text(client.get("/?q=karabakh&per_page=1"))
    assert 'href="?q=karabakh&amp;per_page=1&amp;page=2"' in html
    assert 'aria-current="page">1<' in html


def test_no_hits_shows_the_suggestions_results_with_a_way_back(client: FlaskClient) -> None:
    html = client.get("/?q=Karabah").get_data(as_text=True)
    assert 'Showing results for <a href="?q=Karabakh"><strong>Karabakh</strong></a>.' in html
    assert 'Search instead for <a href="?q=Karabah&amp;correct=0">Karabah</a>' in html
    assert "<mark>Karabakh</mark>" in html
    asked = client.get("/?q=Karabah&correct=0").get_data(as_text=True)
    assert 'Did you mean <a href="?q=Karabakh">Karabakh</a>?' in asked
    assert "Showing results for" not in asked
    assert 'name="correct"' not in asked  # not carried into the next search
    body = client.get("/api/v1/search?q=Karabah").get_json()
    assert (body["corrected"], body["suggestion"]) == (True, "Karabakh")
    assert body["total"] > 0


ISRAEL = "/articles/israels-role-in-nagorno-karabakh.txt"


def test_results_open_the_article_with_its_matches_marked(client: FlaskClient) -> None:
    html = client.get("/?q=Azerbaijan").get_data(as_text=True)
    assert f'href="{ISRAEL}?hl=Azerbaijan&amp;back=q%3DAzerbaijan"' in html
    page = client.get(f"{ISRAEL}?hl=Azerbaijan").get_data(as_text=True)
    marks = re.findall(r'<mark id="hl-(\d+)">(.*?)</mark>', page)
    assert marks and all(word == "Azerbaijan" for _, word in marks)
    assert [int(n) for n, _ in marks] == list(range(1, len(marks) + 1))
    # the anchor list: every match reachable without JavaScript
    for n, _ in marks:
        assert f'<a href="#hl-{n}">{n}</a>' in page
    assert "<mark" not in client.get(ISRAEL).get_data(as_text=True)


def test_the_article_marks_a_phrase_only_as_a_phrase(client: FlaskClient) -> None:
    page = client.get(f'{ISRAEL}?hl="Nagorno Karabakh" -Azerbaijan').get_data(as_text=True)
    marked = re.findall(r'<mark id="hl-\d+">(.*?)</mark>', page)
    assert marked and set(marked) <= {"Nagorno", "Karabakh"}
    assert marked.count("Nagorno") == marked.count("Karabakh")  # together, never alone
    assert client.get(f"{ISRAEL}?hl=" + "x" * 1001).status_code == 400


def test_query_is_echoed_escaped(client: FlaskClient) -> None:
    html = text(client.get("/", query_string={"q": '<script>alert(1)</script>"><img src=x>'}))
    assert "<script>alert(1)" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert executable_parts(html) == []


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=0", 400),
        ("per_page=51", 400),
        ("page=11&per_page=100", 400),
        ("page=200&per_page=10", 400),
        ("from=2020-13-45", 400),
        ("sort=random", 400),
        ("page=1&page=2", 400),
        ("q=%ff", 400),
    ],
)
def test_bad_requests_get_a_friendly_400_page(client: FlaskClient, query: str, status: int) -> None:
    response = client.get(f"/?{query}")
    assert response.status_code == status and response.mimetype == "text/html"
    assert "That request did not work" in text(response)
    assert 'href="/"' in text(response)


def test_article_page(client: FlaskClient) -> None:
    response = client.get(f"/articles/{KARABAKH_ID}")
    assert response.status_code == 200
    html = text(response)
    assert '<h1 id="article-title">Israel&#39;s role in Nagorno-Karabakh</h1>' in html
    assert '<time datetime="2020-10-20">' in html
    assert "Stepanakert" in html
    assert 'rel="noopener noreferrer nofollow"' in html or '<a href="http' not in html
    assert executable_parts(html) == []


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/articles/no-such-article", {404}),
        ("/articles/../etc/passwd", {404}),
        ("/articles/%2e%2e%2fetc%2fpasswd", {404}),
        ("/articles/..%2f..%2f..%2fetc%2fpasswd", {404}),
        ("/articles/a%00b", {400, 404}),
        ("/no/such/page", {404}),
    ],
)
def test_missing_and_hostile_paths(client: FlaskClient, path: str, statuses: set[int]) -> None:
    response = client.get(path)
    assert response.status_code in statuses
    assert response.mimetype == "text/html"
    assert "root:" not in text(response)


def test_405_page(client: FlaskClient) -> None:
    response = client.post("/?q=x")
    assert response.status_code == 405 and response.mimetype == "text/html"


def test_security_headers_and_no_cors_on_pages(client: FlaskClient) -> None:
    for path in ("/", "/?q=karabakh", f"/articles/{KARABAKH_ID}", "/nope", "/static/style.css"):
        response = client.get(path, headers={"Origin": "https://other.example"})
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        for part in CSP_PARTS:
            assert part in csp, (path, part)
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"]
        assert "Access-Control-Allow-Origin" not in headers, path
        response.close()


def test_templates_have_no_inline_script_or_style(client: FlaskClient) -> None:
    html = text(client.get("/?q=karabakh&tag=State&year=2020"))
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert "<style" not in html and " style=" not in html
    assert re.search(r"\son[a-z]+=", html) is None


class TestXss:
    """An archive whose title, tags, summary and body all try to run script."""

    def test_search_page(self, xss_client: FlaskClient) -> None:
        response = xss_client.get("/?q=xsstoken")
        html = text(response)
        assert response.status_code == 200 and "2 results" in html
        assert executable_parts(html) == []
        assert "alert(1)" in html  # the title is shown, escaped

    def test_browse_page_with_tag_facet(self, xss_client: FlaskClient) -> None:
        html = text(xss_client.get("/"))
        assert executable_parts(html) == []
        assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html

    def test_article_pages(self, xss_client: FlaskClient) -> None:
        hits = xss_client.get("/api/v1/search?q=xsstoken").get_json()["hits"]
        assert len(hits) == 2
        for hit in hits:
            response = xss_client.get(f"/articles/{hit['id']}")
            html = text(response)
            assert response.status_code == 200
            assert executable_parts(html) == [], hit["id"]
            assert "xsstoken" in html

    def test_markdown_article_keeps_safe_links(self, xss_client: FlaskClient) -> None:
        hits = xss_client.get("/api/v1/search?q=xsstoken").get_json()["hits"]
        evil = next(h for h in hits if h["id"].startswith("evil"))
        html = text(xss_client.get(f"/articles/{evil['id']}"))
        assert 'href="https://example.org/ok" rel="noopener noreferrer nofollow"' in html
        assert "<iframe" not in html and "<svg" not in html

    def test_json(self, xss_client: FlaskClient) -> None:
        body = xss_client.get("/api/v1/search?q=xsstoken").get_json()
        for hit in body["hits"]:
            for html in (hit["title_html"], hit["snippet"], *(s["html"] for s in hit["snippets"])):
                assert executable_parts(html) == [], html
            article = xss_client.get(f"/api/v1/articles/{hit['id']}").get_json()
            assert executable_parts(article["html"]) == []
        for values in body["facets"].values():
            assert all("<" not in v["value"] or v["value"] == v["label"] for v in values)
