"""Who cites whom in an open index: mentions with their spans, and the graph as CSV or GraphML.

:class:`CitationView` is what ``Index.citations()`` returns: the citations of
the snapshot the index had when it was called.

* CSV: one row per mention, ``source`` (citing document) and ``target`` (the
  document meant) first, as network tools (Gephi, networkx, pandas) expect;
  UTF-8 without a byte-order mark. Unresolved mentions only when asked for
  (``target`` empty).
* GraphML: a directed graph with every indexed document as a node (title,
  number, issuer, date, type) and one edge per citing and cited document,
  weighted by the number of mentions, with the citing paragraphs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from xml.etree import ElementTree as ET

from .store import Cite

FORMATS = ("csv", "graphml")
CSV_COLUMNS = ["source", "target", "source_paragraph", "target_paragraph", "kind", "text",
               "source_title", "target_title"]
NODE_FIELDS = ("title", "doc_number", "issuer", "date", "doc_type")
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


class CitationView:
    """The citations of one snapshot of an index (see :mod:`indexer.cite`)."""

    def __init__(self, snap):
        self._snap = snap
        self._store = snap.citations

    def mentions(self, doc_id: str) -> list[Cite]:
        """The mentions in a document, with their spans, in paragraph order."""
        return self._store.mentions(doc_id)

    def mentions_in(self, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], list[Cite]]:
        """The mentions in each (doc_id, paragraph) of ``pairs`` that has some."""
        return self._store.in_paragraphs(pairs)

    def documents(self, doc_ids: Iterable[str]) -> dict[str, dict]:
        """Title, number, issuer, date and type of each indexed document of ``doc_ids``."""
        docs = self._snap._docs
        return {d: {k: docs[d].get(k) for k in NODE_FIELDS} for d in doc_ids if d in docs}

    def edges(self, unresolved: bool = False) -> list[Cite]:
        """Every resolved mention (and the unresolved ones too, with ``unresolved``)."""
        return list(self._store.all(resolved_only=not unresolved))

    def counts(self) -> dict[str, int]:
        """Mentions per kind, and how many of them are resolved."""
        return self._store.counts()

    def write(self, fmt: str, out, unresolved: bool = False) -> int:
        """Write the graph to the binary file ``out``; returns the number of rows or edges."""
        if fmt not in FORMATS:
            raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
        if fmt == "csv":
            return write_csv(self.edges(unresolved), self.documents(self._snap._docs), out)
        if unresolved:
            raise ValueError("unresolved mentions name no document: GraphML has only documents")
        return write_graphml(self.edges(), self.documents(sorted(self._snap._docs)), out)


def write_csv(cites: list[Cite], docs: dict[str, dict], out) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CSV_COLUMNS)
        for c in cites:
            target = docs.get(c.target or "", {})
            writer.writerow([c.doc_id, c.target or "", c.paragraph,
                             "" if c.target_paragraph is None else c.target_paragraph, c.kind,
                             c.text, docs.get(c.doc_id, {}).get("title") or "",
                             target.get("title") or ""])
        text.flush()
    finally:
        text.detach()
    return len(cites)


def write_graphml(cites: list[Cite], docs: dict[str, dict], out) -> int:
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    for name in NODE_FIELDS:
        ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {"id": name, "for": "node",
                                                     "attr.name": name, "attr.type": "string"})
    ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {"id": "weight", "for": "edge",
                                                 "attr.name": "weight", "attr.type": "int"})
    ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {"id": "paragraphs", "for": "edge",
                                                 "attr.name": "paragraphs", "attr.type": "string"})
    graph = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", {"id": "citations",
                                                           "edgedefault": "directed"})
    for doc_id, meta in docs.items():
        node = ET.SubElement(graph, f"{{{GRAPHML_NS}}}node", {"id": doc_id})
        for name in NODE_FIELDS:
            if meta.get(name):
                ET.SubElement(node, f"{{{GRAPHML_NS}}}data", {"key": name}).text = meta[name]
    pairs: dict[tuple[str, str], list[int]] = {}
    for c in cites:
        pairs.setdefault((c.doc_id, c.target), []).append(c.paragraph)
    for k, ((source, target), paragraphs) in enumerate(pairs.items()):
        edge = ET.SubElement(graph, f"{{{GRAPHML_NS}}}edge",
                             {"id": f"e{k}", "source": source, "target": target})
        ET.SubElement(edge, f"{{{GRAPHML_NS}}}data", {"key": "weight"}).text = str(len(paragraphs))
        ET.SubElement(edge, f"{{{GRAPHML_NS}}}data", {"key": "paragraphs"}).text = " ".join(
            str(p) for p in dict.fromkeys(paragraphs))
    ET.indent(root)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    out.write(b"\n")
    return len(pairs)
