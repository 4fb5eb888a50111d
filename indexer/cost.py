"""What a full build's articles will cost to index, estimated before they are parsed.

A Whoosh writer's time follows the characters of text it indexes (titles and
bodies): measured on 500 files of each real corpus, 1,447 ns per character for
the newsgroups, 1,440 for the BBC and 1,428 for sisihagen, while per byte of
file it went from 1.20 to 1.44 s/MB and per word from 7.4 to 9.4 µs (front
matter and mail headers are not indexed; Cyrillic takes two bytes a character;
mail has short words). So a build that splits its articles between processes
splits them by characters of text (``search.whoosh_engine.parallel``).

Before parsing, only the files' sizes are known. ``estimate_text`` parses a few
files spread evenly over the build's order (one in fifty, at most
``MAX_SAMPLES``), takes each one's characters of text per byte of file, and
gives every file the ratio of the sample nearest before it: an archive of
newsgroup mail followed by Russian blog posts is estimated part by part, not
with one average. Parsing the sample costs about one fiftieth of parsing, and
less as the archive grows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.config import ArchiveConfig
from indexer.discover import Candidate, Stat
from indexer.parse_pool import read_and_parse

SAMPLE_EVERY = 50
"""One file in this many is parsed for the estimate."""
MAX_SAMPLES = 200
TEXT_PER_BYTE = 0.9
"""Characters of text per byte of file when no sample has any (81 of 89 MB on the real
corpora counted in bytes)."""


def estimate_text(
    candidates: Sequence[Candidate], stats: Mapping[str, Stat | None], config: ArchiveConfig
) -> int:
    """Estimated characters of text (titles and bodies) of the articles of ``candidates``."""
    sizes = [stat[0] if (stat := stats.get(c.relpath)) else 0 for c in candidates]
    if not candidates:
        return 0
    step = max(SAMPLE_EVERY, -(-len(candidates) // MAX_SAMPLES))
    ratios: list[tuple[int, float]] = []
    for at in range(0, len(candidates), step):
        ratio = sample_ratio(candidates[at], config)
        if ratio is not None:
            ratios.append((at, ratio))
    if not ratios:
        return int(sum(sizes) * TEXT_PER_BYTE)
    total = 0.0
    ends = [at for at, _ in ratios[1:]] + [len(sizes)]
    for n, ((start, ratio), end) in enumerate(zip(ratios, ends, strict=True)):
        total += ratio * sum(sizes[0 if n == 0 else start : end])
    return int(total)


def sample_ratio(candidate: Candidate, config: ArchiveConfig) -> float | None:
    """Characters of text per byte of ``candidate``'s file; None when it yields no article."""
    parsed = read_and_parse(candidate, config)
    article = parsed.outcome.article
    if article is None or not parsed.size:
        return None
    return (len(article.title) + len(article.body)) / parsed.size
