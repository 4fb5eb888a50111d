"""Article source → safe HTML: Markdown via markdown-it-py, then nh3 with an allow-list.

Whatever the Markdown parser lets through (raw HTML is allowed in CommonMark),
nh3 decides what survives: no scripts, no event handlers, no ``style``, only
http(s)/mailto links (plus relative ones), and every link gets
``rel="noopener noreferrer nofollow"``. Images are dropped: the page's CSP
would block remote ones anyway, and a broken image reads worse than none.

Rendering is bounded, because an article page must answer within the request's
time cap whatever the archive holds (markdown-it-py spends up to ~40 µs per
character on runs of ``[`` or ``![``): a source over ``MAX_MARKDOWN_CHARS``
is shown as plain text, a paragraph over ``MAX_INLINE_CHARS`` without inline
markup, and so is every paragraph after the first ``INLINE_SECONDS`` spent on
inline markup; the request's deadline is checked between paragraphs, and the HTML of
the last articles rendered is kept (``CACHE_CHARS``), so a page asked for again
is not rendered again.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup, escape

from search import deadline
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

MAX_MARKDOWN_CHARS = 500_000
"""Longer sources are shown as plain text (the indexer reads no Markdown past this either)."""
MAX_INLINE_CHARS = 10_000
"""A longer paragraph is shown without inline markup (links, emphasis): at most ~0.4 s each."""
INLINE_SECONDS = 0.5
"""Inline markup time per article; later paragraphs are shown as their text."""
CACHE_CHARS = 8_000_000
"""Characters of rendered HTML kept per worker process (the last articles shown)."""

_PARAGRAPHS = re.compile(r"\n\s*\n")
_SHORTCODE_OPEN = re.compile(r"\{\{[<%]")


def strip_shortcodes(text: str) -> str:
    """Hugo shortcodes (``{{< youtube id >}}``, ``{{% note %}}``) mean nothing outside Hugo.

    Each opening ``{{<``/``{{%`` is cut up to the nearest ``>}}``/``%}}`` (as the
    non-greedy ``{{[<%].*?[%>]}}`` would), in one pass: that regular expression
    took quadratic time on many openings without a close (120 KB: 66 s).
    """
    out: list[str] = []
    position = 0
    while (opening := _SHORTCODE_OPEN.search(text, position)) is not None:
        ends = [e for e in (text.find(">}}", opening.end()), text.find("%}}", opening.end()))
                if e >= 0]  # fmt: skip
        if not ends:
            break  # no close after this opening, so none after any later one either
        out.append(text[position : opening.start()])
        position = min(ends) + 3
    out.append(text[position:])
    return "".join(out)


def _capped_inline(state: StateCore) -> None:
    """markdown-it's ``inline`` core rule, bounded: see the module's docstring."""
    budget_ends = time.perf_counter() + INLINE_SECONDS
    for token in state.tokens:
        if token.type != "inline":
            continue
        deadline.check()
        if token.children is None:
            token.children = []
        if len(token.content) > MAX_INLINE_CHARS or time.perf_counter() > budget_ends:
            text = Token("text", "", 0)
            text.content = token.content
            token.children.append(text)
        else:
            state.md.inline.parse(token.content, state.md, state.env, token.children)


@lru_cache(maxsize=2)
def _markdown(mdx: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.core.ruler.at("inline", _capped_inline)
    if mdx:
        md.disable("code")  # MDX has no indented code: indentation in a component is layout
    return md


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(source: str, *, mdx: bool = False) -> str:
    html = _markdown(mdx).render(strip_shortcodes(source))
    return nest_headings(unwrap_empty_links(sanitise(html)))


_EMPTY_LINK = re.compile(r'<a href=""[^>]*>(.*?)</a>', re.DOTALL)


def unwrap_empty_links(html: str) -> str:
    """A link whose target was a template tag (``[label]({% link x.md %})``, reduced to
    ``[label]()`` as in the indexed text) shows as its label, not as a link to this page.
    Runs on sanitised HTML, where ``<a href="">`` is only ever such a tag."""
    return _EMPTY_LINK.sub(r"\1", html) if '<a href=""' in html else html


_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")


def nest_headings(html: str) -> str:
    """Renumber a body's headings below the page's ``h1``: the levels it uses, in order,
    become ``h2``, ``h3``…, so an article opening with an ``h4`` (or holding an ``h1``)
    keeps its outline without skipping a level (axe's ``heading-order``). Runs on
    sanitised HTML, where ``<h`` only ever starts a tag."""
    levels = sorted({int(level) for _, level in _HEADING_TAG.findall(html)})
    if not levels:
        return html
    new_level = {level: min(2 + rank, 6) for rank, level in enumerate(levels)}
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{new_level[int(m.group(2))]}", html)


def render_text(source: str) -> str:
    """Plain text as escaped paragraphs; single newlines become line breaks."""
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(source) if p.strip()]
    parts = [Markup("<br>\n").join(escape(line) for line in p.splitlines()) for p in paragraphs]
    return "\n".join(f"<p>{part}</p>" for part in parts)


def render_article(source: str, source_format: str, *, mdx: bool = False) -> Markup:
    """Safe HTML for an article body; the only place besides snippets that is marked safe.
    ``mdx``: the body came from an MDX file (no indented code blocks)."""
    markdown = source_format == "markdown" and len(source) <= MAX_MARKDOWN_CHARS
    if not markdown:
        return Markup(render_text(source))  # noqa: S704 - escaped
    digest = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16)
    key = digest.digest() + (b"x" if mdx else b"")
    html = _CACHE.get(key)
    if html is None:
        html = render_markdown(source, mdx=mdx)
        _CACHE.put(key, html)
    return Markup(html)  # noqa: S704 - sanitised by nh3


class _HtmlCache:
    """The HTML of the last sources rendered, up to ``limit`` characters in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[bytes, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: bytes, html: str) -> None:
        if len(html) > self.limit:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = html
            self._chars += len(html)
            while self._chars > self.limit:
                _, dropped = self._items.popitem(last=False)
                self._chars -= len(dropped)


_CACHE = _HtmlCache(CACHE_CHARS)


def article_html(view: ArticleView) -> Markup:
    """The article page's body and the API's ``html``: the source as written, else the text."""
    mdx = view.path.lower().endswith(".mdx")
    return render_article(view.source or view.body, view.source_format, mdx=mdx)
