"""The one date reader: forms, precedence of sources, modified dates, never an invented day."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.config import ArchiveConfig
from indexer.dates import choose_date, choose_modified, date_from_file_name, parse_date
from indexer.parse import parse_bytes

D = dt.date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015-03-17 14:00:00 -4", D(2015, 3, 17)),
        ("2015-03-17 14:00:00 -04", D(2015, 3, 17)),
        ("2015-03-17 14:00:00 -0400", D(2015, 3, 17)),
        ("2015-03-17T14:00:00-04:00", D(2015, 3, 17)),
        ("2015-03-17T23:59:00Z", D(2015, 3, 17)),
        ("2015-03-17 14:00 +5:30", D(2015, 3, 17)),
        ("Tue, 17 Mar 2015 14:00:00 -0400", D(2015, 3, 17)),
        ("March 5, 2019", D(2019, 3, 5)),
        ("5 March 2019", D(2019, 3, 5)),
        ("2019/3/5", D(2019, 3, 5)),
        ("Tuesday, March 5, 2019 10:00 AM", D(2019, 3, 5)),
        (1551744000, D(2019, 3, 5)),
        ("1551744000", D(2019, 3, 5)),
        ("2023-01-29 18:30:22 2023 -0800", D(2023, 1, 29)),
        ("March 5, 2019 (updated)", D(2019, 3, 5)),
    ],
)
def test_every_common_form_is_read(value: object, expected: dt.date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["March 2019", "2019", "5 March", "tomorrow", "12", 2019, 99, True, "2019-02-30"]
)
def test_a_value_without_a_whole_day_is_not_a_date(value: object) -> None:
    assert parse_date(value) is None


def test_file_name_dates() -> None:
    assert date_from_file_name("_posts/2016-10-06-jekyll-3-3-is-here.md") == D(2016, 10, 6)
    assert date_from_file_name("notes/meeting-2019-03-05.md") == D(2019, 3, 5)
    assert date_from_file_name("2019/03/slug.md") is None
    assert date_from_file_name("v12345-67-89.md") is None


def test_key_precedence() -> None:
    both = {"published": "2019-01-01", "date": "2020-02-02", "created": "2018-01-01"}
    assert choose_date(both, "x.md").date == D(2020, 2, 2)
    publish = {"pubdate": "2019-01-01", "created": "2018-01-01"}
    assert choose_date(publish, "x.md").source == "pubdate"
    # a date key beats the file name, the file name beats path keys, path keys beat folders
    assert choose_date({"date": "2020-02-02"}, "2019-01-01-x.md").date == D(2020, 2, 2)
    named = choose_date({"url": "/2018/05/06/x/"}, "2019/02/2019-01-01-x.md")
    assert (named.date, named.source) == (D(2019, 1, 1), "file name")
    keyed = choose_date({"path": "2021/07/29/slug"}, "2019/02/x.md")
    assert (keyed.date, keyed.source) == (D(2021, 7, 29), "path")
    for key in ("url", "permalink", "slug"):
        assert choose_date({key: "/blog/2021/07/29/slug/"}, "x.md").date == D(2021, 7, 29)
    assert choose_date({}, "blog/2019/02/x.md").date == D(2019, 2, 1)
    # Jekyll's published: false is not a date
    assert choose_date({"published": False}, "2019-01-01-x.md").source == "file name"


def test_an_unreadable_value_is_a_warning_and_the_next_source_answers() -> None:
    found = choose_date({"date": "someday"}, "_posts/2015-03-17-x.md")
    assert found.date == D(2015, 3, 17)
    assert found.warnings == ("unreadable date date: 'someday'",)


def test_undated_reports_what_was_tried() -> None:
    found = choose_date({"date": "soon", "url": "/about/"}, "pages/about.md")
    assert found.date is None
    assert found.tried == ("date", "file name", "url", "folders")
    assert found.undated_note() == "undated (tried date, file name, url, folders)"


def test_modified_keys() -> None:
    assert choose_modified({"lastmod": "2021-01-02"}) == D(2021, 1, 2)
    assert choose_modified({"updated": "March 5, 2019"}) == D(2019, 3, 5)
    assert choose_modified({"modified": 1551744000}) == D(2019, 3, 5)
    assert choose_modified({"date": "2021-01-02"}) is None


def test_dates_through_the_parser() -> None:
    def parsed(text: str, relpath: str):  # type: ignore[no-untyped-def]
        return parse_bytes(relpath, text.encode(), ArchiveConfig())

    article = parsed("---\ntitle: t\nlastmod: 2022-02-02\n---\nb", "_posts/2015-03-17-x.md")
    assert article.article.date == D(2015, 3, 17)
    assert article.article.modified == D(2022, 2, 2)
    toml = parsed('+++\ntitle = "t"\npath = "2021/07/29/slug"\n+++\nb', "content/x.md")
    assert toml.article.date == D(2021, 7, 29)
    odd = parsed("---\ntitle: t\ndate: 2015-03-17 14:00:00 -4\n---\nb", "x.md")
    assert odd.article.date == D(2015, 3, 17) and odd.problems == ()


def test_undated_articles_are_counted_in_the_run_summary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from indexer.build import build_index

    archive = tmp_path / "archive"
    (archive / "_posts").mkdir(parents=True)
    (archive / "_posts" / "2019-03-05-a.md").write_text("---\ntitle: a\n---\nText.\n")
    (archive / "b.md").write_text("---\ntitle: b\ndate: someday\n---\nText.\n")
    (archive / "c.txt").write_text("A title\n\nText.\n")
    report = build_index(archive, tmp_path / "index", rebuild=True, engine="tantivy")
    assert report.notes == {
        "undated (tried date, file name, folders)": 1,
        "undated (tried file name, folders)": 1,
    }
    assert [p.reason for p in report.warnings] == ["unreadable date date: 'someday'"]
