"""Plain-text articles: title line, boilerplate, metadata lines, mail headers, encodings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from indexer.config import ArchiveConfig
from indexer.discover import Candidate
from indexer.parse import MAX_TEXT_CHARS, parse_bytes, parse_file
from indexer.plaintext import author_name, split_headers
from search.article import Article

CONFIG = ArchiveConfig()


def article(data: bytes | str, relpath: str = "a.txt") -> Article:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    outcome = parse_bytes(relpath, raw, CONFIG)
    assert outcome.article is not None, outcome.problems
    return outcome.article


def test_first_line_is_the_title_and_the_rest_the_body() -> None:
    found = article("\n\nAd sales boost Time Warner profit\n\nQuarterly profits jumped.\n")
    assert found.title == "Ad sales boost Time Warner profit"
    assert found.body == "Quarterly profits jumped."
    assert found.source == found.body
    assert found.source_format == "text"


def test_boilerplate_lines_are_dropped_everywhere() -> None:
    found = article("Placeholder canvas\n\nReal title\n\nText.\n\nAdvertisement\n\nMore.")
    assert found.title == "Real title"
    assert found.body == "Text.\n\nMore."


def test_publication_metadata_line_and_source_credit() -> None:
    text = (
        "Placeholder canvas\n\nEscalation in Karabakh\n\n"
        "Publication: Eurasia Daily Monitor Volume: 19 Issue: 146\n\n"
        "(Source: Middle East Institute)\n\nBeginning on the night of September 12."
    )
    found = article(text)
    assert found.title == "Escalation in Karabakh"
    assert (found.publication, found.volume, found.issue) == ("Eurasia Daily Monitor", "19", "146")
    assert found.image_credit == "Middle East Institute"
    assert found.body == "Beginning on the night of September 12."


def test_metadata_lines_only_near_the_top() -> None:
    found = article("Title\n\nFirst paragraph.\n\nPublication: Not metadata here\n")
    assert found.publication is None
    assert "Publication: Not metadata here" in found.body


def test_source_credit_is_not_taken_from_the_body() -> None:
    found = article("Title\n\nParagraph.\n\n(Source: somewhere)\n")
    assert found.image_credit is None


def test_author_and_date_metadata_lines() -> None:
    found = article("Title\nAuthor: Jane Doe\nDate: 24 Dec 2014\n\nBody.")
    assert (found.authors, found.date, found.body) == (
        ("Jane Doe",),
        dt.date(2014, 12, 24),
        "Body.",
    )


def test_a_long_first_line_is_a_paragraph_not_a_title() -> None:
    paragraph = "word " * 100
    found = article(paragraph)
    assert found.title.endswith("…") and len(found.title) <= 100
    assert found.body == paragraph.strip()


def test_rfc822_header_block() -> None:
    text = (
        "From: et@teal.csn.org (Eric H. Taylor)\n"
        "Subject: Re: Gravity waves, was: Predicting gravity wave quantization\n"
        "Organization: CSN\nKeywords: gravity, waves\nDate: Tue, 20 Apr 1993 12:00:00 GMT\n"
        "Summary: About waves\nLines: 3\n\nIn article <x> someone writes:\n> quoted\n"
    )
    found = article(text, "sci.space/1234")
    assert found.title == "Re: Gravity waves, was: Predicting gravity wave quantization"
    assert found.authors == ("Eric H. Taylor",)
    assert found.date == dt.date(1993, 4, 20)
    assert found.tags == ("gravity", "waves")
    assert found.summary == "About waves"
    assert found.publication is None
    assert "CSN" not in found.body and "Lines:" not in found.body
    assert found.body == "In article <x> someone writes:\n> quoted"


def test_header_continuation_lines_and_encoded_words() -> None:
    headers, rest = split_headers(
        [" path!continued", "Subject: =?utf-8?q?Caf=C3=A9?=", "From: a@b.c", " more", "", "Body"]
    )
    assert headers["from"] == "a@b.c more"
    assert rest == ["Body"]
    found = article("From: a@b.c\nSubject: =?utf-8?q?Caf=C3=A9?=\n\nBody")
    assert found.title == "Café"


def test_author_names() -> None:
    assert author_name("et@teal.csn.org (Eric H. Taylor)") == "Eric H. Taylor"
    assert author_name("mathew <mathew@mantis.co.uk>") == "mathew"
    assert author_name('"Doe, Jane" <jd@x.org>') == "Doe, Jane"
    assert author_name("jd@x.org") == "jd@x.org"


def test_two_header_like_lines_without_from_or_subject_are_text() -> None:
    found = article("Note: read this\nWarning: hot\n\nBody.")
    assert found.title == "Note: read this"


def test_latin1_file_is_kept_with_a_warning() -> None:
    outcome = parse_bytes("sport/199.txt", "Title\n\nIt cost £5m.".encode("latin-1"), CONFIG)
    assert outcome.article is not None
    assert outcome.article.body == "It cost £5m."
    assert [p.severity for p in outcome.problems] == ["warning"]
    assert "not valid UTF-8" in outcome.problems[0].reason


def test_bom_and_crlf() -> None:
    found = article(b"\xef\xbb\xbfTitle\r\n\r\nLine one\r\nLine two\r")
    assert (found.title, found.body) == ("Title", "Line one\nLine two")


def test_empty_and_whitespace_files_are_errors() -> None:
    for data in (b"", b"  \n\t\r\n", b"\xef\xbb\xbf\n"):
        outcome = parse_bytes("e.txt", data, CONFIG)
        assert outcome.article is None
        assert [(p.severity, p.reason) for p in outcome.problems] == [("error", "empty file")]


def test_huge_file_is_capped_with_a_warning() -> None:
    data = ("Title\n\n" + "lorem ipsum dolor sit amet\n" * 90_000).encode()
    outcome = parse_bytes("big.txt", data, CONFIG)
    assert outcome.article is not None
    assert len(outcome.article.body) <= MAX_TEXT_CHARS
    assert any("not indexed" in p.reason for p in outcome.problems)


def test_plain_text_language_from_folder_and_translation_key() -> None:
    found = article("Titel\n\nText.", "de/news/x.txt")
    assert (found.lang, found.translation_key) == ("de", "news/x")


def test_parse_file_reports_an_unreadable_file(tmp_path: Path) -> None:
    outcome = parse_file(tmp_path, Candidate(str(tmp_path / "gone.txt"), "gone.txt"), CONFIG)
    assert outcome.article is None
    [problem] = outcome.problems
    assert (problem.path, problem.severity) == ("gone.txt", "error")
    assert problem.reason.startswith("cannot read file")
