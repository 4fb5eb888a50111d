"""Tabular archives: CSV, TSV, JSON Lines and JSON arrays, one article per row."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.config import ConfigError, config_from_mapping
from indexer.tables import BadRow, Row, column_map, read_rows, row_fields, table_format
from search.errors import NotFound
from search.service import SearchService


def rows(data: str, fmt: str) -> list[Row | BadRow]:
    return list(read_rows(io.BytesIO(data.encode()), fmt))


# ---- reading rows ----------------------------------------------------------------------


def test_csv_rows_keep_quoted_commas_and_line_breaks_and_know_their_lines() -> None:
    found = rows('id,title,text\n1,"A, b","two\nlines"\n2,C,d\n', "csv")
    assert found == [
        Row(1, 2, {"id": "1", "title": "A, b", "text": "two\nlines"}),
        Row(2, 4, {"id": "2", "title": "C", "text": "d"}),
    ]


def test_a_bad_csv_row_is_reported_with_its_line_and_the_rest_read() -> None:
    found = rows("title,text\nA,a\nB,b,extra\n\nC,c\n", "csv")
    assert found[1] == BadRow(3, "row has 3 fields, the header 2")
    assert [r.values["title"] for r in found if isinstance(r, Row)] == ["A", "C"]
    assert [r.line for r in found if isinstance(r, Row)] == [2, 5]


def test_tsv_rows_are_tab_separated_without_quoting() -> None:
    found = rows('title\ttext\n"Quoted" title\tx, y\n', "tsv")
    assert found == [Row(1, 2, {"title": '"Quoted" title', "text": "x, y"})]


def test_jsonl_rows_and_bad_lines() -> None:
    found = rows('{"title": "A"}\n\nnot json\n[1]\n{"title": "B"}\n', "jsonl")
    assert found[0] == Row(1, 1, {"title": "A"})
    assert isinstance(found[1], BadRow) and found[1].line == 3
    assert found[2] == BadRow(4, "a row must be a JSON object, not list")
    assert found[3] == Row(4, 5, {"title": "B"})


def test_json_array_items_are_read_one_by_one_across_chunks() -> None:
    items = [{"title": f"T{i}", "text": "x" * 50_000} for i in range(5)]
    text = json.dumps(items, indent=1)
    found = rows(text, "json")
    assert [r.values["title"] for r in found if isinstance(r, Row)] == [f"T{i}" for i in range(5)]
    assert [r.line for r in found if isinstance(r, Row)] == [2, 6, 10, 14, 18]


def test_a_json_array_with_a_bad_item_reports_it() -> None:
    found = rows('[{"title": "A"}, 3, {"title": "B"}]', "json")
    assert found[1] == BadRow(1, "a row must be a JSON object, not int")
    assert isinstance(found[2], Row) and found[2].values == {"title": "B"}
    assert rows('[{"title": "A"}', "json")[-1] == BadRow(1, "the JSON array is never closed")


@pytest.mark.parametrize(
    "relpath, head, fmt",
    [
        ("a.csv", b"x", "csv"),
        ("a.TSV", b"x", "tsv"),
        ("a.ndjson", b"{", "jsonl"),
        ("a.jsonl", b"{", "jsonl"),
        ("a.json", b"\xef\xbb\xbf\n [", "json"),
        ("a.json", b'{"layout": 1}', None),
        ("a.md", b"x", None),
    ],
)
def test_table_format(relpath: str, head: bytes, fmt: str | None) -> None:
    assert table_format(relpath, head) == fmt


# ---- columns ---------------------------------------------------------------------------


def test_columns_are_mapped_by_name() -> None:
    columns = ["Article ID", "publish-date", "Headline", "Article", "Authors", "Link", "Keywords"]
    assert column_map(columns, {}) == {
        "id": "Article ID",
        "date": "publish-date",
        "title": "Headline",
        "text": "Article",
        "authors": "Authors",
        "url": "Link",
        "tags": "Keywords",
    }


def test_configured_columns_win() -> None:
    mapping = column_map(["headline", "story", "title"], {"title": "headline", "text": "story"})
    assert mapping == {"title": "headline", "text": "story"}


def test_row_fields_decode_entities_read_html_and_tell_urls_from_publications() -> None:
    mapping = {"title": "t", "text": "x", "url": "s"}
    found = row_fields({"t": "Rates &amp; more", "x": "<p>One</p><p>Two</p>", "s": "BBC"}, mapping)
    assert (found.title, found.body, found.publication, found.dates) == (
        "Rates & more",
        "One\n\nTwo",
        "BBC",
        {},
    )
    linked = row_fields({"t": "T", "x": "a", "s": "https://x.org/2020/03/05/r"}, mapping)
    assert (linked.dates, linked.publication) == ({"url": "https://x.org/2020/03/05/r"}, None)


def test_table_settings_are_validated() -> None:
    config = config_from_mapping({"tables": {"news/*.csv": {"title": "headline_en"}}})
    assert config.tables == {"news/*.csv": {"title": "headline_en"}}
    with pytest.raises(ConfigError, match="unknown field"):
        config_from_mapping({"tables": {"*.csv": {"heading": "x"}}})


# ---- whole archives --------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], table: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(table)


def _archive(root: Path) -> Path:
    source = root / "archive"
    (source / "news").mkdir(parents=True)
    _write_csv(
        source / "news" / "bbc.csv",
        ["article_id", "publish_date", "title", "text", "author", "source", "category"],
        [
            [
                "b-1",
                "2005-03-05",
                "Rates rise",
                "The bank raised its rates.",
                "Ann Lee",
                "BBC",
                "biz",
            ],
            ["b-2", "", "Cup final", "A <b>late</b> goal &amp; a win.", "", "BBC", "sport"],
            ["b-3", "2005-01-01", "Broken row"],
            ["b-4", "5 March 2005", "Agencies", "Agencies report.", "Bo, Cy", "BBC", "biz"],
        ],
    )
    lines = [
        json.dumps({"headline": "Lines one", "body": "First story", "lang": "en"}),
        "{oops",
        json.dumps({"headline": "Lines three", "body": "Third story", "tags": ["a", "b"]}),
    ]
    (source / "news" / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (source / "post.md").write_text("---\ntitle: A post\n---\nText.", encoding="utf-8")
    return source


def test_a_csv_and_a_jsonl_archive_index_one_article_per_row(tmp_path: Path) -> None:
    source = _archive(tmp_path)
    report = build_index(source, tmp_path / "index")
    assert (report.files, report.articles, report.indexed) == (3, 6, 6)
    errors = sorted((p.path, p.line) for p in report.errors)
    assert errors == [("news/bbc.csv", 4), ("news/feed.jsonl", 2)]
    engine = SearchService(tmp_path / "index").engine()
    first = engine.article("news/bbc.csv#b-1")
    assert (first.title, str(first.date), first.authors) == (
        "Rates rise",
        "2005-03-05",
        ("Ann Lee",),
    )
    assert first.publication == "BBC" and first.tags == ("biz",)
    second = engine.article("news/bbc.csv#b-2")
    assert second.body == "A late goal & a win." and second.date is None
    assert str(engine.article("news/bbc.csv#b-4").date) == "2005-03-05"
    third = engine.article("news/feed.jsonl#3")  # no id column: the row number
    assert (third.title, third.tags) == ("Lines three", ("a", "b"))
    with pytest.raises(NotFound):
        engine.article("news/bbc.csv#b-3")


def test_an_update_rereads_only_the_changed_table_and_drops_its_old_rows(tmp_path: Path) -> None:
    source = _archive(tmp_path)
    build_index(source, tmp_path / "index")
    _write_csv(source / "news" / "bbc.csv", ["id", "title", "text"], [["z", "Only", "one"]])
    report = build_index(source, tmp_path / "index")
    assert (report.mode, report.unchanged, report.articles) == ("update", 2, 4)
    engine = SearchService(tmp_path / "index").engine()
    assert engine.article("news/bbc.csv#z").title == "Only"
    with pytest.raises(NotFound):
        engine.article("news/bbc.csv#b-1")
    assert engine.article("news/feed.jsonl#1").title == "Lines one"
    (source / "news" / "bbc.csv").unlink()
    assert build_index(source, tmp_path / "index").removed == 1


def test_a_table_over_two_million_characters_is_not_cut(tmp_path: Path) -> None:
    source = tmp_path / "archive"
    source.mkdir()
    text = "word " * 200
    _write_csv(source / "big.csv", ["title", "text"], [[f"T{i}", text] for i in range(3_824)])
    assert (source / "big.csv").stat().st_size > 2_000_000
    report = build_index(source, tmp_path / "index")
    assert report.articles == 3_824
