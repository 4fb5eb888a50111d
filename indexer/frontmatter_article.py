"""Front-matter articles (Hugo/Jekyll style): metadata block, then a Markdown body.

The block is at the top of the file (blank lines before it are allowed):

- YAML between ``---`` lines (closed by ``---`` or ``...``), read with
  python-frontmatter's YAML handler and a *safe* loader: tags such as
  ``!!python/object`` are refused, never executed. YAML timestamps are kept as
  text and read by ``indexer.dates`` so that every source shares one date rule
  and an impossible date is a warning, not a failed file;
- TOML between ``+++`` lines (``tomllib``);
- JSON: an object at the first non-blank character, as in Hugo (``{`` then a
  key or ``}``, spaces and newlines allowed between them, or ``{`` alone on
  its line); ``{{`` (a template tag) or ``{text`` is not front matter.

The cost of reading is bounded whatever the file holds: a block longer than
``MAX_FRONT_MATTER_CHARS`` is refused, and so is a YAML document whose aliases
would expand past ``MAX_YAML_NODES`` nodes or ``MAX_YAML_CHARS`` characters of
scalars (a "billion laughs": a short document naming one big value thousands
of times). Real front matter is at most ~3,000 characters and ~130 nodes in
the corpora.

A ``---`` first line not followed by a ``key:`` line and never closed is a
horizontal rule, not front matter: the file is plain text.

Keys are matched case-insensitively. Fields: ``title``; the date, path and
modified keys that ``indexer.dates.choose_date`` reads; summary from ``shorttext``,
``summary``, ``description``, ``excerpt``; tags from ``tags``, ``tag``,
``categories``, ``category``, ``keywords`` together; authors from ``author`` and
``authors``; ``publication``, ``volume``, ``issue``, ``image_credit``;
language from ``lang``, ``language``, ``locale`` or ``languageCode``.

Drafts (``is_draft``), as Hugo and Jekyll decide them:

- Hugo's ``draft`` is a boolean read leniently: ``true``/``yes``/``on`` (YAML
  1.1 booleans, as Jekyll's YAML reads them too), a non-zero number, or a
  string that is not a false word (``false``/``f``/``0``/``no``/``n``/
  ``off``, or empty) is a draft. Hugo refuses a page whose ``draft`` it cannot
  read as a boolean; here such a value ("maybe", a list) keeps the file out,
  because a leaked draft is the worse mistake.
- Jekyll's ``published: false`` (a boolean, not the string) leaves a file
  out; a date in ``published`` (Hugo's alias of ``date``) is a date.
- Pelican's ``status: draft`` is a draft (``hidden`` pages are published).
"""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from frontmatter.default_handlers import YAMLHandler

from indexer.dates import DATE_KEYS, MODIFIED_KEYS, PATH_KEYS
from indexer.markdown_text import (
    body_text,
    decode_entities,
    display_markdown,
    html_to_text,
    inline_to_text,
    tidy,
)
from indexer.markup_tags import strip_tags
from indexer.normalise import (
    Extracted,
    as_text,
    clean_line,
    normalise_tags,
    split_authors,
    web_url,
)
from indexer.shortcodes import strip_shortcodes

Format = Literal["yaml", "toml", "json", "metadata"]
MAX_FRONT_MATTER_CHARS = 262_144
"""A longer front-matter block is refused (the largest real one is ~3,000 characters)."""
MAX_YAML_NODES = 200_000
"""Nodes of a YAML document with every alias counted as a copy of what it names."""
MAX_YAML_CHARS = 1_048_576
"""Characters of scalars, aliases counted as copies: four times ``MAX_FRONT_MATTER_CHARS``,
so a document without aliases never reaches it."""
MAX_MARKDOWN_CHARS = 500_000
"""A bigger body is indexed as its raw text: no real article comes near this."""
_SUMMARY_KEYS = ("shorttext", "summary", "description", "excerpt")
_DATE_KEYS = DATE_KEYS
_DATED_KEYS = (*DATE_KEYS, *PATH_KEYS, *MODIFIED_KEYS)
_LANG_KEYS = ("lang", "language", "locale", "languagecode")
_TRANSLATION_KEYS = ("translationkey", "translation_key")
_URL_KEYS = ("canonical_url", "canonicalurl", "canonical", "url", "permalink", "link")
"""Where front matter gives the page's address (jekyll-seo-tag's ``canonical_url``, Hugo's
``url``, Eleventy's ``permalink``); only an absolute http(s) one is the article's."""
"""Hugo's ``translationKey``: pages sharing it are translations, wherever they are."""
_TAG_KEYS = ("tags", "tag", "categories", "category", "keywords")
_KEY_LINE = re.compile(r"^[\w\"'-]+\s*[:=]")
_TOML_LINE = re.compile(r"at line (\d+)")
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_CLOSERS: dict[str, tuple[Format, re.Pattern[str]]] = {
    "---": ("yaml", re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)),
    "+++": ("toml", re.compile(r"^\+\+\+[^\S\n]*$", re.MULTILINE)),
}
_BLANK_LINES = re.compile(r"(?:[^\S\n]*\n)*")
_JSON_START = re.compile(r'\{\s*["}]|\{[^\S\n]*(?:\n|$)')
_FALSE_WORDS = frozenset(("", "false", "f", "0", "no", "n", "off"))


