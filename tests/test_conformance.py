# ruff: noqa: E501
"""Conformance: fields of randomly chosen real files, expected values written by hand.

For each corpus, ten files are drawn with ``random.Random(f"issue-13-{corpus}")``
from its article files (sorted), and their title, date, language, tags, authors and
the first 80 characters of the summary were written here by a person reading the
file, as a reader of the site sees them, without running the indexer. Every field
is compared; a field the indexer gets wrong is listed in ``KNOWN`` with the reason
(so this test fails when one goes right or another goes wrong), and the per-field
accuracy table in ``docs/reading-archives.md`` comes from ``accuracy()``.

Whole-archive checks: every astro-docs article is in its folder's language; every
Jekyll post and every file whose name holds a date is dated.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

import pytest

from indexer.config import ArchiveConfig
from indexer.parse import parse_bytes
from search.languages import normalise_lang
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

PATTERNS = {
    "sisihagen": ("*.md",),
    "bbc": ("*.txt",),
    "20news": ("*",),
    "astro-docs": ("*.mdx",),
    "hugo-docs": ("*.md",),
    "jekyll-posts": ("*.md", "*.markdown"),
    "eleventy": ("*.md",),
}
FIELDS = ("title", "date", "lang", "tags", "authors", "summary")
D = dt.date
E: tuple[str, ...] = ()


def article_files(root: Path, corpus: str) -> list[str]:
    found = {
        p.relative_to(root).as_posix()
        for pattern in PATTERNS[corpus]
        for p in root.rglob(pattern)
        if p.is_file()
    }
    return sorted(f for f in found if f.lower() != "readme.txt")


def picked(root: Path, corpus: str) -> list[str]:
    return random.Random(f"issue-13-{corpus}").sample(article_files(root, corpus), 10)


# (title, date, lang, tags, authors, summary's first 80 characters), by corpus and path
EXPECTED: dict[str, dict[str, tuple[Any, ...]]] = {
    "sisihagen": {
        "en/blog/2021/06/rainbow-colors-in-the-name-of-terror.md": (
            "Rain floor colors in the name of terror",
            D(2021, 6, 28),
            "en",
            ("Society",),
            E,
            "The West are countries full of hypocrites, which was very well reflected in Hungary",
        ),
        "ru/blog/2021/06/bild-and-the-conspiracy-theorists.md": (
            "BOLD и теоретики заговора",
            D(2021, 6, 16),
            "ru",
            ("СМИ",),
            E,
            "Теперь Россия и Турция несут ответственность за публичное разграбление зеленых политиков.",
        ),
        "en/blog/2019/05/assange-is-made-forgotten.md": (
            "Assange is made forgotten",
            D(2019, 5, 24),
            "en",
            ("society",),
            E,
            "The Tagesschau (German Governmant TV) is looking at a scandalous breach of international",
        ),
        "en/blog/2020/12/the-deserved-end-of-germany.md": (
            "The deserved end of Germany",
            D(2020, 12, 28),
            "en",
            ("State",),
            E,
            "In its history, Germany has never had diplomats, only agitators. Something like that",
        ),
        "ru/blog/2020/06/great-for-the-usa.md": (
            "Отлично подходит для США",
            D(2020, 6, 29),
            "ru",
            ("Общество",),
            E,
            "Критики Трампа в восторге от критической книги Трампа Джона Болтона. Но кто этот Джон",
        ),
        "en/blog/2019/03/uranium-ammunition-the-secretive-million-murder.md": (
            "Uranium ammunition, the secretive million murder",
            D(2019, 3, 13),
            "en",
            ("state",),
            E,
            "Everyone knows there are nukes. But everyone knows that NATO Terrorists using radio",
        ),
        "de/blog/2020/03/corona-virus-drives-the-us-army-away.md": (
            "Corona-Virus schlägt US-Army in die Flucht",
            D(2020, 3, 30),
            "de",
            ("Gesellschaft",),
            E,
            'Dem Virus wegen: Die US-Army bricht ihr Militärmanöver "Defender 2020" vor Russlands',
        ),
        "fr/blog/2020/03/the-new-deal.md": (
            "Le nouveau deal",
            D(2020, 3, 16),
            "fr",
            ("Politique",),
            E,
            "La nouvelle donne, un terme qui imprime de l'argent là où il n'y avait aucun moyen",
        ),
        "fr/blog/2021/02/amnesty-international-assange-and-hypocrisy.md": (
            "Amnesty International, Assange et l'hypocrisie",
            D(2021, 2, 2),
            "fr",
            ("Société",),
            E,
            "Le 26 novembre 2020, 152 nouveaux signataires d'une lettre ouverte adressée à Amnesty",
        ),
        "fr/blog/2020/01/defender-2020.md": (
            "Defender 2020",
            D(2020, 1, 20),
            "fr",
            ("Société",),
            E,
            "Les États-Unis pratiquent la guerre contre la Russie et l'allemand est non seulement",
        ),
    },
    "bbc": {
        "entertainment/172.txt": (
            "Eurovision 'greats' to do battle",
            None,
            "en",
            E,
            E,
            "Stars of the Eurovision Song Contest from the show's 50-year history are to compete",
        ),
        "business/432.txt": (
            "BA to suspend two Saudi services",
            None,
            "en",
            E,
            E,
            "British Airways is to halt its flights from London Heathrow to Jeddah and Riyadh in",
        ),
        "entertainment/176.txt": (
            "'Comeback' show for Friends star",
            None,
            "en",
            E,
            E,
            "Friends actress Lisa Kudrow is to play the lead role in a new series about a one-time",
        ),
        "politics/022.txt": (
            "Nat Insurance to rise, say Tories",
            None,
            "en",
            E,
            E,
            "National Insurance will be raised if Labour wins the next election, Tory leader Michael",
        ),
        "sport/326.txt": (
            "Robinson answers critics",
            None,
            "en",
            E,
            E,
            "England captain Jason Robinson has rubbished suggestions that the world champions",
        ),
        "business/296.txt": (
            "Millions 'to lose textile jobs'",
            None,
            "en",
            E,
            E,
            "Millions of the world's poorest textile trade workers will lose their jobs under new",
        ),
        "tech/364.txt": (
            "'Podcasters' look to net money",
            None,
            "en",
            E,
            E,
            "Nasa is doing it, 14-year-old boys in bedrooms are doing it, couples are doing it,",
        ),
        "entertainment/030.txt": (
            "US critics laud comedy Sideways",
            None,
            "en",
            E,
            E,
            "Road trip comedy Sideways has had more praise heaped on it by two US critics' associations",
        ),
        "sport/269.txt": (
            "Reds sink 10-man Magpies",
            None,
            "en",
            E,
            E,
            "Titus Bramble's own goal put Liverpool on the comeback trail as injury-hit Newcastle",
        ),
        "entertainment/241.txt": (
            "Youssou N'Dour wins music prize",
            None,
            "en",
            E,
            E,
            "Senegalese musician Youssou N'Dour has been named a winner of a BBC Radio 3 World",
        ),
    },
    "20news": {
        "20news-bydate-train/sci.crypt/15533": (
            "Re: Screw the people, crypto is for hard-core hackers & spooks only",
            None,
            "en",
            E,
            ("Derek Atkins",),
            "-----BEGIN PGP SIGNED MESSAGE----- > Why do we hackers care about the Clipper chip?",
        ),
        "20news-bydate-train/talk.politics.mideast/76120": (
            "Re: ARMENIA SAYS IT COULD SHOOT DOWN TURKISH PLANES (Henrik)",
            None,
            "en",
            E,
            ("Hilmi Eren",),
            '|>The student of "regional killings" alias Davidian (not the Davidian religios sect)',
        ),
        "20news-bydate-train/misc.forsale/76025": (
            "For Sale: IBM Wheelwriter 6",
            None,
            "en",
            E,
            ("Brian David Olson",),
            "I just won an IBM Wheelwriter 6 typewriter in a raffle here on campus. Since I have",
        ),
        "20news-bydate-train/comp.os.ms-windows.misc/9961": (
            'Is "Kermit" available for Windows 3.0/3.1?',
            None,
            "en",
            ("windows kermit comm app",),
            ("Steve Frampton",),
            "Looking for Windows Kermit.",
        ),
        "20news-bydate-train/rec.autos/102839": (
            "Re: 300ZX or SC300???",
            None,
            "en",
            E,
            ("Issa El-Hazin",),
            "ip02@ns1.cc.lehigh.edu (Danny Phornprapha) writes: >Hi everyone, >I'm getting a car",
        ),
        "20news-bydate-train/rec.motorcycles/104380": (
            "Re: Live Free, but Quietly, or Die",
            None,
            "en",
            E,
            ("Chris Pirih",),
            "In rec.motorcycles egreen@east.sun.com writes: ;Revving the throttle requires either",
        ),
        "20news-bydate-train/talk.religion.misc/82812": (
            "Re: Spreading Christianity (Re: Christian Extremist Kills Doctor)",
            None,
            "en",
            E,
            ("dean.kaflowitz",),
            "In article <C51puA.K2u@mailer.cc.fsu.edu>, dlecoint@garnet.acns.fsu.edu (Darius_Le",
        ),
        "20news-bydate-train/sci.med/58851": (
            "Re: chronic sinus and antibiotics",
            None,
            "en",
            E,
            ("Douglas S. Rand",),
            "In article <DEHP.117@calvin.edu> DEHP@calvin.edu (Phil de Haan) writes: In article",
        ),
        "20news-bydate-train/sci.space/60956": (
            "Re: Moon Colony Prize Race! $6 billion total?",
            None,
            "en",
            E,
            ("Marvin Batty",),
            "In article <1993Apr20.020259.1@aurora.alaska.edu> nsmca@aurora.alaska.edu writes:",
        ),
        "20news-bydate-test/comp.sys.mac.hardware/52269": (
            "Re: Unknown Mac board NATIONAL INSTRUMENTS NB-DMA-8",
            None,
            "en",
            E,
            ("Brian Clark",),
            "In article <C5yGDq.6MI@news.iastate.edu>, kmradke@iastate.edu (Kevin M Radke) wrote",
        ),
    },
    "astro-docs": {
        "en/guides/cms/emdash.mdx": (
            "EmDash & Astro",
            None,
            "en",
            E,
            E,
            "Add content to your Astro project using EmDash as a CMS",
        ),
        "ko/guides/cms/umbraco.mdx": (
            "Umbraco & Astro",
            None,
            "ko",
            E,
            E,
            "Umbraco를 CMS로 사용하여 Astro 프로젝트에 콘텐츠 추가",
        ),
        "fr/reference/errors/prerender-route-conflict.mdx": (
            "La route pré-rendue génère le même chemin qu'une autre route.",
            None,
            "fr",
            E,
            E,
            "PrerenderRouteConflict: Could not render PATHNAME from route THIS_ROUTE as it conflicts",
        ),
        "de/tutorial/5-astro-api/index.mdx": (
            "Wissenscheck: Lektion 5 – Astro API",
            None,
            "de",
            E,
            E,
            "Tutorial: Erstelle deinen ersten Astro-Blog – Abrufen und Verwenden von Daten aus",
        ),
        "zh-cn/reference/errors/session-config-without-flag-error.mdx": (
            "Session flag not set",
            None,
            "zh",
            E,
            E,
            "已弃用 该错误已在 Astro 5.7 中被移除，会话功能已不再是实验性功能。 在没有启用 experimental.session 标志的前提下提供了会话（Session）配置。",
        ),
        "ko/reference/modules/astro-config.mdx": (
            "구성 가져오기 API 참조",
            None,
            "ko",
            E,
            E,
            "astro:config 가상 모듈은 Astro 구성의 일부 속성들을 직렬화 가능하고 타입 안전한 버전으로 노출합니다. 구성 값의 서로 다른 하위",
        ),
        "en/recipes/tailwind-rendered-markdown.mdx": (
            "Style rendered Markdown with Tailwind Typography",
            None,
            "en",
            E,
            E,
            "Learn how to use @tailwind/typography to style your rendered Markdown.",
        ),
        "en/guides/cms/hygraph.mdx": (
            "Hygraph & Astro",
            None,
            "en",
            E,
            E,
            "Add content to your Astro project using Hygraph as a CMS",
        ),
        "ja/tutorial/1-setup/2.mdx": (
            "初めてのAstroプロジェクト",
            None,
            "ja",
            E,
            E,
            "「初めてのAstroブログ」チュートリアル - Astroチュートリアルのために新しいプロジェクトを作成し、コーディングの準備をする",
        ),
        "it/tutorial/3-components/1.mdx": (
            "Crea un componente di Navigazione riutilizzabile",
            None,
            "it",
            E,
            E,
            "Tutorial: Crea il tuo primo blog Astro — Sostituisci gli elementi ripetuti su più",
        ),
    },
    "hugo-docs": {
        "quick-reference/glossary/function.md": (
            "function",
            None,
            "en",
            E,
            E,
            "Used within a template action, a function takes one or more arguments and returns a",
        ),
        "templates/robots.md": (
            "robots.txt template",
            None,
            "en",
            E,
            E,
            "Hugo can generate a customized robots.txt in the same way as any other template.",
        ),
        "commands/hugo_gen_doc.md": (
            "hugo gen doc",
            None,
            "en",
            E,
            E,
            "Generate Markdown documentation for the Hugo CLI Synopsis Generate Markdown documen",
        ),
        "functions/resources/Concat.md": (
            "resources.Concat",
            None,
            "en",
            E,
            E,
            "Returns a concatenated slice of resources.",
        ),
        # its description only repeats the title, which a summary never does (issue 13)
        "configuration/versions.md": (
            "Configure versions",
            None,
            "en",
            E,
            E,
            "This is the default configuration: Base settings Configure the following base settings:",
        ),
        "functions/compare/Eq.md": (
            "compare.Eq",
            None,
            "en",
            E,
            E,
            "Returns the boolean truth of arg1 == arg2 || arg1 == arg3.",
        ),
        "methods/page/Weight.md": (
            "Weight",
            None,
            "en",
            E,
            E,
            "Returns the weight of the given page as defined in front matter.",
        ),
        "quick-reference/glossary/translation-table.md": (
            "translation table",
            None,
            "en",
            E,
            E,
            "A translation table is a JSON, TOML, or YAML file within the i18n directory, named",
        ),
        "methods/page/Slug.md": (
            "Slug",
            None,
            "en",
            E,
            E,
            "Returns the URL slug of the given page as defined in front matter.",
        ),
        "methods/menu-entry/Title.md": (
            "Title",
            None,
            "en",
            E,
            E,
            "Returns the title property of the given menu entry.",
        ),
    },
    "jekyll-posts": {
        "2018-01-02-jekyll-3-7-0-released.md": (
            "Jekyll 3.7.0 Released",
            D(2018, 1, 2),
            "en",
            ("release",),
            ("DirtyF",),
            "Jekyll 3.7.0 brings LiveReload, a directory for your collections and much more…",
        ),
        "2014-12-17-alfredxing-welcome-to-jekyll-core.md": (
            "Alfred Xing has joined the Jekyll core team",
            D(2014, 12, 17),
            "en",
            ("team",),
            ("parkr",),
            "We're excited to announce that @alfredxing has joined the @jekyll/core team! He hai",
        ),
        "2018-03-15-jekyll-3-8-0-released.markdown": (
            "Jekyll 3.8.0 Released",
            D(2018, 4, 19),
            "en",
            ("release",),
            ("ashmaroli",),
            "Aloha Jekyllers!! :wave: After months of toiling on the codebase and shipping a co",
        ),
        "2018-01-25-jekyll-3-7-2-released.md": (
            "Jekyll 3.7.2 Released",
            D(2018, 1, 25),
            "en",
            ("release",),
            ("ashmaroli",),
            "Close on the heels of shipping 3.7.0, we were informed of a couple of regressions",
        ),
        "2022-03-03-jekyll-4-2-2-released.markdown": (
            "Jekyll 4.2.2 Released",
            D(2022, 3, 3),
            "en",
            ("release",),
            ("ashmaroli",),
            "Hello Jekyllers! Jekyll 4.2.2 has been released. Unlike prior releases, this is a",
        ),
        "2020-12-14-jekyll-4-2-0-released.markdown": (
            "Jekyll 4.2.0 Released",
            D(2020, 12, 14),
            "en",
            ("release",),
            ("ashmaroli",),
            "Greetings Jekyllers! Jekyll v4.2.0 is out! This release gives you a new hook named",
        ),
        "2014-09-09-jekyll-2-4-0-released.markdown": (
            "A Wild Jekyll 2.4.0 Appeared!",
            D(2014, 9, 9),
            "en",
            ("release",),
            ("parkr",),
            "Well, lookie here! A new release of Jekyll! v2.4.0 contains lots of goodies, inclu",
        ),
        "2013-05-08-jekyll-1-0-1-released.markdown": (
            "Jekyll 1.0.1 Released",
            D(2013, 5, 8),
            "en",
            ("release",),
            ("parkr",),
            "Hot on the trails of v1.0, v1.0.1 is out! Here are the highlights: Add newer langu",
        ),
        "2017-03-21-jekyll-3-4-3-released.markdown": (
            "Jekyll 3.4.3 Released",
            D(2017, 3, 21),
            "en",
            ("release",),
            ("pathawks",),
            "Another one-PR patch update as we continue our quest to destroy all bugs. A fairly",
        ),
        "2016-01-20-jekyll-3-0-2-released.markdown": (
            "Jekyll 3.0.2 Released",
            D(2016, 1, 20),
            "en",
            ("release",),
            ("parkr",),
            "A crucial bug was found in v3.0.1 which caused invalid post dates to go unnoticed",
        ),
    },
    "eleventy": {
        "docs/transforms.md": (
            "Transforms",
            None,
            "en",
            E,
            E,
            "Transforms can modify a template’s output. For example, use a transform to format/",
        ),
        "blog/2022-11-29-jamstack-survey-2022.md": (
            "Jamstack Community Survey 2022 Results",
            D(2022, 11, 29),
            "en",
            E,
            E,
            "Check out the Jamstack Community Survey 2022 Looks like our usage grew from 17% to 19%",
        ),
        "docs/versions.md": (
            "Release History",
            None,
            "en",
            E,
            E,
            "You can also browse the latest releases on: npm GitHub. npmx node-modules.dev sock",
        ),
        "blog/2025-05-13-eleventy-v3-1.md": (
            "Eleventy v3.1.0 is now available — 11% faster and 22% smaller!",
            D(2025, 5, 13),
            "en",
            E,
            E,
            "Eleventy v3.1.0 🎈🐀 is now available! It features a bunch of dependency reduction",
        ),
        "docs/quicktips/tag-pages.md": (
            "Zero Maintenance Tag Pages for your Blog",
            D(2018, 6, 8),
            "en",
            ("related-pagination",),
            E,
            "This quick tip will show you how to automatically generate Tag Pages (lists of con",
        ),
        "docs/glossary.md": (
            "Glossary",
            None,
            "en",
            E,
            E,
            "This page provides two lists of terms — one for Eleventy-specific terminology that",
        ),
        "docs/server-vite.md": (
            "Vite",
            None,
            "en",
            E,
            E,
            "eleventy-plugin-vite on GitHub A plugin to use Vite with Eleventy 2.0+. Runs Vite as Middleware",
        ),
        "docs/languages/html.md": (
            "HTML",
            None,
            "en",
            E,
            E,
            "HTML files are pre-processed by default as Liquid templates. This is an optional f",
        ),
        "blog/2023-07-17-community-survey-results.md": (
            "The Eleventy Community Survey Results (2023)",
            D(2023, 7, 17),
            "en",
            E,
            E,
            "Please help Eleventy out again by completing Survey Awesome (2024)! Prerequisite r",
        ),
        "blog/2024-02-23-eight-million.md": (
            "Eight Million npm Downloads!",
            D(2024, 2, 23),
            "en",
            E,
            E,
            "On February 19, 2024 Eleventy passed eight million lifetime downloads! (This numbe",
        ),
    },
}

_SITE_TITLE_KEY = "the title is in a key of this site's own (newstitle, tiptitle), not title"
KNOWN: dict[tuple[str, str, str], str] = {
    ("eleventy", "blog/2022-11-29-jamstack-survey-2022.md", "title"): _SITE_TITLE_KEY,
    ("eleventy", "blog/2025-05-13-eleventy-v3-1.md", "title"): _SITE_TITLE_KEY,
    ("eleventy", "docs/quicktips/tag-pages.md", "title"): _SITE_TITLE_KEY,
    ("eleventy", "blog/2023-07-17-community-survey-results.md", "title"): _SITE_TITLE_KEY,
    ("eleventy", "blog/2024-02-23-eight-million.md", "title"): _SITE_TITLE_KEY,
    ("eleventy", "docs/languages/html.md", "summary"): "a table's cells start the summary",
    ("eleventy", "blog/2024-02-23-eight-million.md", "summary"): (
        "the text inside a Liquid {% if %} block is kept (it shows only when data is there)"
    ),
}
"""(corpus, path, field) → why the indexer's value differs from the hand-written one."""


