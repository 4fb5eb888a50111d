"""The article page renders the body the indexer reads: what a site generator would have
replaced (Liquid tags, MDX imports, JSX components) shows as its readable words, as in
the indexed text; code shows as written. Real files of the shared corpora, both engines."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask

from indexer.build import build_index
from indexer.markdown_text import display_markdown
from tests.conftest import corpus_path
from tests.contract.archive import ENGINES
from tests.web.conftest import _app

JEKYLL = "2017-03-21-jekyll-3-4-3-released.markdown"
ASTRO = "en/basics/astro-pages.mdx"


@pytest.fixture(scope="module", params=ENGINES)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    archive = tmp_path_factory.mktemp("source-archive")
    (archive / "en" / "basics").mkdir(parents=True)
    shutil.copy(corpus_path("jekyll-posts") / JEKYLL, archive / JEKYLL)
    shutil.copy(corpus_path("astro-docs") / ASTRO, archive / ASTRO)
    index = tmp_path_factory.mktemp("source-index")
    report = build_index(archive, index, rebuild=True, engine=request.param)
    assert report.articles == 2 and not report.errors
    yield from _app(index)


def _article_html(app: Flask, relpath: str) -> str:
    client = app.test_client()
    response = client.get("/api/v1/articles/" + quote(relpath))
    assert response.status_code == 200, response.get_json()
    api = response.get_json()
    page = client.get("/articles/" + quote(relpath)).get_data(as_text=True)
    assert api["html"] in page  # one rendering for both
    return str(api["html"])


def _outside_code(html: str) -> str:
    return re.sub(r"<(pre|code)>.*?</\1>", "", html, flags=re.DOTALL)


def test_liquid_tags_are_gone_and_their_link_labels_stay(app: Flask) -> None:
    html = _article_html(app, JEKYLL)
    outside = _outside_code(html)
    assert "{%" not in outside and "{{" not in outside
    assert '{{ "example :page" | uri_escape }}' in html.replace("&quot;", '"')  # code stays
    # "In [v3.4.0]({% link _posts/… %}), we moved": the label stays, as text, not a link here
    assert "In v3.4.0, we" in html
    assert '<a href=""' not in html
    assert 'href="https://ruby-doc.org/' in html  # real links stay links


def test_mdx_imports_and_components_are_gone_and_their_text_stays(app: Flask) -> None:
    html = _article_html(app, ASTRO)
    outside = _outside_code(html)
    assert "import ReadMore" not in html and "ReadMore" not in outside
    assert "Read more about" in outside  # the component's children
    assert "Read more &lt;a href=" in html  # inside code, the sample stays as written


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("See [docs]({% link x.md %}) now.", "See [docs]() now."),
        ("Repo: {{ site.repository }}.", "Repo: ."),
        ("Kept `{{ site.url }}` in code.", "Kept `{{ site.url }}` in code."),
        ("```liquid\n{% include x.html %}\n```", "```liquid\n{% include x.html %}\n```"),
        (":::tip[Watch out]\nText\n:::", "Watch out\nText\n"),
        ("Para {: .note}", "Para "),
    ],
)
def test_display_markdown_of_markdown(source: str, shown: str) -> None:
    assert display_markdown(source) == shown


def test_display_markdown_of_mdx() -> None:
    source = (
        "import Card from '~/components/Card.astro';\n"
        "export const meta = { a: 1 };\n\n"
        '<Card title="A card">\nInside **bold** &amp; more.\n</Card>\n\n'
        "  ```js\n  import x from 'y';\n  ```\n"
        "<code>Promise\\<Response\\></code>\n"
    )
    shown = display_markdown(source, mdx=True)
    assert "import Card" not in shown and "export const" not in shown and "<Card" not in shown
    assert " A card \nInside **bold** &amp; more." in shown  # Markdown decodes the entity
    # code as written; a fence moves to the margin (in MDX indentation is layout, as
    # the page renders it: no indented code), and HTML stays for the sanitiser
    assert "\n```js\nimport x from 'y';\n```" in shown
    assert "<code>Promise\\<Response\\></code>" in shown


URL_FILES = {
    "news.csv": "article_id,title,text,url\n"
    "7,Harbour news,The harbour opened.,https://news.example/2021/harbour?x=1&y=2\n"
    "8,Mill news,The mill closed.,javascript:alert(1)\n",
    "canonical.md": "---\ntitle: Canonical\ncanonical_url: https://blog.example/canonical/\n"
    "url: /canonical/\n---\nBody.\n",
    "relative.md": "---\ntitle: Relative\nurl: /about/\npermalink: /about/index.html\n---\nBody.\n",
}


@pytest.fixture(scope="module", params=ENGINES)
def url_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    archive = tmp_path_factory.mktemp("url-archive")
    for name, text in URL_FILES.items():
        (archive / name).write_text(text, encoding="utf-8")
    index = tmp_path_factory.mktemp("url-index")
    report = build_index(archive, index, rebuild=True, engine=request.param)
    assert report.articles == 4 and not report.errors
    yield from _app(index)


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("news.csv#7", "https://news.example/2021/harbour?x=1&y=2"),
        ("news.csv#8", None),  # not a web address: no link
        ("canonical.md", "https://blog.example/canonical/"),
        ("relative.md", None),  # a path on the site, not the article's address
    ],
)
def test_the_source_url_is_a_field_and_a_link(
    url_app: Flask, relpath: str, expected: str | None
) -> None:
    client = url_app.test_client()
    body = client.get("/api/v1/articles/" + quote(relpath)).get_json()
    assert body["source_url"] == expected
    page = client.get("/articles/" + quote(relpath)).get_data(as_text=True)
    if expected:
        href = expected.replace("&", "&amp;")
        assert f'<a href="{href}" rel="noopener noreferrer nofollow">' in page
    else:
        # (a source column that is no address is the publication, shown as text)
        assert "<dt>Source</dt>" not in page and 'href="javascript:' not in page
