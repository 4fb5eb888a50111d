"""Field normalisation shared by every source format: ids, tags, language, summary, title.

Rules (the README documents them for archive owners):

- **id**: ``search.ids.article_id`` (the relative path, percent-encoded
  one-to-one; a backslash is a character, not a separator).
- **tags**: a string or a list; strings split on commas; trimmed; empty ones
  dropped; de-duplicated case-insensitively keeping the first spelling; at most
  ``MAX_TAGS`` tags of at most ``MAX_TAG_CHARS`` characters.
- **language folder**: a top-level folder named as any language tag CLDR knows
  (``en/``, ``ko/``, ``pt-br/``), or a deeper one named as a stemmed language;
  else a language suffix of the file name (Hugo's ``about.fr.md``).
- **lang**: the declared language (region folded: ``pt-BR`` → ``pt``), else the
  language folder, else the language detected in the text when confident, else
  the site's language (``indexer.site_language``), else the archive's default;
  ``lang_source`` says which. A declaration that
  contradicts the folder is a warning; the language of the text decides
  between them (the declaration when the text cannot).
- **translation key**: Hugo's ``translationKey`` when declared, else the path
  without its language folder, language suffix (``about.fr.md``) and extension;
  none for the rows of a table (they are not translations of each other).
- **summary**: the given one (whitespace collapsed), else the first sentences
  of the body, about ``SUMMARY_TARGET`` to ``SUMMARY_MAX`` characters, cut at a
  word with an ellipsis when a sentence is too long.
- **title**: whitespace collapsed, at most ``MAX_TITLE_CHARS``; never empty: the
  file name (without extension, ``-``/``_`` as spaces) stands in.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from search.facetkeys import facet_key
from search.ids import article_id as article_id  # re-exported for the readers
from search.languages import NEUTRAL, STEMMED, folder_lang, normalise_lang

MAX_TAGS = 50
MAX_TAG_CHARS = 100
MAX_TITLE_CHARS = 300
SUMMARY_TARGET = 200
SUMMARY_MAX = 300
MAX_GIVEN_SUMMARY = 1_000
Detector = Callable[[str], tuple[str, float]]
"""Text → (language code or ``und``, confidence): ``indexer.langdetect.detect``."""
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def clean_line(text: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces."""
    return " ".join(text.split())


