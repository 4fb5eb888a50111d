"""Site data, configuration and template files are skipped with a reason, not indexed."""

from __future__ import annotations

import pytest

from indexer.config import ArchiveConfig
from indexer.parse import parse_bytes
from indexer.site_files import DATA_FILE, TEMPLATE_FILE, site_file_kind


@pytest.mark.parametrize(
    "relpath, text, kind",
    [
        ("docs/docs.11tydata.js", "export default { layout: 'x' };", DATA_FILE),
        ("blog/blog.json", '{"layout": "post", "tags": ["posts"]}', DATA_FILE),
        ("posts/meta.yml", "layout: post", DATA_FILE),
        ("_data/site.js", "module.exports = {}", DATA_FILE),
        ("pelicanconf.py", "AUTHOR = 'x'\nDEFAULT_LANG = 'en'\n", DATA_FILE),
        ("_data/authors/me.md", "# Me", DATA_FILE),
        ("news/_content.gotmpl", "{{ $u := 1 }}", TEMPLATE_FILE),
        ("layouts/base.njk", "<html>{{ content }}</html>", TEMPLATE_FILE),
        ("src/feed.11ty.js", "export function render() {}", TEMPLATE_FILE),
        ("news/rows.json", '[{"title": "a"}]', None),
        ("posts/2020-01-01-a.md", "---\ntitle: a\n---\nb", None),
        ("notes/readme.txt", "A note", None),
    ],
)
def test_site_file_kind(relpath: str, text: str, kind: str | None) -> None:
    assert site_file_kind(relpath, text) == kind


def test_site_files_are_skipped_by_the_parser_with_their_reason() -> None:
    outcome = parse_bytes("blog/blog.11tydata.js", b"export default {};", ArchiveConfig())
    assert (outcome.article, outcome.skipped, outcome.problems) == (None, DATA_FILE, ())
    article = parse_bytes("blog/post.md", b"---\ntitle: a\n---\nb", ArchiveConfig()).article
    assert article is not None and article.title == "a"


def test_the_build_summary_counts_the_skipped_site_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from indexer.build import build_index

    source = tmp_path / "site"
    (source / "blog" / "_data").mkdir(parents=True)
    (source / "blog" / "post.md").write_text("---\ntitle: A post\n---\nText.")
    (source / "blog" / "blog.11tydata.js").write_text("export default {};")
    (source / "blog" / "blog.json").write_text('{"layout": "post"}')
    (source / "blog" / "_data" / "site.yml").write_text("name: x")
    (source / "blog" / "page.njk").write_text("{{ content }}")
    report = build_index(source, tmp_path / "index")
    assert report.articles == 1
    assert report.skipped == {DATA_FILE: 3, TEMPLATE_FILE: 1}
