"""The fast Whoosh build writes exactly what plain Whoosh writes.

``FastText`` (fused analysis), ``FastW3Codec`` (bulk posting lists) and
``GroupedPool`` (postings grouped by term) replace Whoosh's per-token and
per-posting code on the write path only. Each is compared with the Whoosh code
it replaces: the same postings for every analyser on awkward inline text and
on real articles in four languages, the same sorted postings from the pool,
and, for whole builds and updates, the same bytes in every segment file but
the posting and term files, whose blocks are pickled with a newer protocol
(``BlockWriter``): there Whoosh's reader reads the same postings, blocks and
term statistics.
"""

from __future__ import annotations

import datetime as dt
import itertools
import pickle
import random
import re
import tracemalloc
import zlib
from array import array
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields, index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.writing import PostingPool

from search.analysis import EXACT, STEM
from search.article import Article
from search.whoosh_engine.fastcodec import BLOCK_PROTOCOL, GroupedPool
from search.whoosh_engine.fastindex import FastText, FusedAnalysis, fast_schema
from search.whoosh_engine.schema import (
    ANALYSER_LANGS,
    SPELL_FIELD,
    analyser,
    body_field,
    build_schema,
    title_field,
)
from search.whoosh_engine.writer import INDEX_NAME, LIMIT_MB, WhooshWriter, to_document

AWKWARD = [
    "",
    "the of and",  # stop words only
    "The war of the Roses: WARS, wars; war.",
    "a b c 1 2 3 x y",  # one-character tokens are stopped where a stop filter exists
    "3.14 e.g. U.S.A. node.js foo..bar end.",
    "snake_case CamelCase ÉTATS-UNIS Straße STRASSE İstanbul ǅemal",
    "Кремль заявил, что войны не будет; Войны! войн",
    "Die Kriege der Zukunft werden nicht mit Panzern geführt, sondern im Netz.",
    "Les élections présidentielles françaises: l'économie d'abord",
    "la guerra y la paz — los países, las naciones",
    "١٢٣ 中文字符 日本語 ﬁnance ﬀ Ⅻ ²³",
    "word " * 40 + "the " * 5 + "word",  # a long posting list for one term
]


def _text_fields(schema: fields.Schema) -> list[str]:
    return [name for name, field in schema.items() if isinstance(field, FastText)]


def test_every_analysed_text_field_is_fused() -> None:
    names = set(_text_fields(fast_schema(build_schema())))
    expected = {title_field(kind) for kind in (EXACT, STEM)}
    expected |= {body_field(kind) for kind in (EXACT, STEM)} | {SPELL_FIELD, "author"}
    assert names == expected


@pytest.mark.parametrize("text", AWKWARD)
def test_fused_postings_equal_whoosh_postings(text: str) -> None:
    plain = build_schema()
    fast = fast_schema(plain)
    for name in _text_fields(fast):
        assert list(fast[name].index(text)) == list(plain[name].index(text)), (name, text)


def test_fused_terms_equal_the_query_time_analyser() -> None:
    """The same token texts and positions as Whoosh's chain called the way queries call it."""
    for lang, text in itertools.product(ANALYSER_LANGS, AWKWARD):
        tokens = [(t.text, t.pos) for t in analyser(lang)(text, mode="query", positions=True)]
        kept, first = FusedAnalysis(analyser(lang)).terms(text)
        assert [(term, pos) for pos, term in enumerate(kept, first)] == tokens, (lang, text)


def test_the_saved_schema_is_plain_whoosh(tmp_path: Path) -> None:
    writer = WhooshWriter(tmp_path)
    writer.add([_article("a", "en", "Peace talks", "The talks went on.")])
    writer.commit()
    saved = index.open_dir(str(tmp_path), indexname=INDEX_NAME).schema
    for name, field in build_schema().items():
        assert type(saved[name]) is type(field), name
        if isinstance(field, fields.TEXT):
            assert saved[name].analyzer == field.analyzer, name
            assert saved[name].format.field_boost == field.format.field_boost, name


def test_grouped_pool_yields_whoosh_sorted_order(tmp_path: Path) -> None:
    rng = random.Random(7)
    words = [w.encode() for w in ("war", "peace", "krieg", "мир", "a", "zz", "war2")]
    items = []
    for docnum in range(400):
        for field in ("body_en", "spell", "author"):
            for word in rng.sample(words, 3):
                items.append((field, word, docnum, float(rng.randint(1, 3)), bytes([docnum % 7])))
    pool = GroupedPool(tmp_path, limitmb=0)  # every posting goes to a run: merging is tested
    pool.limit = 2_000
    for item in items:
        pool.add(item)
    assert len(pool.runs) > 5
    assert list(pool.iter_postings()) == sorted(items)
    pool.cleanup()
    assert not list(tmp_path.iterdir())


