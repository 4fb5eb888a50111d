"""Article ids: the path relative to the archive root, made URL-safe one-to-one.

The id keeps the extension (``a.md`` and ``a.txt`` stay distinct) and the
case, uses ``/`` between folders, and percent-encodes as UTF-8 every character
other than letters, digits, ``-``, ``.``, ``_``, ``~`` (``%`` itself too, and
``\\``, which is a character of a name here, not a separator, so
``news\\report.md`` and ``news/report.md`` stay two articles); ``.`` and ``..``
segments become ``%2E`` and ``%2E%2E``. It is stable as long as the file does
not move, unique per file, and never climbs out of the archive.

``/api/v1/articles/<x>`` and ``/articles/<x>`` take either the id or the
relative path itself (``conf-lineup@0.md``): ``resolve_candidates`` gives
both, the id first.
"""

from __future__ import annotations

import re

_ID_SAFE = frozenset("-._~/")
_ASCII_SAFE = re.compile(r"[A-Za-z0-9._~/-]*")
"""ASCII-only segments made of ``_ID_SAFE`` and alphanumerics: kept as they are."""


def article_id(relpath: str) -> str:
    """The id of the file at ``relpath`` (``/``-separated, relative to the archive root)."""
    segments = [_encode_segment(seg) for seg in relpath.split("/")]
    return "/".join(seg for seg in segments if seg) or "%2E"


def _encode_segment(segment: str) -> str:
    if segment in (".", ".."):
        return "%2E" * len(segment)
    if _ASCII_SAFE.fullmatch(segment):  # the common case: nothing to encode
        return segment
    out: list[str] = []
    for char in segment:
        if char.isalnum() or char in _ID_SAFE:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def resolve_candidates(asked: str) -> tuple[str, ...]:
    """The ids ``asked`` may name: itself, then the id of the relative path it may be."""
    as_path = article_id(asked)
    return (asked,) if as_path == asked else (asked, as_path)
