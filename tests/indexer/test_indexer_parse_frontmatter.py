"""Front-matter articles through ``parse_bytes``: formats, fields, drafts, refused YAML."""

from __future__ import annotations

import datetime as dt
import hashlib

from indexer.config import ArchiveConfig
from indexer.outcome import ParseOutcome
from indexer.parse import parse_bytes
from search.article import Article

CONFIG = ArchiveConfig()


def parse(text: str, relpath: str = "post.md", config: ArchiveConfig = CONFIG) -> ParseOutcome:
    return parse_bytes(relpath, text.encode("utf-8"), config)


def article(text: str, relpath: str = "post.md", config: ArchiveConfig = CONFIG) -> Article:
    outcome = parse(text, relpath, config)
    assert outcome.article is not None, outcome.problems
    return outcome.article


def test_yaml_front_matter_fields() -> None:
    data = (
        '---\ntitle: "Hello"\ndate: 2020-10-20\ntags: "State"\nshorttext: "Short."\n'
        "lang: en\nauthor: Jane Doe\npublication: The Paper\nvolume: 19\nissue: 146\n---\n\n"
        "Body *text*.\n"
    )
    result = parse(data)
    found = result.article
    assert found is not None
    assert result.problems == ()
    assert (found.title, found.date, found.tags, found.summary) == (
        "Hello",
        dt.date(2020, 10, 20),
        ("State",),
        "Short.",
    )
    assert (found.lang, found.authors, found.publication) == ("en", ("Jane Doe",), "The Paper")
    assert (found.volume, found.issue) == ("19", "146")
    assert found.body == "Body text."
    assert found.source == "Body *text*."
    assert found.source_format == "markdown"
    assert found.content_hash == hashlib.sha256(data.encode()).hexdigest()


def test_toml_front_matter() -> None:
    found = article('+++\ntitle = "Toml post"\ndate = 2021-03-04T10:00:00+01:00\n+++\nBody.\n')
    assert (found.title, found.date, found.body) == ("Toml post", dt.date(2021, 3, 4), "Body.")


def test_json_front_matter() -> None:
    found = article('{\n  "title": "Json post",\n  "tags": ["a", "b"]\n}\n\nBody.\n')
    assert (found.title, found.tags, found.body) == ("Json post", ("a", "b"), "Body.")


def test_format_is_decided_by_content_not_extension() -> None:
    found = article("---\ntitle: In a txt\n---\nBody.\n", relpath="notes/a.txt")
    assert found.title == "In a txt"
    assert found.source_format == "markdown"


def test_datetime_with_zone_and_hugo_string_dates() -> None:
    assert article("---\ntitle: t\ndate: 2020-10-20T10:00:00+02:00\n---\nb").date == dt.date(
        2020, 10, 20
    )
    assert article("---\ntitle: t\ndate: 2014-12-24 9:00:36 -0400\n---\nb").date == dt.date(
        2014, 12, 24
    )
    assert article("---\ntitle: t\ndate: 24 Dec 2014\n---\nb").date == dt.date(2014, 12, 24)


def test_unreadable_date_is_a_warning_and_the_next_source_is_tried() -> None:
    result = parse("---\ntitle: t\ndate: 2020-13-45\n---\nbody", relpath="2019/05/x.md")
    assert result.article is not None
    assert result.article.date == dt.date(2019, 5, 1)
    assert [(p.severity, "date" in p.reason) for p in result.problems] == [("warning", True)]
    undated = parse("---\ntitle: t\ndate: 2020-13-45\n---\nbody", relpath="x.md")
    assert undated.article is not None and undated.article.date is None
    assert undated.notes == ("undated (tried date, file name, folders)",)


def test_date_from_path_when_front_matter_has_none() -> None:
    assert article("---\ntitle: t\n---\nb", "en/blog/2020/10/x.md").date == dt.date(2020, 10, 1)
    assert article("---\ntitle: t\n---\nb", "_posts/2014-12-24-x.md").date == dt.date(2014, 12, 24)


def test_tag_forms() -> None:
    assert article("---\ntags: one\n---\nb").tags == ("one",)
    assert article("---\ntags: 'a, b ,c'\n---\nb").tags == ("a", "b", "c")
    assert article("---\ntags: [Staat, staat, ' Welt ']\n---\nb").tags == ("Staat", "Welt")
    merged = article("---\ntag: x\ncategories: [Y]\nkeywords: 'x, z'\n---\nb").tags
    assert merged == ("x", "Y", "z")


