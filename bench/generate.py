"""A scaled archive: N front-matter Markdown articles made of the real corpora's pieces.

``python -m bench.generate N TARGET [--seed S]``. Each generated article
copies the shape of a real article drawn at random (uniformly over all
24,500, so 20news's weight and sisihagen's languages stay as they are): its
language, tags, publication and number of paragraphs; its date, or for the
undated corpora a day in their known period (BBC 2004–2005, 20news 1993).
Its title and paragraphs are real ones drawn from the same corpus and
language, so vocabulary, word frequencies and lengths stay realistic. The
output depends only on N, the seed and the corpora. Files go under
``TARGET/<corpus>/<lang>/<block>/<n>.md``, 1,000 to a folder, with an
``archive-search.toml`` naming the publications; TARGET must be outside the
repository and ``../shared``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.archive import REAL, config_text, load_records
from bench.common import CORPORA, MB, ROOT, log
from indexer.config import CONFIG_NAME

SEED = 20240611
PER_FOLDER = 1000
MAX_PARAGRAPHS = 60
UNDATED_PERIODS = {
    "bbc": (dt.date(2004, 1, 1), dt.date(2005, 12, 31)),
    "20news": (dt.date(1993, 1, 1), dt.date(1993, 12, 31)),
}
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True, slots=True)
class Shape:
    corpus: str
    lang: str
    tags: tuple[str, ...]
    date: dt.date | None
    paragraphs: int


@dataclass
class Pool:
    """Shapes of all real articles; titles and paragraphs by (corpus, language)."""

    shapes: list[Shape] = field(default_factory=list)
    titles: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    paragraphs: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in _PARAGRAPH_BREAK.split(body) if p.strip()]


def load_pool(root: Path = CORPORA) -> Pool:
    pool = Pool()
    for name in REAL:
        articles, _files, _size = load_records(root / name)
        for article in articles:
            lang = "en" if article.lang == "und" else article.lang
            parts = paragraphs(article.body)
            if not parts:
                continue
            key = (name, lang)
            pool.titles[key].append(article.title)
            pool.paragraphs[key].extend(parts)
            count = min(len(parts), MAX_PARAGRAPHS)
            pool.shapes.append(Shape(name, lang, article.tags, article.date, count))
    return pool


def article_text(shape: Shape, pool: Pool, rng: random.Random) -> str:
    key = (shape.corpus, shape.lang)
    date = shape.date or _random_day(UNDATED_PERIODS[shape.corpus], rng)
    # JSON strings and lists are valid YAML flow scalars, and much faster to write than yaml.dump.
    front = [
        f"title: {json.dumps(rng.choice(pool.titles[key]), ensure_ascii=False)}",
        f"date: {date.isoformat()}",
        f"lang: {shape.lang}",
    ]
    if shape.tags:
        front.append(f"tags: {json.dumps(list(shape.tags), ensure_ascii=False)}")
    body = "\n\n".join(rng.choices(pool.paragraphs[key], k=shape.paragraphs))
    return "---\n" + "\n".join(front) + "\n---\n\n" + body + "\n"


def _random_day(period: tuple[dt.date, dt.date], rng: random.Random) -> dt.date:
    start, end = period
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def check_target(target: Path) -> None:
    resolved = target.resolve()
    for forbidden in (ROOT, CORPORA.parent):
        if resolved.is_relative_to(forbidden.resolve()):
            raise ValueError(f"refusing to generate into {target}: it is inside {forbidden}")


def generate(
    target: Path, count: int, *, seed: int = SEED, pool: Pool | None = None
) -> dict[str, float]:
    """Write ``count`` articles under ``target``; files, megabytes and seconds taken."""
    check_target(target)
    started = time.perf_counter()
    pool = pool if pool is not None else load_pool()
    rng = random.Random(seed)
    size = 0
    made: set[Path] = set()
    for n in range(count):
        shape = rng.choice(pool.shapes)
        folder = target / shape.corpus / shape.lang / f"{n // PER_FOLDER:04d}"
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        data = article_text(shape, pool, rng).encode("utf-8")
        (folder / f"{n:07d}.md").write_bytes(data)
        size += len(data)
        if n and n % 50_000 == 0:
            log(f"generate: {n} articles written")
    (target / CONFIG_NAME).write_text(config_text(REAL), encoding="utf-8")
    return {
        "articles": count,
        "mb": round(size / MB, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    print(json.dumps(generate(args.target, args.count, seed=args.seed)))


if __name__ == "__main__":
    main()
