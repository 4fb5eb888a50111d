"""Hugo shortcodes → their readable words.

Shortcodes (``{{< name params >}}``, ``{{% name params %}}``, closing
``{{< /name >}}``, self-closing ``{{< name />}}``, and the escaped
``{{</* name */>}}`` form) are removed. Of their parameters only the words a
reader sees are kept: the named parameters in ``READABLE_PARAMS`` (``title``,
``alt``, ``caption``…) and positional parameters that look like prose (they
contain a space and are not a URL or a path): ``{{< video "/x.mp4" "The USA
and the Nazis" >}}`` keeps ``The USA and the Nazis``; ``{{< youtube "id" >}}``
and ``{{< tweet "123" >}}`` keep nothing. Paired shortcodes keep their inner
text. An unterminated ``{{<`` is dropped, so no shortcode braces survive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

READABLE_PARAMS = frozenset({"title", "alt", "caption", "description", "attr", "text"})
_LEFTOVERS = ("{{<", "{{%", ">}}", "%}}")
_MAX_SHORTCODE = 4_000
"""A shortcode longer than this is not a shortcode but a stray ``{{<``."""
_PARAM = re.compile(
    r"""(?:(?P<key>[\w-]+)\s*=\s*)?(?P<value>"(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'|[^\s"'`]+)""",
    re.DOTALL,
)
_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|\.{1,2}/|www\.)", re.IGNORECASE)


def strip_shortcodes(text: str) -> str:
    """Replace each shortcode by its readable parameters (possibly nothing)."""
    if "{{" not in text:
        return remove_leftover_braces(text)
    out: list[str] = []
    pos = 0
    for start, end in shortcode_spans(text):
        out.append(text[pos:start])
        if end - start > 3:
            out.append(readable_text(text[start + 3 : end - 3]))
        pos = end
    out.append(text[pos:])
    return remove_leftover_braces("".join(out))


def shortcode_spans(text: str) -> Iterator[tuple[int, int]]:
    """The ``(start, end)`` of each shortcode in ``text``, in order; a stray opener (never
    closed, or closed too far away) is a span of its three characters."""
    pos = 0
    finder = _Finder(text)
    while True:
        start = min(finder.next("{{<", pos), finder.next("{{%", pos))
        if start == len(text):
            return
        end = finder.next(">}}" if text[start + 2] == "<" else "%}}", start + 3)
        if end == len(text) or end - start > _MAX_SHORTCODE:
            yield start, start + 3  # a stray opener: drop the braces, keep what follows
            pos = start + 3
            continue
        yield start, end + 3
        pos = end + 3


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


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner
    return value


def _looks_like_prose(value: str) -> bool:
    return " " in value.strip() and not _URLISH.match(value)


__all__ = [
    "READABLE_PARAMS",
    "readable_text",
    "remove_leftover_braces",
    "shortcode_spans",
    "strip_shortcodes",
]
