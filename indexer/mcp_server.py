"""An MCP server over stdio: the index as tools for AI assistants (``policy-search mcp``).

Built on the official Python SDK (``mcp``, pinned in pyproject.toml). Every tool
returns the JSON of the HTTP API (``/api/search``, ``/api/documents/<id>``,
``/api/trends``), as structured content and as JSON text. A bad argument is a
tool error whose message names the argument (the message of ``QueryError``).
The index is opened once and refreshed before each call, so a reindex is seen
without a restart.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from . import open_index
from .search import DocumentNotFound, QueryError

INSTRUCTIONS = """\
Full-text search over Chinese government policy documents (政策文件): notices,
opinions, replies, press conferences. Every paragraph is a hit with its document's
title, 发文字号 (doc_number), 发文机关 (issuer), 成文日期 (date) and 公文种类 (doc_type).
Queries may be simplified or traditional Chinese. Start with `search`; read more of a
hit with `get_paragraph` (a paragraph and its neighbours) or `get_document` (the whole
text); use `trends` to see how often a subject appears per year."""

QUERY_HELP = """\
Query language: words separated by spaces (best match: paragraphs with every word
first); "exact phrase"; a OR b; -excluded; "a b"~10 (words at most 10 characters apart,
any order); "a b"~s (in one sentence); issuer:人社部, number:〔2025〕2号, type:通知,
title:实施方案, date:2025 or date:2024-01..2025-06; cites:国办发〔2024〕38号 or cites:民法典
(paragraphs citing that document)."""


class _Holder:
    def __init__(self, path: Path):
        self.path = path
        self._index = None
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if self._index is None:
                self._index = open_index(self.path)
            else:
                self._index.refresh()
            return self._index


def build(index_dir: str | Path):
    """The MCP server (an ``mcp.server.mcpserver.MCPServer``) for the index at ``index_dir``."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    holder = _Holder(Path(index_dir))
    server = MCPServer("policy-search", instructions=INSTRUCTIONS)

    def call(fn, *args, **kwargs) -> dict[str, Any]:
        try:
            return fn(*args, **kwargs)
        except (QueryError, DocumentNotFound) as exc:
            raise ToolError(str(exc.args[0]) if exc.args else str(exc)) from None

    @server.tool(description=(
        "Search the paragraphs of Chinese policy documents. Returns the total count, "
        "facet counts (issuer, doc_type, year) and the best hits: doc_id, paragraph "
        "number, text, a snippet with <mark> around the matches, and the document's "
        "metadata. With group='document' one entry per document instead (documents: "
        "doc_id, metadata, matches = how many of its paragraphs match, its best hits). "
        "Filters: issuer and doc_type (exact names, as in the facets), date_from / "
        "date_to (YYYY-MM-DD), within (a second query the hits must also match). "
        "sort: relevance or date. limit at most 50; offset for the next page.\n"
        + QUERY_HELP))
    def search(query: str, issuer: str | None = None, doc_type: str | None = None,
               date_from: str | None = None, date_to: str | None = None,
               within: str | None = None, group: str = "paragraph", sort: str = "relevance",
               limit: int = 10, offset: int = 0) -> dict[str, Any]:
        if group not in ("paragraph", "document"):
            raise ToolError(f"group: expected paragraph or document, got {group!r}")
        if not isinstance(limit, int) or not 1 <= limit <= 50:
            raise ToolError(f"limit: expected a whole number from 1 to 50, got {limit!r}")
        index = holder.get()
        kwargs = dict(limit=limit, offset=offset, issuer=issuer, doc_type=doc_type,
                      date_from=date_from, date_to=date_to, sort=sort, within=within)
        if group == "document":
            return call(index.search_documents, query, **kwargs).to_dict()
        return call(index.search, query, **kwargs).to_dict()

    @server.tool(description=(
        "Read one whole document by its doc_id (from a search hit): metadata (title, "
        "doc_number, issuer, date, doc_type, topic, source) and every paragraph "
        "(n, text, heading). Long documents can have hundreds of paragraphs; prefer "
        "get_paragraph to read around one hit."))
    def get_document(doc_id: str) -> dict[str, Any]:
        return call(holder.get().document, doc_id).to_dict()

    @server.tool(description=(
        "Read one paragraph of a document (doc_id and paragraph number n, from a search "
        "hit) with up to `neighbours` paragraphs before and after it (default 2, at most "
        "10), and the document's metadata: the context of a hit without the whole text."))
    def get_paragraph(doc_id: str, paragraph: int, neighbours: int = 2) -> dict[str, Any]:
        return call(holder.get().paragraph, doc_id, paragraph, neighbours)

    @server.tool(description=(
        "How many paragraphs and distinct documents match a query per year (成文日期), "
        "with the same filters as search. by='issuer' or by='doc_type' also splits each "
        "year by issuing body or document type (stacks). Use it to see when a policy "
        "subject appeared or grew.\n" + QUERY_HELP))
    def trends(query: str, by: str = "year", issuer: str | None = None,
               doc_type: str | None = None, date_from: str | None = None,
               date_to: str | None = None, within: str | None = None) -> dict[str, Any]:
        return call(holder.get().trends, query, by=by, issuer=issuer, doc_type=doc_type,
                    date_from=date_from, date_to=date_to, within=within)

    return server


def serve(index_dir: str | Path) -> None:
    """Run the server on stdin/stdout until the client closes it."""
    build(index_dir).run("stdio")
