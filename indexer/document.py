"""The document model shared by ingest, the index and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Metadata fields every document carries (``None`` when the text does not say).
META_FIELDS = ("title", "doc_number", "issuer", "date", "doc_type", "topic")


@dataclass(frozen=True)
class Block:
    """A raw block from a format reader, before metadata and clean-up."""

    text: str
    line: int
    heading: bool = False
    #: ``"body"``, or ``"info"`` for a LawRefBook info block (before ``<!-- INFO END -->``)
    kind: str = "body"
    #: the page it is on (PDF), else ``None``
    page: int | None = None


@dataclass(frozen=True)
class Paragraph:
    n: int
    text: str
    heading: bool = False
    #: first line in the source file (text formats), else the block's position in the file
    line: int = 0
    #: the page it is on (PDF), else ``None``
    page: int | None = None

    def to_dict(self) -> dict:
        """JSON shape; ``page`` is present only when known (PDF)."""
        out = {"n": self.n, "text": self.text, "heading": self.heading, "line": self.line}
        if self.page is not None:
            out["page"] = self.page
        return out


@dataclass
class Metadata:
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None
    doc_type: str | None = None
    topic: str | None = None
    #: original-script forms of normalized values, for display
    original: dict[str, str] = field(default_factory=dict)
    #: where each field came from (``"label"``, ``"signature"``, ``"sidecar"``…)
    evidence: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: str | None, evidence: str,
            original: str | None = None) -> None:
        """Set a field unless already set by stronger evidence."""
        if value is None or value == "" or getattr(self, name) is not None:
            return
        setattr(self, name, value)
        self.evidence[name] = evidence
        if original is not None and original != value:
            self.original[name] = original


@dataclass
class Document:
    doc_id: str
    source: str
    encoding: str
    meta: Metadata
    paragraphs: list[Paragraph]
    content_hash: str = ""
    warnings: list[str] = field(default_factory=list)

    def __getattr__(self, name: str):
        if name in META_FIELDS:
            return getattr(self.meta, name)
        raise AttributeError(name)

    def to_dict(self) -> dict:
        """The JSON shape of ``policy-search inspect --json``."""
        out = {"doc_id": self.doc_id, "source": self.source}
        for name in META_FIELDS:
            out[name] = getattr(self.meta, name)
        out["encoding"] = self.encoding
        out["original"] = dict(self.meta.original)
        out["paragraphs"] = [p.to_dict() for p in self.paragraphs]
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out
