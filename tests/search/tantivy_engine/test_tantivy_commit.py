"""A Tantivy commit builds the facet arrays and hit table from what it changed, not by reading
every stored record back: the result must be what reading them back gives."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import orjson
import pytest

from search.article import Article
from search.docvalues import DocValues
from search.tantivy_engine import docvalues as tdv
from search.tantivy_engine import schema as s
from search.tantivy_engine import writer as tw
from search.tantivy_engine.hittable import hit_line, read_hit_lines
from search.tantivy_engine.writer import TantivyWriter, article_hit_line, record_json


@pytest.fixture
def read_backs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the commits that fell back to reading the stored records."""
    calls: list[int] = []

    def counting(searcher: object) -> tdv.HitRows:
        calls.append(1)
        return tdv.read_back(searcher)  # type: ignore[arg-type]

    monkeypatch.setattr(tw, "read_back", counting)
    return calls


def article(n: int, **extra: object) -> Article:
    fields: dict[str, object] = {
        "id": f"doc-{n}",
        "path": f"doc-{n}.md",
        "title": f"Title {n}",
        "body": f"body {n} of the article",
        "date": dt.date(2000 + n % 7, 1 + n % 12, 1 + n % 28),
        "tags": (f"Tag{n % 3}", "shared"),
        "publication": "Paper" if n % 2 else None,
        "lang": "de" if n % 4 == 0 else "en",
        "summary": f"summary {n}",
    }
    fields.update(extra)
    return Article(**fields)  # type: ignore[arg-type]


def commit(directory: Path, deletes: list[str], adds: list[Article]) -> None:
    writer = TantivyWriter(directory)
    writer.delete(deletes)
    writer.add(adds)
    writer.commit()


def next_generation(previous: Path, target: Path) -> Path:
    shutil.copytree(previous, target)
    return target


def read_back_rows(directory: Path) -> tdv.HitRows:
    index = s.open_index(directory)
    return tdv.read_back(index.searcher())


def saved_rows(directory: Path) -> tuple[tdv.HitRows, DocValues]:
    dv, keys, offsets = tdv.load_docvalues(directory)
    return tdv.HitRows(keys.tolist(), read_hit_lines(directory, offsets)), dv


def assert_same_as_read_back(directory: Path) -> None:
    saved, dv = saved_rows(directory)
    expected = read_back_rows(directory)
    assert saved == expected
    # and the arrays are those the read-back rows give
    other = directory.parent / (directory.name + "-readback")
    other.mkdir()
    tdv.write_docvalues(expected, other, next_key=0)
    again, _keys, _offsets = tdv.load_docvalues(other)
    for name in ("live", "date", "lang", "publication", "tag_doc", "tag_id"):
        assert np.array_equal(getattr(dv, name), getattr(again, name)), name
    assert (dv.tags, dv.tag_labels, dv.publications) == (
        again.tags,
        again.tag_labels,
        again.publications,
    )


def test_hit_line_of_an_article_is_the_line_of_its_stored_record() -> None:
    for item in (article(1), article(4, date=None, tags=(), summary='é\n\u2028"x"')):
        assert article_hit_line(item) == hit_line(orjson.loads(record_json(item)))


def test_a_new_index_gets_the_rows_of_its_articles(tmp_path: Path, read_backs: list[int]) -> None:
    gen1 = tmp_path / "gen1"
    commit(gen1, [], [article(n) for n in range(10)])
    saved, dv = saved_rows(gen1)
    assert saved.keys == list(range(10))
    assert saved.lines == [article_hit_line(article(n)) for n in range(10)]
    assert int(dv.live.sum()) == 10
    assert_same_as_read_back(gen1)
    assert read_backs == []


def test_updates_deletes_and_adds_match_the_stored_records(
    tmp_path: Path, read_backs: list[int]
) -> None:
    gen1 = tmp_path / "gen1"
    commit(gen1, [], [article(n) for n in range(12)])
    gen2 = next_generation(gen1, tmp_path / "gen2")
    # doc-3 changed (deleted, added again), doc-5 and doc-9 removed, two new ones
    changed = [article(3, title="Changed"), article(20), article(21)]
    commit(gen2, ["doc-3", "doc-5", "doc-9"], changed)
    saved, _dv = saved_rows(gen2)
    assert [line for line in saved.lines if b"doc-5" in line] == []
    assert saved.keys[-3:] == [12, 13, 14]
    assert b"Changed" in saved.lines[-3]
    assert_same_as_read_back(gen2)
    assert read_backs == []
    # the generation copied from is untouched
    assert saved_rows(gen1)[0].keys == list(range(12))


def test_a_deletion_after_an_add_removes_the_added_article(
    tmp_path: Path, read_backs: list[int]
) -> None:
    gen1 = tmp_path / "gen1"
    commit(gen1, [], [article(n) for n in range(3)])
    gen2 = next_generation(gen1, tmp_path / "gen2")
    writer = TantivyWriter(gen2)
    writer.add([article(7)])
    writer.delete(["doc-7", "doc-0"])
    writer.add([article(8)])
    writer.commit()
    saved, _dv = saved_rows(gen2)
    assert saved.keys == [1, 2, 4]
    assert_same_as_read_back(gen2)
    assert read_backs == []


def test_rows_that_disagree_with_the_index_are_read_back(
    tmp_path: Path, read_backs: list[int]
) -> None:
    gen1 = tmp_path / "gen1"
    commit(gen1, [], [article(n) for n in range(5)])
    gen2 = next_generation(gen1, tmp_path / "gen2")
    # a hit table that lost a line: the commit must notice and read the records back
    rows, _dv = saved_rows(gen2)
    broken = tdv.HitRows(rows.keys[1:], rows.lines[1:])
    tdv.write_docvalues(broken, gen2, next_key=5)
    commit(gen2, [], [article(6)])
    saved, _dv = saved_rows(gen2)
    assert saved.keys == [0, 1, 2, 3, 4, 5]
    assert_same_as_read_back(gen2)
    assert read_backs == [1]
