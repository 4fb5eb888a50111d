"""Shared normalisation rules: ids, tags, summaries, titles, language folders."""

from __future__ import annotations

import pytest

from indexer.normalise import (
    SUMMARY_MAX,
    cut_at_word,
    language_folder,
    language_suffix,
    normalise_tags,
    normalise_title,
    summarise,
    translation_key,
)
from search.ids import article_id


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("en/blog/2020/10/slug.md", "en/blog/2020/10/slug.md"),
        ("de/blog/2020/02/chile-despertó.md", "de/blog/2020/02/chile-despertó.md"),
        ("a b/c?d#e%f.txt", "a%20b/c%3Fd%23e%25f.txt"),
        ("../x/./y", "%2E%2E/x/%2E/y"),
        ("20news/alt.atheism/49960", "20news/alt.atheism/49960"),
    ],
)
def test_ids(relpath: str, expected: str) -> None:
    assert article_id(relpath) == expected
    assert ".." not in article_id(relpath).split("/")


def test_ids_are_unique_for_distinct_paths() -> None:
    paths = ["a.md", "a.txt", "A.md", "a%2Emd", "a .md", "a%20.md", "x/a.md"]
    assert len({article_id(p) for p in paths}) == len(paths)


def test_tags() -> None:
    assert normalise_tags(["State"]) == ("State",)
    assert normalise_tags(["a, b,, c "]) == ("a", "b", "c")
    assert normalise_tags([["Staat", "STAAT", "  Welt "], "welt, Neu"]) == ("Staat", "Welt", "Neu")
    assert normalise_tags([None, 42, {"x": 1}]) == ("42",)


def test_language_folder_is_strict() -> None:
    assert language_folder("en/blog/x.md") == "en"
    assert language_folder("site/fr/x.md") == "fr"
    assert language_folder("english/x.md") is None
    assert language_folder("xx/x.md") is None
    assert language_folder("en.md") is None
    assert translation_key("ru/blog/2019/09/slug.md") == "blog/2019/09/slug"
    assert translation_key("blog/slug.md") == "blog/slug"
    assert translation_key("blog/slug.pt-br.md") == "blog/slug"
    assert translation_key("ru/blog/slug.md", "about") == "about"
    # only a language code CLDR knows is a suffix: versions and formats are not
    assert translation_key("notes/v1.2.md") == "notes/v1.2"
    assert translation_key("notes/app.js.md") == "notes/app.js"
    assert language_suffix("about.de.md") == "de" and language_suffix("about.md") is None


def test_summary_is_first_sentences_cut_at_a_word() -> None:
    sentences = " ".join(f"Sentence number {i} is here." for i in range(40))
    summary = summarise(sentences)
    assert 200 <= len(summary) <= SUMMARY_MAX
    assert summary.endswith(".")
    one_long = "word " * 200
    cut = summarise(one_long)
    assert cut.endswith("word…") and len(cut) <= SUMMARY_MAX
    assert summarise("Short body.\n\nTwo.") == "Short body. Two."


def test_titles() -> None:
    assert normalise_title("  A \n title ", "x.md") == "A title"
    assert normalise_title("", "dir/my-post_name.md") == "my post name"
    assert normalise_title(None, "dir/.md") == ".md"
    assert len(normalise_title("x" * 1000, "a.md")) <= 300


def test_cut_at_word() -> None:
    assert cut_at_word("short", 10) == "short"
    assert cut_at_word("one two three four", 12) == "one two…"


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("blog/2021-10-06-eleventy-v1-beta.md", "eleventy v1 beta"),  # Jekyll/Eleventy slug
        ("notes/2020-01-01.md", "2020 01 01"),  # nothing but a date: the name is all there is
        ("docs/04-build-from-source.md", "04 build from source"),
    ],
)
def test_a_title_from_a_dated_file_name_leaves_the_date_out(path: str, title: str) -> None:
    from indexer.normalise import fallback_title

    assert fallback_title(path) == title