class _Bounded:
    """A YAML constructor that first checks what the document's aliases expand to.

    Composing is linear (an alias is the node it names, not a copy), but every user of
    the values pays for each copy: 8,000 aliases of a 600 KB string were 4.8 GB of text to
    clean. ``construct_document`` is where both PyYAML's and libyaml's loaders hand over the
    composed graph, so one check covers both.
    """

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)  # type: ignore[misc]


def _check_expansion(root: yaml.Node) -> None:
    """FrontMatterError if ``root`` expanded (aliases copied) passes the limits or is cyclic.

    Depth-first without recursion, each node weighed once (aliases share node objects),
    so the check is linear in the document, however large the expansion.
    """
    weights: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            open_nodes.discard(key)
            nodes = 1 + sum(weights[id(child)][0] for child in children)
            chars = sum(weights[id(child)][1] for child in children)
            if isinstance(node, yaml.ScalarNode):
                chars = len(node.value)
            if nodes > MAX_YAML_NODES or chars > MAX_YAML_CHARS:
                raise FrontMatterError(
                    f"YAML front matter expands (aliases copied) past {MAX_YAML_NODES:,} "
                    f"values or {MAX_YAML_CHARS:,} characters; not read"
                )
            weights[key] = (nodes, chars)
        elif key in open_nodes:
            raise FrontMatterError("YAML front matter holds a value that contains itself")
        elif key not in weights:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in weights)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _Loader(yaml.SafeLoader):
    """The safe loader, but timestamps stay strings (``indexer.dates`` reads them).

    This pure-Python loader is the reference: every error message and every
    refusal comes from it. ``_FastLoader`` only takes the common path.
    """


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_FastLoader: type[Any] | None = None
"""libyaml's parser with the same constructor and resolver as ``_Loader`` (None without
libyaml). It is about 5x faster, but it overflows the C stack (killing the process) on
deeply nested input, and its error messages differ; see ``_load_yaml``."""
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        pass

    _CLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    _FastLoader = _CLoader


def _checked(loader: type[Any]) -> type[Any]:
    """``loader`` with the expansion check, for documents that hold an alias (a ``*``)."""
    return type(f"_Checked{loader.__name__}", (_Bounded, loader), {})


_CHECKED = {loader: _checked(loader) for loader in (_Loader, _FastLoader) if loader}
_MAX_FAST_NESTING = 200
"""Above this bound on the nesting depth the pure-Python loader is used: libyaml would
recurse on the C stack, and the reference loader hits its RecursionError (a reported
error) at a few hundred levels; below it both loaders read the same documents."""
_LIBYAML_DIFFERS = re.compile(r"[\t\ufeff]|(?:^|[\s\[\]{},])!|[|>][-+0-9]*#")
_YAML = YAMLHandler()


