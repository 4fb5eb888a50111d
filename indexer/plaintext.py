"""Plain-text articles: a title line, optional metadata lines, then paragraphs.

Two shapes are recognised:

1. **A mail/Usenet header block** (RFC 822 style) at the top: consecutive
   ``Name: value`` lines (indented lines continue the previous one) up to the
   first blank line, at least two of them, one being ``From`` or ``Subject``.
   ``Subject`` is the title (``Re:`` kept), ``From`` the author (display name
   preferred: ``et@teal.csn.org (Eric H. Taylor)`` → ``Eric H. Taylor``, else
   the address), ``Date`` the date (RFC 2822), ``Keywords`` the tags,
   ``Summary`` the summary. ``Organization`` is an affiliation, not a
   publication, and is not kept; the other headers are dropped. MIME
   encoded-words (``=?utf-8?q?…?=``) are decoded.
2. **Otherwise**, the title is the first meaningful line (not blank, not
   boilerplate). A first line longer than ``MAX_TITLE_LINE`` characters is a
   paragraph, not a title: it stays in the body and the title is its start cut
   at a word. Right under the title, metadata lines are read and removed:
   ``Publication: … Volume: … Issue: …`` (any of ``METADATA_KEYS``, several on
   one line), and ``(Source: …)``, an image credit (``image_credit``).

Hugo shortcodes and Liquid/Nunjucks/Go template tags are removed as in Markdown
(``indexer.shortcodes``, ``indexer.markup_tags``), and HTML
character references (``&rsquo;``) decoded, once (``decode_entities``).
``BOILERPLATE`` lines (exact, whole-line, case-insensitive matches left by web
scraping, e.g. ``Placeholder canvas``) are dropped anywhere in the file.
"""

from __future__ import annotations

import contextlib
import email.errors
import email.header
import email.utils
import functools
import re

from indexer.markdown_text import decode_entities
from indexer.markup_tags import drop, template_tags
from indexer.normalise import Extracted, clean_line, cut_at_word, normalise_tags, split_authors
from indexer.shortcodes import strip_shortcodes

BOILERPLATE = frozenset(
    {
        "placeholder canvas",
        "skip to main content",
        "skip to content",
        "toggle navigation",
        "advertisement",
        "share this article",
        "print this article",
        "loading...",
        "loading…",
    }
)
METADATA_KEYS = ("publication", "volume", "issue", "author", "authors", "date", "published")
MAX_TITLE_LINE = 300
MAX_HEADER_LINES = 200
_METADATA_ZONE = 8
"""How many non-blank lines under the title may hold metadata."""
_HEADER = re.compile(r"([A-Za-z][!-9;-~]{0,60}):(?:[ \t]+(.*)|[ \t]*)")
"""A header line: RFC 822 field names are printable ASCII without ``:`` (``Article-I.D.``)."""
_METADATA_KEY = re.compile(r"\b(" + "|".join(METADATA_KEYS) + r")\s*:\s*", re.IGNORECASE)
_CREDIT = re.compile(
    r"\(\s*(?:source|photo|image|credit|photo credit|image credit)\s*:\s*(.+?)\s*\)",
    re.IGNORECASE,
)
_MESSAGE_IDS = re.compile(r"(?:<[^<>\s]+>\s*)+")
"""Continuation lines of a stripped ``References:`` header (20 Newsgroups): not part of the
header they now follow."""
_BLANK_RUNS = re.compile(r"\n(?:[ \t]*\n){2,}")


def parse_plain(text: str) -> Extracted:
    # text scraped from a Hugo site may hold shortcodes: same rule as for Markdown
    text = decode_entities(strip_shortcodes(template_tags(text, drop)))
    # the length test first: most lines are too long to be boilerplate
    lines = [line for line in text.split("\n") if len(line) >= 40 or not is_boilerplate(line)]
    headers, rest = split_headers(lines)
    if headers and "subject" in headers:
        return _from_headers(headers, rest)
    found = _from_lines(rest)
    if headers:  # a header block without Subject: keep what it says, title from the body
        header_fields = _from_headers(headers, [])
        found.authors, found.date, found.tags = (
            header_fields.authors,
            header_fields.date,
            header_fields.tags,
        )
    return found


