"""Index-time word segmentation: jieba's tokens, computed by a compiled port when possible.

:class:`Segmenter` returns exactly the tokens of ``jieba.Tokenizer.tokenize(text,
HMM=True)`` (default mode) over :func:`~indexer.normalize.fold_chars` of the text, with
the shipped policy terms and the given user dictionaries loaded. Python jieba is the
reference; when ``rjieba`` (the Python bindings of jieba-rs) is importable it does the
bulk of the work, and the few places where jieba-rs is known to differ from jieba are
segmented by jieba itself:

* jieba-rs's HMM fallback joins ASCII runs across ``.``, ``_`` and ``-`` (``5.2.5``,
  ``covid-19``) where jieba splits them (``5.2`` ``.`` ``5``; ``covid`` ``-`` ``19``).
  Both agree on a run such as ``12.5`` (one full stop, then digits only). A jieba
  block (a run of ``[\\u4E00-\\u9FD5a-zA-Z0-9+#&._%-]``) holding any other run of
  ASCII letters and digits joined by those characters is segmented by jieba. Blocks
  are segmented independently, so this is exact.
* jieba-rs counts CJK extension and compatibility ideographs as block characters;
  jieba makes each a token of its own. The text is cut at those characters.
* A user word of frequency 0 is a deletion in jieba (and a forced split of its HMM
  output); a text containing one is segmented by jieba.
* jieba adds a user word's frequency to its total even when the word was already in
  the dictionary; jieba-rs subtracts the old frequency. The difference is added to
  jieba-rs's total under a word no text can contain. Words without a frequency get
  the frequency jieba's ``suggest_freq`` gives them at that point of loading.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import jieba

from .analysis import POLICY_TERMS, jieba_tokenizer
from .normalize import fold_chars

try:
    import rjieba
except ImportError:  # pragma: no cover - depends on the platform's wheels
    rjieba = None

BACKENDS = ("rjieba", "jieba")

# jieba's block: the characters it segments with its dictionary and HMM.
_BLOCK = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%-]+")
# Where jieba-rs's HMM fallback may join an ASCII run differently from jieba's: a run
# jieba-rs would join, unless it is one jieba joins the same way.
_JOINED_ASCII = re.compile(r"[a-zA-Z0-9][._-][a-zA-Z0-9]")
_JOINED_RUN = re.compile(r"[a-zA-Z0-9]+(?:[._-][a-zA-Z0-9]+)+")
_SAME_RUN = re.compile(r"[a-zA-Z0-9]+\.[0-9]+")
# Ideographs in jieba-rs's blocks but not in jieba's.
_EXTRA_HAN = re.compile(
    "[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ebef"
    "\U0002f800-\U0002fa1f]"
)
# A word no text segments (private-use characters are never in a block).
_TOTAL_PAD = "\ue000\ue000"

Entry = tuple[str, int | None, str | None]


def read_userdict(path: str) -> list[Entry]:
    """``(word, freq, tag)`` per entry, parsed as ``jieba.Tokenizer.load_userdict`` does."""
    entries: list[Entry] = []
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                line = raw.strip().decode("utf-8").lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise ValueError(f"dictionary file {path} must be utf-8") from exc
            if not line:
                continue
            word, freq, tag = jieba.re_userdict.match(line).groups()
            entries.append((word, None if freq is None else int(freq.strip()),
                            None if tag is None else tag.strip()))
    return entries


def jieba_frequencies(entries: list[Entry]) -> list[int]:
    """The frequency jieba gives each entry when the entries are added in order."""
    if all(freq is not None for _, freq, _ in entries):
        return [freq for _, freq, _ in entries]  # type: ignore[misc]
    tok = jieba.Tokenizer()
    tok.initialize()
    out = []
    for word, freq, tag in entries:
        tok.add_word(word, freq, tag)
        out.append(tok.FREQ[word])
    return out


def _dictionary_freqs() -> dict[str, int]:
    """jieba's main dictionary, word → frequency (the last line of a word wins)."""
    freqs: dict[str, int] = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            word, freq = line.split(" ")[:2]
            freqs[word] = int(freq)
    return freqs


