"""The archive's default language from the site generator's configuration at its root."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.config import CONFIG_NAME, load_config
from indexer.site_language import site_language
from search.service import SearchService

SHORT = "---\ntitle: Break\n---\nStop the loop.\n"
"""Too little text for detection to be confident: the site's language decides."""
GERMAN = (
    "---\ntitle: Regeln\n---\nDie Behörde teilte am Dienstag mit, dass die neuen Regeln für "
    "jedes Unternehmen gelten, das seine Produkte im Land verkauft, und dass Prüfer kommen.\n"
)


@pytest.mark.parametrize(
    ("relpath", "text", "code"),
    [
        ("hugo.toml", 'title = "x"\ndefaultContentLanguage = "de"\n', "de"),
        ("hugo.toml", 'DefaultContentLanguage = "fr-FR"\n', "fr"),  # Hugo's keys ignore case
        ("hugo.toml", 'languageCode = "pt-br"\n', "pt"),
        ("config.toml", 'defaultContentLanguage = "nl"\n', "nl"),
        ("config.toml", 'base_url = "https://x"\ndefault_language = "it"\n', "it"),  # Zola
        ("hugo.yaml", "defaultContentLanguage: es\n", "es"),
        ("config.yaml", "defaultContentLanguage: sv\n", "sv"),
        ("hugo.json", '{"defaultContentLanguage": "da"}', "da"),
        ("config/_default/hugo.toml", 'defaultContentLanguage = "fi"\n', "fi"),
        ("config/_default/config.yaml", "defaultContentLanguage: ru\n", "ru"),
        ("_config.yml", "title: Blog\nlang: de-AT\n", "de"),
        ("pelicanconf.py", "AUTHOR = 'x'\nDEFAULT_LANG = 'fr'\nimport os\n", "fr"),
        (
            "mkdocs.yml",
            "site_name: x\ntheme:\n  name: material\n  language: ja\n"
            "markdown_extensions:\n  - pymdownx.emoji:\n"
            "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
            "ja",
        ),
        (
            "astro.config.mjs",
            "export default defineConfig({ i18n: { defaultLocale: 'ko', locales: ['ko'] } });",
            "ko",
        ),
        (
            "astro.config.mjs",
            "starlight({ defaultLocale: 'root', locales: { root: { label: 'Polski', "
            "lang: 'pl' }, en: { label: 'English' } } })",
            "pl",
        ),
        ("_data/metadata.js", 'export default { title: "x", language: "cs" };', "cs"),
        ("_data/site.json", '{"language": "hu"}', "hu"),
    ],
)
def test_each_generator_names_its_language(
    tmp_path: Path, relpath: str, text: str, code: str
) -> None:
    (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / relpath).write_text(text, encoding="utf-8")
    found = site_language(str(tmp_path))
    assert found is not None
    assert (found.lang, found.source) == (code, relpath)


@pytest.mark.parametrize(
    ("relpath", "text"),
    [
        ("hugo.toml", 'title = "no language"\n'),
        ("hugo.toml", "this is = = not TOML"),
        ("_config.yml", "lang: [not, a, code]\n"),
        ("pelicanconf.py", "DEFAULT_LANG = LANG  # not a literal\n"),
        ("astro.config.mjs", "starlight({ defaultLocale: 'root' })"),
        ("notes/hugo.toml", 'defaultContentLanguage = "de"\n'),  # not at the root
    ],
)
def test_no_language_when_none_is_named(tmp_path: Path, relpath: str, text: str) -> None:
    (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / relpath).write_text(text, encoding="utf-8")
    assert site_language(str(tmp_path)) is None


def test_a_linked_configuration_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text('defaultContentLanguage = "de"\n')
    site = tmp_path / "site"
    site.mkdir()
    (site / "hugo.toml").symlink_to(outside)
    assert site_language(str(site)) is None


def test_archive_search_toml_default_lang_overrides_the_site(tmp_path: Path) -> None:
    (tmp_path / "hugo.toml").write_text('defaultContentLanguage = "de"\n')
    site = load_config(tmp_path).site_lang
    assert site is not None and site.lang == "de"
    (tmp_path / CONFIG_NAME).write_text('include = ["**/*.md"]\n')
    site = load_config(tmp_path).site_lang
    assert site is not None and site.lang == "de"
    (tmp_path / CONFIG_NAME).write_text('default_lang = "en"\n')
    assert load_config(tmp_path).site_lang is None


def test_built_articles_take_the_site_language_below_detection(tmp_path: Path) -> None:
    source = tmp_path / "site"
    (source / "content").mkdir(parents=True)
    (source / "hugo.toml").write_text('defaultContentLanguage = "fr"\n')
    (source / "content" / "break.md").write_text(SHORT)
    (source / "content" / "regeln.md").write_text(GERMAN)
    (source / "content" / "declared.md").write_text("---\ntitle: X\nlang: it\n---\nCiao.\n")
    build_index(source, tmp_path / "index", engine="tantivy")
    service = SearchService(tmp_path / "index")
    try:
        langs = {}
        for path in ("content/break.md", "content/regeln.md", "content/declared.md"):
            view = service.article(path)
            langs[path] = (view.lang, view.lang_source)
    finally:
        service.close()
    assert langs == {
        "content/break.md": ("fr", "site"),
        "content/regeln.md": ("de", "detected"),
        "content/declared.md": ("it", "declared"),
    }
