"""Body → plain text: the chain every Markdown (and MDX) body goes through.

1. **Tags** (``indexer.markup_tags``): template tags, Hugo shortcodes, MDX
   statements, JSX, admonition markers and kramdown attribute lists are put
   aside as placeholders (fenced code blocks are left alone), so Markdown sees
   the structure the generator would have rendered: a link whose destination
   was ``{% link x.md %}`` is still a link, with its label.
2. **Markdown/HTML**: walked as markdown-it tokens (CommonMark plus tables,
   strikethrough and footnotes): links keep their anchor text, images their alt
   text, code its text, headings and emphasis lose their markers; raw HTML
   loses its tags but keeps its text (not that of ``<script>``/``<style>``),
   with block elements on their own lines; footnote markers (``[^1]``) go and
   the footnote texts come at the end, as rendered.
3. **Placeholders** become their readable words, or, inside code, what the
   code showed (code stays searchable).
4. **Entities**: markdown-it and the HTML parser decode them once; readable
   words taken from tag attributes are decoded by ``decode_entities``.
5. **Whitespace** (``tidy``).

The result, ``BodyText``, holds the whole text (code included, for search)
and the prose (code blocks left out, for summaries).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from indexer.markup_tags import (
    DISPLAY_MDX_STEPS,
    MDX_STEPS,
    STEPS,
    Step,
    code_spans,
    unescape_shortcodes,
)
from indexer.shortcodes import (
    READABLE_PARAMS,
    readable_text,
    remove_leftover_braces,
    strip_shortcodes,
)

_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})", re.MULTILINE)
_RAW_TAG = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tr",
        "ul",
    ]
)
_HIDDEN_TAGS = frozenset({"script", "style", "template"})


class _TextOnlyMarkdown(MarkdownIt):
    """markdown-it for text extraction: link destinations are not normalised.

    Normalising (URL parsing, punycode, percent-encoding) only shapes the
    ``href`` we throw away, and it took a tenth of the parse time. The link
    check that decides whether ``[a](url)`` is a link (``validateLink``, which
    refuses ``javascript:`` and the like) gives the same answer on the raw
    destination: it strips and lower-cases it, and normalisation keeps a
    leading scheme as written.
    """

    def normalizeLink(self, url: str) -> str:
        return url


_MD = _TextOnlyMarkdown("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin)
_MDX = _TextOnlyMarkdown("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin)
_MDX.disable("code")  # MDX has no indented code: indentation inside components is layout


@dataclass(frozen=True, slots=True)
class BodyText:
    text: str
    """Everything a reader sees, code included (what is indexed)."""
    prose: str
    """The same without code blocks (what summaries are made of)."""


class Marks:
    """The ``Mark`` of the chain: each construct becomes a placeholder, resolved later."""

    def __init__(self) -> None:
        self.originals: list[str] = []
        self.readables: list[str] = []

    def __call__(self, original: str, readable: str) -> str:
        self.originals.append(original)
        # words taken from attributes: the one place no parser decodes entities
        self.readables.append(decode_entities(readable))
        return f"{_OPEN}{len(self.originals) - 1}{_CLOSE}"

    def text(self, text: str) -> str:
        """``text`` (not code) with each placeholder as its readable words (and no
        shortcode braces: Markdown escapes can make them, as in ``{\\{< x >}}``)."""
        return remove_leftover_braces(self._resolve(text, self.readables, readable=True))

    def code(self, text: str) -> str:
        """``text`` (code) with each placeholder as it was written."""
        return self._resolve(text, self.originals, readable=False)

    def _resolve(self, text: str, values: list[str], *, readable: bool) -> str:
        for _ in range(8):  # a construct can hold another (a raw tag inside backticks)
            if _OPEN not in text:
                return text
            text = _PLACEHOLDER.sub(lambda m: values[int(m[1])], text)
        return text.replace(_OPEN, "").replace(_CLOSE, "")


def protect(
    markdown: str,
    marks: Marks,
    *,
    mdx: bool = False,
    dedent: bool = True,
    steps: tuple[Step, ...] | None = None,
) -> str:
    """``markdown`` with every tag of ``markup_tags.STEPS`` put aside as a placeholder, fenced
    code blocks left as they are (``{% highlight %}`` blocks become fenced code first) but
    moved to the left margin (unless not ``dedent``): a fence indented inside a component
    or a list item is still code, and where it stands in a list changes nothing in the
    text."""
    if _OPEN in markdown or _CLOSE in markdown:  # private-use characters: never text
        markdown = markdown.replace(_OPEN, "").replace(_CLOSE, "")
    text = code_spans(markdown)
    out: list[str] = []
    if steps is None:
        steps = MDX_STEPS if mdx else STEPS
    for index, segment in enumerate(_fence_split(text)):
        if index % 2 == 0:
            for step in steps:
                segment = step(segment, marks)
        elif dedent:
            segment = _dedent(segment)
        out.append(segment)
    return "".join(out)


class _AsWritten(Marks):
    """Placeholders whose readable words stay as written (Markdown decodes entities)."""

    def __call__(self, original: str, readable: str) -> str:
        self.originals.append(original)
        self.readables.append(readable)
        return f"{_OPEN}{len(self.originals) - 1}{_CLOSE}"

    def read(self, text: str) -> str:
        """``text`` with every placeholder as its readable words, in code or not."""
        return self._resolve(text, self.readables, readable=True)


def display_markdown(markdown: str, *, mdx: bool = False) -> str:
    """The body as the article page renders it: still Markdown, but what the generator
    would have replaced (the tags of step 1) is its readable words, as in the indexed
    text; inside code (fenced or inline) everything stays as written. In MDX, fences move
    to the left margin as in the text (a fence indented in a component is still code)."""
    marks = _AsWritten()
    steps = DISPLAY_MDX_STEPS if mdx else STEPS
    protected = protect(markdown, marks, mdx=mdx, dedent=mdx, steps=steps)
    text = marks.read(protected)
    return _BLANK_RUNS.sub("\n\n", tag_lines_apart(text) if mdx else text)


_TAG_LINE = re.compile(r"^[ \t]*<[^\n]*>[ \t]*$", re.MULTILINE)


def tag_lines_apart(mdx: str) -> str:
    """MDX's flow elements (a line that is a tag or an element: ``<details>``,
    ``<summary>Show me</summary>``, ``</Box>``) with a blank line around each, outside
    fences. MDX ends such an element at its line and reads the next as Markdown;
    CommonMark runs an HTML block on to the next blank line, and a fence right after
    ``<summary>…</summary>`` was shown as text, its import lines and all."""
    parts = _fence_split(mdx)
    for index in range(0, len(parts), 2):
        parts[index] = _TAG_LINE.sub(lambda m: f"\n{m[0]}\n", parts[index])
        if index + 1 < len(parts) and parts[index] and not parts[index].endswith("\n"):
            parts[index] += "\n"
    return "".join(parts)


def _fence_split(text: str) -> list[str]:
    """``text`` cut into prose, fenced block, prose, … (even indexes are outside fences).

    A fence opens with three or more backticks or tildes (any indentation, so
    fences in list items count) and closes with a line of at least as many of
    the same character, or at the end of the text (as in CommonMark)."""
    if "```" not in text and "~~~" not in text:
        return [text]
    parts: list[str] = []
    pos = 0
    search_from = 0
    while (opening := _FENCE.search(text, search_from)) is not None:
        fence = opening[1]
        line_end = text.find("\n", opening.end())
        if fence[0] == "`" and "`" in text[opening.end() : line_end if line_end >= 0 else None]:
            search_from = opening.end()  # an inline code span, not a fence
            continue
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        found = closing.search(text, line_end + 1) if line_end >= 0 else None
        end = found.end() if found else len(text)
        parts += [text[pos : opening.start()], text[opening.start() : end]]
        pos = search_from = end
    parts.append(text[pos:])
    return parts


def _dedent(fenced: str) -> str:
    indent = len(fenced) - len(fenced.lstrip(" \t"))
    if not indent:
        return fenced
    lines = fenced.split("\n")
    return "\n".join(line[min(indent, len(line) - len(line.lstrip(" \t"))) :] for line in lines)


def markdown_to_text(markdown: str) -> str:
    """Plain text of a Markdown body: paragraphs separated by blank lines, code included."""
    return body_text(markdown).text


def body_text(markdown: str, *, mdx: bool = False, code: bool = True) -> BodyText:
    """The text and the prose of a Markdown (``mdx``: MDX) body (see the module docstring).

    ``code=False`` leaves all code out, inline code too: the text outside code, which
    is what the checks that no markup is left in the text look at."""
    marks = Marks()
    source = protect(markdown, marks, mdx=mdx)
    blocks: list[str] = []
    prose: list[str] = []
    has_code = False
    for token in (_MDX if mdx else _MD).parse(source):
        if token.type == "inline":
            text = _inline_text(token.children or [], marks, code=code)
        elif token.type in ("fence", "code_block"):
            if code:
                blocks.append(_code(token.content.rstrip("\n"), marks))
                has_code = True
            continue
        elif token.type == "html_block":
            text = marks.text(html_to_text(token.content))
        elif token.type in ("tr_close", "paragraph_close", "heading_close"):
            text = "\n"
        else:
            continue
        blocks.append(text)
        prose.append(text)
    text = _finish(blocks)
    return BodyText(text, _finish(prose) if has_code else text)


def _finish(blocks: list[str]) -> str:
    return tidy("\n".join(blocks))


def _code(content: str, marks: Marks) -> str:
    """Code as it shows: placeholders restored, Hugo's escaped shortcodes unescaped and
    Liquid's raw tags (which Liquid removes wherever they are) dropped."""
    code = marks.code(content)
    if "{%" in code:
        code = _RAW_TAG.sub("", code)
    return unescape_shortcodes(code)