def _fields(article: Any) -> dict[str, Any]:
    return {
        "title": article.title,
        "date": article.date,
        "lang": article.lang,
        "tags": article.tags,
        "authors": article.authors,
        "summary": article.summary[:80],
    }


def compare(corpus: str) -> dict[tuple[str, str], tuple[Any, Any]]:
    """(path, field) → (expected, got) for every field that differs."""
    root = corpus_path(corpus)
    assert sorted(picked(root, corpus)) == sorted(EXPECTED[corpus]), "the draw changed"
    differs: dict[tuple[str, str], tuple[Any, Any]] = {}
    for relpath, expected in EXPECTED[corpus].items():
        outcome = parse_bytes(relpath, (root / relpath).read_bytes(), ArchiveConfig())
        assert outcome.article is not None, outcome.problems
        got = _fields(outcome.article)
        for field, want in zip(FIELDS, expected, strict=True):
            if field == "summary":
                want = want[:80]
            if got[field] != want:
                differs[(relpath, field)] = (want, got[field])
    return differs


def accuracy() -> dict[str, dict[str, str]]:
    """Per corpus and field: right / checked (the table in docs/reading-archives.md)."""
    table: dict[str, dict[str, str]] = {}
    for corpus in EXPECTED:
        wrong = compare(corpus)
        table[corpus] = {f: f"{10 - sum(1 for (_, g) in wrong if g == f)}/10" for f in FIELDS}
    return table


