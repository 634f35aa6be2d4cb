"""From a parsed query to what the index is asked: words, required clauses, exclusions.

Unquoted text is *best match*: each piece of it (a term, between spaces) is
segmented by the same jieba segmentation as the documents, and every
meaningful word of it is a SHOULD clause — a paragraph matches when it has any
of them, and ranks by how many and how well (see :mod:`indexer.search.rank`).
Stop words and question words (:data:`STOPWORDS_FILE`) need not match unless
the query has nothing else. A document number or a fragment of one
(国办发〔2024〕38号, 〔2025〕8号) is one word, matched whole; so is a number.

Everything with a strict meaning stays a required clause: quoted phrases,
``+word``, ``word:`` and ``OR`` groups; when there is one, the words only rank.
The metadata fields are filters. A free term also matches where it occurs
literally as typed, so any typed string finds the paragraphs that contain it.

A name in the thesaurus (人社部) is one word too, and a word that is a name or a
document number carries *alternatives* — its equivalent names, the number's
other written forms — that count as the word (:mod:`indexer.search.expand`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..charindex import units
from ..normalize import fold_chars
from ..segment import Segmenter
from . import query as q
from .expand import ALT_WEIGHT, LAY_WEIGHT, alternatives, name_pieces
from .layterms import LayTerms
from .thesaurus import Thesaurus

FILTER_FIELDS = ("issuer", "number", "type", "title", "cites")
STOPWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "stopwords.txt"

#: A document number (国办发〔2024〕38号, any bracket style, or 国办发2024年38号) or a
#: fragment of one (〔2025〕8号, 38号).
DOC_NUMBER_RE = re.compile(
    r"(?:[\u4e00-\u9fff]{0,12}[〔\[【(（﹝〖]\s*\d{4}\s*[〕\]】)）﹞〗]\s*"
    r"|[\u4e00-\u9fff]{1,12}?(?:19|20)\d{2}\s*年\s*)?第?\s*\d+\s*号")


@functools.lru_cache(maxsize=8)
def load_stopwords(extra: str | None = None) -> frozenset[str]:
    """The shipped stop words, plus those in the file ``extra`` (one per line)."""
    words: set[str] = set()
    for path in filter(None, (STOPWORDS_FILE, extra)):
        with open(path, encoding="utf-8-sig") as fh:
            for line in fh:
                word = line.split("#", 1)[0].strip()
                if word:
                    words.add(fold_chars(word))
    return frozenset(words)


@dataclass
class Word:
    """A SHOULD clause: one word of the query, found literally and scored by alignment."""

    text: str  # folded, as segmented
    needle: str  # its units
    whole_numbers: bool
    qtf: int = 1  # how often the query has it (the word counts once in the score)
    #: other needles that count as this word: equivalent names, number forms, the legal
    #: terms of a lay word (expand.py)
    alternatives: tuple[str, ...] = ()
    #: the weight of an occurrence of each alternative (empty: expand.ALT_WEIGHT for all)
    alt_weights: tuple[float, ...] = ()


@dataclass
class FreeTerm:
    """A piece of unquoted query text: found literally as a whole, or by its words."""

    text: str
    needle: str
    words: list[int]  # indices into Plan.words


@dataclass
class Required:
    """A clause every result must satisfy: a term, or any of several (``OR``)."""

    terms: tuple[q.Term, ...]


@dataclass
class Plan:
    words: list[Word] = field(default_factory=list)
    terms: list[FreeTerm] = field(default_factory=list)
    required: list[Required] = field(default_factory=list)
    filters: list[q.Term] = field(default_factory=list)  # issuer:, number:, type:, title:, cites:
    excluded: list[q.Term] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # stop words left out
    whole: str | None = None  # the free terms joined, for the whole-query bonus
    #: names typed -> the equivalent names also searched (thesaurus)
    expanded: dict[str, list[str]] = field(default_factory=dict)
    former: bool = False  # predecessors are searched too
    #: excluded names -> the equivalent names also excluded
    excluded_expanded: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.words or self.terms or self.required or self.filters)

    @property
    def counts_words(self) -> bool:
        """True when a ``word:`` clause counts words only (no match across words)."""
        return any(t.field == "word" for r in self.required for t in r.terms)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into document numbers (True) and the text between them (False)."""
    out, pos = [], 0
    for m in DOC_NUMBER_RE.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def term_words(segmenter: Segmenter, text: str,
               thesaurus: Thesaurus | None = None) -> list[tuple[str, bool]]:
    """The words of one piece of query text: (folded word, whole numbers).

    A document number, and a thesaurus name, is one word."""
    out = []
    folded = fold_chars(text)
    for piece, is_number in _pieces(folded):
        if is_number:
            out.append((units(piece), True))
            continue
        for part, is_name in name_pieces(thesaurus, segmenter, piece):
            if is_name:
                out.append((part, False))
                continue
            for word in segmenter.words(part):
                out.append((word, any(c.isdigit() for c in word)))
    return out


