"""The first steps of the body → text chain: the tags a site generator replaces before
Markdown is rendered, each found by a small pure function.

Each step is ``step(text, mark) -> text``: every construct it finds is handed to
``mark(original, readable)``, whose return value replaces it. ``readable`` is what a
reader of the rendered page sees of it (often nothing); ``original`` is what the
construct shows inside code, where a generator leaves it alone. Called with
``drop`` (which returns ``readable``) a step simply cleans text; the Markdown
chain (``indexer.markdown_text``) passes a ``Marks`` instead, which puts a
placeholder in the text and decides after Markdown parsing, once it is known
whether the place is code, which of the two the placeholder becomes. So a
Liquid tag in a link destination leaves the link and its label intact, and
``{{ site.url }}`` inside backticks stays searchable code.

The conventions read (from the generators that write them):

- **Liquid / Nunjucks / Jinja / Go templates** (Jekyll, Eleventy, Pelican,
  Hugo): ``{% tag … %}`` and ``{{ expression }}`` (with ``-`` whitespace
  control), ``{# comment #}``; none of their arguments are prose. Paired tags
  keep the text between them (``{% callout %}…{% endcallout %}``);
  ``{% comment %}…{% endcomment %}`` is dropped whole; ``{% raw %}`` and
  ``{% endraw %}`` vanish even inside code, as Liquid renders them;
  ``{% highlight lang %}…{% endhighlight %}`` and the Nunjucks capture
  ``{% set name %}…{% endset %}`` hold code and become fenced code blocks
  (``code_spans``).
- **Hugo shortcodes** (``indexer.shortcodes.readable_text`` decides what
  of their parameters is prose); inside code the escaped ``{{</* x */>}}``
  shows as ``{{< x >}}``, as Hugo renders it.
- **MDX** (Astro, Docusaurus): ``import … from '…'`` and ``export …``
  statements at the start of a line; JSX component tags (a capitalised name,
  ``<Card …>``, ``</Card>``, ``<Since v="4" />``, fragments ``<>``) reduced
  to their ``title``/``alt``/``caption`` (``READABLE_PARAMS``) props, their
  children staying in the text; ``{/* comments */}``.
- **Admonitions**: ``:::tip[Title]`` … ``:::`` lines (Starlight, Docusaurus,
  markdown-it-container) keep the title; MkDocs ``!!! note "Title"`` with its
  indented content; GitHub's ``> [!NOTE]`` marker.
- **kramdown** attribute lists and extensions (``{: .class}``, ``{:toc}``,
  ``{::options … /}``): dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from indexer.shortcodes import READABLE_PARAMS, readable_text, shortcode_spans

Mark = Callable[[str, str], str]
"""``mark(original, readable)``: the replacement of one construct."""
Step = Callable[[str, Mark], str]


def drop(original: str, readable: str) -> str:
    """The ``Mark`` for text that is not code: a construct becomes its readable words."""
    return readable


# ---- Liquid, Nunjucks, Jinja, Go templates -------------------------------------------------

_TAG_BODY = r"(?:[^%]|%(?!\}))"
_TEMPLATE = re.compile(
    r"\{(?:"  # one literal first character: the regex engine skips to it quickly
    r"%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}"  # a Liquid comment, whole
    r"|#.{0,2000}?#\}"  # a Jinja/Nunjucks comment
    r"|(?<!\{\{)%-?\s*(?P<name>\w*)" + _TAG_BODY + r"{0,2000}?%\}"  # a tag, not {{% x %}}
    r"|\{(?![<%])(?:[^{}]|\{[^{}]*\}){0,2000}?\}\})",  # an output, not a Hugo shortcode
    re.DOTALL,
)
_VANISHING = frozenset({"raw", "endraw"})
"""Tags Liquid removes even inside code."""


def template_tags(text: str, mark: Mark) -> str:
    """Liquid/Nunjucks/Jinja/Go template tags and outputs → nothing (their arguments are
    file names, variables and filters, not prose); the text between paired tags stays."""
    if "{" not in text or ("{%" not in text and "{{" not in text and "{#" not in text):
        return text

    def replace(match: re.Match[str]) -> str:
        original = "" if match["name"] in _VANISHING else match[0]
        return mark(original, "")

    return _TEMPLATE.sub(replace, text)


_RAW_OPEN = r"(?:\{%-?\s*raw\s*-?%\})?"
_RAW_CLOSE = r"(?:\{%-?\s*endraw\s*-?%\})?"
_CODE_TAGS = re.compile(
    r"^[ \t]*\{%-?\s*(?P<open>highlight|set)\b(?P<args>[^%\n]*)-?%\}" + _RAW_OPEN + r"[ \t]*\n"
    r"(?P<code>.*?)\n?[ \t]*" + _RAW_CLOSE + r"\{%-?\s*end(?P=open)\s*-?%\}[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
"""A code block, maybe wrapped in ``{% raw %}`` (whose tags Liquid removes)."""
_CODE_TAG_NAME = re.compile(r"\{%-?\s*(?:highlight|set)\b")
_SET_CAPTURE = re.compile(r"^\s*[\w.]+\s*-?$")
"""``{% set name %}`` captures a block; ``{% set name = value %}`` assigns (no block)."""


def code_spans(text: str) -> str:
    """``{% highlight lang %}`` and ``{% set name %}`` blocks as fenced code: both hold code
    (the Nunjucks capture is how Eleventy's docs pass a code sample to an include)."""
    if "{" not in text or "{%" not in text or not _CODE_TAG_NAME.search(text):
        return text

    def replace(match: re.Match[str]) -> str:
        args = match["args"].strip()
        if match["open"] == "set" and not _SET_CAPTURE.match(args):
            return match[0]
        lang = args.split()[0] if match["open"] == "highlight" and args else ""
        code = match["code"]
        fence = "`" * max(3, _longest_run(code, "`") + 1)
        return f"\n{fence}{lang}\n{code}\n{fence}\n"  # blank lines: it ends an HTML block

    return _CODE_TAGS.sub(replace, text)


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(re.escape(char) + "+", text)
    return max(map(len, runs), default=0)


# ---- Inline code ------------------------------------------------------------------------

_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def inline_code(text: str, mark: Mark) -> str:
    """The inside of each code span (``\u0060{{ x }}\u0060``) put aside whole, backticks kept, so
    no other step cuts through code (``\u0060{{\u0060 and \u0060}}\u0060`` is two spans, not
    one template output)."""
    if "`" not in text:
        return text
    return _INLINE_CODE.sub(lambda m: _code_span(m, mark), text)


def _code_span(match: re.Match[str], mark: Mark) -> str:
    if "\n" in match[2] and _BLANK_LINE.search(match[2]):
        return match[0]  # a code span ends with its paragraph: these backticks are text
    return f"{match[1]}{mark(match[2], match[2])}{match[1]}"


# ---- Hugo shortcodes ------------------------------------------------------------------------

_ESCAPED = re.compile(r"\{\{([<%])/\*\s*(.*?)\s*\*/([>%])\}\}", re.DOTALL)


def shortcodes(text: str, mark: Mark) -> str:
    """Hugo shortcodes → their readable parameters; inside code as Hugo shows them."""
    if "{" not in text or "{{" not in text:
        return text
    out: list[str] = []
    pos = 0
    for start, end in shortcode_spans(text):
        out.append(text[pos:start])
        whole = text[start:end]
        inner = whole[3:-3] if end - start >= 6 and whole[-3:] in (">}}", "%}}") else ""
        out.append(mark(unescape_shortcodes(whole), readable_text(inner) if inner else ""))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def unescape_shortcodes(code: str) -> str:
    """``{{</* name */>}}`` → ``{{< name >}}``: how Hugo shows a shortcode in its docs."""
    if "/*" not in code:
        return code
    return _ESCAPED.sub(lambda m: f"{{{{{m[1]} {m[2]} {m[3]}}}}}", code)


# ---- MDX ------------------------------------------------------------------------------------

_IMPORT = re.compile(
    r"^import[ \t]+(?:type[ \t]+)?"
    r"(?:(?:[\w$*][\w$*, \t]*|\{[^}]{0,2000}\}|[\w$]+[ \t]*,[ \t]*\{[^}]{0,2000}\})"
    r"(?:[ \t]+as[ \t]+[\w$]+)?[ \t]+from[ \t]+)?"
    r"""(?:'[^'\n]*'|"[^"\n]*")[ \t]*;?[ \t]*$""",
    re.MULTILINE,
)
_EXPORT = re.compile(r"export[ \t]+(?:default\b|const\b|let\b|var\b|function\b|async\b|\{)")
_MAX_STATEMENT = 20_000


def mdx_statements(text: str, mark: Mark) -> str:
    """MDX ``import … from '…'`` and ``export …`` statements at the start of a line → nothing."""
    if _starts_a_line("import", text):
        text = _IMPORT.sub(lambda m: mark(m[0], ""), text)
    if not _starts_a_line("export", text):
        return text
    out: list[str] = []
    pos = 0
    for match in re.finditer(r"^export[ \t]", text, re.MULTILINE):
        if match.start() < pos or not _EXPORT.match(text, match.start()):
            continue
        end = _statement_end(text, match.start())
        out.append(text[pos : match.start()])
        out.append(mark(text[match.start() : end], ""))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _starts_a_line(word: str, text: str) -> bool:
    """Whether a line may start with ``word`` (a fast test before a line-anchored regex)."""
    return text.startswith(word) or f"\n{word}" in text


def _statement_end(text: str, start: int) -> int:
    """Where a JavaScript statement starting at ``start`` ends: the first line end with all
    brackets closed (strings and template literals skipped), or a blank line."""
    depth, quote, i = 0, "", start
    limit = min(len(text), start + _MAX_STATEMENT)
    while i < limit:
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "\n" and (depth <= 0 or text.startswith("\n\n", i)):
            return i
        i += 1
    return limit


# ---- JSX ------------------------------------------------------------------------------------

_JSX_START = re.compile(r"(?<!\\)<(/?)([A-Z][\w.]*|(?=/?>))")
_MDX_START = re.compile(r"(?<!\\)<(/?)([A-Za-z][\w.:-]*|(?=/?>))")
"""A tag opens with ``<``, not with an escaped ``\\<`` (a literal: ``Promise\\<Response\\>``)."""
_MDX_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.I)
_JSX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
_PROP = re.compile(
    r"""(?<![\w-])([\w-]+)=(?:"([^"]*)"|'([^']*)'|\{\s*(?:"([^"]*)"|'([^']*)'|`([^`$]*)`)\s*\})"""
)
_MAX_TAG = 4_000


