"""The engine registry: every engine package declares itself, and nothing else names registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from search import registry
from search.errors import BadRequest, IndexFormatError
from search.store import IndexStore

ROOT = Path(__file__).resolve().parents[2]


def test_each_engine_package_exports_its_spec() -> None:
    from search.tantivy_engine import schema as tantivy_schema
    from search.whoosh_engine import schema as whoosh_schema

    assert registry.ENGINES == ("whoosh", "tantivy", "postgres")
    assert registry.DEFAULT_ENGINE in registry.ENGINES
    assert registry.format_version("whoosh") == whoosh_schema.FORMAT_VERSION
    assert registry.format_version("tantivy") == tantivy_schema.FORMAT_VERSION
    for name, spec in registry.REGISTRY.items():
        assert spec.name == name and spec.summary


def test_an_unknown_engine_names_the_choices() -> None:
    with pytest.raises(BadRequest, match="choose one of whoosh, tantivy"):
        registry.engine_spec("lucene")


@pytest.mark.parametrize("meta", [{"engine": "lucene", "format_version": 1},
                                  {"engine": "whoosh", "format_version": 999}])  # fmt: skip
def test_a_generation_of_another_engine_or_version_is_refused(
    tmp_path: Path, meta: dict[str, object]
) -> None:
    store = IndexStore(tmp_path)
    with store.write_lock():
        generation = store.publish(store.start_generation(None), meta)
    with pytest.raises(IndexFormatError, match="rebuild it"):
        registry.open_engine(generation)


def test_no_engine_name_is_compared_outside_the_registry() -> None:
    """``== "tantivy"`` branches were how engines were chosen; the registry replaced them."""
    offenders = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for package in ("archive_search", "indexer", "search", "web")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if any(f'{op} "{name}"' in line for op in ("==", "!=") for name in registry.ENGINES)
    ]
    assert offenders == []


def test_the_cli_offers_the_registered_engines() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "archive_search.cli", "index", "--help"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    help_text = " ".join(done.stdout.split())
    assert "{whoosh,tantivy,postgres}" in help_text
    for spec in registry.REGISTRY.values():
        assert f"{spec.name}: {spec.summary}" in help_text
