"""Word segmentation shared by the indexer and queries: jieba's default mode.

:class:`Segmenter` returns jieba's tokens of the folded text (see
:func:`indexer.normalize.fold_chars`) as character spans, so index-time word
boundaries and query words always come from the same segmentation.
"""

from __future__ import annotations

from .analysis import POLICY_TERMS, jieba_tokenizer
from .normalize import fold_chars


class Segmenter:
    """jieba (default mode, HMM on) with the shipped policy terms and user dictionaries."""

    backend = "jieba"

    def __init__(self, user_dicts: tuple[str, ...] = ()):
        self.user_dicts = (str(POLICY_TERMS),) + tuple(str(p) for p in user_dicts)

    def __getstate__(self):
        return {"user_dicts": self.user_dicts}

    def __setstate__(self, state):
        self.user_dicts = state["user_dicts"]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every token of ``fold_chars(text)``, covering the whole text."""
        tok = jieba_tokenizer(self.user_dicts)
        return [(start, end) for _, start, end in tok.tokenize(fold_chars(text), HMM=True)]

    def words(self, text: str) -> list[str]:
        """The tokens that contain a letter or digit, in order."""
        folded = fold_chars(text)
        return [folded[s:e] for s, e in self.spans(text) if any(c.isalnum() for c in folded[s:e])]