def jsx(text: str, mark: Mark) -> str:
    """JSX component tags → their readable props; their children stay; ``{/* */}`` → nothing.

    Only capitalised names (components): in Markdown, lowercase tags are HTML, which the
    Markdown step reads (``mdx_tags`` reads them as MDX does)."""
    return _jsx(text, mark, _JSX_START)


def mdx_tags(text: str, mark: Mark) -> str:
    """In MDX every tag is JSX, lowercase ones too, and what is between tags is Markdown
    (not raw HTML as in CommonMark): every tag → its readable props, except that
    ``<script>``, ``<style>`` and ``<template>`` go whole, with what they hold."""
    if "<" in text:
        text = _MDX_HIDDEN.sub(lambda m: mark(m[0], ""), text)
    return _jsx(text, mark, _MDX_START)


def mdx_components(text: str, mark: Mark) -> str:
    """For a page rendered from MDX: component tags (capitalised) → their readable props,
    ``<script>``/``<style>``/``<template>`` gone whole; lowercase HTML tags stay for the
    renderer and its sanitiser (``<code>`` in a type signature stays code)."""
    if "<" in text:
        text = _MDX_HIDDEN.sub(lambda m: mark(m[0], ""), text)
    return _jsx(text, mark, _JSX_START)


def _jsx(text: str, mark: Mark, start: re.Pattern[str]) -> str:
    if "{/*" in text:
        text = _JSX_COMMENT.sub(lambda m: mark(m[0], ""), text)
    if "<" not in text:
        return text
    out: list[str] = []
    pos = 0
    for match in start.finditer(text):
        if match.start() < pos:
            continue
        end = _tag_end(text, match.end())
        if end is None:
            continue
        tag = text[match.start() : end]
        out.append(text[pos : match.start()])
        out.append(mark(tag, "" if match[1] else jsx_readable(tag)))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def jsx_readable(tag: str) -> str:
    """The ``title``/``alt``/``caption`` (``READABLE_PARAMS``) props of a JSX tag."""
    kept: list[str] = []
    for match in _PROP.finditer(tag):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        value = " ".join(value.split())
        if match[1].lower() in READABLE_PARAMS and value and value not in kept:
            kept.append(value)
    return f" {' — '.join(kept)} " if kept else ""


