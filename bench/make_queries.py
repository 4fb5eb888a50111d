"""Generate ``bench/queries/sisihagen.txt``: the fixed query set of the latency and load benchmarks.

Run once and commit the output (``python -m bench.make_queries``); the output
depends only on the corpus and the seed, so running it again gives the same
file. The mix imitates a search box: single words in each of the four
languages, word pairs that occur together in one article, short phrases
copied from the text, and a few prefix (``stem*``) and fuzzy (``word~``)
queries. Words are drawn by document frequency for most queries (people
search for what the archive is about) and uniformly among the words seen in
at least three articles for the rest (the long tail).
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from whoosh.lang import stopwords_for_language

from bench.archive import PUBLICATIONS, REAL, load_records
from bench.common import CORPORA, QUERIES
from search.article import Article

SEED = 20240611
LANGS = ("de", "en", "fr", "ru")
SINGLE_PER_LANG = 10
PAIRS_PER_LANG = 7
PHRASES_PER_LANG = 3
PREFIX_PER_LANG = 3
FUZZY_PER_LANG = 2
MIN_DF = 3
COMMON_SHARE = 0.6
"""Share of words drawn by document frequency; the others are drawn uniformly."""

_WORD = re.compile(r"[^\W\d_]+")
MIN_LEN = 3
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")


def article_body(text: str) -> str:
    """The Markdown body of a Hugo post without front matter, shortcodes and link targets."""
    if text.startswith("---"):
        _front, sep, rest = text[3:].partition("\n---")
        text = rest.partition("\n")[2] if sep else ""
    text = _SHORTCODE.sub(" ", text)
    text = _LINK_TARGET.sub("]", text)
    return _URL.sub(" ", text)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


@dataclass
class LangVocab:
    """Per language: each article's word list and the document frequency of content words."""

    stop: frozenset[str]
    docs: list[list[str]] = field(default_factory=list)
    df: Counter[str] = field(default_factory=Counter)

    def add(self, tokens: list[str]) -> None:
        self.docs.append(tokens)
        self.df.update({w for w in tokens if len(w) >= MIN_LEN and w not in self.stop})

    def content(self) -> list[str]:
        return sorted(w for w, n in self.df.items() if n >= MIN_DF)


def load_vocab(root: Path) -> dict[str, LangVocab]:
    vocab = {lang: LangVocab(frozenset(stopwords_for_language(lang))) for lang in LANGS}
    for lang in LANGS:
        for path in sorted((root / lang).rglob("*.md")):
            if path.name.startswith("_"):
                continue  # section pages, not articles
            text = path.read_text(encoding="utf-8", errors="replace")
            vocab[lang].add(words(article_body(text)))
    return vocab


class Drawer:
    """Deterministic draws from one language's vocabulary."""

    def __init__(self, vocab: LangVocab, rng: random.Random) -> None:
        self.vocab, self.rng = vocab, rng
        self.words = vocab.content()
        self.weights = [vocab.df[w] for w in self.words]

    def word(self) -> str:
        if self.rng.random() < COMMON_SHARE:
            return self.rng.choices(self.words, weights=self.weights)[0]
        return self.rng.choice(self.words)

    def _doc(self, min_len: int) -> list[str]:
        docs = [d for d in self.vocab.docs if len(d) >= min_len]
        return self.rng.choice(docs)

    def content(self, word: str) -> bool:
        return (
            len(word) >= MIN_LEN and word not in self.vocab.stop and self.vocab.df[word] >= MIN_DF
        )

    def pair(self) -> str:
        doc = [w for w in self._doc(50) if self.content(w)]
        first, second = self.rng.sample(sorted(set(doc)), 2)
        return f"{first} {second}"

    def phrase(self) -> str:
        """Two or three consecutive content words of one article, quoted."""
        for _ in range(1000):
            doc = self._doc(50)
            size = self.rng.choice((2, 3))
            start = self.rng.randrange(len(doc) - size)
            run = doc[start : start + size]
            if all(self.content(w) for w in run):
                return '"' + " ".join(run) + '"'
        raise RuntimeError("no phrase of content words found")

    def prefix(self) -> str:
        word = self.rng.choice([w for w in self.words if len(w) >= 7])
        return word[: max(4, len(word) - 3)] + "*"

    def fuzzy(self) -> str:
        """A word with two neighbouring letters swapped (a typo), marked fuzzy."""
        word = self.rng.choice([w for w in self.words if len(w) >= 6])
        i = self.rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :] + "~"


