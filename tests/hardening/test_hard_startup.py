"""A real gunicorn started on a missing or corrupt index answers 503, then recovers by itself.

No body may carry a stack trace; the health check names the reason; once a
good ``archive-search index`` run has published a generation, the same server
(no restart) answers 200 from every worker.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.hardening.conftest import (
    MARKER,
    Run,
    Server,
    assert_no_trace,
    build,
    error_of,
    marked,
    run_index,
)


def _missing(index: Path) -> None:
    shutil.rmtree(index)


def _generation(index: Path) -> Path:
    return index / "generations" / (index / "CURRENT").read_text().strip()


def _garbage(index: Path) -> None:
    for path in _generation(index).iterdir():
        if path.name.endswith((".seg", ".toc")):
            path.write_bytes(os.urandom(path.stat().st_size or 64))


def _truncated_meta(index: Path) -> None:
    meta = _generation(index) / "meta.json"
    meta.write_bytes(meta.read_bytes()[:25])


def _dangling_current(index: Path) -> None:
    (index / "CURRENT").write_text("gen-000099\n")


def _nonsense_current(index: Path) -> None:
    (index / "CURRENT").write_text("../../etc\n")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "missing": _missing,
    "garbage": _garbage,
    "truncated-meta": _truncated_meta,
    "dangling-current": _dangling_current,
    "nonsense-current": _nonsense_current,
}


def _check_unavailable(server: Server, name: str) -> None:
    health = server.get("/healthz")
    assert health.status == 503, (name, health.body[:300])
    body = health.json()
    assert body["status"] == "unavailable" and body["error"]["code"].startswith("index_"), name
    assert body["error"]["message"], name
    assert_no_trace(health)
    for target in (f"/api/v1/search?q={MARKER}", "/api/v1/facets", "/api/v1/articles/a0/doc0001"):
        error_of(server.get(target), 503)
    for target in (f"/?q={MARKER}", "/", "/articles/a0/doc0001"):
        page = server.get(target)
        assert page.status == 503 and page.headers["content-type"].startswith("text/html"), name
        assert "Search is unavailable right now" in page.text
        assert_no_trace(page)


def _check_recovered(server: Server, name: str, expected: int) -> None:
    for _ in range(12):  # both workers, whichever accepts
        reply = server.get(f"/api/v1/search?q={MARKER}&facets=0")
        assert reply.status == 200, (name, reply.body[:300])
        assert reply.json()["total"] == expected
    assert server.get("/healthz").status == 200


def test_bad_index_at_start_then_recovery(
    small_index: tuple[Path, Path], tmp_path: Path, serve: Any
) -> None:
    archive, good = small_index
    servers: dict[str, Server] = {}
    for name, damage in DAMAGE.items():
        index = tmp_path / name
        shutil.copytree(good, index)
        damage(index)
        # two workers where it matters most (each must recover on its own), one elsewhere
        servers[name] = Server(index, workers=2 if name == "missing" else 1, env={})
    starting = [threading.Thread(target=s.start) for s in servers.values()]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    try:
        for name, server in servers.items():
            _check_unavailable(server, name)
        runs = {}

        def repair(name: str, server: Server) -> None:
            rebuild = ("--rebuild",) if name not in {"missing", "dangling-current"} else ()
            runs[name] = run_index(archive, server.index, *rebuild)

        # the real CLI for two of them; the same build in-process for the rest (faster)
        for name in ("truncated-meta", "dangling-current", "nonsense-current"):
            build(archive, servers[name].index, rebuild=name != "dangling-current")
            runs[name] = Run(0, "", "")
        cli_repairs = [(name, servers[name]) for name in ("missing", "garbage")]
        repairs = [threading.Thread(target=repair, args=item) for item in cli_repairs]
        for thread in repairs:
            thread.start()
        for thread in repairs:
            thread.join()
        for name, server in servers.items():
            assert runs[name].code == 0, (name, runs[name].stderr)
            _check_recovered(server, name, marked(0, 40))
    finally:
        for server in servers.values():
            server.stop()


def test_updating_a_damaged_index_says_rebuild(fresh_index: tuple[Path, Path]) -> None:
    """An update reads the served generation; damaged files are named, not a traceback."""
    archive, index = fresh_index
    _garbage(index)
    (archive / "a0" / "doc0003.md").write_text("---\ntitle: New\n---\nnew text\n")
    run = run_index(archive, index)
    assert run.code == 3 and "--rebuild" in run.stderr and "Traceback" not in run.stderr
    _truncated_meta(index)
    run = run_index(archive, index)
    assert run.code == 3 and "--rebuild" in run.stderr and "Traceback" not in run.stderr
    (index / "CURRENT").write_text("nonsense\n")
    run = run_index(archive, index)
    assert run.code == 3 and "--rebuild" in run.stderr and "Traceback" not in run.stderr
    assert run_index(archive, index, "--rebuild").code == 0
