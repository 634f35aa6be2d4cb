"""Lay terms: everyday words of a query also searched as the legal terms for them.

The shipped file (:data:`SHIPPED`, format in its header) maps words such as 老公 or
房东 one way to the terms the statutes use (配偶, 出租人); the ``lay_terms`` setting
adds a file of the same format. A free word of a query that is a lay term gets the
legal terms as alternatives (:mod:`indexer.search.expand`), weighted below the word
typed, and the search reports them like the thesaurus's names (``Results.expanded``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ..charindex import units
from ..normalize import to_simplified
from . import datafile

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "lay_terms.txt"

_SECTION_RE = re.compile(r"^\[[^\]]+\]$")
_SEPARATOR_RE = re.compile(r"[,，、]")


class LayTermsError(ValueError):
    """A lay-terms file that cannot be read; the message names the file and line."""


class LayTerms:
    def __init__(self):
        self._map: dict[str, list[str]] = {}  # lay word's units -> legal terms

    @classmethod
    def load(cls, paths: list[str | Path]) -> LayTerms:
        out = cls()
        for path in paths:
            out._read(Path(path))
        return out

    def _read(self, path: Path) -> None:
        for _, where, line, raw in datafile.lines(path, LayTermsError):
            if _SECTION_RE.match(line):
                continue
            if line.count("=>") != 1:
                raise LayTermsError(
                    f"{where}: expected 'everyday, everyday => legal, legal', got {raw.strip()!r}")
            left, right = line.split("=>")
            lay, legal = self._terms(left, where), self._terms(right, where)
            for word in lay:
                key = units(word)
                terms = self._map.setdefault(key, [])
                for term in legal:
                    if units(term) != key and term not in terms:
                        terms.append(term)

    @staticmethod
    def _terms(text: str, where: str) -> list[str]:
        out = []
        for piece in _SEPARATOR_RE.split(text):
            term = "".join(piece.split())
            if not term or not units(term):
                raise LayTermsError(f"{where}: empty term in {text.strip()!r}")
            out.append(to_simplified(term))
        return out

    def expand(self, word: str) -> list[str]:
        """The legal terms also searched for ``word`` (any script), or ``[]``."""
        return list(self._map.get(units(word), ()))

    def __len__(self) -> int:
        return len(self._map)


@functools.lru_cache(maxsize=8)
def load_lay_terms(extra: str | None = None) -> LayTerms:
    """The shipped lay terms, plus the user's file ``extra``."""
    return LayTerms.load([p for p in (SHIPPED, extra) if p])