def make_queries(root: Path, seed: int = SEED) -> list[str]:
    vocab = load_vocab(root)
    rng = random.Random(seed)
    queries: list[str] = []
    for lang in LANGS:
        drawer = Drawer(vocab[lang], rng)
        singles: list[str] = []
        while len(singles) < SINGLE_PER_LANG:
            word = drawer.word()
            if word not in singles:
                singles.append(word)
        queries += singles
        queries += [drawer.pair() for _ in range(PAIRS_PER_LANG)]
        queries += [drawer.phrase() for _ in range(PHRASES_PER_LANG)]
        queries += [drawer.prefix() for _ in range(PREFIX_PER_LANG)]
        queries += [drawer.fuzzy() for _ in range(FUZZY_PER_LANG)]
    # Interleave kinds and languages so any prefix of the file (--quick) is a fair mix.
    rng.shuffle(queries)
    return queries


MIXED_PER_CORPUS = {"single": 60, "pair": 26, "phrase": 10, "filtered": 4}
"""Queries per corpus of ``mixed.txt``: each corpus weighs the same, whatever its size."""


def corpus_vocab(articles: list[Article]) -> LangVocab:
    """One vocabulary over a corpus's articles (stop words of all its languages left out)."""
    langs = {LANG_OF.get(a.lang, "en") for a in articles}
    stop = frozenset(w for lang in langs for w in stopwords_for_language(lang))
    vocab = LangVocab(stop)
    for article in articles:
        vocab.add(words(f"{article.title} {article.body}"))
    return vocab


LANG_OF = {"de": "de", "en": "en", "fr": "fr", "ru": "ru"}


def filtered(drawer: Drawer, articles: list[Article], name: str, rng: random.Random) -> str:
    """A word of one article with a filter that article passes (tag, year, language, source)."""
    candidates = [a for a in articles if len(words(a.body)) >= 50]
    article = rng.choice(candidates)
    content = sorted({w for w in words(article.body) if drawer.content(w)})
    options = [f"publication={PUBLICATIONS[name]}", f"lang={article.lang}"]
    options += [f"tag={t.casefold()}" for t in article.tags[:2]]
    if article.date:
        options.append(f"year={article.date.year}")
    return f"{rng.choice(content)}\t{rng.choice(options)}"


def corpus_queries(name: str, articles: list[Article], rng: random.Random) -> list[str]:
    drawer = Drawer(corpus_vocab(articles), rng)
    queries: list[str] = []
    while len(queries) < MIXED_PER_CORPUS["single"]:
        word = drawer.word()
        if word not in queries:
            queries.append(word)
    queries += [drawer.pair() for _ in range(MIXED_PER_CORPUS["pair"])]
    queries += [drawer.phrase() for _ in range(MIXED_PER_CORPUS["phrase"])]
    queries += [filtered(drawer, articles, name, rng) for _ in range(MIXED_PER_CORPUS["filtered"])]
    return queries


def make_mixed(root: Path, seed: int = SEED) -> list[str]:
    """The mixed set over all three real corpora, parsed as the archive bench indexes them."""
    rng = random.Random(seed)
    queries: list[str] = []
    for name in REAL:
        folder = root / name
        articles, _files, _size = load_records(folder)
        articles = [replace(a, lang="en") if a.lang == "und" else a for a in articles]
        queries += corpus_queries(name, articles, rng)
    unique = list(dict.fromkeys(queries))
    rng.shuffle(unique)
    return unique


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("sisihagen", "mixed"), default="mixed")
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    output = args.output or QUERIES / f"{args.set}.txt"
    if args.set == "mixed":
        queries = make_mixed(args.corpus or CORPORA)
        what = "all three real corpora (sisihagen, bbc, 20news)"
    else:
        queries = make_queries(args.corpus or CORPORA / "sisihagen")
        what = "../shared/corpora/sisihagen"
    header = (
        f"# Fixed query set for `make bench` over {what}.\n"
        f"# Generated by `python -m bench.make_queries --set {args.set}` (seed {SEED}); "
        "do not edit by hand.\n"
        "# One query a line; filters follow the query, tab-separated, as facet=value.\n"
    )
    output.write_text(header + "\n".join(queries) + "\n", encoding="utf-8")
    print(f"{len(queries)} queries written to {output}")


if __name__ == "__main__":
    main()
