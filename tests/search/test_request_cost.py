"""What a search request saves, checked against the slower way it replaced.

Dense numbers come from document keys in one Tantivy call instead of each
address's segment and doc; the published generation's name is re-read only
when a ``stat`` of ``CURRENT`` changes; snippet windows snap to words with
regular expressions instead of character loops; in ASCII text, candidate words
for highlighting are found by substring searches instead of the scanner's
regular expression. Each must give exactly what the old way gave.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st
from tantivy import Query

from indexer.build import build_index
from search import highlight, snippets
from search.errors import IndexFormatError
from search.service import SearchService
from search.store import CURRENT
from search.tantivy_engine import reader
from search.tantivy_engine.reader import TantivyEngine
from tests.contract.archive import archive_files, write_archive

CHANGED = "en/series/part01.md"


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SearchService]]:
    """The contract archive in Tantivy, then one article changed: two segments, one deletion."""
    archive = write_archive(tmp_path_factory.mktemp("archive"), archive_files())
    index = tmp_path_factory.mktemp("index")
    assert build_index(archive, index, engine="tantivy").errors == []
    path = archive / CHANGED
    path.write_text(path.read_text().replace('["History"]', '["History", "Updated"]'))
    assert build_index(archive, index).updated == 1
    service = SearchService(index)
    yield archive, service
    service.close()


def _engine(service: SearchService) -> TantivyEngine:
    engine = service.engine()
    assert isinstance(engine, TantivyEngine)
    return engine


def _dense_by_segment_and_doc(
    engine: TantivyEngine, addresses: list[tantivy.DocAddress]
) -> list[int]:
    """The way dense numbers were found before: each address's (segment, doc) in a table."""
    table = {
        (a.segment_ord, a.doc): number
        for number, a in enumerate(engine._addresses())
        if a is not None  # a dead row: the article was replaced or deleted by an update
    }
    return [table[(a.segment_ord, a.doc)] for a in addresses]


