"""Text normalization shared by ingest, analysis and queries.

Two kinds of folding:

* :func:`fold_chars` is length-preserving (one character in, one character out):
  traditional → simplified by OpenCC's character table, full-width → half-width,
  Latin lowercase. The analyzer uses it so that token offsets stay valid in the
  original text.
* :func:`to_simplified` is OpenCC's phrase-aware ``t2s`` conversion, used for
  metadata values (issuer, document number, type) shown in facets and filters.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import opencc

_OPENCC_DIR = Path(opencc.__file__).parent / "dictionary"


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    with open(_OPENCC_DIR / "TSCharacters.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or len(parts[0]) != 1:
                continue
            target = parts[1].split(" ")[0]
            if len(target) == 1 and target != parts[0]:
                table[ord(parts[0])] = target
    # Full-width ASCII variants (！ to ～) and the ideographic space.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "
    # Latin lowercase (ASCII only: other scripts keep their case folding rules).
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    # Full-width capitals fold straight to lowercase.
    for code in range(0xFF21, 0xFF3B):
        table[code] = chr(code - 0xFEE0 + 32)
    return table


def fold_chars(text: str) -> str:
    """Fold traditional to simplified, full-width to half-width, A-Z to a-z.

    The result always has the same length as ``text``.
    """
    return text.translate(_fold_table())


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Phrase-aware traditional → simplified conversion (OpenCC ``t2s``)."""
    if not text:
        return text
    return _t2s().convert(text)


_SPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def clean_value(text: str) -> str:
    """Normalize a metadata value for display: NFC, single spaces, trimmed."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def filter_value(text: str) -> str:
    """The normalized form of a filterable value: simplified, half-width, no spaces."""
    folded = fold_chars(to_simplified(clean_value(text)))
    return _SPACE_RE.sub("", folded)


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )
