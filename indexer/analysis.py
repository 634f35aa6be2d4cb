"""Chinese analysis as Whoosh components.

* :class:`JiebaTokenizer` segments with jieba and honours Whoosh's ``positions``,
  ``chars``, ``start_pos``, ``start_char``, ``keeporiginal`` and ``mode``. It
  segments the *folded* text (simplified, half-width), which has the same length
  as the original, so ``startchar``/``endchar`` point into the original text and
  traditional documents segment as well as simplified ones.
* :class:`ScriptFoldFilter` folds ``token.text`` (traditional → simplified,
  full-width → half-width, A-Z → a-z) without touching offsets.
* :class:`LiteralTokenizer` emits character bigrams of the folded text for the
  literal-match guarantee: any substring of a paragraph is a phrase of bigrams.
  Runs of ASCII digits also get boundary-marked variants, so ``"5号"`` (quoted)
  does not match ``15号``.

All classes are picklable: Whoosh stores the schema, analyzers included, in the index.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import jieba

from .normalize import fold_chars
from .whoosh_api import Filter, Token, Tokenizer

jieba.setLogLevel(logging.WARNING)

POLICY_TERMS = Path(__file__).resolve().parent / "data" / "policy_terms.txt"

#: Marks a bigram whose first unit starts a digit run / whose last unit ends one.
RUN_START = "\ue000"
RUN_END = "\ue001"


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


class _Stateless:
    """Equal to any instance of the same class (Whoosh compares schemas' analyzers)."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


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


class ScriptFoldFilter(_Stateless, Filter):
    """Traditional → simplified, full-width → half-width, lowercase; offsets unchanged."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold_chars(t.text)
            yield t


# --- literal (character) analysis -------------------------------------------

def literal_units(text: str) -> list[tuple[str, int, bool, bool]]:
    """Units of the folded text: ``(char, offset, starts_digit_run, ends_digit_run)``.

    Every non-space character is a unit; whitespace and private-use characters
    are skipped, so a phrase matches across spaces and line breaks.
    """
    folded = fold_chars(text)
    units = []
    for i, ch in enumerate(folded):
        if ch.isspace() or "\ue000" <= ch <= "\uf8ff":
            continue
        units.append([ch, i, False, False])
    for k, unit in enumerate(units):
        if unit[0].isascii() and unit[0].isdigit():
            prev_digit = k > 0 and units[k - 1][0].isascii() and units[k - 1][0].isdigit()
            next_digit = (k + 1 < len(units) and units[k + 1][0].isascii()
                          and units[k + 1][0].isdigit())
            unit[2] = not prev_digit
            unit[3] = not next_digit
    return [tuple(u) for u in units]


def literal_bigrams(text: str) -> Iterator[tuple[int, str, int, int]]:
    """Index tokens: ``(position, term, startchar, endchar)``.

    Position ``p`` holds the unigram of unit ``p`` and the bigram of units ``p``
    and ``p+1``, plus marked variants when a digit run starts at unit ``p`` or
    ends at unit ``p+1`` (and, for a one-digit number, a marked unigram).
    """
    units = literal_units(text)
    last = len(units) - 1
    for p, (ch, offset, starts, ends) in enumerate(units):
        yield p, ch, offset, offset + 1
        if starts and ends:
            yield p, RUN_START + ch + RUN_END, offset, offset + 1
        if p == last:
            break
        nxt, noff, _, nends = units[p + 1]
        term = ch + nxt
        end = noff + 1
        yield p, term, offset, end
        if starts:
            yield p, RUN_START + term, offset, end
        if nends:
            yield p, term + RUN_END, offset, end
            if starts:
                yield p, RUN_START + term + RUN_END, offset, end


def literal_query_terms(text: str, exact_numbers: bool) -> list[str]:
    """The bigram phrase that finds ``text`` as a substring.

    With ``exact_numbers`` a digit run at either end of ``text`` must be a whole
    number in the paragraph (``5号`` does not match ``15号``). A one-unit text
    gives its unigram.
    """
    units = literal_units(text)
    if not units:
        return []
    if len(units) == 1:
        ch, _, starts, ends = units[0]
        if exact_numbers and starts and ends:
            return [RUN_START + ch + RUN_END]
        return [ch]
    terms = []
    last = len(units) - 2
    for p in range(len(units) - 1):
        term = units[p][0] + units[p + 1][0]
        if exact_numbers and p == 0 and units[0][2]:
            term = RUN_START + term
        if exact_numbers and p == last and units[-1][3]:
            term = term + RUN_END
        terms.append(term)
    return terms


class LiteralTokenizer(_Stateless, Tokenizer):
    """Character bigrams with digit-run boundary variants (see :func:`literal_bigrams`)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield _whole(t, value, positions, chars, start_pos, start_char)
            return
        yield from _emit(t, literal_bigrams(value), positions, chars, keeporiginal,
                         start_pos, start_char)


def word_analyzer(user_dicts: tuple[str, ...] = ()):
    return JiebaTokenizer(user_dicts) | ScriptFoldFilter()


def literal_analyzer():
    return LiteralTokenizer()


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
        "literal": "unigram+bigram+digit-runs/2",
    }
