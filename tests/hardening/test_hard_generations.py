"""Issue 12, finding 8: a stale index forever.

With the server running, the served generation is deleted and another archive
indexed into the same folder: the new build must get a name never used before,
and the workers must serve it (``/healthz`` names it). A generation replaced
under the same name (by hand) must be noticed too: readers compare the
generation's identity (name and the random id written at publication).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from search.service import SearchService
from search.store import CURRENT, IndexStore
from search.types import SearchRequest
from tests.hardening.conftest import build


def archive_with(root: Path, word: str, n: int = 3) -> Path:
    root.mkdir(parents=True)
    for i in range(n):
        (root / f"doc{i}.md").write_text(f"---\ntitle: Doc {i}\n---\nA text about {word}.\n")
    return root


def hits(service: SearchService, word: str) -> int:
    return service.search(SearchRequest(q=word)).total


def test_names_never_repeat_after_the_index_is_deleted(tmp_path: Path) -> None:
    index = tmp_path / "ix"
    first = build(archive_with(tmp_path / "a", "wombat"), index)
    shutil.rmtree(index)
    second = build(archive_with(tmp_path / "b", "platypus"), index)
    assert second != first


def test_a_generation_replaced_under_its_name_is_noticed(tmp_path: Path) -> None:
    index, other = tmp_path / "ix", tmp_path / "other"
    name = build(archive_with(tmp_path / "a", "wombat"), index)
    service = SearchService(index)
    try:
        assert hits(service, "wombat") == 3
        replacement = build(archive_with(tmp_path / "b", "platypus", 2), other)
        shutil.rmtree(index / "generations" / name)
        shutil.copytree(other / "generations" / replacement, index / "generations" / name)
        tmp = index / "CURRENT.tmp"
        tmp.write_text(name + "\n")
        tmp.replace(index / CURRENT)  # as a publication does: the same name, a new file
        assert hits(service, "platypus") == 2
        assert hits(service, "wombat") == 0
    finally:
        service.close()


def test_the_server_serves_the_new_index_after_the_served_one_is_deleted(
    tmp_path: Path, serve: Any
) -> None:
    index = tmp_path / "ix"
    first = build(archive_with(tmp_path / "a", "wombat"), index)
    server = serve(index)
    assert json.loads(server.get("/api/v1/search?q=wombat").body)["total"] == 3
    shutil.rmtree(IndexStore(index).generations_dir / first)
    second = build(archive_with(tmp_path / "b", "platypus", 2), index)
    deadline = time.monotonic() + 10
    for _ in range(2 * server.workers):  # every worker, whichever answers
        health = json.loads(server.get("/healthz").body)
        while health.get("generation") != second and time.monotonic() < deadline:
            time.sleep(0.1)
            health = json.loads(server.get("/healthz").body)
        assert (health["status"], health["generation"]) == ("ok", second)
        assert json.loads(server.get("/api/v1/search?q=platypus").body)["total"] == 2
        assert json.loads(server.get("/api/v1/search?q=wombat").body)["total"] == 0
