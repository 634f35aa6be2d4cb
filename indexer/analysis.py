"""Word segmentation: jieba, as a Whoosh tokenizer.

:class:`JiebaTokenizer` segments with jieba and honours Whoosh's ``positions``,
``chars``, ``start_pos``, ``start_char``, ``keeporiginal`` and ``mode``. It
segments the *folded* text (simplified, half-width), which has the same length as
the original, so ``startchar``/``endchar`` point into the original text and
traditional text segments as well as simplified. Queries are segmented with it:
a term that jieba splits into words also matches paragraphs that have all of its
words apart (see :mod:`indexer.search`); the highlighter marks those words.

Paragraph text itself is indexed character by character (:mod:`indexer.charindex`),
so no segmentation decision can hide a substring.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import jieba

from .normalize import fold_chars
from .whoosh_api import Token, Tokenizer

jieba.setLogLevel(logging.WARNING)

POLICY_TERMS = Path(__file__).resolve().parent / "data" / "policy_terms.txt"

def file_hash(path: Path | str | None) -> str | None:
    if path is None:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


_JIEBA_LOCK = threading.Lock()
_JIEBA: dict[tuple[str, ...], jieba.Tokenizer] = {}


def jieba_tokenizer(dicts: tuple[str, ...]) -> jieba.Tokenizer:
    """A jieba tokenizer with the given user dictionaries, built once per process."""
    with _JIEBA_LOCK:
        tok = _JIEBA.get(dicts)
        if tok is None:
            tok = jieba.Tokenizer()
            tok.initialize()
            for path in dicts:
                # jieba leaves a file it opens itself unclosed; hand it one we close.
                with open(path, "rb") as fh:
                    tok.load_userdict(fh)
            _JIEBA[dicts] = tok
        return tok


def _whole(t: Token, value: str, positions: bool, chars: bool, start_pos: int,
           start_char: int) -> Token:
    """The single token of ``tokenize=False``: the whole value, as Whoosh's tokenizers do."""
    t.original = t.text = value
    t.boost = 1.0
    if positions:
        t.pos = start_pos
    if chars:
        t.startchar, t.endchar = start_char, start_char + len(value)
    return t


def _emit(t: Token, spans, positions: bool, chars: bool, keeporiginal: bool, start_pos: int,
          start_char: int):
    """Yield ``t`` for each ``(position, text, start, end)``, the way Whoosh's tokenizers do."""
    for pos, text, start, end in spans:
        t.text = text
        t.boost = 1.0
        t.stopped = False
        if keeporiginal:
            t.original = text
        if positions:
            t.pos = start_pos + pos
        if chars:
            t.startchar = start_char + start
            t.endchar = start_char + end
        yield t


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


class JiebaTokenizer(Tokenizer):
    """jieba segmentation with Whoosh token semantics (see module docstring)."""

    def __init__(self, user_dicts: tuple[str, ...] = (), hmm: bool = True):
        self.user_dicts = tuple(str(p) for p in ((str(POLICY_TERMS),) + tuple(user_dicts)))
        self.hmm = hmm

    def __eq__(self, other):
        return (isinstance(other, JiebaTokenizer) and self.user_dicts == other.user_dicts
                and self.hmm == other.hmm)

    def __hash__(self):
        return hash((self.user_dicts, self.hmm))

    def segment(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) over the folded text; punctuation and spaces dropped."""
        folded = fold_chars(text)
        tok = jieba_tokenizer(self.user_dicts)
        out = []
        for word, start, end in tok.tokenize(folded, HMM=self.hmm):
            if any(_is_word_char(c) for c in word):
                out.append((word, start, end))
        return out

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield _whole(t, value, positions, chars, start_pos, start_char)
            return
        spans = ((pos, value[start:end], start, end)
                 for pos, (_, start, end) in enumerate(self.segment(value)))
        yield from _emit(t, spans, positions, chars, keeporiginal, start_pos, start_char)


def analysis_settings(user_dicts: tuple[str, ...] = ()) -> dict:
    """What an index depends on: if any of this changes, the index must be rebuilt."""
    from importlib.metadata import version

    return {
        "jieba": version("jieba"),
        "jieba_dict_hash": file_hash(Path(jieba.__file__).parent / "dict.txt"),
        "opencc": version("opencc-python-reimplemented"),
        "fold": "TSCharacters+fullwidth+lower",
        "policy_terms_hash": file_hash(POLICY_TERMS),
        "user_dict_hashes": [file_hash(p) for p in user_dicts],
        "literal": "charindex/2",
        # Word boundaries at index time: jieba's default mode, HMM on, over folded text.
        "words": "jieba-default-hmm/1",
    }
