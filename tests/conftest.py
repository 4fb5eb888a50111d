"""Shared fixtures: where the real corpora are, a PostgreSQL cluster on loopback, and whether
their absence is a failure."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from archive_search.pgcluster import Cluster
    from indexer.build import BuildReport

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
DEMO_CORPUS = ROOT / "corpus"
IN_CI = os.environ.get("CI", "").lower() == "true"
NEEDS_DATABASE = frozenset({"postgres"})
"""Engines that keep their index in a database server (``pg_url``)."""


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


@contextmanager
def new_pg_cluster(replicas: int = 2) -> Iterator[Cluster]:
    """A PostgreSQL primary and ``replicas`` streaming replicas on loopback (the script behind
    ``make pg-cluster``) in a fresh folder, stopped and removed afterwards. Skips locally when
    PostgreSQL's programs are absent, fails under CI."""
    from archive_search.pgcluster import Cluster, postgres_bin

    if postgres_bin() is None:
        message = "PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) not installed"
        if IN_CI:
            pytest.fail(f"{message}: CI must have them (apt-get install postgresql)")
        pytest.skip(message)
    # In /tmp, not pytest's tmp_path: the server account must reach it, and socket paths
    # must stay short.
    root = Path(tempfile.mkdtemp(prefix="archive-search-pg-"))
    os.chmod(root, 0o755)
    cluster = None
    try:
        cluster = Cluster.create(root / "c", replicas)
        yield cluster
    finally:
        if cluster is not None:
            cluster.stop_all()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One primary and two replicas for the whole session. A test that kills or pauses a
    server restores it; one that promotes a replica makes its own with ``new_pg_cluster``."""
    with new_pg_cluster() as cluster:
        yield cluster


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
def pg_admin(pg_cluster: Cluster) -> str:
    """A URL on the session cluster's primary to create databases from (``new_database``)."""
    return pg_cluster.primary.url


@pytest.fixture(scope="session")
def pg_url(pg_admin: str) -> Iterator[str]:
    """A database of its own on the session cluster's primary for the session's PostgreSQL
    indexes, named for the process (the replicas' routing is ``pg_cluster``'s tests' part)."""
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
    from archive_search.pgcluster import postgres_bin

    if wanted and (postgres_bin() is not None or IN_CI):
        request.getfixturevalue("pg_url")  # else the tests needing it skip one by one


@pytest.fixture(autouse=True)
def _database_for_engine(request: pytest.FixtureRequest) -> None:
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    if NEEDS_DATABASE & {v for v in params.values() if isinstance(v, str)}:
        request.getfixturevalue("pg_url")  # skips locally without PostgreSQL, fails under CI
