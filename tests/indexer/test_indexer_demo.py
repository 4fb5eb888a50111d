"""Exact expectations for the two demo articles in ``corpus/``."""

from __future__ import annotations

import datetime as dt

from indexer.config import ArchiveConfig
from indexer.discover import discover
from indexer.parse import parse_file
from search.article import Article
from tests.conftest import DEMO_CORPUS


def _parse(name: str) -> Article:
    [candidate] = [
        c for c in discover(DEMO_CORPUS, ArchiveConfig()).candidates if c.relpath == name
    ]
    outcome = parse_file(DEMO_CORPUS, candidate, ArchiveConfig())
    assert outcome.problems == ()
    assert outcome.article is not None
    return outcome.article


def test_demo_corpus_has_exactly_the_two_articles() -> None:
    found = discover(DEMO_CORPUS, ArchiveConfig())
    assert [c.relpath for c in found.candidates] == [
        "escalation-in-karabakh.txt",
        "israels-role-in-nagorno-karabakh.txt",
    ]


def test_front_matter_example() -> None:
    found = _parse("israels-role-in-nagorno-karabakh.txt")
    assert found.title == "Israel's role in Nagorno-Karabakh"
    assert found.date == dt.date(2020, 10, 20)
    assert found.tags == ("State",)
    assert found.lang == "en"
    assert found.summary == (
        "The bloodiest fighting since the 1990s is raging in the autonomous region "
        "between Armenia and Azerbaijan."
    )
    assert found.source_format == "markdown"
    assert found.body.startswith("In the autonomous region, Armenia and Azerbaijan")
    assert "srcwebp" not in found.body and "srcwebp" not in found.source
    assert "Israel's role in Nagorno Karabakh" in found.body
    assert "Israel's role in Nagorno Karabakh" in found.source
    assert "began bombing civilian positions" in found.body
    assert "](http" not in found.body and "####" not in found.body
    assert "{{" not in found.body
    assert "Nagorno-Karabakh between the fronts" in found.body
    assert "#### Nagorno-Karabakh between the fronts" in found.source
    assert found.id == "israels-role-in-nagorno-karabakh.txt"
    assert found.translation_key == "israels-role-in-nagorno-karabakh"
    assert len(found.content_hash) == 64


def test_plain_text_example() -> None:
    found = _parse("escalation-in-karabakh.txt")
    assert found.title == "Escalation in Karabakh Casts Shadow Over Peace Process"
    assert found.publication == "Eurasia Daily Monitor"
    assert (found.volume, found.issue) == ("19", "146")
    assert found.image_credit == "Middle East Institute"
    assert found.date is None
    assert found.source_format == "text"
    for field in (found.title, found.body, found.summary, found.source):
        assert "Placeholder canvas" not in field
    assert found.body.startswith("Beginning on the night of September 12")
    assert "Publication:" not in found.body and "(Source:" not in found.body
    assert found.summary.startswith("Beginning on the night of September 12")
    assert 100 <= len(found.summary) <= 300