def is_boilerplate(line: str) -> bool:
    return len(line) < 40 and clean_line(line).casefold() in BOILERPLATE


def split_headers(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """A leading RFC 822 header block (names lower-cased) and the lines after it."""
    headers: dict[str, str] = {}
    count, end = 0, min(len(lines), MAX_HEADER_LINES)
    last: str | None = None
    for index, line in enumerate(lines[:MAX_HEADER_LINES]):
        if not line.strip():
            end = index + 1
            break
        if line[0] in " \t":
            if last is not None and not _MESSAGE_IDS.fullmatch(line.strip()):
                headers[last] = f"{headers[last]} {line.strip()}"
            continue
        match = _HEADER.fullmatch(line.rstrip())
        if match is None:
            return {}, lines
        count += 1
        last = match.group(1).lower()
        headers.setdefault(last, (match.group(2) or "").strip())
    if count < 2 or not {"from", "subject"} & set(headers):
        return {}, lines
    return headers, lines[end:]


def _from_headers(headers: dict[str, str], body_lines: list[str]) -> Extracted:
    body = _tidy_body(body_lines)
    return Extracted(
        title=decode_words(headers.get("subject", "")) or None,
        body=body,
        source=body,
        source_format="text",
        summary=decode_words(headers.get("summary", "")) or None,
        date=headers.get("date") or None,
        tags=normalise_tags([decode_words(headers.get("keywords", ""))]),
        authors=tuple(a for a in [author_name(headers.get("from", ""))] if a),
    )


def decode_words(value: str) -> str:
    """A header value with MIME encoded-words decoded; the raw value if they are broken."""
    if "=?" in value:
        with contextlib.suppress(LookupError, UnicodeError, ValueError, email.errors.MessageError):
            value = str(email.header.make_header(email.header.decode_header(value)))
    return clean_line(value)


@functools.lru_cache(maxsize=8192)
def author_name(from_header: str) -> str:
    """``From`` header → the display name if there is one, else the address.

    Cached: the address parser is slow and the same people post again and again.
    """
    value = decode_words(from_header)
    if not value:
        return ""
    name, address = email.utils.parseaddr(value)
    name = clean_line(name.strip("\"' "))
    return name or address or value


def _from_lines(lines: list[str]) -> Extracted:
    found = Extracted(title=None, body="", source="", source_format="text")
    index = _read_metadata(lines, 0, found, credits=False)
    if index < len(lines):
        line = clean_line(lines[index])
        if len(line) > MAX_TITLE_LINE:
            found.title = cut_at_word(line, 100)
        else:
            found.title = line
            index = _read_metadata(lines, index + 1, found, credits=True)
    found.body = found.source = _tidy_body(lines[index:])
    return found


def _read_metadata(lines: list[str], start: int, found: Extracted, *, credits: bool) -> int:
    """Consume blank and metadata lines from ``start``; the index of the first other line."""
    index, seen = start, 0
    while index < len(lines) and seen < _METADATA_ZONE:
        line = clean_line(lines[index])
        if line:
            credit = _CREDIT.fullmatch(line) if credits else None
            if credit and found.image_credit is None:
                found.image_credit = credit.group(1)
            elif not _apply_metadata(line, found):
                break
            seen += 1
        index += 1
    return index


def _apply_metadata(line: str, found: Extracted) -> bool:
    """Read ``Key: value Key: value`` if the whole line is made of known keys; else False."""
    if len(line) > MAX_TITLE_LINE:
        return False
    parts = _METADATA_KEY.split(line)
    if parts[0].strip() or len(parts) < 3:
        return False
    values = {parts[i].lower(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if not all(values.values()):
        return False
    found.publication = values.get("publication", found.publication)
    found.volume = values.get("volume", found.volume)
    found.issue = values.get("issue", found.issue)
    found.date = values.get("date", values.get("published", found.date))
    author = values.get("author", values.get("authors"))
    if author:
        found.authors = split_authors([author])
    return True


def _tidy_body(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")
