"""Language detection measured on the real corpora: accuracy and cost of each candidate.

``python -m bench.langdetect [--head N]`` reads every article of ``sisihagen``
(truth: its declared ``lang``) and ``astro-docs`` (truth: its language folder),
keeps those whose indexed text is over 200 characters, and runs each detector
on the first ``--head`` characters of title + text (py3langid and lingua only
when installed: they are not dependencies). It prints, per corpus and
detector, the share detected right, how many were not confident (``und``), and
the median cost per article. The figures chosen from are in
``docs/decisions/`` (language detection).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator

from bench.common import corpus
from indexer.config import ArchiveConfig
from indexer.parse import parse_bytes
from search.languages import normalise_lang

MIN_CHARS = 200


def samples(name: str) -> Iterator[tuple[str, str, str]]:
    """(relpath, true language, text) of every article of corpus ``name`` over 200 chars."""
    root = corpus(name)
    config = ArchiveConfig(default_lang="und")
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".md", ".mdx"):
            continue
        relpath = path.relative_to(root).as_posix()
        outcome = parse_bytes(relpath, path.read_bytes(), config)
        article = outcome.article
        if article is None or len(article.body) <= MIN_CHARS:
            continue
        truth = normalise_lang(relpath.split("/", 1)[0]) if name == "astro-docs" else article.lang
        if truth and truth != "und":
            yield relpath, truth, f"{article.title}\n{article.body}"


def detectors() -> dict[str, Callable[[str], str]]:
    from indexer.langdetect import detect

    found: dict[str, Callable[[str], str]] = {"ours (fastText lid.176.ftz)": lambda t: detect(t)[0]}
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        # its 97 original languages: the added varieties (wuu, yue, an, ext) split the scores
        ident.set_languages(ident.labels[: ident.labels.index("zxx") + 1])

        def by_py3langid(text: str) -> str:
            code, confidence = ident.classify(text)
            return str(code) if confidence >= 0.7 and code != "zxx" else "und"

        found["py3langid (97 languages, confidence 0.7)"] = by_py3langid
    except ImportError:
        print("py3langid is not installed: not measured", file=sys.stderr)
    try:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()

        def by_lingua(text: str) -> str:
            language = lingua.detect_language_of(text)
            return language.iso_code_639_1.name.lower() if language else "und"

        found["lingua (low accuracy mode)"] = by_lingua
    except ImportError:
        print("lingua-language-detector is not installed: not measured", file=sys.stderr)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--head", type=int, default=1000, help="characters given to a detector")
    args = parser.parse_args(argv)
    found = detectors()
    for name in ("sisihagen", "astro-docs"):
        rows = list(samples(name))
        print(f"{name}: {len(rows)} articles over {MIN_CHARS} characters")
        for label, detect in found.items():
            right, unsure, costs = 0, 0, []
            wrong: Counter[tuple[str, str]] = Counter()
            for _relpath, truth, text in rows:
                start = time.perf_counter()
                got = detect(text[: args.head])
                costs.append(time.perf_counter() - start)
                right += got == truth
                unsure += got == "und"
                if got not in (truth, "und"):
                    wrong[(truth, got)] += 1
            print(
                f"  {label}: {right / len(rows):.2%} right, {unsure} not confident, "
                f"median {statistics.median(costs) * 1000:.2f} ms/article; "
                f"wrong: {dict(wrong.most_common(5))}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