def test_merging_runs_holds_one_group_at_a_time(tmp_path: Path) -> None:
    """Reading a run back keeps only the group being merged: the postings read before
    are freed (one unpickler for a whole run kept all of them in its memo)."""
    pool = GroupedPool(tmp_path, limitmb=0)
    pool.limit = 1_000_000
    for docnum in range(40):
        for term in range(2_000):
            pool.add(("body_en", b"t%05d" % term, docnum, 1.0, b"v%d.%d" % (docnum, term)))
    assert len(pool.runs) >= 5
    tracemalloc.start()
    try:
        groups = pool.sorted_groups()
        first = next(groups)
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        count = 1 + sum(1 for _ in groups)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 2_000 and len(first[1]) == 3 * 40
    # 80,000 postings were read back; holding them all would take several megabytes
    assert peak - base < 1_000_000, peak - base
    pool.cleanup()


def test_grouped_pool_refuses_postings_out_of_document_order(tmp_path: Path) -> None:
    pool = GroupedPool(tmp_path, limitmb=1)
    pool.add(("body_en", b"war", 5, 1.0, b""))
    with pytest.raises(ValueError, match="out of document order"):
        pool.add(("body_en", b"war", 3, 1.0, b""))


def test_whoosh_posting_pool_is_what_the_grouped_pool_replaces(tmp_path: Path) -> None:
    """Whoosh's own pool sorts whole posting tuples: the order the grouped pool reproduces."""
    plain = PostingPool(None, None, limitmb=1)
    items = [("b", b"x", 2, 1.0, b""), ("a", b"y", 1, 1.0, b""), ("a", b"x", 3, 1.0, b"")]
    for item in items:
        plain.add(item)
    assert list(plain.iter_postings()) == sorted(items)


# ---------------------------------------------------------------- whole builds


def _article(id_: str, lang: str, title: str, body: str, **extra: Any) -> Article:
    return Article(id=id_, path=f"{id_}.md", title=title, body=body, source=body, lang=lang,
                   **extra)  # fmt: skip


def _inline_articles() -> list[Article]:
    """Articles in five languages; "common" is in all of them, so its posting lists span
    several of Whoosh's 128-posting blocks."""
    articles = []
    for n, (_, lang, text) in enumerate(
        itertools.product(range(5), ("en", "de", "ru", "xx", "fr"), AWKWARD)
    ):
        articles.append(
            _article(
                f"a{n}",
                lang,
                text[:30] or "untitled",
                (text + " ") * (n % 4 + 1) + f"common words {n % 17}",
                tags=("State", "war") if n % 3 else (),
                publication="Sisihagen" if n % 2 else None,
                authors=("Silvio Siefke",) if n % 5 == 0 else (),
                date=dt.date(2020, n % 12 + 1, 1) if n % 4 else None,
                translation_key=f"k{n % 6}",
            )
        )
    return articles


def _plain_build(directory: Path, articles: list[Article], delete: tuple[str, ...] = ()) -> None:
    if index.exists_in(str(directory), indexname=INDEX_NAME):
        ix = index.open_dir(str(directory), indexname=INDEX_NAME)
    else:
        ix = index.create_in(str(directory), build_schema(), indexname=INDEX_NAME)
    writer = ix.writer(limitmb=LIMIT_MB)
    for article_id in delete:
        writer.delete_by_term("id", article_id)
    for article in articles:
        writer.add_document(**to_document(article))
    writer.commit()


def _fast_build(directory: Path, articles: list[Article], delete: tuple[str, ...] = ()) -> None:
    writer = WhooshWriter(directory)
    writer.delete(delete)
    writer.add(articles)
    writer.commit()


def _segment_files(directory: Path) -> list[tuple[int, list[str], dict[str, bytes]]]:
    """Per segment: its document count, deleted documents, and its files' bytes by suffix."""
    ix = index.open_dir(str(directory), indexname=INDEX_NAME)
    found = []
    for segment in ix._segments():
        files: dict[str, bytes] = {}
        storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
        for name in storage.list():
            if segment.segid in name:
                handle = storage.open_file(name)
                files[re.sub(r"^.*?" + segment.segid, "", name)] = bytes(
                    handle.read(storage.file_length(name))
                )
                handle.close()
        found.append((segment.doc_count_all(), sorted(segment.deleted_docs()), files))
    return found


POSTING_FILES = {".pst", ".trm"}
"""The files whose bytes differ from plain Whoosh's: posting blocks and the term infos
pointing into them."""