def _tag_end(text: str, i: int) -> int | None:
    """The end of a tag whose name ends at ``i``: after its ``>`` outside quotes and braces."""
    depth, quote = 0, ""
    limit = min(len(text), i + _MAX_TAG)
    while i < limit:
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"`" and (depth or text[i - 1] == "="):
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ">" and depth <= 0:
            return i + 1
        elif char == "<" and depth <= 0:
            return None  # not a tag: "a <B or c"
        i += 1
    return None


# ---- Admonitions and attribute lists --------------------------------------------------------

_DIRECTIVE = re.compile(r"^[ \t]*:{3,}[ \t]*[\w-]*(?:\[([^\]\n]*)\])?[^\n]*$", re.MULTILINE)
_MKDOCS = re.compile(
    r"^(?P<marker>(?:!!!|\?\?\?\+?)[ \t]+[\w-]+(?:[ \t]+[\w-]+)*(?:[ \t]+\"(?P<title>[^\"\n]*)\")?)"
    r"[ \t]*\n(?P<content>(?:(?:[ \t]*|(?: {4}|\t)[^\n]*)\n)*(?:(?: {4}|\t)[^\n]*)?)",
    re.MULTILINE,
)
_GITHUB_ALERT = re.compile(r"^([ \t]*>[ \t]*)\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.M)
_KRAMDOWN = re.compile(r"\{:{1,2}[^{}\n]*\}|\{:/[\w]*\}")


def admonitions(text: str, mark: Mark) -> str:
    """Admonition markers → their title; the text inside stays (dedented for MkDocs)."""
    if ":" in text and ":::" in text:
        text = _DIRECTIVE.sub(lambda m: mark(m[0], m[1] or ""), text)
    if ("!!!" in text or "???" in text) and (
        _starts_a_line("!!!", text) or _starts_a_line("???", text)
    ):
        text = _MKDOCS.sub(_mkdocs, text)
    if "[!" in text and _GITHUB_ALERT.search(text):
        text = _GITHUB_ALERT.sub(r"\1", text)
    return text


def _mkdocs(match: re.Match[str]) -> str:
    title = match["title"] or ""
    content = re.sub(r"^(?: {4}|\t)", "", match["content"], flags=re.MULTILINE)
    return f"{title}\n\n{content}" if title else f"\n{content}"


def kramdown(text: str, mark: Mark) -> str:
    """kramdown attribute lists and extensions (``{: .note}``, ``{:toc}``) → nothing."""
    if "{" not in text or "{:" not in text:
        return text
    return _KRAMDOWN.sub(lambda m: mark(m[0], ""), text)


STEPS: tuple[Step, ...] = (inline_code, shortcodes, template_tags, admonitions, kramdown)
"""For Markdown, in order: code spans first (nothing in them is a tag), shortcodes before
template outputs (both open with ``{{``). In Markdown, ``import`` lines are text and a
tag is HTML (which the Markdown step reads): statements and JSX are MDX's."""
MDX_STEPS: tuple[Step, ...] = (
    inline_code,
    mdx_statements,
    shortcodes,
    template_tags,
    mdx_tags,
    admonitions,
    kramdown,
)
"""For MDX: statements before tags (an import names components)."""
DISPLAY_MDX_STEPS: tuple[Step, ...] = tuple(
    mdx_components if step is mdx_tags else step for step in MDX_STEPS
)
"""For the page of an MDX file (``markdown_text.display_markdown``): HTML tags stay."""
LINE_STEPS: tuple[Step, ...] = (shortcodes, template_tags, jsx, kramdown)
"""For one line of metadata (a title), where nothing is code."""


def strip_tags(text: str) -> str:
    """The steps for one line, with ``drop``: text for a title, where nothing is code."""
    for step in LINE_STEPS:
        text = step(text, drop)
    return text


__all__ = [
    "DISPLAY_MDX_STEPS",
    "LINE_STEPS",
    "MDX_STEPS",
    "STEPS",
    "Mark",
    "admonitions",
    "code_spans",
    "drop",
    "inline_code",
    "jsx",
    "jsx_readable",
    "kramdown",
    "mdx_components",
    "mdx_statements",
    "mdx_tags",
    "shortcodes",
    "strip_tags",
    "template_tags",
    "unescape_shortcodes",
]