class FrontMatterError(Exception):
    """The file opens a front-matter block that cannot be read."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True, slots=True)
class FrontMatter:
    format: Format
    meta: dict[str, object]
    """Keys lower-cased."""
    body: str


def read_front_matter(text: str) -> FrontMatter | None:
    """The front matter and body of ``text``, None if it has none; FrontMatterError if broken."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _json(text, len(text) - len(stripped))
    start = _BLANK_LINES.match(text).end()  # type: ignore[union-attr]  # matches empty
    opener_end = _line_end(text, start)
    if text[start:opener_end].rstrip() not in _CLOSERS:
        return None
    fmt, closer = _CLOSERS[text[start:opener_end].rstrip()]
    opener_line = text.count("\n", 0, start) + 1
    found = closer.search(text, opener_end + 1) if opener_end < len(text) else None
    if found is None:
        if _KEY_LINE.match(text[opener_end + 1 : _line_end(text, opener_end + 1)]):
            raise FrontMatterError(
                f"front matter opened on line {opener_line} is never closed", opener_line
            )
        return None
    raw = text[opener_end + 1 : max(found.start() - 1, opener_end + 1)]
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        raise FrontMatterError(
            f"front matter is {len(raw):,} characters long, over the limit of "
            f"{MAX_FRONT_MATTER_CHARS:,}",
            opener_line,
        )
    meta = _load(fmt, raw, first_line=opener_line + 1)
    return FrontMatter(fmt, meta, text[found.end() + 1 :])


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _load(fmt: Format, raw: str, first_line: int) -> dict[str, object]:
    if fmt == "yaml":
        data = _load_yaml(raw, first_line)
    else:
        try:
            data = tomllib.loads(raw)
        except RecursionError as exc:
            raise FrontMatterError("TOML front matter nested too deeply", first_line) from exc
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_LINE.search(str(exc))
            last = first_line + raw.count("\n")
            line = first_line + int(found.group(1)) - 1 if found else last
            raise FrontMatterError(f"invalid TOML front matter: {exc}", line) from exc
    return _as_meta(data, first_line - 1)


def _load_yaml(raw: str, first_line: int) -> object:
    try:
        if _FastLoader is not None and _fast_path(raw):
            # whatever libyaml refuses, the reference loader reads again and reports word
            # for word (a FrontMatterError is the limits' answer, the same from both)
            with contextlib.suppress(yaml.YAMLError, ValueError, TypeError, RecursionError):
                return _YAML.load(raw, Loader=_with_check(_FastLoader, raw))
        return _load_yaml_reference(raw, first_line)
    except FrontMatterError as exc:
        exc.line = exc.line or first_line
        raise


def _with_check(loader: type[Any], raw: str) -> type[Any]:
    # Without a "*" there is no alias, so nothing expands past the size limit; the check
    # would cost ~40% of reading real front matter.
    return _CHECKED[loader] if "*" in raw else loader


def _fast_path(raw: str) -> bool:
    """Whether libyaml reads ``raw`` as the reference loader does, or refuses it.

    libyaml accepts some documents the reference refuses or reads otherwise
    (found by fuzzing both): tabs as separators, ``?`` in flow collections, a
    comment glued to a block scalar header (``|#``), an empty node tagged
    ``!``. Documents with those, or nested deeply, take the reference loader.
    """
    if _nesting_bound(raw) > _MAX_FAST_NESTING or _LIBYAML_DIFFERS.search(raw):
        return False
    return "?" not in raw or ("[" not in raw and "{" not in raw)


def _nesting_bound(raw: str) -> int:
    """An upper bound on how deeply ``raw``'s YAML nodes can nest.

    A block node one level deeper starts on a new line or after ``-``, ``?`` or
    ``:``; a flow node after ``[`` or ``{``. Counting them all over-counts, which
    only sends a document to the slower reference loader.
    """
    return sum(raw.count(char) for char in "\n[{-?:") + 1


def _load_yaml_reference(raw: str, first_line: int) -> object:
    try:
        return _YAML.load(raw, Loader=_with_check(_Loader, raw))
    except yaml.constructor.ConstructorError as exc:
        line = first_line + exc.problem_mark.line if exc.problem_mark else first_line
        reason = f"YAML tag refused (only plain YAML is read): {exc.problem}"
        raise FrontMatterError(reason, line) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at_line = first_line + mark.line if mark else None
        where = f" at column {mark.column + 1}" if mark else ""
        context = f" {exc.context}" if exc.context else ""
        message = f"invalid YAML front matter:{context} {exc.problem}{where}"
        raise FrontMatterError(message, at_line) from exc
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise FrontMatterError(f"invalid YAML front matter: {exc}", first_line) from exc


def _json(text: str, offset: int) -> FrontMatter | None:
    if not _JSON_START.match(text, offset):
        return None
    limit = offset + MAX_FRONT_MATTER_CHARS
    try:
        data, end = json.JSONDecoder().raw_decode(text[:limit], offset)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        longer = f" (or longer than {MAX_FRONT_MATTER_CHARS:,} characters)" * (len(text) > limit)
        raise FrontMatterError(f"invalid JSON front matter{longer}: {exc}", line) from exc
    first_line = text.count("\n", 0, offset) + 1
    return FrontMatter("json", _as_meta(data, first_line), text[end:])