@pytest.mark.parametrize("corpus", list(EXPECTED))
def test_fields_match_the_hand_written_values(corpus: str) -> None:
    differs = compare(corpus)
    known = {(p, f) for (c, p, f) in KNOWN if c == corpus}
    assert {k: v for k, v in differs.items() if k not in known} == {}
    assert known <= set(differs), "a known miss is right now: remove it from KNOWN"


def test_every_astro_docs_article_is_in_its_folders_language() -> None:
    root = corpus_path("astro-docs")
    wrong = []
    for relpath in article_files(root, "astro-docs"):
        outcome = parse_bytes(relpath, (root / relpath).read_bytes(), ArchiveConfig())
        if outcome.article is None:
            continue
        if outcome.article.lang != normalise_lang(relpath.split("/", 1)[0]):
            wrong.append((relpath, outcome.article.lang))
    assert wrong == []


_NAME_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


@pytest.mark.parametrize("corpus", list(PATTERNS))
def test_every_jekyll_post_and_every_dated_file_name_is_dated(corpus: str) -> None:
    root = corpus_path(corpus)
    undated = []
    for relpath in article_files(root, corpus):
        name = relpath.rsplit("/", 1)[-1]
        if not (corpus == "jekyll-posts" or _NAME_DATE.search(name)):
            continue
        outcome = parse_bytes(relpath, (root / relpath).read_bytes(), ArchiveConfig())
        if outcome.article is not None and outcome.article.date is None:
            undated.append(relpath)
    assert undated == []
