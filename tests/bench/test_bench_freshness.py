"""The freshness and tail parts of ``python -m bench``: figures for both engines and raw
Tantivy, in the report, on archives and indexes kept for a later run and never written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import kept as kept_files
from search.store import IndexStore


@pytest.mark.slow
@pytest.mark.corpus
def test_freshness_and_tail_run_on_kept_indexes_and_leave_them_as_built(
    news20: Path, tmp_path: Path
) -> None:
    from bench.__main__ import QUICK_ARTICLES, QUICK_ROUNDS, main

    kept, out = tmp_path / "kept", tmp_path / "out"
    args = ["--quick", "--only", "freshness,tail", "--kept-dir", str(kept), "--output", str(out)]
    assert main(args) == 0
    results = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    size = results["freshness"]["sizes"][str(QUICK_ARTICLES)]
    for engine in ("whoosh", "tantivy", "raw_tantivy"):
        assert size[engine]["rounds"] == QUICK_ROUNDS
        assert 0 < size[engine]["median_ms"] <= size[engine]["max_ms"]
    assert len(size["tantivy"]["publish_ms"]) == QUICK_ROUNDS
    for engine in ("whoosh", "tantivy"):
        assert results["tail"][engine]["after"]["n"] > 0
    assert results["tail"]["raw_tantivy"]["n"] > 0
    report = (out / "latest.md").read_text(encoding="utf-8")
    assert "## Freshness" in report and "## Tail" in report and "raw Tantivy" in report

    # the kept archive and indexes are as built: the rounds' articles went to copies
    archive = kept / f"archive-{QUICK_ARTICLES}"
    assert not (archive / "fresh").exists()
    for engine in ("whoosh", "tantivy"):
        index = kept_files.index(kept, QUICK_ARTICLES, engine)
        assert IndexStore(index).current().meta["articles"] == QUICK_ARTICLES
    built = {p.name: p.stat().st_mtime_ns for p in kept.glob("build-*.json")}
    assert len(built) == 3
    kept_files.index(kept, QUICK_ARTICLES, "whoosh")  # reused, not built again
    assert {p.name: p.stat().st_mtime_ns for p in kept.glob("build-*.json")} == built


def test_the_tail_report_shows_the_engines_run() -> None:
    """``--engines whoosh``: the tail part runs Whoosh and raw Tantivy only, and says so."""
    from bench import tail

    figures = {"median_ms": 1.0, "p99_ms": 2.0, "cpu_median_ms": 1.0, "cpu_p99_ms": 2.0,
               "gc_full_passes": 0, "gc_full_ms_max": 0.0, "n": 3}  # fmt: skip
    found = {"articles": 10, "queries": 3, "raw_tantivy": figures,
             "whoosh": {"before": figures, "after": figures}}  # fmt: skip
    text = "\n".join(tail.report(found))
    assert "ours, Whoosh, after" in text and "raw Tantivy" in text
    assert "ours, Tantivy" not in text
