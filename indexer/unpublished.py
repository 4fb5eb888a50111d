"""Files a site generator reads but publishes no page for: not articles.

The conventions read:

- **Hugo build options**: ``build`` (``_build`` before Hugo 0.145) with
  ``render: never`` (or ``link``: a permalink but no file written; or the old
  boolean ``false``) in a page's front matter: the page is not published.
- **Hugo headless bundles**: a leaf bundle whose ``index.md`` says
  ``headless: true`` (the older form of the same thing) or ``render: never``:
  the whole bundle (its folder and everything in it) is content that other
  pages include, not a page.
- **Hugo cascade**: a ``cascade`` (a map, or a list of maps) in a section's
  ``_index.md`` passes its ``build`` to every page below the section, unless
  a closer section cascades another value (hugo-docs keeps its shared snippets
  so, in ``_common/``). A ``target`` (``_target`` before Hugo 0.156) limits an
  entry to the pages its page matcher matches, evaluated as Hugo does: ``path``
  a glob on the page's logical path (``/notes/a`` for ``notes/a.md`` or
  ``notes/a/index.md``; ``content/`` at the root is Hugo's content folder),
  ``kind`` one on its kind (``home``, ``section``, ``page``), ``environment`` one
  on ``production`` (a published site), ``lang`` one on its language folder (else
  the site's language, else Hugo's default ``en``); globs as Hugo's (``*`` within a
  segment, ``**`` across, ``{a,b}``, ``?``, ``[…]``). The closest section's first
  matching entry decides. A page's own ``build`` under a cascade is not read here.
- **Eleventy**: ``permalink: false`` writes no file. (``eleventyExcludeFromCollections``
  only leaves a page out of collections: it is still published, so still an article.)

Jekyll's ``published: false`` is a draft (``frontmatter_article.is_draft``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from search.languages import folder_lang

UNPUBLISHED = "not a published page (Hugo build options, headless; Eleventy permalink: false)"
"""The reason a skipped file is counted under in the build summary."""
BRANCH_INDEX = frozenset({"_index.md", "_index.markdown", "_index.mdx"})
LEAF_INDEX = frozenset({"index.md", "index.markdown", "index.mdx"})
_NOT_RENDERED = frozenset({"never", "link", "false"})


def not_published(meta: Mapping[str, object], name: str) -> bool:
    """Whether the page with front matter ``meta`` (keys lower-cased), in a file called
    ``name``, is published by none of the conventions above."""
    if _render(meta) in _NOT_RENDERED:
        return True
    if name.lower() in LEAF_INDEX and meta.get("headless") is True:
        return True
    return meta.get("permalink") is False


def bundle_unpublished(meta: Mapping[str, object]) -> bool:
    """Whether a leaf bundle's ``index.md`` with ``meta`` makes the whole bundle unpublished."""
    return meta.get("headless") is True or _render(meta) in _NOT_RENDERED


Rule = tuple[bool, Mapping[str, object] | None]
"""One cascaded build rule: published or not, for the pages its target matches (None: all)."""


def cascade_rules(meta: Mapping[str, object]) -> tuple[Rule, ...]:
    """The build rules a section's ``_index.md`` (front matter ``meta``) cascades, in order."""
    cascade = meta.get("cascade")
    rules: list[Rule] = []
    for entry in cascade if isinstance(cascade, list) else [cascade]:
        if not isinstance(entry, Mapping):
            continue
        entry = {str(k).lower(): v for k, v in entry.items()}
        render = _render(entry)
        if render is None:
            continue
        target = entry.get("target", entry.get("_target"))
        if target is not None and not isinstance(target, Mapping):
            continue  # not a page matcher: Hugo refuses it, we leave the pages be
        rules.append((render not in _NOT_RENDERED, target))
    return tuple(rules)


def cascaded(meta: Mapping[str, object]) -> bool | None:
    """What a section's ``_index.md`` cascades to every page below: True (published),
    False (not), or None (nothing of building, or only to targeted pages)."""
    for published, target in cascade_rules(meta):
        if target is None:
            return published
    return None


@dataclass(frozen=True)
class Cascades:
    """The build rules the sections above a folder cascade to it, the closest first."""

    rules: tuple[Rule, ...] = ()
    site_lang: str = "en"

    def below(self, rules: tuple[Rule, ...]) -> Cascades:
        """These cascades under a section that cascades ``rules``."""
        return dataclasses.replace(self, rules=rules + self.rules) if rules else self

    def publishes(self, relpath: str) -> bool:
        """Whether the page at ``relpath`` is published, by the first rule that targets it."""
        for published, target in self.rules:
            if target is None or self._matches(target, relpath):
                return published
        return True

    def _matches(self, target: Mapping[str, object], relpath: str) -> bool:
        path, kind = logical_path(relpath)
        lang = language_folder(relpath) or self.site_lang
        subjects = {"path": path, "kind": kind, "environment": "production", "lang": lang}
        for key, value in target.items():
            subject = subjects.get(str(key).lower())
            if subject is None:
                continue  # sites, versions, roles: dimensions an archive does not have
            if not isinstance(value, str) or not hugo_glob(value).fullmatch(subject):
                return False
        return True


UNPUBLISHED_EVERYTHING: tuple[Rule, ...] = ((False, None),)
"""The rule of a headless bundle: nothing in it is a page."""


def logical_path(relpath: str) -> tuple[str, str]:
    """Hugo's logical path of the page at ``relpath`` and its kind: the path below the
    content folder without extension, lower-cased; a bundle's or section's index is its
    folder (the root's ``_index`` is the home page)."""
    path = relpath.lower()
    path = path.removeprefix("content/")
    folder, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if stem == "_index":
        return f"/{folder}", "section" if folder else "home"
    if stem == "index":
        return f"/{folder}", "page"
    return f"/{folder}/{stem}" if folder else f"/{stem}", "page"


@functools.lru_cache(maxsize=256)
def hugo_glob(pattern: str) -> re.Pattern[str]:
    """A glob as Hugo matches them (gobwas/glob with ``/`` as separator)."""
    out, depth, i = [], 0, 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 1
        elif char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{":
            out.append("(?:")
            depth += 1
        elif char == "}" and depth:
            out.append(")")
            depth -= 1
        elif char == "," and depth:
            out.append("|")
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            inner = pattern[i + 1 : end]
            inner = "^" + inner[1:] if inner.startswith("!") else inner
            out.append(f"[{inner.replace(chr(92), chr(92) * 2)}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + ")" * depth)


def _render(meta: Mapping[str, object]) -> str | None:
    """The ``render`` of a page's ``build`` (or ``_build``) options, lower-cased."""
    for key in ("build", "_build"):
        options = meta.get(key)
        if isinstance(options, Mapping):
            render = next((v for k, v in options.items() if str(k).lower() == "render"), None)
            if render is not None:
                return str(render).lower()
    return None


def language_folder(relpath: str) -> str | None:
    """The language of the page's top folder below the content folder (``en/``), if any."""
    top = relpath.removeprefix("content/").split("/", 1)
    return folder_lang(top[0]) if len(top) > 1 else None


__all__ = [
    "BRANCH_INDEX",
    "LEAF_INDEX",
    "UNPUBLISHED",
    "UNPUBLISHED_EVERYTHING",
    "Cascades",
    "bundle_unpublished",
    "cascade_rules",
    "cascaded",
    "hugo_glob",
    "logical_path",
    "not_published",
]