def relaxed(parsed: q.ParsedQuery) -> q.ParsedQuery | None:
    """``parsed`` with its quoted phrases read as plain text, or None if it has none.

    A question often quotes a word for emphasis (劳动法上的“三期”指的是什么？); when
    nothing matches every quoted phrase and the query has other words, the search
    is run again this way.
    """
    def plain(term: q.Term) -> q.Term:
        if term.quoted and term.field is None:
            return q.Term(term.text, False, None, term.required)
        return term

    must = [q.Any_(tuple(plain(t) for t in n.terms)) if isinstance(n, q.Any_) else plain(n)
            for n in parsed.must]
    if must == parsed.must:
        return None
    return q.ParsedQuery(must, list(parsed.must_not), parsed.date_from, parsed.date_to,
                         list(parsed.messages))


def make_plan(parsed: q.ParsedQuery, segmenter: Segmenter,
              stopwords: frozenset[str], thesaurus: Thesaurus | None = None,
              former: bool = False, lay_terms: LayTerms | None = None) -> Plan:
    plan = Plan(excluded=list(parsed.must_not), former=former)
    free: list[tuple[q.Term, list[tuple[str, bool]]]] = []
    for node in parsed.must:
        if isinstance(node, q.Any_):
            plan.required.append(Required(node.terms))
            _expanded_terms(plan.expanded, node.terms, thesaurus, former)
            continue
        if node.field in FILTER_FIELDS:
            plan.filters.append(node)
        elif node.quoted or node.field is not None or node.required:
            plan.required.append(Required((node,)))
        if node.field is None and not node.quoted:
            # +word must occur, and also ranks like any other word.
            free.append((node, term_words(segmenter, node.text, thesaurus)))
    every = [w for _, words in free for w, _ in words]
    keep_stops = bool(every) and all(w in stopwords for w in every)
    index: dict[str, int] = {}
    for term, words in free:
        ids = []
        for word, whole_numbers in words:
            needle = units(word)
            if not needle:
                continue
            if word in stopwords and not keep_stops and not term.required:
                if word not in plan.ignored:
                    plan.ignored.append(word)
                continue
            if needle in index:
                plan.words[index[needle]].qtf += 1
            else:
                index[needle] = len(plan.words)
                # +word must occur as typed: its names are not expanded.
                alts, names = alternatives(word, whole_numbers,
                                           None if term.required else thesaurus, former)
                weights: tuple[float, ...] = ()
                legal = [] if term.required or whole_numbers or lay_terms is None \
                    else lay_terms.expand(word)
                extra = [t for t in dict.fromkeys(units(t) for t in legal)
                         if t and t != needle and t not in alts]
                if extra:
                    weights = (ALT_WEIGHT,) * len(alts) + (LAY_WEIGHT,) * len(extra)
                    alts = alts + tuple(extra)
                    names = names + [t for t in legal if t not in names]
                plan.words.append(Word(word, needle, whole_numbers, alternatives=alts,
                                       alt_weights=weights))
                if names:
                    plan.expanded[word] = names
            ids.append(index[needle])
        if ids or not words:
            # A term of punctuation or symbols alone is found as typed.
            plan.terms.append(FreeTerm(term.text, units(term.text), ids))
    if plan.words:
        # Punctuation left alone between quoted parts (实现“以房养老”？) says nothing
        # beside the words: it would match every question in the corpus.
        plan.terms = [t for t in plan.terms if t.words or not _punctuation(t.text)]
    if len(plan.terms) >= 2:
        plan.whole = "".join(t.text for t in plan.terms)
    _expanded_terms(plan.excluded_expanded, plan.excluded, thesaurus, former)
    return plan


def _punctuation(text: str) -> bool:
    return all(unicodedata.category(c)[0] in "PZ" for c in text)


def _expanded_terms(out: dict[str, list[str]], terms, thesaurus: Thesaurus | None,
                    former: bool) -> None:
    """Record the equivalents of unquoted ``OR`` alternatives or exclusions that are names."""
    if thesaurus is None:
        return
    for term in terms:
        if term.quoted or term.field is not None or term.required:
            continue
        names = thesaurus.expand(term.text, former)
        if names:
            out[fold_chars(term.text)] = names