def _as_meta(data: object, line: int) -> dict[str, object]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            f"front matter is a {type(data).__name__}, not a set of keys and values", line
        )
    meta: dict[str, object] = {}
    for key, value in data.items():
        meta.setdefault(str(key).strip().lower(), value)
    return meta


def is_draft(meta: dict[str, object]) -> bool:
    """Whether Hugo (``draft``), Jekyll (``published: false``) or Pelican (``status: draft``)
    would leave the file out."""
    if meta.get("published") is False:
        return True
    status = meta.get("status")
    if isinstance(status, str) and status.strip().lower() == "draft":
        return True
    value = meta.get("draft")
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_WORDS
    return True  # a list or a table: Hugo refuses the page, so it stays out


def extract(front: FrontMatter, *, mdx: bool = False) -> Extracted:
    """The article fields of a front-matter file (before the shared normalisation); ``mdx``:
    the body is MDX (``indexer.markdown_text``)."""
    meta = front.meta
    source = _BLANK_RUNS.sub("\n\n", strip_shortcodes(front.body)).strip("\n")
    summary = _first(meta, _SUMMARY_KEYS)
    authors = split_authors([meta.get("author"), meta.get("authors")])
    warnings: list[str] = []
    if len(source) > MAX_MARKDOWN_CHARS:
        # markdown-it is linear but slow on crafted input (~30 s for 1 MB of "[")
        warnings.append(f"body over {MAX_MARKDOWN_CHARS:,} characters: indexed without Markdown")
        body = prose = tidy(html_to_text(source))
        display = source  # the page shows it as text
    else:
        text = body_text(source, mdx=mdx)
        body, prose = text.text, text.prose
        display = display_markdown(source, mdx=mdx)
    return Extracted(
        title=_plain(as_text(meta.get("title"))) or _heading_title(source) or _nav_title(meta),
        body=body,
        prose=prose,
        source=display,
        source_format="markdown",
        summary=inline_to_text(summary) if summary else None,
        date=next((meta[k] for k in _DATE_KEYS if _is_date_value(meta.get(k))), None),
        dates={key: meta[key] for key in _DATED_KEYS if key in meta},
        tags=normalise_tags(meta.get(k) for k in _TAG_KEYS),
        publication=as_text(meta.get("publication")),
        lang=_first(meta, _LANG_KEYS),
        authors=authors,
        volume=as_text(meta.get("volume")),
        issue=as_text(meta.get("issue")),
        image_credit=as_text(meta.get("image_credit")),
        translation_key=_first(meta, _TRANSLATION_KEYS),
        source_url=next((u for k in _URL_KEYS if (u := web_url(meta.get(k)))), None),
        warnings=warnings,
    )


def _is_date_value(value: object) -> bool:
    # ``published: true`` is Jekyll's switch, not a date
    return value not in (None, "") and not isinstance(value, bool)


_H1 = re.compile(r"#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")


def _heading_title(source: str) -> str | None:
    """Without a ``title`` key, a first line that is a level-1 heading is the title, as
    MkDocs and Docusaurus take it (its repetition leaves the summary, see ``normalise``)."""
    first = source.lstrip("\n").split("\n", 1)[0]
    match = _H1.fullmatch(first.strip())
    return (inline_to_text(strip_tags(match.group(1))) or None) if match else None


def _nav_title(meta: dict[str, object]) -> str | None:
    """Eleventy's navigation plugin names a page by ``eleventyNavigation.title``, else its
    ``key``: the name the site shows for a page with neither a title nor a heading."""
    nav = meta.get("eleventynavigation")
    if not isinstance(nav, dict):
        return None
    found = as_text(nav.get("title")) or as_text(nav.get("key"))
    return _plain(found) if found else None


def _first(meta: dict[str, object], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        text = as_text(meta.get(key))
        if text:
            return text
    return None


def _plain(text: str | None) -> str | None:
    """A one-line metadata string without template tags or shortcodes, entities decoded
    (titles are not Markdown in Hugo or Jekyll, so Markdown characters stay)."""
    return clean_line(decode_entities(strip_tags(text))) or None if text else None
