"""The fast paths of the parser give exactly what the slow paths they bypass give.

Each shortcut is compared with the reference it replaces: libyaml against
PyYAML's pure-Python loader, markdown-it without link normalisation against
stock markdown-it, the id and summary shortcuts against the general rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer import frontmatter_article as fm
from indexer.config import ArchiveConfig
from indexer.frontmatter_article import FrontMatterError, read_front_matter
from indexer.markdown_text import _MD, markdown_to_text, remove_leftover_braces
from indexer.normalise import SUMMARY_MAX, SUMMARY_TARGET, cut_at_word, summarise
from indexer.parse import parse_bytes
from indexer.plaintext import author_name
from search.ids import article_id

needs_libyaml = pytest.mark.skipif(fm._FastLoader is None, reason="PyYAML built without libyaml")

YAML_SAMPLES = [
    "title: Hello\ndate: 2020-10-20T10:00:00+02:00\ntags: [a, b, 'c d']\n",
    'title: "Quoted: \\u00e9 \\/ \\N"\nauthors:\n  - Ann\n  - Bob\ndraft: false\n',
    "a: &x {k: 1, l: [1, 2.5, .inf, ~, yes, no, 0o17, 0x1f]}\nb: *x\n<<: {m: 3}\n",
    "title: >\n  folded\n  text\nbody: |\n  literal\n  lines\n",
    "? complex\n: value\nempty:\nurl: http://example.org/a:b\nlist: [http://x.y/z]\n",
    "date: 2014-12-24 9:00:36 -0400\nd2: 2001-12-14t21:59:43.10-05:00\nn: 1_000\n",
]
BROKEN_YAML = [
    'title: "bad \\\' escape"\n',
    "title: [unclosed\n",
    "a: b: c\n",
    "key: value\n\tindented: tab\n",
    "!!python/object:os.system {}\n",
    "a: 1\na: *missing\n",
    "- a\nb: c\n",
    "x: \x85\x80\n",
    "---\na: 1\n---\nb: 2\n",
]


@needs_libyaml
@pytest.mark.parametrize("raw", YAML_SAMPLES)
def test_libyaml_reads_what_the_reference_loader_reads(raw: str) -> None:
    assert fm._FastLoader is not None
    fast = yaml.load(raw, Loader=fm._FastLoader)
    assert fast == yaml.load(raw, Loader=fm._Loader)
    assert fm._load_yaml(raw, 2) == fast


@pytest.mark.parametrize("raw", BROKEN_YAML)
def test_broken_yaml_is_reported_by_the_reference_loader(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(FrontMatterError) as fast:
        fm._load_yaml(raw, 2)
    monkeypatch.setattr(fm, "_FastLoader", None)
    with pytest.raises(FrontMatterError) as reference:
        fm._load_yaml(raw, 2)
    assert (fast.value.reason, fast.value.line) == (reference.value.reason, reference.value.line)


def test_the_escape_error_message_is_pyyaml_s() -> None:
    with pytest.raises(FrontMatterError) as caught:
        read_front_matter("---\ntitle: \"peace \\'is\\' war\"\n---\nbody\n")
    assert caught.value.reason == (
        "invalid YAML front matter: while scanning a double-quoted scalar "
        'found unknown escape character "\'" at column 16'
    )
    assert caught.value.line == 2


def test_deep_nesting_goes_to_the_reference_loader_and_is_an_error() -> None:
    assert fm._nesting_bound("a: [[1]]\n") == 5
    deep = "---\nx: " + "[" * 30_000 + "\n---\nbody\n"
    with pytest.raises(FrontMatterError, match="invalid YAML front matter"):
        read_front_matter(deep)


_YAML_CHARS = [*"ab1:- \n'\"[]{},#&*!?|>%@`\\\t.é", "\ufeff", "\x85", "\u2028", "\xa0"]
_YAML_TEXT = st.text(alphabet=st.sampled_from(_YAML_CHARS), max_size=60)


@needs_libyaml
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_YAML_TEXT)
def test_fast_and_reference_yaml_agree_on_any_text(raw: str) -> None:
    """Documents libyaml reads otherwise (tabs, BOMs, ``!``…) go to the reference loader."""
    assert _outcome(fm._load_yaml, raw) == _outcome(fm._load_yaml_reference, raw)


def _outcome(load: Callable[[str, int], object], raw: str) -> tuple[object, ...]:
    try:
        return ("ok", repr(load(raw, 2)))
    except FrontMatterError as exc:
        return ("error", exc.reason, exc.line)


_STOCK = MarkdownIt("commonmark").enable(["table", "strikethrough"])
LINKS = [
    "[a](javascript:alert(1)) [b](JAVASCRIPT:x) [c](< javascript:y>) [d](java%73cript:z)",
    "![img](data:image/png;base64,AAA) ![bad](data:text/html;x) [e](vbscript:q) [f](file:///etc)",
    "[g](http://bücher.example/ä?x=ü#frag) [h](//host/p) [i](mailto:a@b.c) <http://x.y/%zz>",
    "[j](<a b>) [k]: javascript:no\n\n[k] [l][k] [m](http://[::1]:80/p) [n](\u00a0javascript:x)",
    '[ref]\n\n[ref]: http://example.org/ä "title"\n\n<mailto:x@y.z> <javascript:bad>',
]


@pytest.mark.parametrize("markdown", LINKS)
def test_links_tokenise_as_with_normalised_destinations(markdown: str) -> None:
    assert _types_and_text(_MD.parse(markdown)) == _types_and_text(_STOCK.parse(markdown))


_MARKDOWN = st.text(
    alphabet=st.sampled_from(list("[]()<>!:/ ajvscriptdemg*_`\n#-%\\\u00a0ä.@")), max_size=80
)


@settings(max_examples=400, deadline=None)
@given(_MARKDOWN)
def test_text_only_markdown_gives_stock_tokens_on_any_text(markdown: str) -> None:
    assert _types_and_text(_MD.parse(markdown)) == _types_and_text(_STOCK.parse(markdown))


def _types_and_text(tokens: list[Token]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    out = []
    for token in tokens:
        children = [(c.type, c.content) for c in (token.children or [])]
        out.append((token.type, token.content, children))
    return out


def test_markdown_text_keeps_link_words_and_drops_unsafe_links() -> None:
    text = markdown_to_text("See [the harbour](https://bücher.example/ä) and [x](javascript:y).")
    assert text == "See the harbour and [x](javascript:y)."


def _slow_id(relpath: str) -> str:
    """The id rule, character by character (the reference for the ASCII shortcut)."""
    out = []
    for segment in relpath.split("/"):
        if segment in (".", ".."):
            out.append("%2E" * len(segment))
            continue
        chars = [
            c if c.isalnum() or c in "-._~" else "".join(f"%{b:02X}" for b in c.encode())
            for c in segment
        ]
        out.append("".join(chars))
    return "/".join(s for s in out if s) or "%2E"


@pytest.mark.parametrize(
    "relpath",
    ["a/b-c_d.e~f.md", "sisihagen/de/blog/ä ö.md", "../x/./y%z.md", "Dir With Space/x+y.txt", ""],
)
def test_ids_shortcut_matches_the_rule(relpath: str) -> None:
    assert article_id(relpath) == _slow_id(relpath)


@given(st.text(alphabet=st.sampled_from(list("ab/.-_~%é ÄZ9+")), max_size=20))
def test_ids_shortcut_matches_the_rule_on_any_path(relpath: str) -> None:
    assert article_id(relpath) == _slow_id(relpath)


def _reference_summary(body: str) -> str:
    """``summarise`` splitting the whole text, as it did before the shortcut."""
    text = " ".join(body[: SUMMARY_MAX * 20].split())
    if len(text) <= SUMMARY_MAX:
        return text
    summary = ""
    for sentence in re.split(r"(?<=[.!?…])\s+", text):
        candidate = f"{summary} {sentence}".strip()
        if len(candidate) > SUMMARY_MAX:
            break
        summary = candidate
        if len(summary) >= SUMMARY_TARGET:
            return summary
    if len(summary) >= SUMMARY_TARGET // 2:
        return summary
    return cut_at_word(text, SUMMARY_MAX)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["word", "x.", "end!", " ", "  ", "\n", "…", "long" * 30]), max_size=200
    )
)
def test_summary_shortcut_matches_the_whole_split(parts: list[str]) -> None:
    body = " ".join(parts)
    assert summarise(body) == _reference_summary(body)


@pytest.mark.parametrize("length", range(SUMMARY_MAX - 5, SUMMARY_MAX + 5))
def test_summary_shortcut_at_the_cut(length: int) -> None:
    for first in range(1, 40):
        body = "a" * first + ". " + "b" * (length - first - 2) + ". tail of the text here."
        assert summarise(body) == _reference_summary(body)


def _reference_braces(text: str) -> str:
    while any(token in text for token in ("{{<", "{{%", ">}}", "%}}")):
        for token in ("{{<", "{{%", ">}}", "%}}"):
            text = text.replace(token, "")
    return text


@given(st.text(alphabet=st.sampled_from(list("{}<>%/ a")), max_size=30))
def test_leftover_braces_shortcut(text: str) -> None:
    assert remove_leftover_braces(text) == _reference_braces(text)


def test_author_names_are_cached_and_unchanged() -> None:
    assert author_name("et@teal.csn.org (Eric H. Taylor)") == "Eric H. Taylor"
    assert author_name("et@teal.csn.org (Eric H. Taylor)") == "Eric H. Taylor"
    assert author_name('"Doe, Jane" <jd@x.org>') == "Doe, Jane"
    assert author_name("=?utf-8?q?J=C3=B6rg?= <j@x.de>") == "Jörg"


def test_whole_files_parse_the_same_without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [_sample(raw) for raw in YAML_SAMPLES + BROKEN_YAML]
    config = ArchiveConfig()
    fast = [parse_bytes(f"p{i}.md", data, config) for i, data in enumerate(files)]
    monkeypatch.setattr(fm, "_FastLoader", None)
    assert [parse_bytes(f"p{i}.md", data, config) for i, data in enumerate(files)] == fast


def _sample(front: str) -> bytes:
    return f"---\n{front}---\nSome [linked](http://x.org) *body* text.\n".encode()
