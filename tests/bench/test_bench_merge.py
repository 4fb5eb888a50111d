"""``python -m bench --merge``: re-running some parts keeps the others, each with its run."""

from __future__ import annotations

import json
from pathlib import Path

from bench.__main__ import merged
from bench.report import render


def _machine(date: str) -> dict[str, object]:
    return {
        "date": date,
        "cores": 2,
        "python": "3.11",
        "platform": "Linux",
        "load_average_at_start": [1.0],
        "note": "noisy",
        "load_average_at_end": [1.0],
    }


HTTP = {
    "tantivy": {
        "workers": 2,
        "clients": 8,
        "generator": "wrk",
        "seconds": 20,
        "requests_per_s": 512.5,
        "requests": 10250,
        "median_ms": 14.0,
        "p99_ms": 40.0,
        "errors": 0,
    }
}


def test_merge_keeps_old_parts_and_replaces_the_new(tmp_path: Path) -> None:
    old_http = {"tantivy": {**HTTP["tantivy"], "requests_per_s": 83.4}}
    previous = {"machine": _machine("day-1"), "http": old_http, "scaled": {"x": 1}, "skipped": {}}
    (tmp_path / "latest.json").write_text(json.dumps(previous), encoding="utf-8")
    new = {"machine": _machine("day-2"), "http": HTTP, "skipped": {}, "total_seconds": 3.0}
    out = merged(tmp_path / "latest.json", new, ["http"])
    assert out["http"]["tantivy"]["requests_per_s"] == 512.5
    assert out["scaled"] == {"x": 1}
    assert out["runs"]["scaled"]["date"] == "day-1"
    assert out["runs"]["http"]["date"] == "day-2"
    text = render({k: v for k, v in out.items() if k != "scaled"})  # a real part's shape
    assert "Parts measured in separate runs" in text
    assert text.index("Run day-2") < text.index("512.5")


def test_merge_without_previous_file_is_the_new_run(tmp_path: Path) -> None:
    new = {"machine": _machine("day-2"), "http": HTTP, "skipped": {}, "total_seconds": 3.0}
    out = merged(tmp_path / "latest.json", new, ["http"])
    assert out["http"] == HTTP
    assert "Parts measured in separate runs" not in render(out)
