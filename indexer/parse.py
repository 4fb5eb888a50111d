"""One file → one ``ParseOutcome``: an article (maybe with warnings), a skip, or an error.

``parse_bytes`` is pure and never raises: whatever the bytes, it returns an
outcome. The format is decided by content (front matter at the top or not),
never by the file's extension.

Decisions documented here:

- an empty or whitespace-only file is an error ("empty file");
- text beyond ``MAX_TEXT_CHARS`` characters is not indexed (a warning says so):
  the cut is at a line break or a space in the last half before the limit, so a
  body that is one long line keeps its first two million characters; before
  that, a file over the configured size (``max_file_mb``) is read only up to it;
- a draft is skipped with ``skipped="draft"``: ``draft`` true (Hugo, read as a
  lenient boolean), ``published: false`` (Jekyll), ``status: draft`` (Pelican)
  (see ``frontmatter_article.is_draft``), or a file under a ``_drafts/``
  folder (Jekyll);
- a page its generator does not publish (``indexer.unpublished``: Hugo's
  ``build: {render: never}``, a headless bundle, Eleventy's ``permalink: false``)
  is skipped with ``skipped=UNPUBLISHED``; whole bundles and sections are left
  out by ``indexer.discover`` and counted under the same reason;
- a site's data, configuration and template files (``indexer.site_files``) are
  skipped with ``skipped="site data file"`` or ``"site template"``;
- a Hugo section page (``_index.md``) with an empty body is skipped with
  ``skipped="empty section page"``: Hugo fills it with a generated list of
  pages, so it has nothing of its own to find; any other file with a title but
  an empty body is indexed (its title and metadata are searchable) with a
  warning;
- the date is chosen by ``indexer.dates.choose_date`` (date keys, file name,
  path keys, folders); a value that cannot be read is a warning and the next
  source is tried; an undated article is a warning naming what was tried;
- publication: front matter or metadata line, else the configuration's
  per-folder default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

from indexer.config import ArchiveConfig
from indexer.dates import DATE_KEYS, choose_date, choose_modified
from indexer.decode import decode
from indexer.discover import Candidate
from indexer.frontmatter_article import FrontMatterError, extract, is_draft, read_front_matter
from indexer.langdetect import MAX_CHARS as DETECTED_CHARS
from indexer.langdetect import detect
from indexer.metadata_lines import read_metadata_lines
from indexer.normalise import (
    Extracted,
    choose_lang,
    make_summary,
    normalise_title,
    translation_key,
)
from indexer.outcome import ParseOutcome, Problem
from indexer.plaintext import parse_plain
from indexer.safe_read import FileBytes
from indexer.site_files import site_file_kind
from indexer.unpublished import UNPUBLISHED, not_published
from search.article import Article
from search.ids import article_id

MAX_TEXT_CHARS = 2_000_000
DRAFTS_FOLDER = "_drafts"
"""Jekyll's folder of unpublished posts: every file under it is a draft."""
MB = 1024 * 1024
SECTION_PAGE = "_index"


def parse_file(root: Path, candidate: Candidate, config: ArchiveConfig) -> ParseOutcome:
    """Read ``candidate`` (beneath ``root``) and parse it; an unreadable file is an error."""
    if not candidate.root:
        candidate = dataclasses.replace(candidate, root=str(root))
    try:
        read = candidate.read(config.max_file_bytes)
    except OSError as exc:
        return ParseOutcome(candidate.relpath, problems=(unreadable(candidate.relpath, exc),))
    return parse_read(candidate.relpath, read, config)


def unreadable(relpath: str, exc: OSError) -> Problem:
    return Problem(relpath, f"cannot read file: {exc.strerror or exc}")


def parse_read(relpath: str, read: FileBytes, config: ArchiveConfig) -> ParseOutcome:
    """``parse_bytes`` on what was read of a file, with a warning when it was cut."""
    outcome = parse_bytes(relpath, read.data, config)
    if not read.cut:
        return outcome
    reason = (
        f"file is {read.size / MB:,.1f} MB, over the limit of {config.max_file_bytes / MB:,.1f} MB "
        "(max_file_mb); only its beginning is read"
    )
    cut = Problem(relpath, reason, "warning")
    return dataclasses.replace(outcome, problems=(*outcome.problems, cut))


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: at the last line break in its second
    half, else at the last space there, else (one word of a million letters) at ``limit``.

    Never much shorter than ``limit``: a cut at the last line break alone left nothing of
    a body that is one 25 MB line but the front matter."""
    if len(text) <= limit:
        return text
    for separator in ("\n", " ", "\t"):
        cut = text.rfind(separator, limit // 2, limit)
        if cut > 0:
            return text[:cut]
    return text[:limit]


def parse_bytes(relpath: str, data: bytes, config: ArchiveConfig) -> ParseOutcome:
    """Parse one file's bytes (``relpath`` is relative to the archive root, ``/``-separated)."""
    try:
        return _parse(relpath, data, config)
    except Exception as exc:  # the run must go on; the reason names the bug
        return _error(relpath, f"internal parser error: {type(exc).__name__}: {exc}")


