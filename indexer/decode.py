"""Bytes → text: the one place that decides how a file's bytes are read.

Rules, in order:

1. A UTF-16 byte-order mark means UTF-16 (rare, but Windows tools write it).
2. UTF-8, with or without a byte-order mark (the mark is dropped).
3. Otherwise cp1252 (Windows Western, a superset of the printable Latin-1
   range), then Latin-1, which decodes any byte; the fallback is reported as a
   warning so the file is indexed, not dropped.

Line endings are normalised to ``\\n`` (CRLF and lone CR), and control
characters other than tab, newline and form feed are removed: they are never
meaningful in an article and some of them break HTML and the index.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_FALLBACKS = ("cp1252", "latin-1")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    warning: str | None = None
    """Set when the bytes were not valid UTF-8 and a fallback encoding was used."""


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def decode(data: bytes) -> Decoded:
    """Decode a file's bytes; never raises (Latin-1 accepts every byte)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _done(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            pass  # not really UTF-16: fall through to the byte-oriented encodings
    try:
        return _done(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    for encoding in _FALLBACKS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        warning = f"not valid UTF-8 (first bad byte at offset {first_bad}); decoded as {encoding}"
        return _done(text, encoding, warning)
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _done(text: str, encoding: str, warning: str | None = None) -> Decoded:
    return Decoded(clean_controls(normalise_newlines(text)), encoding, warning)
