"""The engine contract for analysis: every word indexed, exact and stemmed, folded, CJK.

A second small archive in several languages (declared in the front matter),
indexed once per engine: each test runs on both engines and asks what issue 14
and issue 13's analysis item promise.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

import pytest

from search.service import SearchService
from search.types import SearchRequest, SearchResult
from tests.contract.archive import ENGINES, served


def _md(title: str, body: str, lang: str) -> str:
    text = textwrap.dedent(body).strip()
    return f"---\ntitle: {title!r}\nlang: {lang}\n---\n\n{text}\n"


TERROR = "en/terror.md"
AGAINST = "en/against.md"
BECAUSE = "en/because.md"
NATO = "en/nato.md"
ASSANGE = "en/assange.md"
ASWANG = "en/aswang.md"
DE_TERROR = "de/terror.md"
FR_ACCENT = "fr/israel-accent.md"
FR_PLAIN = "fr/israel-plain.md"
RU_NAT = "ru/nat.md"
ES_WAR = "es/guerras.md"
IT_CITY = "it/citta.md"
EL_SEA = "el/thalassa.md"
PL_NOTE = "pl/notatka.md"
COLD = "en/cold.md"
ZH = "zh/dongjing.md"
JA = "ja/bunsho.md"
KO = "ko/seoul.md"

FILES = {
    TERROR: _md(
        "The war on terror",
        "The war on terror changed the world, because fear spread everywhere.",
        "en",
    ),
    AGAINST: _md(
        "A war against terrorism",
        "A war against terrorism is not a war on words, says the terror expert.",
        "en",
    ),
    BECAUSE: _md("Because man is a man", "A short essay on being human.", "en"),
    NATO: _md("NATO summit", "The NATO summit met in Brussels.", "en"),
    ASSANGE: _md("Julian Assange", "Assange was arrested in London.", "en"),
    ASWANG: _md("Aswang folklore", "The aswang is a creature of Philippine folklore.", "en"),
    DE_TERROR: _md(
        "Terror in Berlin",
        "Der Terror war groß, und die Stadt war still. Gegen den Terror half nichts.",
        "de",
    ),
    FR_ACCENT: _md("Israël et la paix", "Israël et la Palestine négocient la paix.", "fr"),
    FR_PLAIN: _md("Israel et la paix", "Israel et la Palestine négocient la paix.", "fr"),
    RU_NAT: _md(
        "Настройка NAT на маршрутизаторе",
        "Мы настраиваем NAT у ёлки, потому что так проще.",
        "ru",
    ),
    ES_WAR: _md("Las guerras del siglo", "Las guerras cambiaron el mundo entero.", "es"),
    IT_CITY: _md("Le città d'Italia", "Le città italiane sono antiche.", "it"),
    EL_SEA: _md("Η θάλασσα", "Οι θάλασσες της Ελλάδας είναι γαλάζιες.", "el"),
    PL_NOTE: _md("Notatka o Krakowie", "Kraków jest pięknym miastem.", "pl"),
    COLD: _md(
        "Cold war memories",
        "After the Second World War came the cold war. We had ice-cold drinks. "
        "The war was cold; the Cold War ended in 1991.",
        "en",
    ),
    ZH: _md("东京都的历史", "我们在东京都政府工作了十年。", "zh"),
    JA: _md("日本語の文章", "日本語の文章を毎日書きます。", "ja"),
    KO: _md("대한민국의 수도", "대한민국의 수도는 서울입니다.", "ko"),
}
ALL = set(FILES)


@pytest.fixture(scope="module", params=ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchService]:
    with served(FILES, str(request.param), tmp_path_factory, "analysis") as opened:
        yield opened


def run(service: SearchService, q: str, **options: object) -> SearchResult:
    options.setdefault("per_page", 50)
    return service.search(SearchRequest(q=q, **options))  # type: ignore[arg-type]


def ids(service: SearchService, q: str, **options: object) -> set[str]:
    result = run(service, q, **options)
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


def order(service: SearchService, q: str, **options: object) -> list[str]:
    return [hit.id for hit in run(service, q, **options).hits]


# ---------------------------------------------------------------- 1. every word indexed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("because", {TERROR, BECAUSE}),
        ("title:because", {BECAUSE}),
        ("against", {AGAINST}),
        ("gegen", {DE_TERROR}),
        ("und", {DE_TERROR}),
        ("потому", {RU_NAT}),
    ],
)
def test_a_stop_word_finds_the_articles_containing_it(
    service: SearchService, query: str, expected: set[str]
) -> None:
    assert ids(service, query) == expected


def test_a_title_of_stop_words_finds_its_article_first(service: SearchService) -> None:
    assert order(service, "Because man is a man", match="all")[0] == BECAUSE
    assert order(service, "Because man is a man", match="any")[0] == BECAUSE


def test_a_phrase_is_exact(service: SearchService) -> None:
    assert ids(service, '"war on terror"') == {TERROR}
    assert ids(service, '"war on words"') == {AGAINST}
    assert ids(service, '"terror war"') == {DE_TERROR}


def test_a_stop_word_of_one_language_excludes_no_article_of_another(
    service: SearchService,
) -> None:
    # "und" is a German stop word: an English article without it still matches
    assert TERROR in ids(service, "terror und fear")
    assert {TERROR, DE_TERROR} <= ids(service, "terror und")


def test_a_long_or_leaves_out_its_very_common_words(service: SearchService) -> None:
    latin = " ".join(FILES.values())
    found = {w.lower() for w in re.findall(r"[A-Za-z]+", latin)} - {"lang", "title", "the"}
    query = " ".join(["the", *sorted(found)[:63]])
    assert len(set(query.split())) == 64
    result = run(service, query, match="any")
    assert {TERROR, AGAINST, BECAUSE, COLD} <= {hit.id for hit in result.hits}
    (notice,) = [n for n in result.notices if n.startswith("Very common words")]
    assert "the" in notice.split(": ", 1)[1].rstrip(".").split(", ")  # in 8 of 18 articles
    assert "because" not in notice  # in 2
    short = run(service, "the war because", match="any")
    assert not any(n.startswith("Very common") for n in short.notices)


# ---------------------------------------------------------------- 2. exact and stemmed


def test_a_word_matches_exactly_or_by_its_stem_and_exact_ranks_first(
    service: SearchService,
) -> None:
    assert ids(service, "terrorism") >= {AGAINST, TERROR}  # English stem: terror
    assert order(service, "terrorism")[0] == AGAINST  # the one that says it
    assert ids(service, "guerra") == {ES_WAR}  # the text says "guerras"


def test_nato_does_not_match_nat(service: SearchService) -> None:
    assert ids(service, "nato") == {NATO}
    assert ids(service, "nat") == {RU_NAT}


def test_fuzzy_edits_are_counted_on_the_written_word(service: SearchService) -> None:
    assert ids(service, "asange~1") == {ASSANGE}
    assert ids(service, "aswng~1") == {ASWANG}


def test_prefixes_match_written_words(service: SearchService) -> None:
    assert ids(service, "terroris*") == {AGAINST}
    assert ids(service, "israë*") == {FR_ACCENT, FR_PLAIN}


# ---------------------------------------------------------------- 3. accent folding


def test_accents_are_folded_and_the_query_spelling_ranks_first(service: SearchService) -> None:
    assert ids(service, "israel", filters={"lang": ("fr",)}) == {FR_ACCENT, FR_PLAIN}
    assert ids(service, "israël") == {FR_ACCENT, FR_PLAIN}
    assert order(service, "israël")[0] == FR_ACCENT
    assert order(service, "israel")[0] == FR_PLAIN
    assert ids(service, "citta") == {IT_CITY}
    assert ids(service, "елки") == {RU_NAT}  # the text says "ёлки"
    assert ids(service, "krakow") == {PL_NOTE}


# ---------------------------------------------------------------- 6. highlighting


def _marked(service: SearchService, q: str, article: str) -> list[str]:
    hit = next(h for h in run(service, q).hits if h.id == article)
    html = hit.title_html + " | " + " | ".join(s.html for s in hit.snippets)
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_a_phrase_is_highlighted_only_as_a_phrase(service: SearchService) -> None:
    assert _marked(service, '"cold war"', COLD) == ["Cold", "war", "cold", "war", "Cold", "War"]
    assert [m.casefold() for m in _marked(service, "cold war", COLD)].count("war") == 5


def test_excluded_words_and_expansions_are_highlighted_as_matched(
    service: SearchService,
) -> None:
    assert ids(service, "cold -war") == set()  # the only article saying cold says war
    assert _marked(service, "memories OR -drinks", COLD) == ["memories"]
    assert _marked(service, "memor*", COLD) == ["memories"]
    assert _marked(service, "asange~1", ASSANGE) == ["Assange", "Assange"]
    assert _marked(service, "israël", FR_PLAIN) == ["Israel", "Israel"]


# ---------------------------------------------------------------- 4. every language


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("guerra", {ES_WAR}),  # Spanish stemmer: guerras
        ("italiana", {IT_CITY}),  # Italian stemmer: italiane
        ("Ελλάδα", {EL_SEA}),  # Greek stemmer: the text says Ελλάδας
        ("miastem", {PL_NOTE}),  # Polish has no stemmer: found as written
    ],
)
def test_snowball_languages_are_stemmed(
    service: SearchService, query: str, expected: set[str]
) -> None:
    assert ids(service, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("京都", {ZH}),  # inside 东京都: the run is indexed as bigrams
        ("政府", {ZH}),
        ("文章", {JA}),
        ("毎日", {JA}),
        ("서울", {KO}),  # inside 서울입니다
        ("东京都", {ZH}),  # a longer word: its bigrams as a phrase
        ("都东", set()),  # the same characters in another order
    ],
)
def test_cjk_words_inside_longer_runs_are_found(
    service: SearchService, query: str, expected: set[str]
) -> None:
    assert ids(service, query) == expected
