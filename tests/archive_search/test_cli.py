"""``archive-search search``: results in the terminal, and the API's JSON for scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.build import build_index
from tests.conftest import DEMO_CORPUS

CLI = [sys.executable, "-m", "archive_search.cli"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("cli-index")
    build_index(DEMO_CORPUS, index)
    return index


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=False)


def test_search_prints_ranked_results_with_snippets(demo: Path) -> None:
    done = _run("search", "cluster bombs", "--index", str(demo))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("1 results for cluster bombs")
    assert "1. Israel's role in Nagorno-Karabakh" in done.stdout
    assert "cluster" in done.stdout.lower()


def test_search_json_is_the_api_response(demo: Path) -> None:
    done = _run("search", "karabakh", "--index", str(demo), "--json", "--sort", "oldest")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["total"] == 2
    assert {"hits", "facets", "suggestion", "query"} <= set(data)
    assert set(data["facets"]) == {"tag", "publication", "author", "lang", "year", "month"}
    assert data["hits"][0]["title"] == "Israel's role in Nagorno-Karabakh"  # the dated one first
    assert "<mark>" in data["hits"][0]["snippet"]


def test_search_filters_and_bad_parameters(demo: Path) -> None:
    done = _run(
        "search", "karabakh", "--index", str(demo), "--publication", "Eurasia Daily Monitor"
    )
    assert done.returncode == 0
    assert done.stdout.startswith("1 results")
    bad = _run("search", "karabakh", "--index", str(demo), "--per-page", "500")
    assert bad.returncode == 2
    assert "per_page" in bad.stderr
    bad_json = _run("search", "*x", "--index", str(demo), "--json")
    assert bad_json.returncode == 2
    assert json.loads(bad_json.stdout)["error"]["code"]


def test_search_without_an_index_says_so(tmp_path: Path) -> None:
    done = _run("search", "karabakh", "--index", str(tmp_path / "none"))
    assert done.returncode == 3
    assert "no index" in done.stderr
    assert "Traceback" not in done.stderr


def test_search_json_urls_are_those_the_api_writes(demo: Path) -> None:
    from web import create_app

    params = {"q": "karabakh", "sort": "oldest"}
    for public in ("", "https://example.org/archive"):
        env = {**os.environ, "ARCHIVE_SEARCH_PUBLIC_URL": public}
        done = subprocess.run([*CLI, "search", "karabakh", "--index", str(demo), "--json",
                               "--sort", "oldest"], capture_output=True, text=True, env=env,
                              check=True)  # fmt: skip
        cli_hits = json.loads(done.stdout)["hits"]
        app = create_app({"INDEX_DIR": str(demo), "PUBLIC_URL": public or None,
                          "RATELIMIT_ENABLED": False})  # fmt: skip
        api_hits = app.test_client().get("/api/v1/search", query_string=params).get_json()["hits"]
        assert [(h["url"], h["api_url"]) for h in cli_hits] == [
            (h["url"], h["api_url"]) for h in api_hits
        ]
        assert cli_hits[0]["url"].startswith(public + "/articles/")


def test_search_groups_translations(tmp_path: Path) -> None:
    from tests.contract.archive import write_archive
    from tests.contract.grouping_archive import grouping_files

    index = tmp_path / "index"
    build_index(write_archive(tmp_path / "archive", grouping_files()), index)
    done = _run("search", "karabakh", "--index", str(index), "--group", "translations",
                "--lang-pref", "ru")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("4 translation groups (8 articles) for karabakh")
    assert (
        "ru/news/summit.md" in done.stdout
        and "en/news/summit.md" not in done.stdout.split("also in")[0]
    )
    assert "also in: de de/news/summit.md · en en/news/summit.md · fr fr/news/summit.md" in (
        done.stdout
    )
