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
    """The live rows saved (dead rows of an update left out), and the arrays."""
    dv, keys, offsets, parts = tdv.load_docvalues(directory)
    lines = read_hit_lines(directory, offsets, parts)
    live = dv.live.tolist()
    rows = tdv.HitRows(
        [k for k, alive in zip(keys.tolist(), live, strict=True) if alive],
        [line for line, alive in zip(lines, live, strict=True) if alive],
    )
    return rows, dv


def row_facts(dv: DocValues) -> list[tuple[object, ...]]:
    """Each live row's facet values by key, and each counted key's label: what searches see,
    whatever the row numbers and dead rows."""
    facts: list[tuple[object, ...]] = []
    for doc in np.flatnonzero(dv.live).tolist():
        pub = int(dv.publication[doc])
        facts.append((
            int(dv.date[doc]),
            dv.langs[int(dv.lang[doc])],
            dv.publications[pub] if pub >= 0 else None,
            sorted(dv.tags[int(t)] for t in dv.tag_id[dv.tag_doc == doc]),
            sorted(dv.authors[int(a)] for a in dv.author_id[dv.author_doc == doc]),
        ))  # fmt: skip
    labels: dict[str, str] = {}
    for keys, names, pairs in (
        (dv.tags, dv.tag_labels, dv.tag_id[dv.live[dv.tag_doc]]),
        (dv.publications, dv.publication_labels, dv.publication[dv.live & (dv.publication >= 0)]),
    ):
        labels |= {keys[i]: names[i] for i in set(pairs.tolist())}
    return [*facts, (labels,)]


def assert_same_as_read_back(directory: Path) -> None:
    saved, dv = saved_rows(directory)
    expected = read_back_rows(directory)
    assert saved == expected
    # and the arrays say what the arrays of the read-back rows say
    other = directory.parent / (directory.name + "-readback")
    other.mkdir()
    tdv.write_docvalues(expected, other, next_key=0)
    again, _keys, _offsets, _parts = tdv.load_docvalues(other)
    assert row_facts(dv) == row_facts(again)


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


def test_an_update_appends_a_part_and_a_full_commit_comes_back(
    tmp_path: Path, read_backs: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Updates carry the arrays on (a hit table part each, replaced rows left dead) until
    there are too many parts; then one commit writes the live rows whole again."""
    monkeypatch.setattr(tdv, "MAX_PARTS", 3)
    monkeypatch.setattr(tdv, "MAX_DEAD_SHARE", 0.5)
    previous = tmp_path / "gen0"
    commit(previous, [], [article(n, tags=("Alpha", f"T{n}")) for n in range(6)])
    parts = []
    for n in range(1, 5):
        current = next_generation(previous, tmp_path / f"gen{n}")
        # the same article changed each time, with another spelling of a shared tag
        commit(current, ["doc-1"], [article(1, tags=("ALPHA",) * n)])
        parts.append(tdv.load_docvalues(current)[3])
        assert_same_as_read_back(current)
        previous = current
    assert parts[0] == ["hits.jsonl", "hits-6.jsonl"]
    assert parts[1] == ["hits.jsonl", "hits-6.jsonl", "hits-7.jsonl"]
    assert parts[2] == ["hits.jsonl"]  # three parts: written whole, dead rows dropped
    assert parts[3] == ["hits.jsonl", "hits-9.jsonl"]
    assert sorted(p.name for p in previous.glob("hits*")) == ["hits-9.jsonl", "hits.jsonl"]
    dv = tdv.load_docvalues(previous)[0]
    assert dv.size == 7 and int(dv.live.sum()) == 6
    assert dv.tag_labels[dv.tags.index("alpha")] == "Alpha"  # 5 against ALPHA's 1
    assert read_backs == []


def test_a_label_follows_the_live_documents(tmp_path: Path, read_backs: list[int]) -> None:
    gen1 = tmp_path / "gen1"
    commit(gen1, [], [article(n, tags=("news",)) for n in range(3)])
    gen2 = next_generation(gen1, tmp_path / "gen2")
    commit(gen2, ["doc-0", "doc-1"], [article(n, tags=("NEWS",)) for n in range(5, 8)])
    dv = tdv.load_docvalues(gen2)[0]
    assert dv.tag_labels[dv.tags.index("news")] == "NEWS"
    assert_same_as_read_back(gen2)