def test_dense_numbers_from_keys_are_those_of_the_addresses(
    updated: tuple[Path, SearchService], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(updated[1])
    assert engine._searcher.num_segments >= 2
    hits = engine._searcher.search(Query.all_query(), limit=engine._dv.size, count=False).hits
    addresses = [address for _, address in hits]
    expected = _dense_by_segment_and_doc(engine, addresses)
    assert sorted(expected) == np.flatnonzero(engine._dv.live).tolist()
    assert engine._dv.size == len(expected) + 1  # the changed article's old row, dead
    assert engine._dense(addresses).tolist() == expected
    # each dense number's address holds the record the hit table has for that number
    for number, address in enumerate(engine._addresses()):
        if address is not None:
            assert engine._stored(address)["id"] == engine._hit_table[number]["id"]
    monkeypatch.setattr(engine, "_by_key", None)  # keys too sparse for a table: bisection
    assert engine._dense(addresses).tolist() == expected


def test_key_table_maps_keys_and_is_left_out_when_sparse() -> None:
    keys = np.array([0, 3, 4, 9], dtype=np.uint64)
    table = reader._key_table(keys)
    assert table is not None
    assert table[keys.astype(np.intp)].tolist() == [0, 1, 2, 3]
    assert table[[1, 2, 5]].tolist() == [-1, -1, -1]
    assert reader._key_table(np.array([0, 10**9], dtype=np.uint64)) is None
    assert reader._key_table(np.zeros(0, dtype=np.uint64)) is None


def test_current_is_read_again_only_when_it_changes(
    updated: tuple[Path, SearchService], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = SearchService(updated[1].store.root)
    try:
        name = _engine(service).generation.name
        reads: list[int] = []
        original = service.store.current_name

        def counted() -> str | None:
            reads.append(1)
            return original()

        monkeypatch.setattr(service.store, "current_name", counted)
        for _ in range(5):
            assert _engine(service).generation.name == name
        assert reads == []
        current = service.store.root / CURRENT
        text = current.read_text()
        stat = current.stat()
        # rewritten in place (same inode, same size): the new time alone gives it away
        current.write_text("nonsense!!" + "\n" * (len(text) - 10))
        os.utime(current, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        with pytest.raises(IndexFormatError):
            service._published()
        current.write_text(text)
        assert service._published()[0] == name
        assert len(reads) == 2
    finally:
        current.write_text(text)
        service.close()


def test_a_new_generation_is_served_at_once(
    updated: tuple[Path, SearchService], tmp_path: Path
) -> None:
    archive = updated[0]
    index = tmp_path / "index"
    assert build_index(archive, index, engine="tantivy").errors == []
    service = SearchService(index)
    try:
        first = _engine(service).generation.name
        assert build_index(archive, index, engine="tantivy", rebuild=True).errors == []
        assert _engine(service).generation.name != first
        assert _engine(service).generation.name == service.store.current_name()
    finally:
        service.close()


# -- snippet windows: the character loops the regular expressions replaced -------------------


def _snap_start_loop(text: str, start: int, anchor: int) -> int:
    if start == 0 or text[start - 1].isspace():
        return start
    for i in range(start - 1, max(-1, start - snippets._SNAP - 1), -1):
        if text[i].isspace():
            return i + 1
    for i in range(start, anchor):
        if text[i].isspace():
            return i + 1
    return start


def _snap_end_loop(text: str, start: int, end: int, floor: int) -> int:
    if end >= len(text) or text[end].isspace() or text[end - 1].isspace():
        return end
    for i in range(end - 1, max(start, floor) - 1, -1):
        if text[i].isspace():
            return i if i > start else end
    return end


def _candidates_before(
    text: str, spans: list[tuple[int, int]], size: int
) -> list[snippets._Window]:
    starts = [s for s, _ in spans]
    step = max(1, -(-len(spans) // snippets._MAX_ANCHORS))
    windows = []
    for anchor_start, anchor_end in spans[::step]:
        start = max(0, anchor_start - size // 5)
        end = min(len(text), start + size)
        start = max(0, min(start, end - size))
        start = _snap_start_loop(text, start, anchor_start)
        end = _snap_end_loop(text, start, end, max(anchor_end, start + size // 2))
        first = bisect.bisect_left(starts, start)
        last = bisect.bisect_left(starts, end)
        inside = [(s, e) for s, e in spans[first:last] if e <= end]
        inside = inside or [(anchor_start, min(anchor_end, end))]
        words = frozenset([text[s:e].casefold() for s, e in inside])
        windows.append(snippets._Window(start, end, words, len(inside)))
    return windows


# every kind of whitespace str.isspace knows, beside letters, marks and punctuation
_CHARS = st.sampled_from(list("ab Éß.,-\t\n\r\x0b\x0c\x1c\x1d\x85\xa0\u1680\u2003\u2028\u3000x"))
_TEXTS = st.text(_CHARS, min_size=1, max_size=300)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS, data=st.data())
def test_snapping_is_what_the_loops_did(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    anchor = data.draw(st.integers(start, len(text)))
    assert snippets._snap_start(text, start, anchor) == _snap_start_loop(text, start, anchor)
    end = data.draw(st.integers(max(start, 1), len(text)))
    floor = data.draw(st.integers(0, len(text)))
    assert snippets._snap_end(text, start, end, floor) == _snap_end_loop(text, start, end, floor)


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS, data=st.data(), size=st.integers(20, 80))
def test_candidate_windows_are_what_they_were(text: str, data: st.DataObject, size: int) -> None:
    raw = data.draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(1, 6))))
    spans = snippets.clean_spans(text, [(s, s + n) for s, n in raw])
    got = snippets._candidates(text, spans, size)
    assert got == _candidates_before(text, spans, size)


def test_marked_html_escapes_with_or_without_markup() -> None:
    assert snippets.marked_html("a <b> & c", [(0, 1), (8, 9)]) == (
        "<mark>a</mark> &lt;b&gt; &amp; <mark>c</mark>"
    )
    assert snippets.marked_html("plain words", [(6, 11)]) == "plain <mark>words</mark>"
    assert snippets.marked_html('it\'s "q"', [(0, 4)]) == "<mark>it&#x27;s</mark> &quot;q&quot;"


# -- highlighting: substring searches in ASCII text find what the scanner finds ---------------

_FORMS = st.lists(st.text("abksiz19_", min_size=1, max_size=5), min_size=1, max_size=4)
_ASCII = st.text(st.sampled_from(list("abkKsSiIzZ19_ .,'-\n")), max_size=200)


@settings(max_examples=400, deadline=None)
@given(text=_ASCII, exact=_FORMS, prefixes=st.lists(st.text("abks", min_size=1, max_size=3)))
def test_ascii_candidates_are_the_scanners(
    text: str, exact: list[str], prefixes: list[str]
) -> None:
    matcher = highlight.TermMatcher.build(exact, prefixes)
    assert matcher.scanner is not None and matcher.ascii_heads is not None
    expected = highlight._scanned_words(text, matcher.scanner)
    found = highlight._ascii_words(text, matcher.ascii_heads)
    assert found is None or found == expected
    scanned = replace(matcher, ascii_heads=None)

    def analyse(word: str) -> list[str]:
        return [word.lower()[:4]]

    assert matcher.spans(text, analyse) == scanned.spans(text, analyse)


def test_ascii_search_is_left_to_the_scanner_when_it_cannot_answer() -> None:
    assert highlight.TermMatcher.build(["über"]).ascii_heads is None  # not ASCII
    assert highlight.TermMatcher.build(["o'neil"]).ascii_heads is None  # not word characters
    matcher = highlight.TermMatcher.build(["cafe"])
    assert matcher.ascii_heads == ("caf",)
    # an accented text goes through the scanner, whose letter variants match it
    assert matcher.spans("Un café, a cafe.", lambda w: ["cafe"]) == [(3, 7), (11, 15)]
    # heads met too often: the scanner's loop in C, not one in Python per occurrence
    crowded = "cafe " * (highlight.ASCII_FIND_LIMIT + 1)
    assert highlight._ascii_words(crowded, ("caf",)) is None
    assert len(matcher.spans(crowded, lambda w: ["cafe"])) == highlight.ASCII_FIND_LIMIT + 1
