"""The thesaurus: names that mean the same body, programme or document.

The shipped file (:data:`SHIPPED`, format in its header and in the README) holds
groups of equivalent names — the first is canonical — and predecessors, bodies
that were renamed or merged (``劳动和社会保障部 => 人力资源社会保障部 (2008)``).
The ``thesaurus`` setting adds a file of the same format: a line that shares a
name with a shipped group adds its names to that group (the shipped canonical
stays); within one file a name may be in one group only.

Names are looked up by their folded units (:func:`indexer.charindex.units`), so
a name in traditional script, full-width or with spaces is the same name.

* :meth:`Thesaurus.expand`: the other names a query for ``name`` also searches
  (the equivalents; with ``former``, predecessors and successors too);
* :meth:`Thesaurus.canonical`: the canonical name of a body (issuer facets);
* :meth:`Thesaurus.issuer_bodies`: the canonical bodies of an issuer field,
  joint issuers (``人力资源社会保障部 财政部``) split into each body.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..charindex import units
from ..normalize import to_simplified
from . import datafile

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "thesaurus.txt"

_FORMER_RE = re.compile(r"^(?P<old>.+?)=>(?P<new>.+?)(?:\((?P<year>\d{4})\))?$")
_SECTION_RE = re.compile(r"^\[(?P<name>[^\]]+)\]$")
#: Separators between the bodies of a joint issuer.
JOINT_RE = re.compile(r"[\s、，,；;/]+")


class ThesaurusError(ValueError):
    """A thesaurus file that cannot be read; the message names the file and line."""


@dataclass
class Group:
    names: list[str]  # display forms; the first is canonical
    section: str = ""
    former: bool = False  # only defined as a predecessor (left of =>)
    successors: list[tuple[int, int | None]] = field(default_factory=list)
    predecessors: list[tuple[int, int | None]] = field(default_factory=list)

    @property
    def canonical(self) -> str:
        return self.names[0]


class Thesaurus:
    def __init__(self):
        self.groups: list[Group] = []
        self._by_key: dict[str, int] = {}
        self._pattern: re.Pattern | None = None

    # -- loading -------------------------------------------------------------------

    @classmethod
    def load(cls, paths: list[str | Path]) -> Thesaurus:
        th = cls()
        for path in paths:
            th._read(Path(path))
        return th

    def _read(self, path: Path) -> None:
        seen: dict[str, int] = {}  # name key -> line, in this file
        links: list[tuple[int, list[str], str, int | None]] = []
        section = ""
        for lineno, where, line, raw in datafile.lines(path, ThesaurusError):
            m = _SECTION_RE.match(line)
            if m:
                section = m.group("name").strip()
                continue
            if "=>" in line:
                m = _FORMER_RE.match(line)
                if not m or "=>" in m.group("new"):
                    raise ThesaurusError(
                        f"{where}: expected 'old, old => canonical (year)', got {raw.strip()!r}")
                old = self._names(m.group("old"), where)
                new = self._names(m.group("new"), where)
                if len(new) != 1:
                    raise ThesaurusError(f"{where}: one name after '=>', got {len(new)}")
                year = int(m.group("year")) if m.group("year") else None
                # The old names are one body; a body may have several successors.
                self._group(old, section, where, seen, lineno, former=True, reuse=True)
                links.append((lineno, old, new[0], year))
                continue
            if "=" in line or ">" in line:
                raise ThesaurusError(f"{where}: '=' or '>' outside '=>' in {raw.strip()!r}")
            self._group(self._names(line, where), section, where, seen, lineno)
        for lineno, old, new, year in links:
            target = self.lookup(new)
            if target is None:
                raise ThesaurusError(
                    f"{path}:{lineno}: {new!r} after '=>' is not a name in any group")
            source = self.lookup(old[0])
            if source == target:
                raise ThesaurusError(f"{path}:{lineno}: {new!r} is its own predecessor")
            self.groups[source].successors.append((target, year))
            self.groups[target].predecessors.append((source, year))
        self._pattern = None

    @staticmethod
    def _names(text: str, where: str) -> list[str]:
        names = []
        for piece in text.split(","):
            name = " ".join(piece.split())
            if not name:
                raise ThesaurusError(f"{where}: empty name in {text.strip()!r}")
            if not units(name):
                raise ThesaurusError(f"{where}: name {name!r} has no searchable characters")
            names.append(to_simplified(name))
        return names

    def _group(self, names: list[str], section: str, where: str, seen: dict[str, int],
               lineno: int, former: bool = False, reuse: bool = False) -> int:
        keys = [units(n) for n in names]
        existing = {self._by_key[k] for k in keys if k in self._by_key}
        for k, name in zip(keys, names, strict=True):
            if k in seen and not reuse:
                raise ThesaurusError(
                    f"{where}: {name!r} is already in the group on line {seen[k]}")
        if len(existing) > 1:
            shown = " and ".join(repr(self.groups[g].canonical) for g in sorted(existing))
            raise ThesaurusError(f"{where}: the names belong to different groups ({shown})")
        if existing:
            gid = existing.pop()
            group = self.groups[gid]
            for k, name in zip(keys, names, strict=True):
                if k not in self._by_key:
                    group.names.append(name)
                    self._by_key[k] = gid
        else:
            gid = len(self.groups)
            unique = list(dict.fromkeys(names))
            self.groups.append(Group(unique, section, former))
            for k in keys:
                self._by_key[k] = gid
        for k in keys:
            seen.setdefault(k, lineno)
        return gid

    # -- lookups -------------------------------------------------------------------

    def lookup(self, name: str) -> int | None:
        """The group of ``name`` (any script), or None."""
        return self._by_key.get(units(name))

    def __contains__(self, name: str) -> bool:
        return self.lookup(name) is not None

    def canonical(self, name: str) -> str:
        """The canonical form of ``name``; an unknown name is returned as is."""
        gid = self.lookup(name)
        return name if gid is None else self.groups[gid].canonical

    def equivalents(self, name: str) -> list[str]:
        """Every name of ``name``'s group (canonical first), ``name`` itself included."""
        gid = self.lookup(name)
        return [] if gid is None else list(self.groups[gid].names)

    def _walk(self, gid: int, attr: str) -> list[tuple[int, int | None]]:
        out: list[tuple[int, int | None]] = []
        todo = [gid]
        seen = {gid}
        while todo:
            for other, year in getattr(self.groups[todo.pop()], attr):
                if other not in seen:
                    seen.add(other)
                    out.append((other, year))
                    todo.append(other)
        return out

    def predecessors(self, name: str) -> list[tuple[str, int | None]]:
        """Earlier bodies of ``name`` (transitively): (canonical name, year of the change)."""
        gid = self.lookup(name)
        if gid is None:
            return []
        return [(self.groups[g].canonical, y) for g, y in self._walk(gid, "predecessors")]

    def successors(self, name: str) -> list[tuple[str, int | None]]:
        """Later bodies ``name`` became (transitively): (canonical name, year)."""
        gid = self.lookup(name)
        if gid is None:
            return []
        return [(self.groups[g].canonical, y) for g, y in self._walk(gid, "successors")]

    def lineage(self, name: str, former: bool = False) -> list[int]:
        """Groups a query for ``name`` covers: its own; with ``former`` also the
        bodies it came from and those it became (each direction followed on its own)."""
        gid = self.lookup(name)
        if gid is None:
            return []
        out = [gid]
        if former:
            out += [g for g, _ in self._walk(gid, "predecessors")]
            out += [g for g, _ in self._walk(gid, "successors") if g not in out]
        return out

    def expand(self, name: str, former: bool = False) -> list[str]:
        """The other names a query for ``name`` searches, canonical-first per group.

        A name that contains another searched name (or ``name``) adds nothing
        and is left out: 中华人民共和国财政部 is found by 财政部.
        """
        typed = units(name)
        names: list[str] = []
        for gid in self.lineage(name, former):
            for other in self.groups[gid].names:
                if units(other) != typed and other not in names:
                    names.append(other)
        keys = [units(n) for n in names]
        return [n for n, k in zip(names, keys, strict=True)
                if typed not in k and not any(o != k and o in k for o in keys)]

    def find(self, folded: str) -> list[tuple[int, int]]:
        """Spans of thesaurus names in folded text: leftmost, longest first."""
        if self._pattern is None:
            keys = sorted(self._by_key, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None
        if self._pattern is None:
            return []
        return [m.span() for m in self._pattern.finditer(folded)]

    # -- issuers -------------------------------------------------------------------

    def issuer_bodies(self, issuer: str) -> list[str]:
        """The canonical bodies of an issuer field: the whole value when it is one
        name, else each of its parts (a joint issuer), each made canonical."""
        value = issuer.strip()
        if not value:
            return []
        if value in self or not JOINT_RE.search(value):
            return [self.canonical(value)]
        out = []
        for piece in JOINT_RE.split(value):
            if piece:
                body = self.canonical(piece)
                if body not in out:
                    out.append(body)
        return out

    def issuer_lineage(self, value: str, former: bool = False) -> frozenset[str]:
        """The canonical bodies an issuer filter value selects."""
        gid = self.lookup(value)
        if gid is None:
            return frozenset(self.issuer_bodies(value))
        return frozenset(self.groups[g].canonical for g in self.lineage(value, former))

    def sections(self) -> dict[str, int]:
        """How many groups each section of the files holds."""
        counts: dict[str, int] = {}
        for g in self.groups:
            counts[g.section] = counts.get(g.section, 0) + 1
        return counts


@functools.lru_cache(maxsize=8)
def load_thesaurus(extra: str | None = None) -> Thesaurus:
    """The shipped thesaurus, plus the user's file ``extra``."""
    return Thesaurus.load([p for p in (SHIPPED, extra) if p])
