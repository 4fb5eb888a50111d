"""Issue 12, findings 4, 7 and 15: front matter read at bounded cost, drafts kept out.

- 4: a YAML alias bomb (one big anchored value named thousands of times) is
  refused before anything expands it; so are a nested "billion laughs", a
  value that contains itself and an overlong block;
- 7: JSON front matter starts at any ``{`` followed by a key (Hugo), so a
  draft with ``{ "draft": true }`` stays out;
- 15: ``draft`` is read as Hugo reads a boolean (``1``, ``'1'``, ``on``,
  ``y`` are drafts), Jekyll's ``published: false`` too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from indexer.config import ArchiveConfig
from indexer.outcome import ParseOutcome
from indexer.parse import parse_bytes
from tests.hardening.test_hard_reading import peak_rss_mb

MAX_FRONT_MATTER_CHARS = 262_144


def parse(text: str) -> ParseOutcome:
    return parse_bytes("a.md", text.encode("utf-8"), ArchiveConfig())


def refused(outcome: ParseOutcome) -> str:
    """The reason of the one error ``outcome`` holds (fails if it is an article)."""
    assert outcome.article is None and outcome.skipped is None, outcome
    (problem,) = outcome.problems
    assert problem.severity == "error"
    return problem.reason


def alias_bomb(words: int, copies: int) -> str:
    """The issue's shape: one anchored string of ``words`` words, named ``copies`` times."""
    names = ", ".join(["*a"] * copies)
    big = "xy " * words
    return f'---\ntitle: bomb\nbig: &a "{big}"\ntags: [{names}]\nauthors: [{names}]\n---\nbody\n'


def test_alias_bomb_is_refused_not_expanded() -> None:
    # 30,000 characters named 200 times: 6 M characters once expanded (the had 9.6 G)
    reason = refused(parse(alias_bomb(10_000, 100)))
    assert "expands" in reason and "1,048,576 characters" in reason


def test_nested_alias_bomb_is_refused() -> None:
    lines = ["---", "title: laughs", 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 6)}]" for i in range(1, 10)]
    lines += ["tags: *l9", "---", "body"]
    assert "expands" in refused(parse("\n".join(lines)))


def test_a_value_that_contains_itself_is_refused() -> None:
    assert "contains itself" in refused(parse("---\ntitle: t\ntags: &a [x, *a]\n---\nbody"))


def test_aliases_within_the_limits_are_read() -> None:
    # (the summary is not the title's alias: a summary never repeats the title, issue 13)
    outcome = parse("---\ntitle: T\nsummary: &s Shared\ntags: [*s, other]\n---\nbody")
    assert outcome.article is not None
    assert (outcome.article.tags, outcome.article.summary) == (("Shared", "other"), "Shared")


@pytest.mark.parametrize("opener, closer", [("---", "---"), ("+++", "+++")])
def test_overlong_front_matter_is_refused(opener: str, closer: str) -> None:
    sep = ":" if opener == "---" else " ="
    lines = [f'k{i}{sep} "{"v" * 60}"' for i in range(MAX_FRONT_MATTER_CHARS // 60)]
    text = "\n".join([opener, 'title: "t"' if sep == ":" else 'title = "t"', *lines, closer, "b"])
    reason = refused(parse(text))
    assert "over the limit of 262,144" in reason


def test_overlong_json_front_matter_is_refused() -> None:
    items = ", ".join(f'"k{i}": "{"v" * 60}"' for i in range(MAX_FRONT_MATTER_CHARS // 60))
    assert "longer than 262,144" in refused(parse('{"title": "t", ' + items + "}\nbody"))


@pytest.mark.parametrize(
    "text",
    [
        '{ "title": "d30", "draft": true }\nbody',
        '  {  "draft": true, "title": "d31" }\nbody',
        '{\t"draft": true}\nbody',
    ],
)
def test_json_front_matter_with_spaces_is_read(text: str) -> None:
    assert parse(text).skipped == "draft"


def test_json_front_matter_with_a_space_gives_its_title() -> None:
    outcome = parse('{ "title": "Spaced", "tags": ["a"] }\nThe body.')
    assert outcome.article is not None
    assert (outcome.article.title, outcome.article.body) == ("Spaced", "The body.")


@pytest.mark.parametrize("first", ["{{< note >}}", "{Editor's note} hello", "{ note }"])
def test_braces_that_are_not_a_json_object_are_text(first: str) -> None:
    outcome = parse(f"{first}\n\nThe body words.")
    assert outcome.article is not None, outcome.problems
    assert "The body words." in (outcome.article.title, outcome.article.body)


@pytest.mark.parametrize(
    "value", ["1", "'1'", "on", "y", "Y", "yes", "true", "'TRUE'", "t", "2", "0.5", "maybe", "[x]"]
)
def test_true_draft_values_are_drafts(value: str) -> None:
    assert parse(f"---\ntitle: t\ndraft: {value}\n---\nbody").skipped == "draft"


@pytest.mark.parametrize(
    "value", ["0", "'0'", "off", "n", "no", "false", "'False'", "f", "''", "~", "0.0"]
)
def test_false_draft_values_are_published(value: str) -> None:
    assert parse(f"---\ntitle: t\ndraft: {value}\n---\nbody").article is not None


@pytest.mark.parametrize(
    "front", ["+++\ndraft = 1\n+++\nb", '+++\ndraft = "yes"\n+++\nb', '{"draft": 1}\nb']
)
def test_draft_in_toml_and_json(front: str) -> None:
    assert parse(front).skipped == "draft"


def test_jekyll_drafts_folder_and_pelican_status_are_drafts() -> None:
    outcome = parse_bytes("_posts/_drafts/idea.md", b"---\ntitle: t\n---\nbody", ArchiveConfig())
    assert outcome.skipped == "draft"
    assert parse_bytes("_drafts/note.txt", b"Note\n\nbody", ArchiveConfig()).skipped == "draft"
    assert parse("---\ntitle: t\nstatus: Draft\n---\nbody").skipped == "draft"
    assert parse("Title: t\nStatus: draft\n\nbody").skipped == "draft"
    assert parse("---\ntitle: t\nstatus: published\n---\nbody").article is not None
    assert parse_bytes("my_drafts.md", b"---\ntitle: t\n---\nbody", ArchiveConfig()).article


def test_jekyll_published_false_is_left_out() -> None:
    assert parse("---\ntitle: t\npublished: false\n---\nbody").skipped == "draft"
    kept = parse("---\ntitle: t\npublished: true\n---\nbody")
    assert kept.article is not None and kept.problems == ()  # not an unreadable date
    dated = parse("---\ntitle: t\npublished: 2020-05-01\n---\nbody").article
    assert dated is not None and dated.date is not None and dated.date.year == 2020


@pytest.mark.slow
@pytest.mark.parametrize(
    "words, copies, refused_by",
    [(200_000, 8_000, "over the limit of 262,144"), (50_000, 8_000, "expands")],
    ids=["issue-648KB", "under-the-size-limit"],
)
def test_peak_memory_of_an_alias_bomb(
    tmp_path: Path, words: int, copies: int, refused_by: str
) -> None:
    """The issue's bomb took 315 s and 4.76 GB; now a real index run refuses it in bounded
    memory (one just under the size limit is refused by the expansion check)."""
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "bomb.md").write_text(alias_bomb(words, copies))
    (archive / "fine.md").write_text("---\ntitle: Fine\n---\nA normal article.\n")
    started = time.perf_counter()
    peak_mb = peak_rss_mb(archive, tmp_path / "ix")
    seconds = time.perf_counter() - started
    size_kb = (archive / "bomb.md").stat().st_size // 1024
    print(f"alias bomb of {size_kb} KB: peak RSS {peak_mb} MB, {seconds:.1f} s")
    manifest = json.loads(
        next((tmp_path / "ix").glob("generations/gen-*/manifest.json")).read_text()
    )
    (problem,) = manifest["files"]["bomb.md"]["problems"]
    assert refused_by in problem["reason"]
    assert manifest["files"]["fine.md"]["status"] == "article"
    assert peak_mb < 250
