"""The settings object: every environment variable read in one place, checked, documented."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from archive_search.settings import DEFAULT_RATE, ENVIRONMENT, Settings, SettingsError
from search.registry import DEFAULT_ENGINE

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("archive_search", "indexer", "search", "web")


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.index_dir == Path("var/index")
    assert (settings.engine, settings.rate_limit) == (DEFAULT_ENGINE, DEFAULT_RATE)
    assert settings.parse_workers is None and settings.trust_proxy == 0


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "ARCHIVE_SEARCH_INDEX": "/srv/index",
            "ARCHIVE_SEARCH_ENGINE": "tantivy",
            "ARCHIVE_SEARCH_PARSE_WORKERS": " 3 ",
            "ARCHIVE_SEARCH_RATE_LIMIT": "off",
            "ARCHIVE_SEARCH_RATELIMIT_STORE": "/tmp/rl.sqlite3",
            "ARCHIVE_SEARCH_TRUST_PROXY": "2",
            "ARCHIVE_SEARCH_RATE_LIMIT_TIME": "10/minute",
            "ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT": "0",
            "ARCHIVE_SEARCH_SLOTS": "8",
            "ARCHIVE_SEARCH_COSTLY_SLOTS": "2",
        }
    )
    assert settings == Settings(
        index_dir=Path("/srv/index"),
        engine="tantivy",
        parse_workers=3,
        rate_limit="off",
        ratelimit_store=Path("/tmp/rl.sqlite3"),
        trust_proxy=2,
        rate_limit_time="10/minute",
        rate_limit_concurrent=0,
        slots=8,
        costly_slots=2,
    )


def test_the_search_time_limit_is_set_for_the_web_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from search import limits
    from web import create_app

    assert Settings.from_env({"ARCHIVE_SEARCH_TIME_LIMIT": "7.5"}).search_time_limit == 7.5
    assert Settings.from_env({"ARCHIVE_SEARCH_TIME_LIMIT": "0"}).search_time_limit is None
    with pytest.raises(SettingsError, match="bad ARCHIVE_SEARCH_TIME_LIMIT"):
        Settings.from_env({"ARCHIVE_SEARCH_TIME_LIMIT": "-2"})
    monkeypatch.setattr(limits, "SEARCH_TIME_LIMIT", 2.0)
    monkeypatch.setenv("ARCHIVE_SEARCH_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("ARCHIVE_SEARCH_TIME_LIMIT", "7.5")
    create_app()
    assert limits.SEARCH_TIME_LIMIT == 7.5
    monkeypatch.delenv("ARCHIVE_SEARCH_TIME_LIMIT")
    create_app()  # unset: the cap is left as it is
    assert limits.SEARCH_TIME_LIMIT == 7.5


def test_empty_values_count_as_unset() -> None:
    assert Settings.from_env(dict.fromkeys(ENVIRONMENT, "  ")) == Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ARCHIVE_SEARCH_ENGINE", "lucene"),
        ("ARCHIVE_SEARCH_PARSE_WORKERS", "many"),
        ("ARCHIVE_SEARCH_PARSE_WORKERS", "0"),
        ("ARCHIVE_SEARCH_TRUST_PROXY", "-1"),
        ("ARCHIVE_SEARCH_TRUST_PROXY", "²"),
        ("ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT", "-1"),
        ("ARCHIVE_SEARCH_SLOTS", "0"),
        ("ARCHIVE_SEARCH_COSTLY_SLOTS", "x"),
    ],
)
def test_a_bad_value_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"bad {name}"):
        Settings.from_env({name: value})


def _environment_reads(path: Path) -> list[str]:
    """The variables ``path`` reads through ``os.environ[...]``, ``os.environ.get`` or
    ``os.getenv`` (writes, such as the CLI handing the index to gunicorn, are not reads)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            key = node.slice if ast.unparse(node.value) == "os.environ" else None
        elif isinstance(node, ast.Call) and node.args:
            calls = ast.unparse(node.func) in ("os.environ.get", "os.getenv")
            key = node.args[0] if calls else None
        if key is not None:
            names.append(str(key.value) if isinstance(key, ast.Constant) else ast.unparse(key))
    return names


def test_no_other_module_reads_our_environment_variables() -> None:
    reads = {
        str(path.relative_to(ROOT)): names
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if (names := _environment_reads(path)) and path.name != "settings.py"
    }
    # only the system's own runtime directory is looked up elsewhere
    assert reads == {"web/ratelimit.py": ["XDG_RUNTIME_DIR"]}


def test_every_variable_is_documented_in_operations() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in operations]
    assert not missing, f"docs/operations.md does not document {missing}"