def rjieba_plan(dicts: tuple[str, ...]) -> tuple[list[Entry], int, list[str]]:
    """What to add to a fresh ``rjieba.Jieba`` so it segments as jieba with ``dicts``:
    the words with their frequencies, the padding of the total, the deleted words."""
    entries = [entry for path in dicts for entry in read_userdict(path)]
    freqs = jieba_frequencies(entries)
    probe = rjieba.Jieba()
    current: dict[str, int] = {}
    main: dict[str, int] | None = None
    deleted: list[str] = []
    added: list[Entry] = []
    pad = 0
    for (word, _, tag), freq in zip(entries, freqs, strict=True):
        if freq == 0:
            deleted.append(word)
            continue
        old = current.get(word)
        if old is None and probe.has_word(word):
            main = main if main is not None else _dictionary_freqs()
            old = main.get(word, 0)
        pad += old or 0
        added.append((word, freq, tag or None))
        current[word] = freq
    return added, pad, deleted


def _plan_cache(dicts: tuple[str, ...]) -> Path | None:
    """A file in the temporary folder (as jieba caches its dictionary) named by the
    dictionaries' contents and the engines' versions."""
    digest = hashlib.sha256(f"{jieba.__version__} {_rjieba_version()}".encode())
    for path in dicts:
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            return None
        digest.update(b"\0")
    return Path(tempfile.gettempdir()) / f"policy-search-rjieba-{digest.hexdigest()[:20]}.json"


def _rjieba_version() -> str:
    try:
        return importlib.metadata.version("rjieba")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def build_rjieba(dicts: tuple[str, ...]) -> tuple[Any, list[str]]:
    """An ``rjieba.Jieba`` with ``dicts`` applied as jieba would, and the deleted words.

    Working out the frequencies loads jieba's own dictionary (two seconds); the
    result is cached in the temporary folder, so later processes skip it.
    """
    cache = _plan_cache(dicts)
    plan = None
    if cache is not None and cache.is_file():
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            plan = [tuple(e) for e in data["added"]], data["pad"], data["deleted"]
        except (OSError, ValueError, KeyError):
            plan = None
    if plan is None:
        plan = rjieba_plan(dicts)
        if cache is not None:
            try:
                tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
                tmp.write_text(json.dumps({"added": plan[0], "pad": plan[1],
                                           "deleted": plan[2]}, ensure_ascii=False),
                               encoding="utf-8")
                os.replace(tmp, cache)
            except OSError:
                pass
    added, pad, deleted = plan
    engine = rjieba.Jieba()
    for word, freq, tag in added:
        engine.add_word(word, freq, tag)
    if pad:
        engine.add_word(_TOTAL_PAD, pad, None)
    return engine, list(deleted)


_ENGINES: dict[tuple, tuple[Any, re.Pattern[str] | None]] = {}
_ENGINES_LOCK = threading.Lock()


def _engine_for(dicts: tuple[str, ...]) -> tuple[Any, re.Pattern[str] | None]:
    """One rjieba engine per process for each set of dictionaries (and their contents):
    building one loads jieba's dictionary, which takes a second or two."""
    key = tuple((path, *_stamp(path)) for path in dicts)
    with _ENGINES_LOCK:
        found = _ENGINES.get(key)
        if found is None:
            engine, deleted = build_rjieba(dicts)
            pattern = None
            if deleted:
                alternatives = sorted(set(deleted), key=len, reverse=True)
                pattern = re.compile("|".join(map(re.escape, alternatives)))
            found = _ENGINES[key] = (engine, pattern)
        return found


def _stamp(path: str) -> tuple[int, int]:
    try:
        st = Path(path).stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


