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
  so, in ``_common/``). A cascade limited by a ``target`` (page kinds, paths,
  environments) is not evaluated: the files stay articles. A page's own
  ``build`` under a cascade is not read here (the cascade decides for the folder).
- **Eleventy**: ``permalink: false`` writes no file. (``eleventyExcludeFromCollections``
  only leaves a page out of collections: it is still published, so still an article.)

Jekyll's ``published: false`` is a draft (``frontmatter_article.is_draft``).
"""

from __future__ import annotations

from collections.abc import Mapping

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


def cascaded(meta: Mapping[str, object]) -> bool | None:
    """What a section's ``_index.md`` cascades to the pages below: True (published),
    False (not), or None (its cascade says nothing of building)."""
    cascade = meta.get("cascade")
    entries = cascade if isinstance(cascade, list) else [cascade]
    for entry in entries:
        if not isinstance(entry, Mapping) or "target" in entry or "_target" in entry:
            continue
        render = _render({str(k).lower(): v for k, v in entry.items()})
        if render is not None:
            return render not in _NOT_RENDERED
    return None


def _render(meta: Mapping[str, object]) -> str | None:
    """The ``render`` of a page's ``build`` (or ``_build``) options, lower-cased."""
    for key in ("build", "_build"):
        options = meta.get(key)
        if isinstance(options, Mapping):
            render = next((v for k, v in options.items() if str(k).lower() == "render"), None)
            if render is not None:
                return str(render).lower()
    return None


__all__ = [
    "BRANCH_INDEX",
    "LEAF_INDEX",
    "UNPUBLISHED",
    "bundle_unpublished",
    "cascaded",
    "not_published",
]
