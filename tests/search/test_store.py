"""Generations: atomic publication, the write lock, garbage collection, format checks."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import time
from pathlib import Path

import pytest

from search.errors import IndexFormatError, IndexLocked, IndexMissing
from search.store import CURRENT, IndexStore


def _number(name: str) -> int:
    return int(name.split("-")[1])


def _publish(store: IndexStore, marker: str) -> str:
    with store.write_lock():
        base = None if store.current_name() is None else store.current()
        partial = store.start_generation(base)
        (partial / "data.txt").write_text(marker)
        return store.publish(partial, {"engine": "test", "format_version": 0}).name


def test_publish_makes_generation_current(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    first = _publish(store, "one")
    assert store.current().name == first
    assert re.fullmatch(r"gen-\d{17}", first)  # the UTC time to the millisecond
    second = _publish(store, "two")
    assert _number(second) > _number(first)
    assert (store.current().path / "data.txt").read_text() == "two"
    assert store.current().meta["generation"] == second
    assert (tmp_path / "ix" / CURRENT).read_text().strip() == second


def test_missing_index_and_garbage_current(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing):
        IndexStore(tmp_path / "nothing").current()
    root = tmp_path / "ix"
    root.mkdir()
    with pytest.raises(IndexMissing):
        IndexStore(root).current()
    (root / CURRENT).write_text("../../etc\n")
    with pytest.raises(IndexFormatError):
        IndexStore(root).current()


def test_corrupt_meta_is_a_format_error(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    name = _publish(store, "x")
    (store.generations_dir / name / "meta.json").write_text("{not json")
    with pytest.raises(IndexFormatError):
        store.current()


def _hold_lock(
    root: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event
) -> None:
    with IndexStore(Path(root)).write_lock():
        ready.set()
        done.wait(10)


def test_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path / "ix"), ready, done))
    holder.start()
    try:
        assert ready.wait(10)
        with (
            pytest.raises(IndexLocked, match=rf"pid {holder.pid}"),
            IndexStore(tmp_path / "ix").write_lock(),
        ):
            pass
    finally:
        done.set()
        holder.join(10)
    with IndexStore(tmp_path / "ix").write_lock():  # released once the holder is gone
        pass


def test_partial_generations_are_never_current_and_are_cleaned(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    first = _publish(store, "one")
    with store.write_lock():
        partial = store.start_generation(store.current())
        assert ".partial-" in partial.name
        assert (partial / "data.txt").read_text() == "one"  # seeded from the base
    assert store.current().name == first
    second = _publish(store, "two")
    assert not partial.exists()
    assert store.current().name == second != first


def test_garbage_collection_keeps_recent_and_current(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "ix")
    names = [_publish(store, marker) for marker in "abcd"]
    store.collect_garbage(grace=3600)
    assert len(list(store.generations_dir.iterdir())) == 4  # all inside the grace period
    old = time.time() - 7200
    for gen in store.generations_dir.iterdir():
        os.utime(gen / "meta.json", (old, old))
    store.collect_garbage(grace=3600, keep=2)
    assert sorted(p.name for p in store.generations_dir.iterdir()) == names[2:]
    assert json.loads((store.current().path / "meta.json").read_text())["generation"] == names[3]
