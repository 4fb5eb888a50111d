"""Language: declared > language folder > detected > default, with names and the source."""

from __future__ import annotations

import pytest

from indexer import langdetect
from indexer.config import ArchiveConfig
from indexer.langdetect import detect
from indexer.normalise import choose_lang, language_folder, translation_key
from indexer.parse import parse_bytes
from search.languages import display_name, folder_lang, normalise_lang

ENGLISH = (
    "The agency said on Tuesday that the new rules would apply to every company that "
    "sells its products in the country, and that inspectors would visit the factories."
)
GERMAN = (
    "Die Behörde teilte am Dienstag mit, dass die neuen Regeln für jedes Unternehmen "
    "gelten, das seine Produkte im Land verkauft, und dass Prüfer die Fabriken besuchen."
)
KOREAN = (
    "이 안내서는 새로운 프로젝트를 만들고 개발 서버를 실행하는 방법을 단계별로 설명합니다. "
    "먼저 필요한 도구를 설치하세요."
)


def article(text: str, relpath: str = "x.md", default: str = "und"):  # type: ignore[no-untyped-def]
    found = parse_bytes(relpath, text.encode(), ArchiveConfig(default_lang=default)).article
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("value", "code"),
    [("pt-BR", "pt"), ("zh-CN", "zh"), ("zh-Hant-TW", "zh"), ("es_PR", "es"), ("EN", "en")],
)
def test_declared_tags_fold_the_region(value: str, code: str) -> None:
    assert normalise_lang(value) == code


@pytest.mark.parametrize("key", ["lang", "language", "locale", "languageCode"])
def test_every_declaration_key_is_read(key: str) -> None:
    found = article(f"---\n{key}: es-PR\n---\n{ENGLISH}")
    assert (found.lang, found.lang_source) == ("es", "declared")


def test_any_language_folder_at_the_top_with_a_region_folded() -> None:
    assert language_folder("pt-br/guide.md") == "pt"
    assert language_folder("zh-cn/guide.md") == "zh"
    assert language_folder("ko/guide.md") == "ko"
    assert language_folder("ja/a/b.md") == "ja"
    assert language_folder("docs/guide.md") is None
    assert language_folder("xx/guide.md") is None
    # deeper down only stemmed languages: a topic folder is not Ossetic
    assert language_folder("functions/os/getenv.md") is None
    assert language_folder("site/fr/x.md") == "fr"
    assert translation_key("zh-cn/guides/a.mdx") == "guides/a"
    assert folder_lang("pt-br") == "pt" and folder_lang("blog") is None


def test_folder_when_nothing_is_declared() -> None:
    found = article(f"---\ntitle: t\n---\n{ENGLISH}", "ko/guide.md")
    assert (found.lang, found.lang_source) == ("ko", "folder")


def test_detected_when_neither_declared_nor_in_a_folder() -> None:
    assert (article(ENGLISH).lang, article(ENGLISH).lang_source) == ("en", "detected")
    assert article(GERMAN, "a/b.txt").lang == "de"
    assert article(f"---\ntitle: 안내\n---\n{KOREAN}").lang == "ko"


def test_default_when_detection_is_not_confident() -> None:
    short = article("Hello there", default="fr")
    assert (short.lang, short.lang_source) == ("fr", "default")
    assert article("Hello there").lang == "und"
    code = article("---\ntitle: t\n---\n```\nx = 1; y = 2; f(x, y)\n```\n" * 5)
    assert code.lang_source == "default"


def test_detection_is_und_on_too_little_or_no_language() -> None:
    assert detect("ok")[0] == "und"
    assert detect("12345 67890 " * 20)[0] == "und"
    assert detect(ENGLISH)[0] == "en"


NAMES = (
    "Re: Clinton, Nixon, Reagan, Bush, Carter, Ford, Kennedy and Johnson: Eisenhower, "
    "Truman, Roosevelt, Hoover, Coolidge, Harding"
)
"""An opening of names: English by a first read, not surely (0.56)."""


def test_an_unsure_first_read_is_settled_by_the_next_characters_agreeing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[str] = []
    classify = langdetect._classify

    def spy(text: str) -> tuple[str | None, float]:
        reads.append(text)
        return classify(text)

    monkeypatch.setattr(langdetect, "_classify", spy)
    prose = (
        " were all presidents of the United States, and each of them had to deal with a "
        "Congress that did not always agree with what the White House wanted to do."
    )
    assert detect(NAMES + prose)[0] == "en"
    # the first 120 characters, then the next ones up to 300 apart: nothing read twice
    assert reads == [(NAMES + prose)[:120], (NAMES + prose)[120:300]]
    reads.clear()
    # the next characters in another language settle nothing: the first 300 are read again
    assert detect(NAMES + " " + GERMAN)[0] in ("en", "de")
    assert reads[2] == (NAMES + " " + GERMAN)[:300]


def test_choose_lang_order_and_warning() -> None:
    def never(_: str) -> tuple[str, float]:
        raise AssertionError("detection must not run when a declaration or folder decides")

    assert choose_lang("de", "de/x.md", "en", ENGLISH, never) == ("de", "declared", None)
    assert choose_lang("de", "x.md", "en", ENGLISH, never) == ("de", "declared", None)
    # a declaration contradicting the folder: the text's language decides between them
    slip = choose_lang("ru", "fr/x.md", "en", "…", lambda _: ("fr", 0.99))
    assert slip[:2] == ("fr", "folder") and "contradicts the language folder" in (slip[2] or "")
    imprint = choose_lang("en", "fr/x.md", "en", ENGLISH, lambda _: ("en", 0.99))
    assert imprint[:2] == ("en", "declared") and imprint[2]
    assert choose_lang("ru", "fr/x.md", "en", "?", lambda _: ("und", 0.1))[:2] == (
        "ru",
        "declared",
    )
    assert choose_lang(None, "fr/x.md", "en", ENGLISH, never) == ("fr", "folder", None)
    assert choose_lang(None, "x.md", "en", ENGLISH, lambda _: ("it", 0.99))[:2] == (
        "it",
        "detected",
    )
    assert choose_lang(None, "x.md", "en", ENGLISH, lambda _: ("und", 0.2))[:2] == (
        "en",
        "default",
    )


def test_names_are_each_language_in_itself() -> None:
    assert display_name("en") == "English"
    assert display_name("de") == "Deutsch"
    assert display_name("ko") == "한국어"
    assert display_name("fr") == "Français"
    assert display_name("und") == "Undetermined"
    assert display_name("qq") == "qq"


def test_detection_can_be_turned_off_per_archive() -> None:
    from indexer.config import ConfigError, config_from_mapping

    config = config_from_mapping({"default_lang": "fr", "detect_lang": False})
    found = parse_bytes("x.txt", ENGLISH.encode(), config).article
    assert found is not None and (found.lang, found.lang_source) == ("fr", "default")
    with pytest.raises(ConfigError, match="detect_lang must be true or false"):
        config_from_mapping({"detect_lang": "no"})
