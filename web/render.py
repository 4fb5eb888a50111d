"""Article source → safe HTML: Markdown via markdown-it-py, then nh3 with an allow-list.

Whatever the Markdown parser lets through (raw HTML is allowed in CommonMark),
nh3 decides what survives: no scripts, no event handlers, no ``style``, only
http(s)/mailto links (plus relative ones), and every link gets
``rel="noopener noreferrer nofollow"``. Images are dropped: the page's CSP
would block remote ones anyway, and a broken image reads worse than none.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from search.types import ArticleView

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q",
        "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Hugo shortcodes ({{< youtube id >}}, {{% note %}}) mean nothing outside Hugo.
_SHORTCODE = re.compile(r"\{\{[<%].*?[%>]\}\}", re.DOTALL)
_PARAGRAPHS = re.compile(r"\n\s*\n")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    return sanitise(_markdown().render(_SHORTCODE.sub("", source)))


def render_text(source: str) -> str:
    """Plain text as escaped paragraphs; single newlines become line breaks."""
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(source) if p.strip()]
    parts = [Markup("<br>\n").join(escape(line) for line in p.splitlines()) for p in paragraphs]
    return "\n".join(f"<p>{part}</p>" for part in parts)


def render_article(source: str, source_format: str) -> Markup:
    """Safe HTML for an article body; the only place besides snippets that is marked safe."""
    html = render_markdown(source) if source_format == "markdown" else render_text(source)
    return Markup(html)  # noqa: S704 - sanitised by nh3 or escaped above


def article_html(view: ArticleView) -> Markup:
    """The article page's body and the API's ``html``: the source as written, else the text."""
    return render_article(view.source or view.body, view.source_format)
