"""Shared fixtures: where the real corpora are, and whether their absence is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
DEMO_CORPUS = ROOT / "corpus"
IN_CI = os.environ.get("CI", "").lower() == "true"


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
