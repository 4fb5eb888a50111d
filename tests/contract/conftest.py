"""Fixtures of the engine contract suite: the archive indexed once per engine.

Every test in ``test_contract.py`` runs against each engine in ``ENGINES``
through ``SearchService``: what one engine answers, the other must answer too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.build import build_index
from search.service import SearchService
from tests.conftest import NEEDS_DATABASE
from tests.contract.archive import ENGINES, archive_files, write_archive


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_archive(tmp_path_factory.mktemp("archive"), archive_files())


@pytest.fixture(scope="session")
def index_dirs(
    archive: Path, tmp_path_factory: pytest.TempPathFactory, pg_url: str | None
) -> dict[str, Path]:
    """The archive indexed by every engine, once per session (those needing a database
    only when one runs)."""
    built = {}
    for engine in ENGINES:
        if engine in NEEDS_DATABASE and pg_url is None:
            continue
        index = tmp_path_factory.mktemp(f"index-{engine}")
        report = build_index(archive, index, engine=engine)
        assert report.errors == [], report.errors
        built[engine] = index
    return built


@pytest.fixture(scope="session")
def services(index_dirs: dict[str, Path]) -> Iterator[dict[str, SearchService]]:
    opened = {engine: SearchService(path) for engine, path in index_dirs.items()}
    yield opened
    for service in opened.values():
        service.close()


@pytest.fixture
def service(services: dict[str, SearchService], engine_name: str) -> SearchService:
    if engine_name not in services:
        pytest.skip(f"no {engine_name} server can run here")
    return services[engine_name]