def test_summary_sources_and_fallback() -> None:
    assert article("---\nsummary: S1\n---\nbody").summary == "S1"
    assert article("---\ndescription: S2\n---\nbody").summary == "S2"
    assert article("---\nexcerpt: S3\n---\nbody").summary == "S3"
    assert article("---\ntitle: t\n---\nFirst sentence. Second.").summary == (
        "First sentence. Second."
    )


def test_drafts_are_skipped() -> None:
    for value in ("true", '"true"', "True", "yes"):
        result = parse(f"---\ntitle: t\ndraft: {value}\n---\nbody")
        assert (result.article, result.skipped, result.problems) == (None, "draft", ())
    assert parse("---\ntitle: t\ndraft: false\n---\nbody").article is not None


def test_python_object_tag_is_refused_not_executed() -> None:
    result = parse('---\ntitle: t\nx: !!python/object/apply:os.system ["echo pwned"]\n---\nb')
    assert result.article is None
    [problem] = result.problems
    assert problem.severity == "error"
    assert "tag refused" in problem.reason
    assert problem.line == 3


def test_invalid_yaml_reports_the_file_line() -> None:
    result = parse('---\ntitle: "L\\\'Expert"\ndate: 2019-11-26\n---\nbody', "fr/x.md")
    assert result.article is None
    [problem] = result.problems
    assert (problem.path, problem.severity, problem.line) == ("fr/x.md", "error", 2)
    assert "invalid YAML" in problem.reason
    shifted = parse("\n\n---\na: 1\nb: [\n---\nbody")
    assert shifted.problems[0].line is not None and shifted.problems[0].line >= 5


def test_invalid_toml_and_json_report_lines() -> None:
    toml = parse('+++\ntitle = "ok"\ndate = \nx = 1\n+++\nb')
    assert toml.article is None and toml.problems[0].line == 3
    at_end = parse('+++\ntitle = "ok"\ndate = \n+++\nb')
    assert at_end.problems[0].line == 3
    json = parse('{\n"title": "x",\n"bad"\n}\nb')
    assert json.article is None and json.problems[0].line == 4


def test_front_matter_that_is_not_a_mapping_is_an_error() -> None:
    result = parse("---\n- a\n- b\n---\nbody")
    assert result.article is None
    assert "not a set of keys" in result.problems[0].reason


def test_unclosed_front_matter_is_an_error_but_a_leading_rule_is_text() -> None:
    assert parse("---\ntitle: x\nbody\n").problems[0].reason.endswith("never closed")
    rule = parse("---\n\nA title\n\nBody text.\n")
    assert rule.article is not None and rule.article.title == "---"


def test_a_declaration_wins_over_a_contradicting_language_folder() -> None:
    # the text (one letter) cannot tell which is right: the declaration wins
    result = parse("---\nlang: ru\n---\nb", "fr/blog/x.md")
    assert result.article is not None and result.article.lang == "ru"
    assert result.article.lang_source == "declared"
    [problem] = result.problems
    assert problem.severity == "warning" and "contradicts the language folder" in problem.reason
    assert parse("---\nlang: fr-FR\n---\nb", "fr/blog/x.md").problems == ()


def test_language_from_front_matter_then_folder_then_default() -> None:
    assert article("---\nlang: en-GB\n---\nb", "blog/x.md").lang == "en"
    assert article("---\nlanguage: German\n---\nb").lang == "de"
    assert article("---\nlang: 'fr^'\n---\nb", "fr/blog/x.md").lang == "fr"
    assert article("---\ntitle: t\n---\nb", "site/ru/blog/x.md").lang == "ru"
    assert article("---\ntitle: t\n---\nb", "xx/x.md", ArchiveConfig(default_lang="it")).lang == (
        "it"
    )
    assert article("---\ntitle: t\n---\nb", "english/x.md").lang == "und"


