"""Property tests: the parser never raises, and no shortcode braces survive."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.config import ArchiveConfig
from indexer.markdown_text import body_text, markdown_to_text, strip_shortcodes
from indexer.outcome import ParseOutcome
from indexer.parse import parse_bytes
from search.ids import article_id

CONFIG = ArchiveConfig()
BRACES = ("{{<", "{{%", ">}}", "%}}")
PIECES = [
    "---\n",
    "+++\n",
    "...\n",
    "{\n",
    "}\n",
    '{"title": 1}\n',
    "title: x\n",
    "date: 2020-13-45\n",
    "draft: true\n",
    "tags: [a, b]\n",
    "lang: en\n",
    "!!python/object:os.system\n",
    "x: &a [*a]\n",
    "{{<",
    "{{%",
    ">}}",
    "%}}",
    '{{< image title="T" >}}',
    "{{< /x >}}",
    "{{</* y */>}}",
    '"',
    "From: a@b (N)\n",
    "Subject: Re: s\n",
    " cont\n",
    "Publication: P Volume: 1 Issue: 2\n",
    "(Source: S)\n",
    "Placeholder canvas\n",
    "[a](b)",
    "![alt](i)",
    "<b>",
    "</b>",
    "<script>",
    "# ",
    "* ",
    "> ",
    "```",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\ufeff",
    "é",
    "\x00",
    "|a|b|\n|-|-|\n",
]
structured = st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=40).map("".join)


def _check(outcome: ParseOutcome, path: str) -> None:
    assert isinstance(outcome, ParseOutcome)
    assert outcome.path == path
    assert not any(p.reason.startswith("internal") for p in outcome.problems), outcome.problems
    errors = [p for p in outcome.problems if p.severity == "error"]
    if outcome.article is not None:
        assert not errors and outcome.skipped is None
        assert outcome.article.title.strip()
        for text in (outcome.article.title, outcome.article.summary):
            assert ("{{<" not in text and "{{%" not in text) or "`" in outcome.article.source
    else:
        assert bool(outcome.skipped) != bool(errors)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_parse_bytes_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    _check(parse_bytes("x/y.md", data, CONFIG), "x/y.md")


@settings(max_examples=300, deadline=None)
@given(structured, st.sampled_from(["a.md", "en/blog/2020/10/s.md", "_index.md", "n/123"]))
def test_parse_bytes_never_raises_on_article_like_text(text: str, path: str) -> None:
    for encoding in ("utf-8", "utf-16"):
        _check(parse_bytes(path, text.encode(encoding, "surrogatepass"), CONFIG), path)


@settings(max_examples=300, deadline=None)
@given(structured)
def test_markdown_to_text_never_raises_nor_leaves_shortcode_braces(text: str) -> None:
    # code keeps shortcodes as written (Hugo's docs show them there); outside code none is left
    assert isinstance(markdown_to_text(text), str)
    for output in (body_text(text, code=False).text, strip_shortcodes(text)):
        assert not any(token in output for token in BRACES), output


@given(st.text(max_size=60))
def test_ids_never_hold_dot_dot_segments(relpath: str) -> None:
    identifier = article_id(relpath)
    assert ".." not in identifier.split("/")
    assert identifier.isascii() or any(not c.isascii() and c.isalnum() for c in identifier)
    assert not any(c.isspace() for c in identifier)