def _parse(relpath: str, data: bytes, config: ArchiveConfig) -> ParseOutcome:
    decoded = decode(data)
    text = decoded.text
    warnings = [decoded.warning] if decoded.warning else []
    if not text.strip():
        return _error(relpath, "empty file")
    if (kind := site_file_kind(relpath, text[:256])) is not None:
        return ParseOutcome(relpath, skipped=kind)
    if DRAFTS_FOLDER in relpath.split("/")[:-1]:
        return ParseOutcome(relpath, skipped="draft")
    if len(text) > MAX_TEXT_CHARS:
        text = cut_text(text, MAX_TEXT_CHARS)
        warnings.append(
            f"file is longer than {MAX_TEXT_CHARS:,} characters; the rest is not indexed"
        )
    try:
        front = read_front_matter(text)
    except FrontMatterError as exc:
        return _error(relpath, exc.reason, exc.line)
    if front is None:
        front = read_metadata_lines(text)
    if front is not None and is_draft(front.meta):
        return ParseOutcome(relpath, skipped="draft")
    if front is not None and not_published(front.meta, relpath.rsplit("/", 1)[-1]):
        return ParseOutcome(relpath, skipped=UNPUBLISHED)
    mdx = relpath.lower().endswith(".mdx")
    found = extract(front, mdx=mdx) if front is not None else parse_plain(text)
    if not found.body.strip():
        if _stem(relpath) == SECTION_PAGE:
            return ParseOutcome(relpath, skipped="empty section page")
        warnings.append("body is empty; only the title and metadata are indexed")
    notes: list[str] = []
    digest = hashlib.sha256(data).hexdigest()
    article = make_article(relpath, found, config, warnings, notes, content_hash=digest)
    article = without_surrogates(article, warnings)
    problems = tuple(Problem(relpath, w, "warning") for w in [*found.warnings, *warnings])
    return ParseOutcome(relpath, article=article, problems=problems, notes=tuple(notes))


def make_article(
    relpath: str,
    found: Extracted,
    config: ArchiveConfig,
    warnings: list[str],
    notes: list[str],
    *,
    content_hash: str,
    identifier: str | None = None,
) -> Article:
    """The article of ``found`` (read from ``relpath``), normalised; problems go to
    ``warnings`` and ``notes``. A file holding many articles (a table) gives each its
    ``identifier``."""
    meta = dict(found.dates)
    if found.date is not None and not any(key in meta for key in DATE_KEYS):
        meta["date"] = found.date
    dated = choose_date(meta, relpath)
    warnings.extend(dated.warnings)
    if dated.date is None:
        notes.append(dated.undated_note())
    prose = found.body if found.prose is None else found.prose
    lang, lang_source, lang_warning = choose_lang(
        found.lang,
        relpath,
        config.default_lang,
        f"{found.title or ''}\n{prose[:DETECTED_CHARS]}",
        detect if config.detect_lang else None,
        config.site_lang.lang if config.site_lang else None,
    )
    if lang_warning:
        warnings.append(lang_warning)
    title = normalise_title(found.title, relpath)
    return Article(
        id=identifier or article_id(relpath),
        path=relpath,
        title=title,
        body=found.body,
        source=found.source,
        source_format=found.source_format,
        summary=make_summary(found.summary, prose, title),
        date=dated.date,
        modified=choose_modified(meta),
        tags=found.tags,
        publication=found.publication or config.publication_for(relpath),
        lang=lang,
        lang_source=lang_source,
        authors=found.authors,
        volume=found.volume,
        issue=found.issue,
        image_credit=found.image_credit,
        # the rows of a table share its path but are not translations of each other
        translation_key=translation_key(relpath, found.translation_key)
        if identifier is None or found.translation_key
        else None,
        content_hash=content_hash,
        source_url=found.source_url,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_WARNING = (
    "front matter holds unpaired surrogate escapes (such as \\ud800), which no text can "
    "hold; each is replaced with U+FFFD"
)


def _has_surrogate(text: str) -> bool:
    # ASCII text (a flag of the string, no scan) holds none. Else encoding stops at the
    # first surrogate and runs in C at memory speed: a regular expression scanning every
    # body and source cost 7% of parsing.
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_ARTICLE_FIELDS = tuple(field.name for field in dataclasses.fields(Article))
"""Read once: ``dataclasses.fields`` builds its tuple again at every call."""


def without_surrogates(article: Article, warnings: list[str]) -> Article:
    """``article`` with lone surrogates (only YAML/JSON escapes can make them) replaced.

    They cannot be written as UTF-8, so every engine would fail on the whole build.
    """
    changes: dict[str, object] = {}
    for name in _ARTICLE_FIELDS:
        value = getattr(article, name)
        if isinstance(value, str) and _has_surrogate(value):
            changes[name] = _SURROGATE.sub("\ufffd", value)
        elif isinstance(value, tuple) and any(_has_surrogate(v) for v in value):
            changes[name] = tuple(_SURROGATE.sub("\ufffd", v) for v in value)
    if not changes:
        return article
    warnings.append(SURROGATE_WARNING)
    return dataclasses.replace(article, **changes)  # type: ignore[arg-type]


def _stem(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0].lower()


def _error(relpath: str, reason: str, line: int | None = None) -> ParseOutcome:
    return ParseOutcome(relpath, problems=(Problem(relpath, reason, "error", line),))
