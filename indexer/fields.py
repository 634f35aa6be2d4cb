"""Whoosh field types for pre-analysed text.

Reindexing segments text in worker processes; the single writer process then
receives ready postings (:class:`PreAnalyzed`) and only adds them. The postings
are exactly what the field's analyzer yields for the same text (tested), so the
query side can keep using the analyzer.

:class:`CompactPositions` stores positions as a packed array instead of
Whoosh's pickled delta list: cheaper to write and to read in phrase queries.
"""

from __future__ import annotations

from array import array
from collections import defaultdict

from .analysis import JiebaTokenizer, literal_bigrams
from .whoosh_api import TEXT, Positions, pack_uint

_COUNT = 4  # bytes of the leading position count (Whoosh's pack_uint)


class CompactPositions(Positions):
    """Positions format: a big-endian count, then native unsigned 32-bit positions."""

    def encode(self, poslist):
        return pack_uint(len(poslist)) + array("I", poslist).tobytes()

    def decode_positions(self, valuestring):
        positions = array("I")
        positions.frombytes(valuestring[_COUNT:])
        return positions.tolist()


class PreAnalyzed:
    """Postings of one field value: ``[(term bytes, freq, weight, encoded positions)]``."""

    __slots__ = ("items",)

    def __init__(self, items: list[tuple[bytes, int, float, bytes]]):
        self.items = items

    def __getstate__(self):
        return self.items

    def __setstate__(self, state):
        self.items = state


class AnalyzedText(TEXT):
    """A positional TEXT field that also accepts :class:`PreAnalyzed` values."""

    def __init__(self, analyzer, field_boost: float = 1.0):
        super().__init__(analyzer=analyzer, phrase=True, field_boost=field_boost)
        self.format = CompactPositions(field_boost=field_boost)

    def index(self, value, **kwargs):
        if isinstance(value, PreAnalyzed):
            return iter(value.items)
        return super().index(value, **kwargs)


def _items(positions: dict[str, list[int]], encode) -> list[tuple[bytes, int, float, bytes]]:
    return [(term.encode("utf-8"), len(pos), float(len(pos)), encode(pos))
            for term, pos in positions.items()]


_ENCODE = CompactPositions().encode


def words_postings(tokenizer: JiebaTokenizer, text: str) -> PreAnalyzed:
    """What ``word_analyzer`` indexes for ``text``, as postings."""
    positions: dict[str, list[int]] = defaultdict(list)
    for pos, (word, _start, _end) in enumerate(tokenizer.segment(text)):
        positions[word].append(pos)
    return PreAnalyzed(_items(positions, _ENCODE))


def literal_postings(text: str) -> PreAnalyzed:
    """What ``literal_analyzer`` indexes for ``text``, as postings."""
    positions: dict[str, list[int]] = defaultdict(list)
    for pos, term, _start, _end in literal_bigrams(text):
        positions[term].append(pos)
    return PreAnalyzed(_items(positions, _ENCODE))
