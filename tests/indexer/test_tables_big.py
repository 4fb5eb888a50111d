"""A 200 MB CSV archive indexes every row in bounded memory (slow tier)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PEAK_RSS_SCRIPT as PEAK

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ROWS = 10_000


def test_a_200_mb_csv_indexes_every_row_in_bounded_memory(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    table = archive / "news.csv"
    words = 'harbour river mountain, "quoted" valley\n' * 500  # ~21 KB with line breaks
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["article_id", "publish_date", "title", "text"])
        for row in range(ROWS):
            writer.writerow([f"n{row}", "2020-03-05", f"Story {row}", f"{row} {words}"])
    size_mb = table.stat().st_size / 1e6
    assert size_mb > 200
    command = ["index", str(archive), "--index", str(tmp_path / "ix"), "--json", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *command, "--engine", "tantivy"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "ARCHIVE_SEARCH_PARSE_WORKERS": "1"},
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    peak_mb = int(done.stderr.strip().splitlines()[-1])
    print(f"peak RSS indexing a {size_mb:.0f} MB CSV of {ROWS:,} rows: {peak_mb} MB")
    assert report["articles"] == ROWS
    # Tantivy's writer may use 256 MB; holding the rows would add the file's 200 MB twice
    # (text as read, then as article bodies)
    assert peak_mb < 500
