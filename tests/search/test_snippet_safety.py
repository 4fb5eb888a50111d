"""Whatever the article text and whatever the query, snippets and titles are safe HTML.

Property test through the real engines: hostile articles are indexed once per
engine, then hypothesis throws arbitrary query strings at them. Every piece of
HTML that comes back must be the escaped text with only our own ``<mark>`` tags.
"""

from __future__ import annotations

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.build import build_index
from search.errors import BadRequest
from search.service import SearchService
from search.types import SearchRequest

HOSTILE = [
    ("script", "<script>alert('x')</script> harbour <b>bold</b> & ampersand"),
    ("handler", '<img src=x onerror="alert(1)"> river "quoted" <mark>fake</mark>'),
    ("entities", "&lt;script&gt; already escaped &amp; mountain <!-- comment --> </mark>"),
    ("mixed", "Krieg <svg onload=alert(1)> war война <a href='javascript:x'>link</a>"),
]
WORDS = st.sampled_from(
    ["harbour", "river", "script", "alert", "mark", "war", "Krieg", "война", "b", "img", "svg"]
)
QUERY_TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(WORDS, min_size=1, max_size=4).map(" ".join),
    st.lists(st.sampled_from(["<", ">", "&", '"', "'", "mark", "/", "script"]), max_size=8).map(
        "".join
    ),
)


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SearchService:
    archive = tmp_path_factory.mktemp("hostile")
    for name, text in HOSTILE:
        title = text[:40].replace('"', "'")
        (archive / f"{name}.md").write_text(
            f'---\ntitle: "{title}"\ntags: ["<i>tag</i>"]\n---\n\n{text}\n', encoding="utf-8"
        )
        # plain-text articles keep markup characters as text: the hardest case for snippets
        (archive / f"{name}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("hostile-index")
    build_index(archive, index, engine=request.param)
    return SearchService(index)


def _safe(fragment: str) -> None:
    plain = fragment.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain and ">" not in plain, fragment
    assert fragment.count("<mark>") == fragment.count("</mark>")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=QUERY_TEXT)
def test_every_snippet_and_title_is_safe_html(service: SearchService, q: str) -> None:
    try:
        result = service.search(SearchRequest(q=q, match="any"))
    except BadRequest:
        return  # a refused query shows nothing
    for hit in result.hits:
        _safe(hit.title_html)
        for snippet in hit.snippets:
            _safe(snippet.html)
            assert html.unescape(snippet.html.replace("<mark>", "").replace("</mark>", "")) == (
                snippet.text
            )


def test_hostile_text_is_found_and_escaped(service: SearchService) -> None:
    result = service.search(SearchRequest(q="harbour"))
    assert result.total == 2  # the Markdown article (markup stripped) and the plain-text one
    snippets = [s.html for hit in result.hits for s in hit.snippets]
    assert any("&lt;script&gt;" in s and "<mark>harbour</mark>" in s for s in snippets)
    assert all("<script" not in s for s in snippets)
