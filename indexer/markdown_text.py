"""Markdown → plain text for indexing, and Hugo shortcodes → their readable words.

Shortcodes (``{{< name params >}}``, ``{{% name params %}}``, closing
``{{< /name >}}``, self-closing ``{{< name />}}``, and the escaped
``{{</* name */>}}`` form) are removed. Of their parameters only the words a
reader sees are kept: the named parameters in ``READABLE_PARAMS`` (``title``,
``alt``, ``caption``…) and positional parameters that look like prose (they
contain a space and are not a URL or a path): ``{{< video "/x.mp4" "The USA
and the Nazis" >}}`` keeps ``The USA and the Nazis``; ``{{< youtube "id" >}}``
and ``{{< tweet "123" >}}`` keep nothing. Paired shortcodes keep their inner
text. An unterminated ``{{<`` is dropped, so no shortcode braces survive.

The Markdown is walked as markdown-it tokens (CommonMark plus tables and
strikethrough), so links keep their anchor text, images their alt text, code its
text, headings and emphasis lose their markers, and raw HTML loses its tags but
keeps its text (minus ``<script>``/``<style>`` contents).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

READABLE_PARAMS = frozenset({"title", "alt", "caption", "description", "attr", "text"})
_LEFTOVERS = ("{{<", "{{%", ">}}", "%}}")
_MAX_SHORTCODE = 4_000
"""A shortcode longer than this is not a shortcode but a stray ``{{<``."""
_PARAM = re.compile(
    r"""(?:(?P<key>[\w-]+)\s*=\s*)?(?P<value>"(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'|[^\s"'`]+)""",
    re.DOTALL,
)
_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|\.{1,2}/|www\.)", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


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


_MD = _TextOnlyMarkdown("commonmark").enable(["table", "strikethrough"])


def strip_shortcodes(text: str) -> str:
    """Replace each shortcode by its readable parameters (possibly nothing)."""
    if "{{" not in text:
        return remove_leftover_braces(text)
    out: list[str] = []
    pos = 0
    finder = _Finder(text)
    while True:
        start = min(finder.next("{{<", pos), finder.next("{{%", pos))
        if start == len(text):
            out.append(text[pos:])
            break
        out.append(text[pos:start])
        end = finder.next(">}}" if text[start + 2] == "<" else "%}}", start + 3)
        if end == len(text) or end - start > _MAX_SHORTCODE:
            pos = start + 3  # a stray opener: drop the braces, keep what follows
            continue
        out.append(readable_text(text[start + 3 : end]))
        pos = end + 3
    return remove_leftover_braces("".join(out))


class _Finder:
    """``str.find`` with memory: positions only move forward, so the scan stays linear."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[str, int] = {}

    def next(self, token: str, pos: int) -> int:
        """The next index of ``token`` at or after ``pos``, or ``len(text)`` if none."""
        known = self.found.get(token, -1)
        if known < pos:
            index = self.text.find(token, pos)
            known = len(self.text) if index < 0 else index
            self.found[token] = known
        return known


def readable_text(inner: str) -> str:
    """The words a reader sees in a shortcode's inside (``name params``)."""
    inner = inner.strip()
    if inner.startswith("/*") and inner.endswith("*/"):
        inner = inner[2:-2].strip()
    if inner.startswith("/") or not inner:
        return ""  # a closing tag
    inner = inner.removesuffix("/").rstrip()
    kept: list[str] = []
    for index, match in enumerate(_PARAM.finditer(inner)):
        if index == 0:
            continue  # the shortcode's name
        value = _unquote(match["value"]).strip()
        key = match["key"]
        wanted = key.lower() in READABLE_PARAMS if key else _looks_like_prose(value)
        if wanted and value and value not in kept:
            kept.append(value)
    return remove_leftover_braces(" — ".join(" ".join(v.split()) for v in kept))


def remove_leftover_braces(text: str) -> str:
    """Remove any remaining shortcode delimiters (loops: removing one can form another)."""
    if "{{" not in text and "}}" not in text:  # the common case, in two scans
        return text
    while any(token in text for token in _LEFTOVERS):
        for token in _LEFTOVERS:
            text = text.replace(token, "")
    return text


def markdown_to_text(markdown: str) -> str:
    """Plain text of a Markdown body with Hugo shortcodes: paragraphs separated by blank lines."""
    source = strip_shortcodes(markdown)
    blocks: list[str] = []
    for token in _MD.parse(source):
        if token.type == "inline":
            blocks.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
        elif token.type == "html_block":
            blocks.append(html_to_text(token.content))
        elif token.type in ("tr_close", "paragraph_close", "heading_close"):
            blocks.append("\n")
    return tidy(remove_leftover_braces("\n".join(blocks)))


def tidy(text: str) -> str:
    """Trim line ends, collapse runs of blank lines, strip the whole."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, script and style contents too."""
    try:
        return _collect_text(fragment)
    except AssertionError:  # Python < 3.13 fails on a marked section such as "<![x ]>"
        return _collect_text(fragment.replace("<![", "&lt;!["))


def _collect_text(fragment: str) -> str:
    parser = _TextCollector()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child.children) if child.children else child.content)
        elif child.type == "html_inline":
            parts.append(html_to_text(child.content))
        elif child.type in ("td_close", "th_close"):
            parts.append(" ")
    return "".join(parts)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner
    return value


def _looks_like_prose(value: str) -> bool:
    return " " in value.strip() and not _URLISH.match(value)


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment; script and style contents are not text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag in ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append("\n")
        alt = dict(attrs).get("alt") if tag == "img" else None
        if alt:
            self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


__all__ = [
    "READABLE_PARAMS",
    "html_to_text",
    "markdown_to_text",
    "readable_text",
    "remove_leftover_braces",
    "strip_shortcodes",
    "tidy",
]
