"""Pages a site generator does not publish are not articles (``indexer.unpublished``):
Hugo's headless bundles, build options and cascades, Eleventy's ``permalink: false``."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.unpublished import (
    UNPUBLISHED,
    Cascades,
    cascade_rules,
    cascaded,
    hugo_glob,
    logical_path,
    not_published,
)
from search.service import SearchService
from search.types import SearchRequest

BODY = "Words of this page.\n"
FILES = {
    # a headless leaf bundle: its index and every file in it are content for other pages
    "content/shared/index.md": "---\ntitle: Shared\nheadless: true\n---\n" + BODY,
    "content/shared/snippet.md": "---\ntitle: Snippet\n---\n" + BODY,
    # a section cascading render: never (YAML) to everything below, deeper folders too
    "content/notes/_index.md": "---\ntitle: Notes\ncascade:\n  build:\n    render: never\n"
    "    list: local\n---\nThe notes section.\n",
    "content/notes/a.md": "---\ntitle: Note A\n---\n" + BODY,
    "content/notes/deep/b.md": "---\ntitle: Note B\n---\n" + BODY,
    # ... unless a closer section cascades another value (TOML, a list of cascades) to the
    # pages below it; that section's own page is below the outer cascade: unpublished
    "content/notes/open/_index.md": "+++\ntitle = 'Open'\n[[cascade]]\n[cascade.build]\n"
    "render = 'always'\n+++\nOpen notes.\n",
    "content/notes/open/c.md": "---\ntitle: Note C\n---\n" + BODY,
    # a cascade limited by a target applies to the pages it matches, as Hugo evaluates it:
    # kind page (not the sections), a path glob, the production environment
    "content/aimed/_index.md": "---\ntitle: Aimed\ncascade:\n- target:\n    kind: page\n"
    "    path: '{/aimed/drafts,/aimed/drafts/**}'\n  build:\n    render: never\n"
    "- _target:\n    environment: development\n  build:\n    render: never\n---\nAimed.\n",
    "content/aimed/d.md": "---\ntitle: Note D\n---\n" + BODY,
    "content/aimed/drafts/_index.md": "---\ntitle: Drafts section\n---\n" + BODY,
    "content/aimed/drafts/e.md": "---\ntitle: Note E\n---\n" + BODY,
    "content/aimed/drafts/f/index.md": "---\ntitle: Note F\n---\n" + BODY,
    # a page's own build options (and the old _build key with a boolean)
    "content/own/never.md": "---\ntitle: Never\nbuild:\n  render: never\n---\n" + BODY,
    "content/own/old.md": "---\ntitle: Old\n_build:\n  render: false\n---\n" + BODY,
    "content/own/linked.md": "---\ntitle: Linked\nbuild:\n  render: link\n---\n" + BODY,
    "content/own/always.md": "---\ntitle: Always\nbuild:\n  render: always\n---\n" + BODY,
    # headless outside a bundle's index means nothing to Hugo
    "content/own/headless.md": "---\ntitle: Headless word\nheadless: true\n---\n" + BODY,
    # Eleventy: no output file; leaving collections is still a page
    "site/nav.md": "---\npermalink: false\ntitle: Nav\n---\n" + BODY,
    "site/thanks.md": "---\ntitle: Thanks\neleventyExcludeFromCollections: true\n---\n" + BODY,
}
PUBLISHED = {
    "content/notes/_index.md",
    "content/notes/open/c.md",
    "content/aimed/_index.md",
    "content/aimed/d.md",
    "content/aimed/drafts/_index.md",
    "content/own/always.md",
    "content/own/headless.md",
    "site/thanks.md",
}


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_unpublished_pages_are_skipped_and_counted(tmp_path: Path, engine: str) -> None:
    archive = tmp_path / "archive"
    for rel, text in FILES.items():
        (archive / rel).parent.mkdir(parents=True, exist_ok=True)
        (archive / rel).write_text(text, encoding="utf-8")
    report = build_index(archive, tmp_path / "index", engine=engine)
    assert report.skipped == {UNPUBLISHED: len(FILES) - len(PUBLISHED)}
    assert report.articles == len(PUBLISHED) and not report.errors
    service = SearchService(tmp_path / "index")
    try:
        hits = service.search(SearchRequest(q="", per_page=50)).hits
    finally:
        service.close()
    assert {hit.id for hit in hits} == PUBLISHED
    # the cascade is read at every build: lifted, the pages below come back
    (archive / "content/notes/_index.md").write_text("---\ntitle: Notes\n---\nNotes.\n")
    report = build_index(archive, tmp_path / "index")
    assert report.articles == len(PUBLISHED) + 3  # a.md, b.md, open/_index.md


@pytest.mark.parametrize(
    ("meta", "name", "expected"),
    [
        ({"build": {"render": "never"}}, "a.md", True),
        ({"build": {"Render": "Never"}}, "a.md", True),
        ({"_build": {"render": False}}, "a.md", True),
        ({"build": {"render": "always", "list": "never"}}, "a.md", False),
        ({"headless": True}, "index.md", True),
        ({"headless": True}, "a.md", False),
        ({"headless": "true"}, "index.md", False),
        ({"permalink": False}, "a.md", True),
        ({"permalink": "/a/"}, "a.md", False),
        ({"eleventyexcludefromcollections": True}, "a.md", False),
    ],
)
def test_not_published(meta: dict[str, object], name: str, expected: bool) -> None:
    assert not_published(meta, name) is expected


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"cascade": {"build": {"render": "never"}}}, False),
        ({"cascade": [{"params": {}}, {"_build": {"render": "always"}}]}, True),
        ({"cascade": {"target": {"path": "/x/**"}, "build": {"render": "never"}}}, None),
        ({"cascade": {"params": {"color": "red"}}}, None),
        ({"title": "no cascade"}, None),
    ],
)
def test_cascaded(meta: dict[str, object], expected: bool | None) -> None:
    assert cascaded(meta) is expected


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("{/books,/books/**}", "/books", True),
        ("{/books,/books/**}", "/books/a/b", True),
        ("{/books,/books/**}", "/bookshelf", False),
        ("/books/*", "/books/a", True),
        ("/books/*", "/books/a/b", False),
        ("{taxonomy,term}", "term", True),
        ("p?ge", "page", True),
        ("[!s]ection", "section", False),
        ("{staging,production}", "production", True),
    ],
)
def test_hugo_globs(pattern: str, subject: str, expected: bool) -> None:
    assert bool(hugo_glob(pattern).fullmatch(subject)) is expected


def test_logical_paths_and_kinds() -> None:
    assert logical_path("content/Notes/A.md") == ("/notes/a", "page")
    assert logical_path("notes/_index.md") == ("/notes", "section")
    assert logical_path("notes/b/index.md") == ("/notes/b", "page")
    assert logical_path("_index.md") == ("/", "home")


def test_targets_by_language_and_the_closest_first() -> None:
    rules = cascade_rules({"cascade": [{"target": {"lang": "de"}, "build": {"render": "never"}}]})
    cascades = Cascades(site_lang="fr").below(rules)
    assert not cascades.publishes("de/post.md")
    assert cascades.publishes("en/post.md")
    assert cascades.publishes("post.md")  # the site's language, fr
    assert not Cascades(site_lang="de").below(rules).publishes("post.md")
    # a closer section's untargeted rule decides before the farther one
    closer = cascades.below(cascade_rules({"cascade": {"build": {"render": "always"}}}))
    assert closer.publishes("de/post.md")
