"""``search.grouping``'s array functions against plain Python oracles, and the request
parameters of grouping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from search import grouping
from search.docvalues import DocValues, DocValuesBuilder
from search.errors import BadRequest
from search.request import build_request, to_params

pairs = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 4)), max_size=60)


@given(pairs)
def test_distinct_counts_counts_each_group_once_per_value(found: list[tuple[int, int]]) -> None:
    groups = np.asarray([g for g, _ in found], dtype=np.int32)
    values = np.asarray([v for _, v in found], dtype=np.int32)
    expected = [len({g for g, v in found if v == value}) for value in range(5)]
    assert grouping.distinct_counts(values, groups, 5).tolist() == expected


def _docvalues(keys: list[str | None], live: list[bool] | None = None) -> DocValues:
    builder = DocValuesBuilder(len(keys))
    for docnum, key in enumerate(keys):
        if live is None or live[docnum]:
            builder.add(docnum, {"lang": "en", "translation_key": key})
    return builder.build()


@given(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=30), st.data())
def test_first_of_each_and_count_groups(keys: list[str | None], data: st.DataObject) -> None:
    dv = _docvalues(keys)
    order = data.draw(st.permutations(list(range(len(keys)))))
    limit = data.draw(st.none() | st.integers(1, 10))
    seen: list[object] = []
    expected: list[int] = []
    for position, doc in enumerate(order):
        # an article without a key is a group of its own
        group = keys[doc] if keys[doc] is not None else ("own", doc)
        if group not in seen and (limit is None or len(expected) < limit):
            seen.append(group)
            expected.append(position)
    assert grouping.first_of_each(dv, order, limit) == expected
    everyone = np.ones(len(keys), dtype=np.bool_)
    distinct = len({k for k in keys if k is not None}) + keys.count(None)
    assert grouping.count_groups(dv, everyone) == distinct


def test_linked_reaches_the_live_members_only() -> None:
    dv = _docvalues(["a", "a", "b", None, "a"], live=[True, True, True, True, False])
    mask = np.asarray([True, False, False, False, False])
    assert grouping.linked(dv, mask).tolist() == [True, True, False, False, False]
    assert dv.translated == 1  # "a" has two live members; "b" and the keyless one, one


def test_grouping_parameters() -> None:
    req = build_request({"group": ["translations"], "lang_pref": ["de-CH, EN ,*,de"]})
    assert (req.group, req.lang_pref) == ("translations", ("de", "en"))
    assert build_request({name: [value] for name, value in to_params(req)}) == req
    assert build_request({}).group == "none"
    for bad in ({"group": ["all"]}, {"lang_pref": ["de,12"]}, {"lang_pref": ["x" * 401]}):
        with pytest.raises(BadRequest):
            build_request(bad)


def test_member_cache_reads_each_member_once_up_to_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[int] = []

    def read(docnum: int) -> dict[str, str]:
        reads.append(docnum)
        return {"id": f"a{docnum}", "lang": "de", "title": f"T{docnum}", "summary": "s"}

    monkeypatch.setattr(grouping.MemberCache, "LIMIT", 2)
    member = grouping.MemberCache().reader(read)
    assert [member(n) for n in (1, 2, 1, 3, 3, 2)] == [
        ("a1", "de", "T1"), ("a2", "de", "T2"), ("a1", "de", "T1"),
        ("a3", "de", "T3"), ("a3", "de", "T3"), ("a2", "de", "T2"),
    ]  # fmt: skip
    assert reads == [1, 2, 3, 3]  # the third member is over the limit: read every time
