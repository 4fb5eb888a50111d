"""Pelican / MultiMarkdown metadata lines read as front matter."""

from __future__ import annotations

import datetime as dt

from indexer.config import ArchiveConfig
from indexer.metadata_lines import read_metadata_lines
from indexer.parse import parse_bytes

PELICAN = """Title: My super title
Date: 2010-12-03 10:20
Modified: 2010-12-05 19:30
Tags: thats, awesome
Category: yeah
Slug: my-super-post
Authors: Alexis Metaireau, Conan Doyle
Summary: Short version for index and feeds

This is the *content* of my super blog post.
"""


def test_pelican_metadata_becomes_the_fields() -> None:
    article = parse_bytes("content/post.md", PELICAN.encode(), ArchiveConfig()).article
    assert article is not None
    assert article.title == "My super title"
    assert article.date == dt.date(2010, 12, 3)
    assert article.modified == dt.date(2010, 12, 5)
    assert article.tags == ("thats", "awesome", "yeah")
    assert article.summary == "Short version for index and feeds"
    assert article.body == "This is the content of my super blog post."
    assert "Title" not in article.body


def test_continuation_lines_and_case() -> None:
    front = read_metadata_lines("title: A\nSummary: one\n    two\n\nbody")
    assert front is not None and front.meta == {"title": "A", "summary": "one two"}
    assert front.body == "body"


def test_text_that_only_looks_like_metadata_is_not() -> None:
    assert read_metadata_lines("Analysis: the vote\n\nBody") is None
    assert read_metadata_lines("Title: t\nnot a key line\n\nBody") is None
    assert read_metadata_lines("Title: t\nno blank line ends it") is None
    # a mail header block is the plain-text reader's
    assert read_metadata_lines("From: a@b.c\nSubject: s\nTitle: t\n\nBody") is None
    mail = parse_bytes("x", b"From: a@b.c\nSubject: Hello\n\nBody text", ArchiveConfig())
    assert mail.article is not None and mail.article.title == "Hello"


def test_a_leading_h1_is_the_title_when_no_key_gives_one() -> None:
    def title(text: str) -> str:
        found = parse_bytes("docs/page.md", text.encode(), ArchiveConfig()).article
        assert found is not None
        return found.title

    assert title("---\nkey: x\n---\n# Release *History*\n\nText.") == "Release History"
    assert title("---\nkey: x\n---\n# Vite {% indieavatar 'x' %}\n\nText.") == "Vite"
    assert title("---\ntitle: Given\n---\n# Other\n\nText.") == "Given"
    assert title("---\nkey: x\n---\nText first.\n\n# Later\n") == "page"
    assert title("---\nkey: x\n---\n## Second level\n\nText.") == "page"
