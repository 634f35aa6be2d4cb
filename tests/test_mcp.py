"""The MCP server as a subprocess, driven by the official SDK's stdio client."""

from __future__ import annotations

import json
import sys

import anyio
import pytest

from .conftest import SEED

mcp = pytest.importorskip("mcp")


def _session(seed_index, body):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "indexer", "mcp", "--index-dir", str(seed_index)])

    async def run():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                return await body(session, init)

    return anyio.run(run)


def _json(result) -> dict:
    assert result.is_error is False
    return json.loads(result.content[0].text)


def test_mcp_server_tools_and_search(seed_index, index):
    async def body(session, init):
        tools = await session.list_tools()
        search = await session.call_tool("search", {"query": "穩崗返還", "limit": 2})
        grouped = await session.call_tool("search", {"query": "就业", "group": "document",
                                                     "limit": 2})
        paragraph = await session.call_tool("get_paragraph", {"doc_id": SEED["004"],
                                                              "paragraph": 3, "neighbours": 1})
        document = await session.call_tool("get_document", {"doc_id": SEED["004"]})
        trends = await session.call_tool("trends", {"query": "就业"})
        bad = await session.call_tool("search", {"query": "就业", "sort": "newest"})
        return init, tools, search, grouped, paragraph, document, trends, bad

    init, tools, search, grouped, paragraph, document, trends, bad = _session(seed_index, body)
    assert init.server_info.name == "policy-search"
    assert sorted(t.name for t in tools.tools) == ["get_document", "get_paragraph", "search",
                                                   "trends"]
    got = _json(search)
    expected = index.search("穩崗返還", limit=2).to_dict()
    got.pop("took_ms"), expected.pop("took_ms")
    assert got == expected
    assert [(h["doc_id"], h["paragraph"]) for h in got["hits"]] == [(SEED["002"], 10),
                                                                  (SEED["002"], 7)]
    got = _json(grouped)
    expected = index.search_documents("就业", limit=2).to_dict()
    got.pop("took_ms"), expected.pop("took_ms")
    assert got == expected
    assert _json(paragraph) == index.paragraph(SEED["004"], 3, 1)
    assert _json(document) == index.document(SEED["004"]).to_dict()
    assert _json(trends) == {"by": "year", "buckets": [
        {"key": "2023", "paragraphs": 5, "documents": 1},
        {"key": "2025", "paragraphs": 57, "documents": 3}],
        "undated": {"paragraphs": 4, "documents": 1}}
    assert bad.is_error is True
    assert bad.content[0].text == ("Error executing tool search: "
                                   "sort: expected one of relevance, date, got 'newest'")