def inline_to_text(text: str) -> str:
    """One line of Markdown (a title, a description) as plain text on one line."""
    marks = Marks()
    source = protect(text, marks)
    tokens = _MD.parseInline(source)
    flat = _inline_text(tokens[0].children or [], marks) if tokens else source
    return " ".join(remove_leftover_braces(flat).split())


def decode_entities(text: str) -> str:
    """HTML character references (``&rsquo;``, ``&#8230;``, ``&#x2014;``) decoded, once.

    Only complete references (with their ``;``) are read: ``AT&T`` or ``&copy2`` in
    plain text stay as written."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: html.unescape(m[0]), text)


def tidy(text: str) -> str:
    """Trim line ends, collapse runs of blank lines, strip the whole."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, script and style contents too, block
    elements on lines of their own."""
    try:
        return _collect_text(fragment)
    except AssertionError:  # Python < 3.13 fails on a marked section such as "<![x ]>"
        return _collect_text(fragment.replace("<![", "&lt;!["))


def _collect_text(fragment: str) -> str:
    parser = _TextCollector()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def _inline_text(children: list[Token], marks: Marks, *, code: bool = True) -> str:
    parts: list[str] = []
    for child in children:
        if child.type == "text":
            content = child.content
            # most text holds no placeholder and no brace: no call (a tenth of the chain)
            if _OPEN in content or "}}" in content or "{{" in content:
                content = marks.text(content)
            parts.append(content)
        elif child.type == "code_inline":
            parts.append(_code(child.content, marks) if code else " ")
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            alt = _inline_text(child.children, marks, code=code) if child.children else ""
            parts.append(marks.text(alt))
        elif child.type == "html_inline":
            parts.append(marks.text(html_to_text(child.content)))
        elif child.type in ("td_close", "th_close"):
            parts.append(" ")
    return "".join(parts)


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment; script and style contents are not text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        alt = dict(attrs).get("alt") if tag == "img" else None
        if alt and not self._hidden:
            self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS and self._hidden:
            self._hidden -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


__all__ = [
    "READABLE_PARAMS",
    "BodyText",
    "Marks",
    "body_text",
    "decode_entities",
    "display_markdown",
    "html_to_text",
    "inline_to_text",
    "markdown_to_text",
    "protect",
    "readable_text",
    "remove_leftover_braces",
    "strip_shortcodes",
    "tidy",
]
