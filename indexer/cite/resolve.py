"""Which indexed document (and paragraph) a mention means.

A mention is looked up the way it was written first — a 文号 by its number, a
《title》 by its title — and by its partner (the number in brackets after a
title, or the title before a number) when that fails:

* **by number**: documents whose 文号 (or order number) has the same year and
  number, and whose issuing code ends the words the mention wrote before the
  number (the longest such code wins);
* **by title**: documents whose title has the same key (:mod:`.keys`: script,
  width, punctuation and 中华人民共和国 do not count); a title written with its
  issuer (国务院办公厅关于…) must agree with the document's; failing that, a
  notice that carries the title (关于印发《X》的通知 for 《X》).

Documents that share a title are *versions of one work* (LawRefBook keeps a
law's text after each amendment), except notices (关于… titles), which are one
work per issuer. Titles that name several works are resolved only when one of
them is the citing document's issuer's; otherwise the mention stays
unresolved.

The version is the one in force at the date the mention is read at: a date
written just before it (2009年8月27日《…》), a year in the title (《刑法（2020年
修正）》), else the citing document's own date; that is, the latest version
dated on or before it, or the earliest version when all are later. Versions
without a date are used only when no version has one. Several documents of one
version (a code in parts, 民法典 in 编) are told apart by the article cited, and
otherwise the part holding 第一条 is taken.

A mention of the citing document itself, or of another version of its own
work, is no citation: :meth:`Resolver.resolve` returns None for it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..normalize import fold_chars
from .extract import Mention
from .keys import carried_title, code_matches, number_key, split_title, version_year, word_key


@dataclass
class Doc:
    """What resolution needs of an indexed document."""

    doc_id: str
    title: str | None = None
    doc_number: str | None = None
    date: str | None = None
    issuer: str | None = None
    #: its articles (see :func:`indexer.cite.extract.articles`)
    articles: Mapping[str, list[int]] = field(default_factory=dict)


#: The shortest short form of a longer title read without 《》.
SHORT_NAME_MIN = 4
#: What may stand right before a short name written without 《》 (调解仲裁法).
BEFORE_NAME = set("照据用反合为于将在和与及或的对除是以由经即了按比有犯同至前后成守行触引从向把被给当就指括者"
                  "、“(:")


@dataclass(frozen=True)
class Resolved:
    """A mention resolved: the document and paragraph it means (None when not
    found), and where it stands and what it says (a bare name cut to the title)."""

    doc_id: str | None
    paragraph: int | None
    start: int
    text: str
    kind: str


def article_key(article: tuple[int, int, int] | None) -> str | None:
    if not article:
        return None
    a, sub, _ = article
    return f"{a}.{sub}" if sub else f"{a}"


class Resolver:
    """The documents of one state of the index, looked up by number and by title."""

    def __init__(self, docs: Iterable[Doc], keys: Mapping[str, tuple[str, ...]] | None = None):
        """``keys``: :func:`lookup_keys` of some of ``docs`` by id, computed before."""
        self.docs: dict[str, Doc] = {}
        self.work: dict[str, tuple[str, str]] = {}
        self._titles: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._carried: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._numbers: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._tails: dict[str, set[str]] | None = None  # end of a title key -> the keys
        self._bare_cuts: dict[str, tuple[int, str]] = {}  # words -> (where the name starts, key)
        self._bare_keys: dict[str, frozenset[str]] = {}  # words -> their keys (see bare_keys)
        # versions of one work -> their dates ascending, and the versions of each date
        self._dates: dict[tuple[str, ...], tuple[list[str], dict[str, list[str]]]] = {}
        keys = keys or {}
        for doc in sorted(docs, key=lambda d: d.doc_id):
            found = keys.get(doc.doc_id)
            self._add(doc, lookup_keys(doc) if found is None else found)

    def _add(self, doc: Doc, keys: tuple[str, ...]) -> None:
        self._dates.clear()
        self.docs[doc.doc_id] = doc
        self.work[doc.doc_id] = ("\0", doc.doc_id)  # untitled: a work of its own
        prefix, key, cprefix, ckey, number, code = keys
        if key:
            self._titles[key].append((prefix, doc.doc_id))
            issuer = prefix or word_key(doc.issuer or "")
            self.work[doc.doc_id] = (issuer, key) if key.startswith("关于") else ("", key)
        if ckey:
            self._carried[ckey].append((cprefix, doc.doc_id))
        if number:
            self._numbers[number].append((code, doc.doc_id))

    # -- candidates ------------------------------------------------------------------

    def _compatible(self, prefix: str, doc_prefix: str, doc_id: str) -> bool:
        """A title written with an issuer matches a document of that issuer only."""
        if not prefix or prefix == doc_prefix:
            return True
        if doc_prefix:
            return False
        issuer = word_key(self.docs[doc_id].issuer or "")
        return not issuer or issuer == prefix

    def by_title(self, title: str, carried: bool = True) -> list[str]:
        """Every document the title may name (all works, all versions); with
        ``carried``, the notices that carry it when no document has it."""
        prefix, key = split_title(title)
        if not key:
            return []
        for table in (self._titles, self._carried) if carried else (self._titles,):
            found = [d for p, d in table.get(key, ()) if self._compatible(prefix, p, d)]
            if found:
                return found
        return []

    def by_number(self, number: tuple[str, str]) -> list[str]:
        """Every document with the number (the longest matching issuing code)."""
        key, code = number
        found = [(len(c), d) for c, d in self._numbers.get(key, ()) if code_matches(code, c)]
        if not found:
            return []
        best = max(length for length, _ in found)
        return [d for length, d in found if length == best]

    def _one_work(self, found: list[str], citing: Doc | None) -> list[str]:
        works: dict[tuple[str, str], list[str]] = {}
        for d in found:
            works.setdefault(self.work[d], []).append(d)
        if len(works) == 1:
            return found
        mine = word_key(citing.issuer or "") if citing is not None else ""
        same = [w for w, ds in works.items()
                if mine and any(word_key(self.docs[d].issuer or "") == mine for d in ds)]
        return works[same[0]] if len(same) == 1 else []

    # -- resolving -------------------------------------------------------------------

    def resolve(self, mention: Mention, citing: Doc) -> Resolved | None:
        """What the mention means, or None for a mention of the citing document's own
        work (and for a bare mention that names no indexed title)."""
        found: list[str] = []
        cut = 0
        if mention.kind == "bare":
            found, cut = self._bare(mention.title or "", citing)
            if not found:
                return None
        order = ("title", "number") if mention.kind == "title" else ("number", "title")
        for how in order if not found else ():
            if how == "title" and mention.title:
                found = self._one_work(self.by_title(mention.title), citing)
            elif how == "number" and mention.number:
                found = self._one_work(self.by_number(mention.number), citing)
            if found:
                break
        start, text = mention.start, mention.text[cut:]
        if cut and mention.end - mention.start == len(mention.text):
            start += cut
        kind = "title" if mention.kind == "bare" else mention.kind
        if not found:
            return Resolved(None, None, start, text, kind)
        if citing.doc_id in found or self.work[found[0]] == self.work.get(citing.doc_id):
            return None
        as_of = mention.date or citing.date
        year = version_year(mention.title)[1] if mention.title else None
        if year and not mention.date:
            as_of = f"{year}-12-31"
        doc = self.version(found, as_of, mention.article)
        return Resolved(doc, self.paragraph(doc, mention.article), start, text, kind)

    def _bare(self, words: str, citing: Doc) -> tuple[list[str], int]:
        """The documents named by the end of ``words``, and where the name starts.

        The longest end of ``words`` that ends an indexed title is the name: a
        title itself (依照刑法 → 刑法), or the short form of exactly one title
        (在调解仲裁法 → 劳动争议调解仲裁法, not 仲裁法) of at least
        :data:`SHORT_NAME_MIN` characters, not 本…/该… (本规则 is no short form of
        基本规则, 合同法 none of 劳动合同法), after a word that ends before a name
        (依照, 在, 、 …) or first."""
        at, key = self._cut(words)
        if at < 0:
            return [], 0
        titled = self._titles.get(key, ())
        found = [d for p, d in titled if not p]
        return self._one_work(found or [d for _, d in titled], citing), at

    def _ending(self, end: str, at_most: int) -> set[str]:
        """The title keys that end with ``end`` (of two characters or more), all of
        them or at least ``at_most``."""
        if self._tails is None:
            self._tails = defaultdict(set)
            for key in self._titles:
                for at in range(len(key) - 1):
                    self._tails[key[at:]].add(key)
        return self._tails.get(end, set())

    def _cut(self, words: str) -> tuple[int, str]:
        """``(where the name starts, its title key)`` of bare ``words``, or ``(-1, "")``
        (see :meth:`_bare`)."""
        cut = self._bare_cuts.get(words)
        if cut is None:
            folded = fold_chars(words)
            cut = (-1, "")
            for at in range(len(folded) - 1):
                tail = word_key(folded[at:])
                ends = self._ending(tail, 2)
                if not ends:
                    continue
                if self._titles.get(tail):
                    cut = (at, tail)
                elif len(ends) == 1 and len(tail) >= SHORT_NAME_MIN and tail[0] not in "本该此其" \
                        and (at == 0 or folded[at - 1] in BEFORE_NAME):
                    cut = (at, next(iter(ends)))
                break
            self._bare_cuts[words] = cut
        return cut

    def bare_keys(self, words: str) -> frozenset[str]:
        """The keys a bare mention of ``words`` is looked up by, in this state of the index.

        Its name is the longest end of ``words`` that ends a title (:meth:`_cut`);
        what it resolves to changes only when a title is added or removed that
        ends with a longer end of ``words`` (``b:`` + the shortest such end), when
        what that end finds changes (``u:`` + the end: a title, one title it is
        the end of, several, none: see :meth:`status`), or when the documents of
        the title it names change (``u:`` + that title's key)."""
        found = self._bare_keys.get(words)
        if found is not None:
            return found
        folded = fold_chars(words)
        longer: list[str] = []
        keys = set()
        for at in range(len(folded) - 1):
            tail = word_key(folded[at:])
            if self._ending(tail, 1):
                keys.add("u:" + tail)
                break
            if len(tail) >= 2:
                longer.append(tail)
        cover: list[str] = []  # the fewest ends that every longer end ends with
        for tail in sorted(longer, key=len):
            if not any(tail.endswith(c) for c in cover):
                cover.append(tail)
        keys.update("b:" + c for c in cover)
        at, key = self._cut(words)
        if at >= 0:
            keys.add("u:" + key)
        found = self._bare_keys[words] = frozenset(keys)
        return found

    def mention_keys(self, mention: Mention) -> set[str] | frozenset[str]:
        """The keys a mention is looked up by in this state of the index: its title's,
        its number's (see :func:`keys_of`), and a bare name's (:meth:`bare_keys`)."""
        if mention.kind == "bare":
            return self.bare_keys(mention.title or "")
        return keys_of(mention.kind, mention.title, mention.number)

    def status(self, end: str, delta: Mapping[str, int] | None = None) -> tuple[str, ...]:
        """What a bare name ending in ``end`` finds: ``("title",)`` (a title has that
        key), ``("one", key)`` (it ends one title), ``("many",)`` or ``("none",)``;
        with ``delta`` (title key -> documents more), in the state with those documents."""
        delta = delta or {}

        def count(key: str) -> int:
            return len(self._titles.get(key, ())) + delta.get(key, 0)

        if count(end) > 0:
            return ("title",)
        ends = self._ending(end, 2 + len(delta)) | {k for k in delta if k.endswith(end)}
        ends = {k for k in ends if count(k) > 0}
        if len(ends) == 1:
            return ("one", next(iter(ends)))
        return ("many",) if ends else ("none",)

    def version(self, found: list[str], as_of: str | None,
                article: tuple[int, int, int] | None = None) -> str:
        """The version of one work in force at ``as_of`` (see the module's docstring)."""
        dates, by_date = self._versions(found)
        if as_of and dates[0]:
            before = bisect_right(dates, as_of)
            chosen = dates[before - 1] if before else dates[0]
        else:
            chosen = dates[-1]
        same = by_date[chosen]
        if len(same) > 1:
            wanted = [k for k in (article_key(article), "1") if k]
            for key in wanted:
                having = [d for d in same if key in self.docs[d].articles]
                if having:
                    return having[0]
        return same[0]

    def _versions(self, found: list[str]) -> tuple[list[str], dict[str, list[str]]]:
        """The dates of the versions ``found`` (the dated ones, if any are), ascending,
        and the versions of each date, sorted: kept per set of versions, as every
        mention of a work asks again."""
        key = tuple(found)
        known = self._dates.get(key)
        if known is None:
            dated = [d for d in found if self.docs[d].date] or found
            by_date: dict[str, list[str]] = defaultdict(list)
            for d in dated:
                by_date[self.docs[d].date or ""].append(d)
            known = self._dates[key] = (sorted(by_date),
                                        {date: sorted(ds) for date, ds in by_date.items()})
        return known

    def paragraph(self, doc_id: str, article: tuple[int, int, int] | None) -> int | None:
        """The paragraph of the article (and 款) cited, or None."""
        key = article_key(article)
        paragraphs = self.docs[doc_id].articles.get(key) if key else None
        if not paragraphs:
            return None
        clause = article[2]
        return paragraphs[clause - 1] if 0 < clause <= len(paragraphs) else paragraphs[0]

    def lookup(self, text: str) -> list[str]:
        """The documents a ``cites:`` value names: every version of every work."""
        number = number_key(text)
        if number is not None:
            return sorted(self.by_number(number))
        return sorted(self.by_title(text.strip().strip("《》")))


def lookup_keys(doc: Doc) -> tuple[str, str, str, str, str, str]:
    """What a document is looked up by: its title's prefix and key (:func:`.keys.split_title`),
    those of the title it carries (:func:`.keys.carried_title`), its number's key and
    code (:func:`.keys.number_key`); ``""`` for none."""
    prefix = key = cprefix = ckey = number = code = ""
    if doc.title:
        prefix, key = split_title(doc.title)
        carried = carried_title(doc.title)
        if carried:
            cprefix, ckey = split_title(carried)
    found = number_key(doc.doc_number) if doc.doc_number else None
    if found is not None:
        number, code = found
    return prefix, key, cprefix, ckey, number, code


def keys_of(kind: str, title: str | None, number) -> set[str]:
    """The keys a title or number mention is looked up by (its title's, its number's
    ``(key, code)``); a bare mention's depend on the index (:meth:`Resolver.bare_keys`)."""
    keys = set()
    if title and kind != "bare":
        keys.add("t:" + split_title(title)[1])
    if number:
        keys.add("n:" + number[0])
    return keys


def doc_keys(doc: Doc) -> set[str]:
    """The keys of the mentions a document may be found by (see
    :meth:`Resolver.mention_keys`): its title's, the title it carries, its number's,
    every end of its title (``b:``) and its title as a bare name's (``u:``)."""
    keys = set()
    if doc.title:
        key = split_title(doc.title)[1]
        if key:
            keys |= {"t:" + key, "u:" + key}
            keys.update("b:" + key[at:] for at in range(len(key) - 1))
        carried = carried_title(doc.title)
        if carried:
            keys.add("t:" + split_title(carried)[1])
    found = number_key(doc.doc_number) if doc.doc_number else None
    if found is not None:
        keys.add("n:" + found[0])
    return keys


def affecting_keys(resolver: Resolver, before: Iterable[Doc], after: Iterable[Doc]) -> set[str]:
    """The keys of the mentions that may resolve differently once the documents
    ``before`` are replaced by ``after`` (``resolver``: the state after): the keys
    of both (:func:`doc_keys`) and ``u:`` + every end of their titles whose
    :meth:`Resolver.status` changes."""
    keys: set[str] = set()
    delta: dict[str, int] = defaultdict(int)  # title key -> documents more before than after
    for sign, docs in ((1, before), (-1, after)):
        for doc in docs:
            keys |= doc_keys(doc)
            if doc.title:
                key = split_title(doc.title)[1]
                if key:
                    delta[key] += sign
    ends = {key[at:] for key in delta for at in range(len(key) - 1)}
    keys.update("u:" + end for end in sorted(ends) if resolver.status(end) != resolver.status(end, delta))
    return keys


def mention_key(mention: Mention, resolved: Resolved) -> tuple[str, str]:
    """``(key, qualifier)`` under which a mention is found by ``cites:`` even unresolved:
    a number's key and code, a title's key and issuer prefix."""
    if mention.kind == "number" and mention.number:
        return mention.number[0], mention.number[1]
    title = mention.title or ""
    if mention.kind == "bare":
        title = title[len(mention.text) - len(resolved.text):]
    prefix, key = split_title(title)
    return key, prefix


def query_key(text: str) -> tuple[str, str, str]:
    """``(kind, key, qualifier)`` of a ``cites:`` value, to compare with :func:`mention_key`."""
    number = number_key(text)
    if number is not None:
        return "number", number[0], number[1]
    prefix, key = split_title(text.strip().strip("《》"))
    return "title", key, prefix


def key_matches(kind: str, qualifier: str, mention_qualifier: str) -> bool:
    """Whether a mention filed under the same key matches a ``cites:`` value."""
    if kind == "number":
        return code_matches(mention_qualifier, qualifier) or not qualifier
    return not qualifier or not mention_qualifier or qualifier == mention_qualifier
