"""Whole-archive checks of the text chain on the real corpora: no title, summary, text or
rendered page (outside code) holds an HTML entity, a template tag, an MDX import line or a
JSX tag."""

from __future__ import annotations

import html
import re

import pytest

from indexer.config import ArchiveConfig
from indexer.discover import discover
from indexer.markdown_text import body_text
from indexer.parse import parse_file
from search.article import Article
from tests.conftest import corpus_path
from web import render
from web.render import render_article

pytestmark = [pytest.mark.corpus, pytest.mark.slow]
CORPORA = ["sisihagen", "bbc", "20news", "astro-docs", "hugo-docs", "jekyll-posts", "eleventy"]
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TEMPLATE = re.compile(r"\{%-?\s*\w|\{\{[^{}\n]*[^{}\s][^{}\n]*\}\}")
"""A tag or an output with something in it (``{{{{}}`` is ASCII art, not a template)."""
_IMPORT = re.compile(r"^\s*import\s[^\n]*\sfrom\s+['\"]", re.MULTILINE)
_JSX = re.compile(r"</?[A-Z][\w.]*(?:\s[^<>]*)?/?>")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_HTML_CODE = re.compile(r"<(code|pre)\b(?:(?!\n[ \t]*\n).)*?</\1>", re.DOTALL)
"""Code written as HTML: its text is code too (an element within one paragraph: a
``<code>`` mentioned in a code block is not one)."""


def residue(text: str, *, markdown: bool) -> list[str]:
    """The markup left in ``text``: real entities, template tags, and for Markdown sources
    import lines and JSX tags (in plain text, ``<None>`` is a subject line's words)."""
    found = [m[0] for m in _ENTITY.finditer(text) if html.unescape(m[0]) != m[0]]
    found += _TEMPLATE.findall(text)
    if markdown:
        found += _IMPORT.findall(text) + _JSX.findall(text)
    return found


def _outside_code(article: Article) -> str:
    if article.source_format != "markdown":
        return article.body
    source = _HTML_CODE.sub(" ", article.source)
    return body_text(source, mdx=article.path.endswith(".mdx"), code=False).text


def _summary_outside_code(article: Article) -> str:
    """The summary without the inline code it quotes from the body (code stays code)."""
    summary = article.summary
    for match in _INLINE_CODE.finditer(article.source):
        summary = summary.replace(match[2].strip(), " ")
    return summary


@pytest.mark.parametrize("name", CORPORA)
def test_no_markup_is_left_in_titles_summaries_and_text(name: str) -> None:
    root = corpus_path(name)
    config = ArchiveConfig()
    bad: dict[str, list[str]] = {}
    checked = 0
    for candidate in discover(root, config).candidates:
        article = parse_file(root, candidate, config).article
        if article is None:
            continue
        checked += 1
        markdown = article.source_format == "markdown"
        for field, value in (
            ("title", article.title),
            ("summary", _summary_outside_code(article)),
            ("text", _outside_code(article)),
        ):
            if found := residue(value, markdown=markdown):
                bad.setdefault(f"{article.path} {field}", []).extend(found[:3])
    assert checked > 90
    assert bad == {}


_RENDERED_CODE = re.compile(r"<(code|pre)\b.*?</\1>", re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|td|th|blockquote|div)>|<br\s*/?>")


def rendered_text(article: Article) -> str:
    """What a reader sees of the article's page outside code: its body rendered as the page
    renders it, code elements left out, tags dropped, entities read (once)."""
    page = str(
        render_article(article.source, article.source_format, mdx=article.path.endswith(".mdx"))
    )
    page = _BLOCK_END.sub("\n", _RENDERED_CODE.sub(" ", page))
    return html.unescape(_TAG.sub("", page))


@pytest.mark.parametrize("name", CORPORA)
def test_no_markup_is_left_on_the_rendered_pages(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the page's time budget for inline markup shows later paragraphs as their text on a
    # loaded machine: the check is of the markup, not of the machine's speed
    monkeypatch.setattr(render, "INLINE_SECONDS", 3600.0)
    root = corpus_path(name)
    config = ArchiveConfig()
    bad: dict[str, list[str]] = {}
    for candidate in discover(root, config).candidates:
        article = parse_file(root, candidate, config).article
        if article is None or article.source_format != "markdown":
            continue
        if found := residue(rendered_text(article), markdown=True):
            bad[article.path] = found[:3]
    assert bad == {}


def test_the_rendered_check_sees_what_the_page_shows() -> None:
    article = Article(
        id="x.mdx",
        path="x.mdx",
        title="x",
        body="",
        source="import A from 'a';\n\nText &amp; <Card title='x'>\n\n`import B from 'b'`\n",
        source_format="markdown",
    )
    assert residue(rendered_text(article), markdown=True) == ["import A from '"]


def test_the_residue_check_finds_what_it_looks_for() -> None:
    found = residue(
        "A&rsquo;s {{ site.url }} {% link x %}\nimport A from 'a'\n<Card title='x'>",
        markdown=True,
    )
    assert found == ["&rsquo;", "{{ site.url }}", "{% l", "import A from '", "<Card title='x'>"]
    assert residue("AT&T &nosuch; <None> {{{{}}", markdown=False) == []
