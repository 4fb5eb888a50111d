"""Archive configuration and file discovery."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from indexer.config import CONFIG_NAME, ArchiveConfig, ConfigError, load_config
from indexer.discover import discover, is_binary, is_excluded, is_included

PNG = b"\x89PNG\r\n\x1a\n" + b"rest"


def test_no_config_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path) == ArchiveConfig()


def test_full_config(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text(
        'default_lang = "English"\ninclude = ["**/*.md"]\nexclude = "drafts/**"\n'
        '[publications]\n"/bbc/" = "BBC News"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config == ArchiveConfig(
        default_lang="en",
        publications={"bbc": "BBC News"},
        include=("**/*.md",),
        exclude=("drafts/**",),
    )
    assert config.publication_for("bbc/sport/1.txt") == "BBC News"
    assert config.publication_for("bbcx/1.txt") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("colour = 1\n", "unknown key(s) colour"),
        ("default_lang = 3\n", "default_lang must be a string"),
        ('default_lang = "!!"\n', "not a language code"),
        ('include = "a"\nexclude = [1]\n', "exclude must be a list"),
        ('publications = "x"\n', "[publications] must be a table"),
        ("[publications]\nx = 1\n", "must be a non-empty string"),
        ('[publications]\n".." = "x"\n', "not a folder path"),
        ("default_lang = \n", "invalid TOML"),
    ],
)
def test_bad_configs_are_refused_with_a_clear_message(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / CONFIG_NAME).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(tmp_path)


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path, tmp_path / "missing.toml")
    explicit = tmp_path / "other.toml"
    explicit.write_text('default_lang = "und"\n', encoding="utf-8")
    assert load_config(tmp_path, explicit).default_lang == "und"


def test_globs() -> None:
    assert is_included("a/b/c.md", ("**/*.md",))
    assert is_included("c.md", ("**/*.md",))
    assert is_included("deep/c.md", ("*.md",))  # no slash: matches a name at any depth
    assert not is_included("a/c.txt", ("**/*.md",))
    assert not is_included("a/b/c.md", ("a/*.md",))
    assert is_included("a/b/c.md", ("a/**",))
    assert is_included("x/2020/1.md", ("x/20[0-9][0-9]/*.md",))
    assert is_included("anything", ())
    assert is_excluded("drafts/deep/x.md", ("drafts",))
    assert is_excluded("a/notes.bak", ("*.bak",))
    assert not is_excluded("a/notes.md", ("*.bak",))


def _tree(root: Path) -> None:
    (root / "b").mkdir()
    (root / "a.md").write_text("---\ntitle: A\n---\nBody", encoding="utf-8")
    (root / "b" / "z.txt").write_text("Z", encoding="utf-8")
    (root / "b" / "photo.jpg.txt").write_bytes(PNG)
    (root / "b" / "nul.dat").write_bytes(b"abc\x00def")
    (root / "b" / "utf16.txt").write_bytes("Hallo".encode("utf-16"))
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("x", encoding="utf-8")
    (root / ".hidden.md").write_text("x", encoding="utf-8")
    (root / CONFIG_NAME).write_text('default_lang = "en"\n', encoding="utf-8")


def test_discover_sorted_text_files_skipping_hidden_binary_and_config(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = discover(tmp_path, ArchiveConfig())
    assert [c.relpath for c in found.candidates] == ["a.md", "b/utf16.txt", "b/z.txt"]
    assert found.candidates[0].path == tmp_path / "a.md"
    assert found.skipped_hidden == 2
    assert found.skipped_binary == ["b/nul.dat", "b/photo.jpg.txt"]
    assert found.problems == []


def test_discover_applies_include_and_exclude(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = discover(tmp_path, ArchiveConfig(include=("**/*.txt",), exclude=("b/z*",)))
    assert [c.relpath for c in found.candidates] == ["b/utf16.txt"]
    assert found.skipped_filtered == 3  # a.md, b/nul.dat, b/z.txt (the PNG .txt is binary)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symlinks_outside_the_root_are_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    (root / "real.txt").write_text("Real", encoding="utf-8")
    (root / "inside-link.txt").symlink_to(root / "real.txt")
    (root / "outside-link.txt").symlink_to(outside / "secret.txt")
    (root / "dir-link").symlink_to(outside, target_is_directory=True)
    found = discover(root, ArchiveConfig())
    assert [c.relpath for c in found.candidates] == ["inside-link.txt", "real.txt"]
    assert sorted(p.path for p in found.problems) == ["dir-link", "outside-link.txt"]
    assert all(p.severity == "warning" for p in found.problems)


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads all")
def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("x", encoding="utf-8")
    locked.chmod(0)
    found = discover(tmp_path, ArchiveConfig())
    assert [p.path for p in found.problems] == ["locked.txt"]


@pytest.mark.parametrize(
    "head",
    [
        PNG,
        b"\xff\xd8\xff\xe0",
        b"GIF89a",
        b"%PDF-1.4",
        b"PK\x03\x04",
        b"RIFF1234WEBP",
        b"1234ftypisom",
    ],
)
def test_binary_signatures(head: bytes) -> None:
    assert is_binary(head)


def test_text_is_not_binary() -> None:
    assert not is_binary("Ünïcödé text\n".encode())
    assert not is_binary(b"")
    assert not is_binary("x".encode("utf-16"))
