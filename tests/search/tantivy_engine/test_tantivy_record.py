"""The stored record of the Tantivy engine holds every field of the article but its body."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from search.article import Article
from search.tantivy_engine.writer import record_json

ARTICLES = [
    Article(id="a", path="a.md", title="Plain", body="body text"),
    Article(
        id="de/über",
        path="de/über.md",
        title='Tïtle « quoted » "x" \\ \u2028',
        body="never stored here",
        source="# Source",
        source_format="markdown",
        summary="Sum",
        date=dt.date(1999, 12, 31),
        tags=("Politik", "EU"),
        publication="Zeitung",
        lang="de",
        authors=("A. Autor", "B"),
        volume="3",
        issue="4",
        image_credit="Foto",
        translation_key="k1",
        content_hash="abc",
    ),
]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id)
def test_record_json_is_the_article_without_its_body(article: Article) -> None:
    expected = dataclasses.asdict(article)
    del expected["body"]
    expected["date"] = article.date.isoformat() if article.date else None
    expected["tags"], expected["authors"] = list(article.tags), list(article.authors)
    assert json.loads(record_json(article)) == expected