def _assert_same_index(plain: Path, fast: Path) -> None:
    expected, got = _segment_files(plain), _segment_files(fast)
    assert [(n, d, sorted(f)) for n, d, f in got] == [(n, d, sorted(f)) for n, d, f in expected]
    for (_, _, want), (_, _, have) in zip(expected, got, strict=True):
        assert want.keys() >= POSTING_FILES
        for suffix, data in want.items():
            if suffix not in POSTING_FILES:
                assert have[suffix] == data, suffix
    assert _postings(fast) == _postings(plain)


def _postings(directory: Path) -> list[dict[tuple[str, bytes], Any]]:
    """Per segment, as Whoosh's reader reads them: each term's statistics, and its
    postings (id, weight, value) block by block with each block's statistics."""
    ix = index.open_dir(str(directory), indexname=INDEX_NAME)
    found = []
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            terms: dict[tuple[str, bytes], Any] = {}
            for fieldname, text in leaf.all_terms():
                info = leaf.term_info(fieldname, text)
                stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                         info.max_weight(), info.min_id(), info.max_id())  # fmt: skip
                # the segment's own postings, deleted documents included
                matcher = leaf._terms.matcher(fieldname, text, leaf.schema[fieldname].format)
                blocks = []
                while matcher.is_active():
                    block = (matcher.block_max_id(), matcher.block_max_weight(),
                             matcher.block_min_length(), matcher.block_max_length())  # fmt: skip
                    postings = []
                    while True:
                        postings.append((matcher.id(), matcher.weight(), matcher.value()))
                        if matcher.next():  # moved to the next block
                            break
                        if not matcher.is_active():
                            break
                    blocks.append((block, postings))
                terms[(fieldname, text)] = (stats, blocks)
            found.append(terms)
    return found


def test_posting_blocks_hold_arrays_pickled_with_the_newer_protocol(tmp_path: Path) -> None:
    _fast_build(tmp_path, _inline_articles())
    ix = index.open_dir(str(tmp_path), indexname=INDEX_NAME)
    with ix.reader() as reader:
        leaf = next(r for r, _ in reader.leaf_readers())
        matcher = leaf._terms.matcher(
            body_field(EXACT), b"common", leaf.schema[body_field(EXACT)].format
        )
        assert isinstance(matcher, W3LeafMatcher)  # several blocks
        raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        data = zlib.decompress(raw)
        assert data[:2] == pickle.PROTO + bytes([BLOCK_PROTOCOL])
        assert b"_codecs" not in data  # protocol 2 rebuilt each value by a call
        ids, weights, values = pickle.loads(data)
        assert isinstance(ids, array) and ids.typecode == "I"  # one object, not one per id
        assert weights is None or isinstance(weights, float | array)
        assert isinstance(values, tuple) and all(isinstance(v, bytes) for v in values)


def test_build_and_update_write_what_plain_whoosh_writes(tmp_path: Path) -> None:
    articles = _inline_articles()
    plain, fast = tmp_path / "plain", tmp_path / "fast"
    plain.mkdir()
    fast.mkdir()
    _plain_build(plain, articles[:200])
    _fast_build(fast, articles[:200])
    _assert_same_index(plain, fast)
    # an update: deletions, changed and new articles, and Whoosh's merge of small segments
    deleted = ("a3", "a10", "a11")
    changed = [_article("a10", "en", "Changed", "the war changed everything")]
    _plain_build(plain, changed + articles[200:], deleted)
    _fast_build(fast, changed + articles[200:], deleted)
    _assert_same_index(plain, fast)


@pytest.mark.corpus
@pytest.mark.slow
def test_real_articles_in_four_languages(sisihagen: Path, tmp_path: Path) -> None:
    """Real posts (de, en, fr, ru): identical postings per field and an identical index."""
    from bench.archive import load_records

    records, _, _ = load_records(sisihagen)
    by_lang = {
        lang: [r for r in records if r.lang == lang][:25] for lang in ("de", "en", "fr", "ru")
    }
    chosen = [article for found in by_lang.values() for article in found]
    assert {a.lang for a in chosen} == {"de", "en", "fr", "ru"}
    plain_schema = build_schema()
    fast = fast_schema(plain_schema)
    for article in chosen:
        doc = to_document(article)
        for name in _text_fields(fast):
            if name in doc:
                assert list(fast[name].index(doc[name])) == list(
                    plain_schema[name].index(doc[name])
                )
    plain, built = tmp_path / "plain", tmp_path / "fast"
    plain.mkdir()
    built.mkdir()
    _plain_build(plain, chosen)
    _fast_build(built, chosen)
    _assert_same_index(plain, built)
