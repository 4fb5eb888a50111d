"""The README and docs/ say what the code does: its commands run, its links lead somewhere.

The README's shell examples that need no server are run as written, with the
archive and the index swapped for the demo corpus and a temporary folder; its
configuration example is loaded; each row of its query table is searched.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.config import load_config

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").rglob("*.md"))
CLI = str(Path(sys.executable).with_name("archive-search"))
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _blocks(language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(README.read_text("utf-8")) if lang == language]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_readme_is_a_front_door() -> None:
    lines = README.read_text("utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; move details to docs/"


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    broken = []
    for target in _LINK.findall(page.read_text("utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.is_file():
            headings = re.findall(r"^#+ (.+)$", resolved.read_text("utf-8"), re.MULTILINE)
            if anchor not in {_slug(h) for h in headings}:
                broken.append(target)
    assert not broken, f"{page.name} links to what does not exist: {broken}"


def _commands() -> list[list[str]]:
    """The README's `archive-search` command lines, except `serve` (it needs a server)."""
    found = []
    for block in _blocks("sh"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == ".venv/bin/archive-search" and words[1] != "serve":
                found.append(words)
    return found


def test_readme_shows_index_search_and_serve() -> None:
    assert [words[1] for words in _commands()] == ["index", "search"]
    assert any("archive-search serve" in block for block in _blocks("sh"))


def test_readme_commands_run(tmp_path: Path) -> None:
    archive = tmp_path / "my-archive"
    shutil.copytree(ROOT / "corpus", archive)
    index = tmp_path / "index"
    outputs = []
    for words in _commands():
        swapped = [
            CLI if w == ".venv/bin/archive-search" else str(archive) if w == "~/my-archive"
            else str(index) if w == "var/index" else w
            for w in words
        ]  # fmt: skip
        done = subprocess.run(swapped, capture_output=True, text=True, check=False, cwd=tmp_path)
        assert done.returncode == 0, (words, done.stdout, done.stderr)
        outputs.append(done.stdout)
    index_output, search_output = outputs
    assert "2 articles in the index" in index_output
    assert "results for" in search_output


def test_readme_configuration_example_loads(tmp_path: Path) -> None:
    (toml,) = _blocks("toml")
    (tmp_path / "archive-search.toml").write_text(toml, encoding="utf-8")
    config = load_config(tmp_path)
    assert config.default_lang == "en"
    assert config.exclude == ("drafts/**",)
    assert dict(config.publications) == {"jamestown/edm": "Eurasia Daily Monitor"}


def _query_examples() -> list[str]:
    """Every example in the first column of the README's query table."""
    text = README.read_text("utf-8")
    table = text[text.index("| syntax | meaning |") :].split("\n\n", 1)[0]
    return [
        example
        for row in table.splitlines()[2:]
        for example in re.findall(r"`([^`]+)`", row.split(" | ")[0])
    ]


def test_readme_query_examples_are_accepted(tmp_path: Path) -> None:
    examples = _query_examples()
    assert len(examples) >= 10 and '"peace process"' in examples
    index = tmp_path / "index"
    subprocess.run([CLI, "index", str(ROOT / "corpus"), "--index", str(index)], check=True,
                   capture_output=True)  # fmt: skip
    for query in examples:
        done = subprocess.run([CLI, "search", "--index", str(index), "--", query],
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, (query, done.stderr)
        assert "note: Your query could not be parsed" not in done.stdout, query
