"""The body → text chain, one rule at a time, on small inline strings."""

from __future__ import annotations

import pytest

from indexer.config import ArchiveConfig
from indexer.frontmatter_article import extract, read_front_matter
from indexer.markdown_text import body_text, decode_entities, html_to_text, inline_to_text, tidy
from indexer.markup_tags import (
    admonitions,
    code_spans,
    drop,
    inline_code,
    jsx,
    kramdown,
    mdx_statements,
    mdx_tags,
    shortcodes,
    strip_tags,
    template_tags,
)
from indexer.normalise import make_summary
from indexer.parse import parse_bytes


def text(markdown: str, **options: bool) -> str:
    return body_text(markdown, **options).text


# ---- each step alone -------------------------------------------------------------------


def test_template_tags_step_drops_liquid_nunjucks_jinja_and_go_tags() -> None:
    source = (
        'a {% link _docs/x.md %} b {{ site.repository }} c {{ "/x/" | url }} '
        "d {%- include 'x.njk' -%} e {# note #} f {{ .Title }} g"
    )
    assert template_tags(source, drop).split() == list("abcdefg")


def test_template_tags_step_drops_a_comment_block_whole_and_keeps_paired_tag_text() -> None:
    source = "a {% comment %}secret words{% endcomment %} b {% callout %}kept{% endcallout %}"
    assert template_tags(source, drop).split() == ["a", "b", "kept"]


def test_template_tags_step_leaves_hugo_shortcodes_to_their_own_step() -> None:
    assert template_tags("{{< figure >}} {{% note %}}", drop) == "{{< figure >}} {{% note %}}"


def test_code_spans_step_makes_highlight_and_set_capture_blocks_fenced_code() -> None:
    fenced = code_spans("{% highlight ruby %}\nputs 1\n{% endhighlight %}")
    assert "```ruby\nputs 1\n```" in fenced
    assert "```\nx()\n```" in code_spans("{% set codeContent %}\nx()\n{% endset %}")
    raw = code_spans("{%- set codeBlock %}{% raw %}\nimport a from 'a';\n{% endraw %}{% endset %}")
    assert raw == "\n```\nimport a from 'a';\n```\n"
    assign = "{% set x = 1 %}\ntext\n{% endset %}"
    assert code_spans(assign) == assign  # an assignment holds no block


def test_shortcodes_step_keeps_readable_parameters() -> None:
    assert shortcodes('{{< figure src="/a.png" caption="A cat" >}}', drop) == "A cat"
    assert shortcodes("{{% note %}}Careful{{% /note %}}", drop) == "Careful"


def test_mdx_statements_step_removes_imports_and_exports() -> None:
    source = (
        "import Since from '~/components/Since.astro';\n"
        "import { Steps,\n  Tabs } from '@astrojs/starlight/components'\n"
        'import "./style.css";\n'
        "export const meta = {\n  a: { b: 1 },\n};\n"
        "Imports are words in prose: import them from npm."
    )
    assert mdx_statements(source, drop).split() == (
        ["Imports", "are", "words", "in", "prose:", "import", "them", "from", "npm."]
    )


def test_jsx_step_keeps_children_and_title_alt_caption_props() -> None:
    source = '<Card title="Fast &amp; light" icon="x">Body</Card> <Since v="4.0" /> <>frag</>'
    assert jsx(source, drop).split() == ["Fast", "&amp;", "light", "Body", "frag"]
    assert jsx("<Code code={`a > b`} lang='js' />", drop).strip() == ""
    assert jsx("a <b>bold</b> and 1 < B or c", drop) == "a <b>bold</b> and 1 < B or c"


def test_mdx_tags_step_reads_lowercase_tags_as_jsx_and_drops_scripts() -> None:
    source = "<details>\n<summary>Show</summary>\n<script>evil()</script>\n</details>"
    assert mdx_tags(source, drop).split() == ["Show"]


def test_admonitions_step_keeps_title_and_text() -> None:
    assert admonitions(":::tip[Try this]\nA tip.\n:::", drop).split() == [
        "Try",
        "this",
        "A",
        "tip.",
    ]
    mkdocs = admonitions('!!! note "Heads up"\n    Indented text.\n\nAfter', drop)
    assert "Heads up" in mkdocs and "\nIndented text." in mkdocs and "    " not in mkdocs
    assert admonitions("> [!NOTE]\n> Noted.", drop) == "> \n> Noted."


def test_kramdown_step_drops_attribute_lists() -> None:
    assert kramdown("Para{: .note}\n{:toc}\n{::options parse_block_html='true' /}", drop) == (
        "Para\n\n"
    )


def test_inline_code_step_keeps_code_spans_whole() -> None:
    marked: list[str] = []

    def mark(original: str, readable: str) -> str:
        marked.append(original)
        return "X"

    assert inline_code("by `{{` and `}}`.", mark) == "by `X` and `X`."
    assert marked == ["{{", "}}"]


def test_strip_tags_is_every_step_for_one_line() -> None:
    assert strip_tags("Hello {{ site.title }} <Badge text='New' />{: .x}").split() == [
        "Hello",
        "New",
    ]


def test_decode_entities_decodes_complete_references_once() -> None:
    assert decode_entities("Virtually&#8230; it&rsquo;s &#x2014; &amp;amp;") == (
        "Virtually… it’s — &amp;"
    )
    assert decode_entities("AT&T and &copy2 and &nosuch;") == "AT&T and &copy2 and &nosuch;"


def test_html_to_text_separates_blocks_and_drops_scripts() -> None:
    fragment = "<div><p>One</p><p>Two</p><ul><li>a</li><li>b</li></ul><style>x{}</style></div>"
    assert tidy(html_to_text(fragment)) == "One\n\nTwo\n\na\n\nb"
    assert html_to_text("<span>in</span><b>line</b>") == "inline"


