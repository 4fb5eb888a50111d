"""Decoding bytes and reading dates: encodings, line endings, every accepted date form."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.dates import date_from_path, parse_date
from indexer.decode import decode


def test_utf8_with_bom_drops_the_mark() -> None:
    decoded = decode("\ufeffTitle\nBody é".encode())
    assert decoded.text == "Title\nBody é"
    assert decoded.encoding == "utf-8"
    assert decoded.warning is None


def test_crlf_and_cr_become_newlines() -> None:
    assert decode(b"a\r\nb\rc\n").text == "a\nb\nc\n"


def test_latin1_bytes_fall_back_with_a_warning_and_keep_the_pound_sign() -> None:
    decoded = decode("Price: £600m".encode("latin-1"))
    assert decoded.text == "Price: £600m"
    assert decoded.encoding == "cp1252"
    assert decoded.warning is not None
    assert "not valid UTF-8" in decoded.warning


def test_bytes_cp1252_cannot_decode_fall_back_to_latin1() -> None:
    decoded = decode(b"caf\xe9 \x81")
    assert decoded.encoding == "latin-1"
    assert decoded.text.startswith("café")


def test_utf16_with_bom_is_text() -> None:
    assert decode("Hallo Welt".encode("utf-16")).text == "Hallo Welt"


def test_control_characters_are_removed_but_tabs_kept() -> None:
    assert decode(b"a\x00b\x07c\td").text == "abc\td"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2020, 10, 20), dt.date(2020, 10, 20)),
        (dt.datetime(2020, 10, 20, 23, 30, tzinfo=dt.UTC), dt.date(2020, 10, 20)),
        ("2020-10-20", dt.date(2020, 10, 20)),
        ("2020-10-20T10:00:00+02:00", dt.date(2020, 10, 20)),
        ("2020-10-20T23:30:00-04:00", dt.date(2020, 10, 20)),
        ("2020-10-20 10:00Z", dt.date(2020, 10, 20)),
        ("2014-12-24 9:00:36 -0400", dt.date(2014, 12, 24)),
        ("2014-12-24 09:00:36.123 +0100", dt.date(2014, 12, 24)),
        ("2014/12/24", dt.date(2014, 12, 24)),
        ("24.12.2014", dt.date(2014, 12, 24)),
        ("24 Dec 2014", dt.date(2014, 12, 24)),
        ("24 December 2014", dt.date(2014, 12, 24)),
        ("Dec 24, 2014", dt.date(2014, 12, 24)),
        ("September 3rd, 2019", dt.date(2019, 9, 3)),
        ("Tue, 20 Apr 1993 12:00:00 GMT", dt.date(1993, 4, 20)),
        ("20 Apr 93 12:00:00 -0500", dt.date(1993, 4, 20)),
    ],
)
def test_dates_are_read(value: object, expected: dt.date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["", "soon", "2020-13-45", "31.02.2020", 2014, None, ["2020-01-01"], "x" * 500]
)
def test_unreadable_dates_give_none(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("_posts/2014-12-24-slug.md", dt.date(2014, 12, 24)),
        ("en/blog/2020/10/slug.md", dt.date(2020, 10, 1)),
        ("blog/2019/09/17/slug.md", dt.date(2019, 9, 17)),
        ("archive/2021-03-05/index.md", dt.date(2021, 3, 5)),
        ("notes/slug.md", None),
        ("items/1234/56/x.md", None),
        ("items/2020/13/x.md", None),
        ("20news/comp.graphics/38851", None),
    ],
)
def test_dates_from_paths(relpath: str, expected: dt.date | None) -> None:
    assert date_from_path(relpath) == expected
