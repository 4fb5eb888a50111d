"""Front-matter articles (Hugo/Jekyll style): metadata block, then a Markdown body.

The block is at the top of the file (blank lines before it are allowed):

- YAML between ``---`` lines (closed by ``---`` or ``...``), read with
  python-frontmatter's YAML handler and a *safe* loader: tags such as
  ``!!python/object`` are refused, never executed. YAML timestamps are kept as
  text and read by ``indexer.dates`` so that every source shares one date rule
  and an impossible date is a warning, not a failed file;
- TOML between ``+++`` lines (``tomllib``);
- JSON: an object starting at the first character (``{`` alone on the first
  line, or ``{"``).

A ``---`` first line not followed by a ``key:`` line and never closed is a
horizontal rule, not front matter: the file is plain text.

Keys are matched case-insensitively. Fields: ``title``; ``date`` (else
``publishdate``, ``pubdate``, ``published``); summary from ``shorttext``,
``summary``, ``description``, ``excerpt``; tags from ``tags``, ``tag``,
``categories``, ``keywords`` together; authors from ``author`` and
``authors``; ``publication``, ``volume``, ``issue``, ``image_credit``;
language from ``lang``, ``language``, ``locale`` or ``languageCode``; ``draft`` (true, or the string
"true"/"yes") marks a draft.
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

from indexer.markdown_text import html_to_text, markdown_to_text, strip_shortcodes, tidy
from indexer.normalise import Extracted, as_list, as_text, clean_line, normalise_tags

Format = Literal["yaml", "toml", "json"]
MAX_MARKDOWN_CHARS = 500_000
"""A bigger body is indexed as its raw text: no real article comes near this."""
_SUMMARY_KEYS = ("shorttext", "summary", "description", "excerpt")
_DATE_KEYS = ("date", "publishdate", "pubdate", "published")
_LANG_KEYS = ("lang", "language", "locale", "languagecode")
_TAG_KEYS = ("tags", "tag", "categories", "keywords")
_KEY_LINE = re.compile(r"^[\w\"'-]+\s*[:=]")
_TOML_LINE = re.compile(r"at line (\d+)")
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_CLOSERS: dict[str, tuple[Format, tuple[str, ...]]] = {
    "---": ("yaml", ("---", "...")),
    "+++": ("toml", ("+++",)),
}


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
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].rstrip() not in _CLOSERS:
        return None
    fmt, closers = _CLOSERS[lines[start].rstrip()]
    end = next((j for j in range(start + 1, len(lines)) if lines[j].rstrip() in closers), None)
    if end is None:
        if start + 1 < len(lines) and _KEY_LINE.match(lines[start + 1]):
            raise FrontMatterError(
                f"front matter opened on line {start + 1} is never closed", start + 1
            )
        return None
    raw = "\n".join(lines[start + 1 : end])
    meta = _load(fmt, raw, first_line=start + 2)
    return FrontMatter(fmt, meta, "\n".join(lines[end + 1 :]))


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
    if _FastLoader is not None and _fast_path(raw):
        # whatever libyaml refuses, the reference loader reads again and reports word for word
        with contextlib.suppress(Exception):
            return _YAML.load(raw, Loader=_FastLoader)
    return _load_yaml_reference(raw, first_line)


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
        return _YAML.load(raw, Loader=_Loader)
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
    rest = text[offset:]
    if not (rest.startswith('{"') or rest.split("\n", 1)[0].strip() == "{"):
        return None
    try:
        data, end = json.JSONDecoder().raw_decode(text, offset)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        raise FrontMatterError(f"invalid JSON front matter: {exc}", line) from exc
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
    value = meta.get("draft")
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes")
    return value is True


def extract(front: FrontMatter) -> Extracted:
    """The article fields of a front-matter file (before the shared normalisation)."""
    meta = front.meta
    source = _BLANK_RUNS.sub("\n\n", strip_shortcodes(front.body)).strip("\n")
    summary = _first(meta, _SUMMARY_KEYS)
    authors = dict.fromkeys(as_list(meta.get("author")) + as_list(meta.get("authors")))
    warnings: list[str] = []
    if len(source) > MAX_MARKDOWN_CHARS:
        # markdown-it is linear but slow on crafted input (~30 s for 1 MB of "[")
        warnings.append(f"body over {MAX_MARKDOWN_CHARS:,} characters: indexed without Markdown")
        body = tidy(html_to_text(source))
    else:
        body = markdown_to_text(source)
    return Extracted(
        title=_plain(as_text(meta.get("title"))),
        body=body,
        source=source,
        source_format="markdown",
        summary=_plain(summary),
        date=next((meta[k] for k in _DATE_KEYS if meta.get(k) not in (None, "")), None),
        tags=normalise_tags(meta.get(k) for k in _TAG_KEYS),
        publication=as_text(meta.get("publication")),
        lang=_first(meta, _LANG_KEYS),
        authors=tuple(authors),
        volume=as_text(meta.get("volume")),
        issue=as_text(meta.get("issue")),
        image_credit=as_text(meta.get("image_credit")),
        warnings=warnings,
    )


def _first(meta: dict[str, object], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        text = as_text(meta.get(key))
        if text:
            return text
    return None


def _plain(text: str | None) -> str | None:
    """A one-line metadata string without shortcodes (titles are not Markdown in Hugo)."""
    return clean_line(strip_shortcodes(text)) or None if text else None