def as_text(value: object) -> str | None:
    """A front-matter scalar (or a list of scalars) as one line of text; None if empty."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list | tuple):
        items = [as_text(item) for item in value if not isinstance(item, list | tuple | dict)]
        return as_text(", ".join(item for item in items if item))
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_line(str(value)) or None


_WEB_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
MAX_URL_CHARS = 2_000


def web_url(value: object) -> str | None:
    """``value`` when it is one absolute http(s) URL (what a page may link to), else None."""
    text = as_text(value)
    if text is None:
        return None
    text = text.strip()
    return text if len(text) <= MAX_URL_CHARS and _WEB_URL.fullmatch(text) else None


def as_list(value: object) -> list[str]:
    """A string or a list of strings as a list of trimmed, non-empty strings (no splitting)."""
    if isinstance(value, list | tuple):
        return [text for item in value if (text := as_text(item))]
    text = as_text(value)
    return [text] if text else []


_AUTHOR_SEPARATORS = re.compile(r"\s*[,;&]\s*|\s+and\s+")
MAX_AUTHORS = 50


def split_authors(values: Iterable[object]) -> tuple[str, ...]:
    """Authors from any number of values (strings or lists), each string split on ``,``,
    ``;``, ``&`` and `` and `` (``"Josh Triplett, Niko Matsakis"`` is two people),
    entities decoded, de-duplicated ignoring case, in order."""
    seen: set[str] = set()
    authors: list[str] = []
    for value in values:
        for item in as_list(value):
            text = html.unescape(item) if "&" in item else item
            for part in _AUTHOR_SEPARATORS.split(text):
                name = clean_line(part)[:MAX_TAG_CHARS].strip()
                if name and name.casefold() not in seen and len(authors) < MAX_AUTHORS:
                    seen.add(name.casefold())
                    authors.append(name)
    return tuple(authors)


def normalise_tags(values: Iterable[object]) -> tuple[str, ...]:
    """Tags from any number of front-matter values, in order, entities decoded, and
    de-duplicated by ``facet_key`` (case, and slug or word form: ``strategy-and-policy``
    and ``Strategy and Policy`` are one tag; the facet shows the archive's most common
    spelling)."""
    seen: set[str] = set()
    tags: list[str] = []
    for value in values:
        for item in as_list(value):
            text = html.unescape(item) if "&" in item else item
            for part in text.split(","):
                tag = clean_line(part)[:MAX_TAG_CHARS].strip()
                key = facet_key(tag)
                if key and key not in seen and len(tags) < MAX_TAGS:
                    seen.add(key)
                    tags.append(tag)
    return tuple(tags)


def _language_segment(relpath: str) -> tuple[int, str] | None:
    """The index and language of the path's language folder, or None.

    At the top of the archive any language tag CLDR knows counts (``ko/``,
    ``pt-br/``, ``zh-cn/``), as in Hugo's and Astro's content folders per
    language; deeper down only the tags of languages we stem do, so that a
    topic folder that happens to be a rare code (``functions/os/``) is not a
    language.
    """
    segments = relpath.split("/")[:-1]
    for index, segment in enumerate(segments):
        code = folder_lang(segment)
        if code and (index == 0 or code in STEMMED):
            return index, code
    return None


def language_folder(relpath: str) -> str | None:
    """The language of the first folder of ``relpath`` named as a language, or None."""
    found = _language_segment(relpath)
    return found[1] if found else None


LangSource = Literal["declared", "folder", "detected", "site", "default"]


def choose_lang(
    declared: object,
    relpath: str,
    default: str,
    text: str = "",
    detect: Detector | None = None,
    site: str | None = None,
) -> tuple[str, LangSource, str | None]:
    """The language, which source decided it, and a warning when the declaration
    contradicts the language folder.

    Order: the declared language (``lang``, ``language``, ``locale``,
    ``languageCode``: an author's word for this file), else the language folder,
    else ``detect(text)`` when it is confident, else the archive's default. When
    a declaration and the folder disagree, the text's language settles it (in
    the real archives either can be the slip: a French text marked ``ru`` in
    ``fr/``, an English imprint marked ``en`` in ``fr/``).
    """
    code = normalise_lang(as_text(declared)) if declared is not None else None
    folder = language_folder(relpath) or language_suffix(relpath)
    detected = None
    if code and folder and code != folder:
        # one of the two is a slip: the text tells which (the declaration when it cannot)
        detected = _detect(text, detect)
        chosen: tuple[str, LangSource] = (
            (folder, "folder") if detected == folder else (code, "declared")
        )
        warning = (
            f"lang {code!r} contradicts the language folder {folder!r}/; using "
            f"{chosen[0]!r}" + (" (the language of the text)" if detected == chosen[0] else "")
        )
        return *chosen, warning
    if code:
        return code, "declared", None
    if folder:
        return folder, "folder", None
    detected = _detect(text, detect)
    if detected is not None:
        return detected, "detected", None
    if site:
        return site, "site", None
    return default, "default", None


def _detect(text: str, detect: Detector | None) -> str | None:
    if detect is None or not text:
        return None
    code, _confidence = detect(text)
    return None if code == NEUTRAL else code


def translation_key(relpath: str, declared: str | None = None) -> str:
    """The key an article shares with its translations, as Hugo links them: the declared
    key (``translationKey``) when there is one, else the path without its language folder,
    language suffix (``about.fr.md``) and extension. A path without either keys a group of
    its own until a translation with a language folder or suffix shares it (Hugo's
    ``about.md`` in the default language beside ``about.fr.md``)."""
    if declared:
        return declared
    segments = relpath.split("/")
    found = _language_segment(relpath)
    if found is not None:
        del segments[found[0]]
    name = _strip_extension(segments[-1])
    if language_suffix(relpath):
        name = name.rsplit(".", 1)[0]
    segments[-1] = name
    return "/".join(segments)


_SUFFIX = re.compile(r"^[^.]+(?:\.[^.]+)*\.([a-z]{2}(?:-[a-z0-9]{2,8})?)\.[^.]+$")
"""``name.<lang>.<ext>``: Hugo's translation by file name (the code in lower case)."""


