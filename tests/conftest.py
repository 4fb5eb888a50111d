"""Shared fixtures: where the real corpora are, and whether their absence is a failure."""

from __future__ import annotations

import os
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
