"""The CLI with a database: ``index --engine postgres --database URL`` writes it, ``search
--database URL`` (or ``ARCHIVE_SEARCH_DATABASE_URL``) reads the generation the database
publishes, without the index directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.contract.archive import archive_files, write_archive
from tests.pgserver import new_database


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive_search.cli", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_index_and_search_through_the_database(pg_admin: str, tmp_path: Path) -> None:
    url = new_database(pg_admin)
    source = write_archive(tmp_path / "archive", archive_files())
    index = tmp_path / "index"
    made = cli("index", str(source), "--index", str(index), "--engine", "postgres",
               "--database", url, "--json", "--quiet")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["engine"] == "postgres"
    elsewhere = tmp_path / "no-such-index"  # a server that never saw the indexer's folder
    found = cli("search", "zebra", "--index", str(elsewhere), "--database", url, "--json")
    assert found.returncode == 0, found.stderr
    body = json.loads(found.stdout)
    assert [hit["id"] for hit in body["hits"]] == ["en/notes/zebra.txt"]
    by_env = cli("search", "ferries", "--index", str(elsewhere), "--json",
                 env={"ARCHIVE_SEARCH_DATABASE_URL": url})  # fmt: skip
    assert [hit["id"] for hit in json.loads(by_env.stdout)["hits"]] == [
        "en/blog/2019/05/harbour.md"
    ]


def test_the_postgres_engine_without_a_database_says_how_to_name_one(tmp_path: Path) -> None:
    source = write_archive(tmp_path / "archive", archive_files())
    made = cli("index", str(source), "--index", str(tmp_path / "index"), "--engine", "postgres",
               "--quiet", env={"ARCHIVE_SEARCH_DATABASE_URL": ""})  # fmt: skip
    assert made.returncode != 0
    assert "--database" in made.stderr and "Traceback" not in made.stderr
