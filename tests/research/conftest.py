"""The three real corpora (sisihagen, bbc, 20news) indexed together, as the bench does.

Built once per session with each engine that a test asks for; the copies and the
indexes live in pytest's temporary folders, never in ``../shared``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search.service import SearchService
from tests.conftest import corpus_path

REAL = ("sisihagen", "bbc", "20news")


@pytest.fixture(scope="session")
def real_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bench.archive import assemble

    for name in REAL:
        corpus_path(name)  # skips (or fails under CI) when a corpus is absent
    return assemble(tmp_path_factory.mktemp("real-archive"), "real", REAL)


def build_real(archive: Path, target: Path, engine: str) -> Path:
    from indexer.build import build_index

    report = build_index(archive, target, rebuild=True, engine=engine)
    assert report.articles > 24_000, report.articles
    return target


@pytest.fixture(scope="session")
def real_tantivy(real_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_real(real_archive, tmp_path_factory.mktemp("real-tantivy"), "tantivy")


@pytest.fixture(scope="session")
def real_service(real_tantivy: Path) -> Iterator[SearchService]:
    service = SearchService(real_tantivy)
    yield service
    service.close()
