"""Markdown → plain text and Hugo shortcodes → their readable words."""

from __future__ import annotations

import pytest

from indexer.markdown_text import markdown_to_text, readable_text, strip_shortcodes


def test_links_keep_anchor_text_and_lose_urls() -> None:
    text = markdown_to_text('Azerbaijan began [bombing](https://bbc.com/x "A title") civilians.')
    assert text == "Azerbaijan began bombing civilians."


def test_headings_and_emphasis_lose_their_markers() -> None:
    text = markdown_to_text("#### Arms for oil\n\nSome *very* **strong** ~~old~~ text.")
    assert text == "Arms for oil\n\nSome very strong old text."


def test_images_keep_alt_text() -> None:
    assert markdown_to_text("See ![A *map* of Karabakh](map.png) here.") == (
        "See A map of Karabakh here."
    )


def test_code_keeps_its_text() -> None:
    text = markdown_to_text("Run `make test` then:\n\n```sh\nmake bench\n```\n\n    indented()\n")
    assert text == "Run make test then:\n\nmake bench\nindented()"


def test_raw_html_loses_tags_keeps_text_but_not_scripts() -> None:
    text = markdown_to_text(
        '<div class="x">\nHello <b>bold</b> &amp; <script>evil()</script>\n</div>\n\nA <em>b</em> c'
    )
    assert text.startswith("Hello bold &")
    assert "evil" not in text
    assert "<" not in text
    assert text.endswith("A b c")


@pytest.mark.parametrize("section", ["<![x ]>", "<![if !supportLists]>", "<![endif]>"])
def test_html_marked_sections_do_not_lose_the_article(section: str) -> None:
    # Python's HTMLParser (before 3.13) asserts on unknown marked sections: the whole
    # article used to become an "internal parser error"
    text = markdown_to_text(f"<div>\nBefore {section} after\n</div>\n\nNext paragraph")
    assert "Before" in text and "after" in text and "Next paragraph" in text


def test_soft_breaks_join_lines_of_a_paragraph() -> None:
    assert markdown_to_text("one\ntwo\n\nthree") == "one two\n\nthree"


def test_image_shortcode_keeps_its_title_only() -> None:
    source = (
        '{{< image srcwebp="/static/img/263.webp" srcalt="/static/img/263.jpg" '
        'title="Israel\'s role in Nagorno Karabakh" >}}'
    )
    assert markdown_to_text(source) == "Israel's role in Nagorno Karabakh"
    assert strip_shortcodes(source) == "Israel's role in Nagorno Karabakh"


@pytest.mark.parametrize(
    "source",
    [
        '{{< youtube "hLrFyjGZ9NU" >}}',
        '{{< tweet "1004887974847266817" >}}',
        "{{< youtube id=hLrFyjGZ9NU >}}",
        '{{< image_new picture="2021/040" >}}',
    ],
)
def test_embed_shortcodes_leave_nothing(source: str) -> None:
    assert markdown_to_text(f"Before\n\n{source}\n\nAfter") == "Before\n\nAfter"


def test_video_shortcode_keeps_its_prose_parameter_not_its_path() -> None:
    source = '{{< video "/static/downloads/report.mp4" "The USA and the Nazis" >}}'
    assert markdown_to_text(source) == "The USA and the Nazis"


def test_image_new_alt_and_caption_are_kept_once() -> None:
    source = '{{< image_new picture="2021/040" title="Bloggers" alt="Bloggers" caption="Here" >}}'
    assert readable_text(source[3:-3]) == "Bloggers — Here"


def test_paired_shortcodes_keep_inner_text() -> None:
    assert markdown_to_text("{{< note >}}Inner *words*{{< /note >}}") == "Inner words"
    assert markdown_to_text("{{% aside %}}\n**Inner** words\n{{% /aside %}}") == "Inner words"


def test_percent_shortcodes_and_self_closing_and_escaped_forms() -> None:
    text = markdown_to_text(
        '{{% figure src="/x.png" caption="A caption" %}} a {{< br />}} b {{</* image */>}} c'
    )
    assert text == "A caption a b c"


def test_multiline_shortcode() -> None:
    source = '{{< image srcwebp="/a.webp"\n    title="Two\n lines" >}}\n\nBody'
    assert markdown_to_text(source) == "Two lines\n\nBody"


def test_stray_shortcode_openers_are_dropped() -> None:
    assert markdown_to_text("a {{< never closed") == "a never closed"
    nested = markdown_to_text("nested {{{{< x >}}<}} braces")
    assert "{{<" not in nested and ">}}" not in nested
    assert nested.startswith("nested") and nested.endswith("braces")
    assert "{{" not in markdown_to_text("{\\{< x >}}")


def test_shortcode_inside_a_link_target_keeps_the_anchor() -> None:
    assert markdown_to_text('[the post]({{< ref "post.md" >}}) says') == "the post says"


def test_source_keeps_markdown_but_not_shortcodes() -> None:
    source = strip_shortcodes('Text [a](http://x).\n\n{{< image src="/a" title="Caption" >}}\n')
    assert source == "Text [a](http://x).\n\nCaption\n"
