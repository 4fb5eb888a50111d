"""The key a keyed facet value (tag, publication, author, language) is counted under.

Apart from ``search.docvalues`` so that the indexer's parser processes, which key
tags and authors, do not import NumPy (a tenth of a second in every build).
"""

from __future__ import annotations

import html
import re

_SEPARATORS = re.compile(r"[\s_-]+")


def facet_key(value: str) -> str:
    """The key a keyed facet value is counted under: entities decoded, case folded, and
    hyphens, underscores and spaces alike, so ``Strategy and Policy``,
    ``strategy-and-policy`` and ``Strategy &amp; Policy``'s plain twin are one value."""
    text = html.unescape(value) if "&" in value else value
    return " ".join(_SEPARATORS.split(text.casefold())).strip()
