"""AST → Whoosh queries, checked by running them on a small real index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index
from whoosh import query as wq

from search import limits
from search.analysis import EXACT, STEM, exact_text
from search.errors import QueryTooComplex
from search.highlight import TermMatcher
from search.query import And, MatchAll, Not, ParsedQuery, Word, parse_query
from search.whoosh_engine.querybuild import (
    analyse,
    build_query,
    highlight_terms,
    match_spans,
)
from search.whoosh_engine.schema import body_field, build_schema, title_field
from search.whoosh_engine.writer import stemmed_text

ZETAS = " ".join(f"zeta{i:03d}" for i in range(limits.MAX_EXPANSIONS + 30))

DOCS: list[dict[str, Any]] = [
    {
        "id": "en-war",
        "lang": "en",
        "title": "War in Karabakh",
        "body": "The conflict over Nagorno-Karabakh escalated into open wars in 2020.",
        "tags": "caucasus,war",
        "publication": "eurasia daily monitor",
        "author": "John Smith",
        "date": 20201015,
    },
    {
        "id": "en-peace",
        "lang": "en",
        "title": "Peace talks in Geneva",
        "body": "Diplomats met for peace talks about the Karabakh conflict.",
        "tags": "diplomacy",
        "publication": "jamestown",
        "author": "Anna Lee",
        "date": 20190301,
    },
    {
        "id": "de-krieg",
        "lang": "de",
        "title": "Der Krieg um Bergkarabach",
        "body": "Der Krieg begann im September. Die Kämpfe dauerten Wochen.",
        "tags": "kaukasus",
        "date": 20201001,
    },
    {
        "id": "ru-war",
        "lang": "ru",
        "title": "Война в Карабахе",
        "body": "Война началась осенью две тысячи двадцатого года.",
        "tags": "кавказ",
        "date": 20201101,
    },
    {"id": "en-zeta", "lang": "en", "title": "Greek letters", "body": ZETAS},
]
LANGS = ("en", "de", "ru")


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory: Path = tmp_path_factory.mktemp("ix")
    ix = index.create_in(str(directory), build_schema())
    # Two segments, as a multi-process build leaves them: fuzzy terms come from each.
    for batch in (DOCS[:2], DOCS[2:]):
        writer = ix.writer()
        for doc in batch:
            fields = {k: v for k, v in doc.items() if k not in ("title", "body")}
            fields[title_field(EXACT)] = exact_text(doc["title"])
            fields[body_field(EXACT)] = exact_text(doc["body"])
            fields[title_field(STEM)] = stemmed_text(doc["lang"], doc["title"])
            fields[body_field(STEM)] = stemmed_text(doc["lang"], doc["body"])
            writer.add_document(**fields)
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(list(searcher.reader().leaf_readers())) == 2
        yield searcher.reader()
    ix.close()


def found(reader: Any, text: str, match: str = "all") -> set[str]:
    parsed = parse_query(text, match=match)  # type: ignore[arg-type]
    return hits(reader, build_query(parsed, LANGS, reader))


def hits(reader: Any, q: wq.Query) -> set[str]:
    from whoosh.searching import Searcher

    searcher = Searcher(reader, closereader=False)
    return {hit["id"] for hit in searcher.search(q, limit=None)}


ALL = {doc["id"] for doc in DOCS}


def test_words_are_stemmed_per_language(reader: Any) -> None:
    assert found(reader, "Kriegen") == {"de-krieg"}
    assert found(reader, "war") == {"en-war"}  # "wars" in the body, "War" in the title
    assert found(reader, "войны") == {"ru-war"}
    assert found(reader, "karabakh") == {"en-war", "en-peace"}


def test_all_words_must_match(reader: Any) -> None:
    assert found(reader, "karabakh conflict") == {"en-war", "en-peace"}
    assert found(reader, "karabakh peace") == {"en-peace"}
    assert found(reader, "karabakh xyzzy") == set()  # a word found nowhere is not dropped


def test_match_any(reader: Any) -> None:
    assert found(reader, "karabakh xyzzy", match="any") == {"en-war", "en-peace"}
    assert found(reader, "geneva krieg", match="any") == {"en-peace", "de-krieg"}


def test_or_and_groups(reader: Any) -> None:
    assert found(reader, "krieg OR peace") == {"de-krieg", "en-peace"}
    assert found(reader, "conflict (wars OR geneva)") == {"en-war", "en-peace"}


def test_phrases(reader: Any) -> None:
    assert found(reader, '"peace talks"') == {"en-peace"}
    assert found(reader, '"talks peace"') == set()
    assert found(reader, '"der krieg begann"') == {"de-krieg"}
    assert found(reader, '"talks about the Karabakh"') == {"en-peace"}  # stop word inside


def test_prefix(reader: Any) -> None:
    assert found(reader, "karab*") == {"en-war", "en-peace"}
    assert found(reader, "kri*") == {"de-krieg"}
    assert found(reader, "qqq*") == set()


def test_prefix_expansion_is_capped_with_a_notice(reader: Any) -> None:
    notices: list[str] = []
    q = build_query(parse_query("zeta*"), LANGS, reader, notices)
    terms = [t for t in q.leaves() if isinstance(t, wq.Term)]
    assert len(terms) == limits.MAX_EXPANSIONS
    assert notices and "zeta*" in notices[0]
    assert hits(reader, q) == {"en-zeta"}


def test_fuzzy(reader: Any) -> None:
    assert found(reader, "karabah~") == {"en-war", "en-peace"}
    assert found(reader, "karabkh~1") == {"en-war", "en-peace"}
    assert found(reader, "karbah~1") == set()
    assert found(reader, "karbah~2") == {"en-war", "en-peace"}


def test_filters(reader: Any) -> None:
    assert found(reader, "tags:Caucasus") == {"en-war"}
    assert found(reader, "tag:КАВКАЗ") == {"ru-war"}
    assert found(reader, 'publication:"Eurasia Daily Monitor"') == {"en-war"}
    assert found(reader, "lang:German") == {"de-krieg"}
    assert found(reader, "lang:en karabakh") == {"en-war", "en-peace"}
    assert found(reader, 'author:"john smith"') == {"en-war"}
    assert found(reader, "author:lee") == {"en-peace"}
    assert found(reader, "title:peace") == {"en-peace"}
    assert found(reader, "title:diplomats") == set()  # body only


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:2020", {"en-war", "de-krieg", "ru-war"}),
        ("date:2020-10", {"en-war", "de-krieg"}),
        ("date:2020-10-01", {"de-krieg"}),
        ("date:..2019", {"en-peace"}),  # the undated article is not "before 2020"
        ("date:>=2020-10-15", {"en-war", "ru-war"}),
        ("date:>2020-10", {"ru-war"}),
        ("date:2019-01..2020-10", {"en-peace", "de-krieg", "en-war"}),
    ],
)
def test_date_ranges(reader: Any, text: str, expected: set[str]) -> None:
    assert found(reader, text) == expected


def test_negation(reader: Any) -> None:
    assert found(reader, "karabakh -peace") == {"en-war"}
    assert found(reader, "karabakh NOT tags:diplomacy") == {"en-war"}
    assert found(reader, "karabakh -xyzzy") == {"en-war", "en-peace"}
    assert found(reader, "karabakh OR -karabakh") == ALL


def test_pure_negation_matches_everything_else(reader: Any) -> None:
    assert found(reader, "-karabakh") == ALL - {"en-war", "en-peace"}
    assert found(reader, "-karabakh -krieg -date:..2019") == {"ru-war", "en-zeta"}
    assert found(reader, "-xyzzy") == ALL


def test_stop_words_are_searchable_and_weak(reader: Any) -> None:
    only_en = ("en",)
    parsed = parse_query("the peace")
    assert hits(reader, build_query(parsed, only_en, reader)) == {"en-peace"}
    # a stop word next to other words is optional, in every language
    assert found(reader, "the peace") == {"en-peace"}
    assert found(reader, "die peace") == {"en-peace"}  # "die" is a German stop word
    # alone, it is what was asked for
    assert hits(reader, build_query(parse_query("the"), only_en, reader)) == {"en-war", "en-peace"}
    assert found(reader, "der") == {"de-krieg"}
    assert build_query(parse_query(""), only_en, reader) == wq.Every()


def test_hidden_fields_are_unreachable(reader: Any) -> None:
    for text in ("id:en-war", "body_en:war", "spell:war", "path:x", "translation_key:x"):
        q = build_query(parse_query(text), LANGS, reader)
        assert {fieldname for fieldname, _ in q.iter_all_terms()} <= {
            f"{kind}_{lang}" for kind in ("title", "body") for lang in (*LANGS, EXACT)
        }
    assert found(reader, "id:en-war") == set()


def test_match_all_node(reader: Any) -> None:
    parsed = ParsedQuery(And((MatchAll(), Not(Word("karabakh")))))
    assert hits(reader, build_query(parsed, LANGS, reader)) == ALL - {"en-war", "en-peace"}


def test_too_many_clauses(reader: Any) -> None:
    words = " OR ".join(f"zeta{i:03d}" for i in range(limits.MAX_TERMS))
    # 64 words in the exact and 16 languages' stemmed title and body fields would be 2,176
    # clauses…
    langs = [*LANGS, "fr", "es", "it", "nl", "pt", "sv", "da", "no", "fi", "hu", "ro", "tr", "und"]
    q = build_query(parse_query(words), langs, reader)  # …but absent terms are left out
    assert len(list(q.leaves())) == 2 * limits.MAX_TERMS  # body_exact and body_en
    with pytest.raises(QueryTooComplex):
        build_query(parse_query(" ".join(["ze*"] * 21)), LANGS, reader)  # 21 x 50 terms


def test_highlight_terms(reader: Any) -> None:
    parsed = parse_query('wars "peace talks" karab* geneva~ -conflict')
    matched = highlight_terms(parsed, "en", reader)
    for token in ("war", "karabakh", "geneva"):
        assert matched(token), token
    # a phrase's words are marked only together, where the text has the phrase
    assert not matched("peace")
    assert matched.phrases == (("peace", "talks"),)
    assert not matched("conflict")
    assert not matched("diplomat")
    german = highlight_terms(parse_query("Kriegen"), "de", reader)
    assert german("krieg")


def test_match_spans_on_stemmed_text() -> None:
    text = "The wars, and the WAR: warring parties."
    parsed = parse_query("war")
    exact = set(analyse("war", "en"))
    spans = match_spans(text, "en", TermMatcher.build(exact))
    assert [text[s:e] for s, e in spans] == ["wars", "WAR", "warring"]
    assert parsed.positive_words() == ("war",)
    german = "Die Kriege und der Krieg."
    spans = match_spans(german, "de", TermMatcher.build({"krieg"}))
    assert [german[s:e] for s, e in spans] == ["Kriege", "Krieg"]
    # stemmers fold umlauts and ß: the prefilter must still find the words
    folded = "Bürgerrechte, Straßen und STRASSE; Ärzte."
    spans = match_spans(folded, "de", TermMatcher.build({"burgerrecht", "strass", "arzt"}))
    assert [folded[s:e] for s, e in spans] == ["Bürgerrechte", "Straßen", "STRASSE", "Ärzte"]
    russian = "Ёлка и ёлки, война и войны."
    spans = match_spans(russian, "ru", TermMatcher.build({"елк", "войн"}))
    assert [russian[s:e] for s, e in spans] == ["Ёлка", "ёлки", "война", "войны"]
