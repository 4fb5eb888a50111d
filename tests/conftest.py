"""Shared fixtures: where the real corpora are, and whether their absence is a failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from indexer.build import BuildReport

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
DEMO_CORPUS = ROOT / "corpus"
IN_CI = os.environ.get("CI", "").lower() == "true"
NEEDS_DATABASE = frozenset({"postgres"})
"""Engines that keep their index in a database server, started by ``pg_admin``."""


def corpus_path(name: str) -> Path:
    """The path of a shared corpus; skips the test locally when it is absent, fails under CI."""
    path = CORPORA / name
    if not path.is_dir():
        message = f"corpus {path} is absent"
        if IN_CI:
            pytest.fail(f"{message}: CI must have ../shared/corpora")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def sisihagen() -> Path:
    return corpus_path("sisihagen")


@pytest.fixture(scope="session")
def bbc() -> Path:
    return corpus_path("bbc")


@pytest.fixture(scope="session")
def news20() -> Path:
    return corpus_path("20news")


@pytest.fixture(scope="session")
def relevance() -> Path:
    return corpus_path("relevance")


@dataclass(frozen=True)
class BuiltIndex:
    path: Path
    report: BuildReport


def build_corpus_index(source: Path, target: Path) -> BuiltIndex:
    from indexer.build import build_index

    return BuiltIndex(target, build_index(source, target, rebuild=True))


@pytest.fixture(scope="session")
def sisihagen_built(sisihagen: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltIndex:
    """One real index of the four-language blog, shared by every test that needs it."""
    return build_corpus_index(sisihagen, tmp_path_factory.mktemp("sisihagen-index"))


@pytest.fixture(scope="session")
def sisihagen_index(sisihagen_built: BuiltIndex) -> Path:
    return sisihagen_built.path


PEAK_RSS_SCRIPT = """
import re, sys
from archive_search.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    print(int(re.search(r"VmHWM:\\s+(\\d+)", status.read())[1]) // 1024, file=sys.stderr)
sys.exit(code)
"""
"""Runs the CLI with the given arguments and prints its peak resident memory in MB on the
last line of standard error. The peak is VmHWM, which belongs to the process's own memory
map: ``ru_maxrss`` survives ``exec`` and so counts the parent's memory at the fork (a
pytest process hundreds of MB large late in the suite)."""


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[str | None]:
    """The admin URL of a PostgreSQL server for the session, or None when none can run here."""
    from tests.pgserver import server

    with server() as url:
        if url is None and IN_CI:
            pytest.fail("CI must be able to start PostgreSQL (initdb, pg_ctl)")
        yield url


@pytest.fixture(scope="session")
def pg_url(pg_admin: str | None) -> Iterator[str | None]:
    """A database of its own for the session's PostgreSQL indexes, named for the process."""
    if pg_admin is None:
        yield None
        return
    from search.postgres_engine import database
    from tests.pgserver import new_database

    url = new_database(pg_admin)
    database.use([url])
    yield url
    database.use(None)
    database.close_all()


@pytest.fixture(scope="session", autouse=True)
def _database_for_engines(request: pytest.FixtureRequest) -> None:
    """When the session runs a test with an engine needing a database server, the
    server starts first (module fixtures such as the analysis archive build with it)."""
    wanted = NEEDS_DATABASE & {
        value
        for item in request.session.items
        for value in getattr(getattr(item, "callspec", None), "params", {}).values()
        if isinstance(value, str)
    }
    if wanted:
        request.getfixturevalue("pg_url")


@pytest.fixture(autouse=True)
def _skip_without_database(request: pytest.FixtureRequest) -> None:
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    wanted = NEEDS_DATABASE & {v for v in params.values() if isinstance(v, str)}
    if wanted and request.getfixturevalue("pg_url") is None:
        pytest.skip("no PostgreSQL server can run here")