# ---- the whole chain -------------------------------------------------------------------


def test_a_liquid_link_keeps_its_label_and_an_image_its_alt() -> None:
    source = 'See [the docs]({% link _docs/index.md %}) and ![a cat]({{ "/x.png" | url }}).'
    assert text(source) == "See the docs and a cat."


def test_template_tags_stay_in_code_and_raw_tags_vanish() -> None:
    source = "Use `{{ site.url }}` or {% raw %}`{{ page.content }}`{% endraw %}.\n\n" + (
        "```liquid\n{% raw %}{{ x }}{% endraw %}\n```"
    )
    result = body_text(source)
    assert result.text == "Use {{ site.url }} or {{ page.content }}.\n\n{{ x }}"
    assert result.prose == "Use {{ site.url }} or {{ page.content }}."
    assert text(source, code=False) == "Use or ."


def test_hugo_escaped_shortcodes_show_in_code_as_hugo_renders_them() -> None:
    source = "{{% note %}}\nA **note**.\n{{% /note %}}\n\n```\n{{</* figure */>}}\n```"
    assert text(source) == "A note.\n\n{{< figure >}}"


def test_empty_target_links_keep_their_text() -> None:
    assert text('An [empty]({{< relref "" >}}) link and [another]().') == (
        "An empty link and another."
    )


def test_mdx_body_loses_imports_and_components_keeps_their_text() -> None:
    source = (
        "import Card from '~/components/Card.astro';\n\n# Guide\n\n"
        '<Card title="Big card">\n  Some **bold** [link](/x) text.\n</Card>\n\n'
        "<Fragment slot='a'>\n    ```js\n    import x from 'y';\n    ```\n</Fragment>\n"
    )
    result = body_text(source, mdx=True)
    assert result.text == "Guide\n\nBig card Some bold link text.\n\nimport x from 'y';"
    assert result.prose == "Guide\n\nBig card Some bold link text."


def test_footnote_markers_go_and_footnote_text_comes_last() -> None:
    source = "Claim[^1] and more.\n\n[^1]: The source.\n\nNext paragraph."
    assert text(source) == "Claim and more.\n\nNext paragraph.\n\nThe source."


def test_admonition_text_and_kramdown_in_the_chain() -> None:
    source = ":::caution[Mind]\nCareful **now**.\n:::\n\nPara\n{: .lead}"
    assert text(source) == "Mind Careful now.\n\nPara"


def test_highlight_block_is_code_not_prose() -> None:
    source = "Intro.\n\n{% highlight ruby %}\ndef x\n  {{ y }}\nend\n{% endhighlight %}"
    result = body_text(source)
    assert result.text == "Intro.\n\ndef x\n{{ y }}\nend"
    assert result.prose == "Intro."


def test_raw_html_block_becomes_separated_text() -> None:
    source = '<div class="x"><p>One</p><p>Two &amp; three</p><script>evil()</script></div>\n\nAfter'
    assert text(source) == "One\n\nTwo & three\n\nAfter"


def test_inline_to_text_for_descriptions() -> None:
    assert inline_to_text("Learn `astro add` and **more** {{ x }} &rsquo;") == (
        "Learn astro add and more ’"
    )


# ---- titles and summaries --------------------------------------------------------------


def _article(markdown: str, path: str = "a.md"):  # type: ignore[no-untyped-def]
    outcome = parse_bytes(path, markdown.encode(), ArchiveConfig())
    assert outcome.article is not None, outcome.problems
    return outcome.article


def test_title_and_description_entities_and_tags_are_read() -> None:
    article = _article(
        '---\ntitle: "Virtually&#8230; {{ site.name }} &ndash; news"\n'
        'description: "It&rsquo;s `code` and **bold**"\n---\nBody.'
    )
    assert article.title == "Virtually… – news"
    assert article.summary == "It’s code and bold"


def test_summary_is_prose_not_code_and_never_the_title() -> None:
    article = _article("---\ntitle: Install\n---\n# Install\n\n```sh\nnpm i\n```\n\nThen run it.")
    assert article.summary == "Then run it."
    assert "npm i" in article.body
    only_code = _article("---\ntitle: Code\n---\n```sh\nnpm i\n```\n")
    assert only_code.summary == ""


def test_a_given_summary_equal_to_the_title_is_not_used() -> None:
    assert make_summary("Install.", "Body text here.", "Install") == "Body text here."
    assert make_summary(None, "Install\n\nBody text.", "Install") == "Body text."
    assert make_summary(None, "Installing things\n\nBody.", "Install") == "Installing things Body."


def test_mdx_files_are_read_as_mdx() -> None:
    source = (
        "---\ntitle: T\n---\nimport A from 'a';\n\n"
        "<details>\n<summary>S</summary>\n\nBody\n</details>"
    )
    assert _article(source, "x.mdx").body == "S\n\nBody"


@pytest.mark.parametrize("tag", ["{% include 'x.html' %}", "{{ page.title }}", "{# c #}"])
def test_plain_text_loses_template_tags_and_entities(tag: str) -> None:
    article = _article(f"A title&rsquo;s\n\nBody {tag} text &amp; more.", "a.txt")
    assert article.title == "A title’s"
    assert article.body == "Body  text & more."


def test_extract_reads_front_matter_bodies_through_the_chain() -> None:
    front = read_front_matter("---\ntitle: x\n---\nA [^1] {{ y }}\n\n[^1]: note")
    assert front is not None
    found = extract(front)
    assert found.body == "A\n\nnote"