def test_translation_key_and_id() -> None:
    de = article("---\ntitle: t\n---\nb", "de/blog/2019/09/slug.md")
    en = article("---\ntitle: t\n---\nb", "en/blog/2019/09/slug.md")
    assert de.translation_key == en.translation_key == "blog/2019/09/slug"
    assert de.id == "de/blog/2019/09/slug.md"
    assert de.id != en.id
    # a path without a language folder keys its own group (Hugo's default language)
    assert article("---\ntitle: t\n---\nb", "blog/slug.md").translation_key == "blog/slug"


def test_hugo_translation_key_and_language_suffix() -> None:
    """Hugo links pages by ``translationKey`` wherever they are, and ``about.fr.md`` with
    ``about.md``; the suffix gives the language as a folder does."""
    declared = article("---\ntitle: t\ntranslationKey: about\n---\nb", "presentation/a.fr.md")
    assert (declared.translation_key, declared.lang, declared.lang_source) == (
        "about",
        "fr",
        "folder",
    )
    plain = article("---\ntitle: t\n---\nb", "about.md")
    french = article("---\ntitle: t\n---\nb", "about.fr.md")
    assert plain.translation_key == french.translation_key == "about"
    assert french.lang == "fr"


def test_section_page_without_body_is_skipped_with_a_reason() -> None:
    result = parse('---\ntitle: "Welcome"\ncover: "c.jpg"\n---\n\n', "en/_index.md")
    assert (result.article, result.skipped) == (None, "empty section page")


def test_other_article_without_body_is_kept_with_a_warning() -> None:
    result = parse("---\ntitle: Only a title\n---\n", "notes/x.md")
    assert result.article is not None and result.article.title == "Only a title"
    assert [p.severity for p in result.problems] == ["warning"]


def test_title_falls_back_to_the_file_name() -> None:
    assert article("---\ndate: 2020-01-01\n---\nbody", "a/my-first_post.md").title == (
        "my first post"
    )


def test_title_and_summary_lose_shortcodes() -> None:
    found = article('---\ntitle: "A {{< x >}}title"\nsummary: "S {{% y %}}"\n---\nbody')
    assert (found.title, found.summary) == ("A title", "S")


def test_publication_from_config_folder_unless_front_matter_says() -> None:
    config = ArchiveConfig(publications={"jamestown": "EDM", "jamestown/cb": "China Brief"})
    assert article("---\ntitle: t\n---\nb", "jamestown/a.md", config).publication == "EDM"
    assert article("---\ntitle: t\n---\nb", "jamestown/cb/a.md", config).publication == (
        "China Brief"
    )
    assert article("---\npublication: P\n---\nb", "jamestown/a.md", config).publication == "P"
    assert article("---\ntitle: t\n---\nb", "jamestownx/a.md", config).publication is None


def test_deeply_nested_front_matter_is_an_error_not_a_crash() -> None:
    for opener in ("---\nx: ", "+++\nx = ", '{"x": '):
        closer = {"-": "\n---\nb", "+": "\n+++\nb", "{": "}\nb"}[opener[0]]
        result = parse(opener + "[" * 50_000 + "]" * 50_000 + closer)
        assert result.article is None
        assert [p.severity for p in result.problems] == ["error"]
        assert not result.problems[0].reason.startswith("internal")


def test_huge_markdown_body_is_indexed_as_text_with_a_warning() -> None:
    result = parse("---\ntitle: t\n---\n" + "[<b>x</b> " * 60_000)
    assert result.article is not None
    assert "<b>" not in result.article.body and "[x" in result.article.body
    assert any("without Markdown" in p.reason for p in result.problems)


def test_eleventy_navigation_names_a_page_without_title_or_heading() -> None:
    def title(front: str, body: str = "Text of the page.\n") -> str:
        outcome = parse_bytes("docs/page.md", f"---\n{front}---\n{body}".encode(), CONFIG)
        assert outcome.article is not None
        return outcome.article.title

    assert title("eleventyNavigation:\n  key: HTML\n  order: 1\n") == "HTML"
    assert title("eleventyNavigation:\n  key: html\n  title: The HTML page\n") == "The HTML page"
    assert title("title: Given\neleventyNavigation:\n  key: Nav\n") == "Given"
    assert title("eleventyNavigation:\n  key: Nav\n", "# Heading\n\nText.\n") == "Heading"
    assert title("eleventyNavigation: yes\n") == "page"  # the file name, as before