def language_suffix(relpath: str) -> str | None:
    """The language of a file name such as ``about.fr.md`` or ``about.pt-br.md``, or None."""
    match = _SUFFIX.match(relpath.rsplit("/", 1)[-1])
    return folder_lang(match.group(1)) if match else None


def _strip_extension(name: str) -> str:
    """``name`` without its last suffix, as ``PurePosixPath(name).stem`` (a tenth of its cost,
    run for every article): a leading dot or a trailing one is no suffix."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 and name[0] != "." else name


_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-(?=.)")
"""Jekyll's post names (``2021-10-06-slug``), whose slug Jekyll and Eleventy take without the
date: the date is the article's date, not part of its title."""


def fallback_title(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1]
    slug = _DATED_NAME.sub("", _strip_extension(name))
    words = clean_line(slug.replace("-", " ").replace("_", " "))
    return words or name or relpath


def normalise_title(title: str | None, relpath: str) -> str:
    text = clean_line(title or "")
    if len(text) > MAX_TITLE_CHARS:
        text = cut_at_word(text, MAX_TITLE_CHARS)
    return text or fallback_title(relpath)


def cut_at_word(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def make_summary(given: str | None, body: str, title: str = "") -> str:
    """The given summary, else the first sentences of ``body`` (prose: no code); never the
    title again (a summary equal to it, or a body opening with it, as a Markdown heading
    repeating the title does)."""
    if given and (text := clean_line(given)) and not _same(text, title):
        return cut_at_word(text, MAX_GIVEN_SUMMARY)
    return summarise(_without_title(body, title))


def _same(text: str, title: str) -> bool:
    return bool(title) and text.casefold().rstrip(" .") == title.casefold().rstrip(" .")


def _without_title(body: str, title: str) -> str:
    if not title:
        return body
    head = body[: len(title) + 8].lstrip()
    first_line = head.split("\n", 1)[0]
    if _same(clean_line(first_line), title):
        return body.lstrip()[len(first_line) :]
    return body


def summarise(body: str) -> str:
    """The first sentences of ``body``: at least ``SUMMARY_TARGET`` chars when there are enough."""
    text = clean_line(body[: SUMMARY_MAX * 20])
    if len(text) <= SUMMARY_MAX:
        return text
    summary = ""
    # Splitting only the head gives the same sentences up to SUMMARY_MAX, and the cut one
    # is as much too long as the whole one (text has single spaces, so a candidate is a prefix)
    for sentence in _SENTENCE_END.split(text[: SUMMARY_MAX + 2]):
        candidate = f"{summary} {sentence}".strip()
        if len(candidate) > SUMMARY_MAX:
            break
        summary = candidate
        if len(summary) >= SUMMARY_TARGET:
            return summary
    if len(summary) >= SUMMARY_TARGET // 2:
        return summary
    return cut_at_word(text, SUMMARY_MAX)


@dataclass
class Extracted:
    """What a format parser found in one file, before the shared normalisation."""

    title: str | None
    body: str
    source: str
    source_format: Literal["markdown", "text"]
    summary: str | None = None
    prose: str | None = None
    """The body without its code blocks, when the format has any (summaries are made of it)."""
    date: object = None
    """A raw date value (string, date, datetime), parsed by ``indexer.dates``."""
    tags: tuple[str, ...] = ()
    publication: str | None = None
    lang: object = None
    """A declared language, as written."""
    dates: dict[str, object] = field(default_factory=dict)
    """Metadata values ``indexer.dates.choose_date`` reads (date, path and modified keys,
    lower-cased), as found."""
    authors: tuple[str, ...] = ()
    volume: str | None = None
    issue: str | None = None
    image_credit: str | None = None
    translation_key: str | None = None
    source_url: str | None = None
    """An absolute http(s) URL the source gives for the article (``Article.source_url``)."""
    """A declared translation key (Hugo's ``translationKey``), as written."""
    warnings: list[str] = field(default_factory=list)