class Segmenter:
    """jieba's default-mode tokens (HMM on) of folded text, as character spans.

    ``user_dicts`` are jieba user dictionaries loaded after the shipped policy terms.
    ``backend`` is ``"rjieba"`` or ``"jieba"``; by default rjieba when it is importable.
    Pickling keeps only the paths and the backend; the engines are rebuilt on first use.
    """

    def __init__(self, user_dicts: tuple[str, ...] = (), backend: str | None = None) -> None:
        if backend is None:
            backend = "rjieba" if rjieba is not None else "jieba"
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}")
        if backend == "rjieba" and rjieba is None:
            raise ValueError("rjieba is not installed")
        self.user_dicts = tuple(str(p) for p in user_dicts)
        self.backend = backend
        self._lock = threading.Lock()
        self._engine: Any = None
        self._deleted: re.Pattern[str] | None = None

    @property
    def dicts(self) -> tuple[str, ...]:
        """Every dictionary loaded, in order: the policy terms first."""
        return (str(POLICY_TERMS),) + self.user_dicts

    def __getstate__(self) -> dict[str, Any]:
        return {"user_dicts": self.user_dicts, "backend": self.backend}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["user_dicts"], state["backend"])  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Segmenter) and self.user_dicts == other.user_dicts
                and self.backend == other.backend)

    def __hash__(self) -> int:
        return hash((self.user_dicts, self.backend))

    def __repr__(self) -> str:
        return f"Segmenter({self.user_dicts!r}, backend={self.backend!r})"

    def _jieba(self) -> jieba.Tokenizer:
        return jieba_tokenizer(self.dicts)

    def _rjieba(self) -> Any:
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is None:
                self._engine, self._deleted = _engine_for(self.dicts)
            return self._engine

    def _by_jieba(self, text: str, offset: int, out: list[tuple[int, int]]) -> None:
        out.extend([(offset + start, offset + end)
                    for _, start, end in self._jieba().tokenize(text, HMM=True)])

    def _by_rjieba(self, engine: Any, text: str, start: int, end: int,
                   out: list[tuple[int, int]]) -> None:
        """Spans of ``text[start:end]``, which holds no ideograph outside jieba's blocks."""
        if start < end:
            out.extend([(start + s, start + e)
                        for _, s, e in engine.tokenize(text[start:end], "default", True)])

    def spans(self, text: str) -> list[tuple[int, int]]:
        """jieba's tokens of ``fold_chars(text)`` as ``(start, end)`` offsets covering it."""
        return self.folded_spans(fold_chars(text))

    def folded_spans(self, folded: str) -> list[tuple[int, int]]:
        """:meth:`spans` of text that is already folded."""
        out: list[tuple[int, int]] = []
        if not folded:
            return out
        if self.backend == "jieba":
            self._by_jieba(folded, 0, out)
            return out
        engine = self._rjieba()
        if self._deleted is not None and self._deleted.search(folded):
            self._by_jieba(folded, 0, out)
            return out
        joined = _JOINED_ASCII.search(folded) and [
            m.start() for m in _JOINED_RUN.finditer(folded) if not _SAME_RUN.fullmatch(m.group())]
        extra = _EXTRA_HAN.search(folded)
        if not joined and extra is None:
            try:
                return [(s, e) for _, s, e in engine.tokenize(folded, "default", True)]
            except UnicodeEncodeError:  # lone surrogates: not valid UTF-8 for jieba-rs
                self._by_jieba(folded, 0, out)
                return out
        # Regions jieba segments itself: (start, end, is_block); anything else is rjieba's.
        regions: list[tuple[int, int, bool]] = []
        if joined:
            regions.extend((m.start(), m.end(), True) for m in _BLOCK.finditer(folded)
                           if any(m.start() <= j < m.end() for j in joined))
        if extra is not None:
            regions.extend((m.start(), m.end(), False) for m in _EXTRA_HAN.finditer(folded))
            regions.sort()
        try:
            pos = 0
            for start, end, is_block in regions:
                self._by_rjieba(engine, folded, pos, start, out)
                if is_block:
                    self._by_jieba(folded[start:end], start, out)
                else:
                    out.append((start, end))
                pos = end
            self._by_rjieba(engine, folded, pos, len(folded), out)
        except UnicodeEncodeError:  # lone surrogates: not valid UTF-8 for jieba-rs
            out.clear()
            self._by_jieba(folded, 0, out)
        return out

    def words(self, text: str) -> list[str]:
        """The tokens (folded) that contain a letter or digit, as JiebaTokenizer keeps them."""
        folded = fold_chars(text)
        return [w for w in (folded[s:e] for s, e in self.folded_spans(folded))
                if any(c.isalnum() for c in w)]
