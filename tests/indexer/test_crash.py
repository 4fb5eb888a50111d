"""kill -9 of the indexer at random moments never leaves a broken or half-updated index.

Each round runs a real ``archive-search index`` process towards the other of
two archive states and kills it after a random delay drawn over the length of
a whole run (so adds, commit, merge, fsync and publish are all hit). The index
must then open and hold exactly the old or exactly the new set of articles,
and the next run must complete. A handful of rounds run every time; the slow
tier runs a hundred.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.service import SearchService
from search.types import SearchRequest

WORDS = [
    "harbour",
    "river",
    "mountain",
    "desert",
    "forest",
    "valley",
    "island",
    "bridge",
    "tower",
    "market",
    "garden",
]


def _archive(root: Path, numbers: range, changed: range = range(0)) -> Path:
    rng = random.Random(7)
    for n in numbers:
        words = " ".join(rng.choice(WORDS) for _ in range(400))
        marker = " revised" if n in changed else ""
        date = f"2020-01-{1 + n % 28:02d}"
        text = f"---\ntitle: Article {n}{marker}\ndate: {date}\n---\n{words}{marker}\n"
        (root / f"doc{n:03d}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / f"doc{n:03d}.md").write_text(text, encoding="utf-8")
    return root


def _state(index: Path) -> tuple[frozenset[str], int]:
    """The ids in the served index and how many are revised, read by a fresh reader."""
    service = SearchService(index)
    try:
        ids: set[str] = set()
        page = 1
        while True:
            result = service.search(
                SearchRequest(page=page, per_page=50, snippets=False, facets=False)
            )
            ids.update(hit.id for hit in result.hits)
            if page >= result.pages:
                break
            page += 1
        revised = service.search(SearchRequest(q="revised", snippets=False, facets=False)).total
        return frozenset(ids), revised
    finally:
        service.close()


def _index_command(archive: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "archive_search.cli", "index", str(archive),
            "--index", str(index), "--quiet"]  # fmt: skip


def _crash_rounds(tmp_path: Path, rounds: int) -> None:
    old = _archive(tmp_path / "old", range(0, 200))
    new = _archive(tmp_path / "new", range(100, 300), changed=range(100, 150))
    index = tmp_path / "ix"
    subprocess.run(_index_command(old, index), check=True, capture_output=True)
    states = {old: _state(index)}
    started = time.perf_counter()
    subprocess.run(_index_command(new, index), check=True, capture_output=True)
    duration = time.perf_counter() - started
    states[new] = _state(index)
    assert states[old] != states[new] and states[new][1] == 50
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261123")))
    target = old
    for round_ in range(rounds):
        before = _state(index)
        process = subprocess.Popen(_index_command(target, index), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.0, duration * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = _state(index)
        assert after in (before, states[target]), f"round {round_}: a mix of two generations"
        subprocess.run(_index_command(target, index), check=True, capture_output=True)
        assert _state(index) == states[target], f"round {round_}: the next run did not complete"
        target = new if target == old else old
    leftovers = [p.name for p in (index / "generations").iterdir() if ".partial-" in p.name]
    assert leftovers == []


def test_kill_9_a_handful_of_times(tmp_path: Path) -> None:
    _crash_rounds(tmp_path, rounds=4)


@pytest.mark.slow
def test_kill_9_a_hundred_times(tmp_path: Path) -> None:
    _crash_rounds(tmp_path, rounds=100)
