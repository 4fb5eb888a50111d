"""The million part reuses what an earlier run kept only when this code can read it, and
reports CPU time per search beside raw Tantivy's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import million
from bench.report import cpu_table
from indexer.build import build_index
from search.store import IndexStore


@pytest.fixture
def kept(tmp_path: Path) -> Path:
    """A folder as a finished run leaves it: our index and its build figures."""
    archive = tmp_path / "archive"
    archive.mkdir()
    for n in range(3):
        (archive / f"a{n}.md").write_text(f"---\ntitle: river {n}\n---\n\nbank {n}\n", "utf-8")
    index = tmp_path / "index-3-tantivy"
    assert build_index(archive, index, engine="tantivy").errors == []
    (tmp_path / "build-tantivy.json").write_text(json.dumps({"articles_per_s": 1.0}), "utf-8")
    return index


def _builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []

    def build(engine: str, source: Path, index_dir: Path, **_: Any) -> dict[str, Any]:
        built.append(engine)
        return {"articles_per_s": 2.0}

    monkeypatch.setattr(million, "build_in_child", build)
    return built


def test_a_kept_index_is_reused(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _builds(monkeypatch)
    figures = million.cached_build("tantivy", kept.parent / "archive", kept)
    assert figures == {"articles_per_s": 1.0, "reused": True}
    assert built == []


def test_a_kept_index_of_another_format_is_built_again(
    kept: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = IndexStore(kept).current().path / "meta.json"
    old = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps({**old, "format_version": old["format_version"] - 1}), "utf-8")
    built = _builds(monkeypatch)
    figures = million.cached_build("tantivy", kept.parent / "archive", kept)
    assert built == ["tantivy"] and figures == {"articles_per_s": 2.0}
    saved = json.loads((kept.parent / "build-tantivy.json").read_text(encoding="utf-8"))
    assert saved == figures


def _latency(cpu: float) -> dict[str, Any]:
    return {"cpu_median_ms": cpu, "cpu_p99_ms": cpu * 3}


def test_cpu_table_gives_each_mode_against_raw_tantivy() -> None:
    engines = {
        "tantivy": {"latency": {m: _latency(3.0) for m in ("top10", "facets", "snippets")}},
        "raw-tantivy": {"latency": {m: _latency(2.0) for m in ("top10", "facets", "snippets")}},
    }
    text = "\n".join(cpu_table(engines))
    assert "| ours, Tantivy | 3 (1.50×) | 9 | 3 (1.50×) | 9 |" in text
    assert "| raw Tantivy | 2 (1.00×) | 6 |" in text


def test_cpu_table_is_left_out_for_runs_without_cpu_time() -> None:
    engines = {"tantivy": {"latency": {m: {"median_ms": 1.0} for m in ("top10", "facets")}}}
    assert cpu_table(engines) == []
