"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``.

Schemas are JSON Schema 2020-12 (as OpenAPI 3.1 has them); ``tests/test_api_extra.py``
validates real responses against them.
"""

from __future__ import annotations

import indexer

_S = {"type": "string"}
_NS = {"type": ["string", "null"]}
_INT = {"type": "integer", "minimum": 0}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}


def _param(name: str, description: str, schema: dict | None = None, required: bool = False,
           where: str = "query") -> dict:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema or _S}


_FILTERS = [
    _param("q", "The query (see the README's query language, e.g. cites:国办发〔2024〕38号 for "
                "the paragraphs citing a document); at most 500 characters."),
    _param("within", "Refine (在结果中检索): a second query every hit must also match."),
    _param("issuer", "发文机关, exact (as in the facets)."),
    _param("type", "公文种类, exact."),
    _param("from", "成文日期 on or after (YYYY-MM-DD).", {"type": "string", "format": "date"}),
    _param("to", "成文日期 on or before (YYYY-MM-DD).", {"type": "string", "format": "date"}),
]

_HIT = {
    "type": "object",
    "required": ["doc_id", "paragraph", "text", "snippet", "score", "title", "doc_number",
                 "issuer", "date", "doc_type", "source", "page", "all_words"],
    "properties": {
        "doc_id": _S, "paragraph": {"type": "integer"}, "text": _S,
        "snippet": {"type": "string", "description": "escaped text with <mark> around matches"},
        "score": {"type": "number"}, "title": _NS, "doc_number": _NS, "issuer": _NS,
        "date": _NS, "doc_type": _NS, "source": _S, "page": {"type": ["integer", "null"]},
        "all_words": {"type": "boolean"}, "explain": {"type": "object"},
    },
    "additionalProperties": False,
}

_RESULTS_PROPS = {
    "query": _S, "total": _INT, "total_all": _INT, "total_partial": _INT,
    "counted": {"enum": ["literal", "words"]}, "took_ms": {"type": "number"},
    "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
    "facets": {"type": "object", "required": ["issuer", "doc_type", "year"],
               "properties": {"issuer": _COUNTS, "doc_type": _COUNTS, "year": _COUNTS}},
    "facets_over": {"enum": ["all", "some"]},
    "ignored": {"type": "array", "items": _S},
    "messages": {"type": "array", "items": _S},
}
_RESULTS_REQUIRED = ["query", "total", "total_all", "total_partial", "counted", "took_ms",
                     "hits", "facets", "facets_over"]

_DOCUMENT_GROUP = {
    "type": "object",
    "required": ["doc_id", "title", "doc_number", "issuer", "date", "doc_type", "matches",
                 "hits"],
    "properties": {"doc_id": _S, "title": _NS, "doc_number": _NS, "issuer": _NS, "date": _NS,
                   "doc_type": _NS, "matches": {"type": "integer", "minimum": 1},
                   "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}},
    "additionalProperties": False,
}

_COUNT_PAIR = {"type": "object", "required": ["paragraphs", "documents"],
               "properties": {"paragraphs": _INT, "documents": _INT}}
_TRENDS = {
    "type": "object",
    "required": ["by", "buckets", "undated"],
    "properties": {
        "by": {"enum": ["year", "issuer", "doc_type"]},
        "buckets": {"type": "array", "items": {
            "type": "object", "required": ["key", "paragraphs", "documents"],
            "properties": {
                "key": {"type": "string", "pattern": "^[0-9]{4}$"},
                "paragraphs": _INT, "documents": _INT,
                "stacks": {"type": "array", "items": {
                    "type": "object", "required": ["key", "paragraphs", "documents"],
                    "properties": {"key": _NS, "paragraphs": _INT, "documents": _INT},
                    "additionalProperties": False}},
            },
            "additionalProperties": False}},
        "undated": _COUNT_PAIR,
    },
    "additionalProperties": False,
}

_DOCUMENT = {
    "type": "object",
    "required": ["doc_id", "source", "title", "doc_number", "issuer", "date", "doc_type",
                 "topic", "encoding", "original", "paragraphs", "cites", "cited_by"],
    "properties": {
        "doc_id": _S, "source": _S, "title": _NS, "doc_number": _NS, "issuer": _NS,
        "date": _NS, "doc_type": _NS, "topic": _NS, "encoding": _S,
        "original": {"type": "object", "additionalProperties": _S},
        "paragraphs": {"type": "array", "items": {
            "type": "object", "required": ["n", "text", "heading", "line"],
            "properties": {"n": {"type": "integer"}, "text": _S, "heading": {"type": "boolean"},
                           "line": {"type": "integer"}, "page": {"type": "integer"}}}},
        "cites": {"type": "array", "description": "What the document cites, in paragraph order.",
                  "items": {
            "type": "object",
            "required": ["text", "kind", "paragraph", "doc_id", "target_paragraph"],
            "properties": {"text": _S, "kind": {"enum": ["number", "title"]},
                           "paragraph": {"type": "integer"},
                           "doc_id": {"type": ["string", "null"],
                                      "description": "The document meant; null when not indexed."},
                           "target_paragraph": {"type": ["integer", "null"],
                                                "description": "The article cited, when known."}},
            "additionalProperties": False}},
        "cited_by": {"type": "array", "description": "The paragraphs citing the document.",
                     "items": {
            "type": "object", "required": ["doc_id", "paragraph", "text"],
            "properties": {"doc_id": _S, "paragraph": {"type": "integer"}, "text": _S},
            "additionalProperties": False}},
    },
}

_ERROR = {"type": "object", "required": ["error", "status"],
          "properties": {"error": _S, "status": {"type": "integer"}},
          "additionalProperties": False}


def _json(ref: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


_ERRORS = {"400": _json("Error", "A bad parameter; the message names it."),
           "503": _json("Error", "The index cannot be opened.")}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "policy-search", "version": indexer.__version__,
             "description": "Full-text search over Chinese government policy documents: "
                            "paragraph hits with their documents' metadata."},
    "paths": {
        "/api/search": {"get": {
            "summary": "Search paragraphs, or documents with group=document",
            "operationId": "search",
            "parameters": _FILTERS + [
                _param("sort", "relevance (default) or date.", {"enum": ["relevance", "date"]}),
                _param("group", "paragraph (default): one hit per paragraph; document: one "
                                "entry per document (同篇).",
                       {"enum": ["paragraph", "document"]}),
                _param("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
                _param("size", "Hits (or documents) per page, 1 to 50.",
                       {"type": "integer", "minimum": 1, "maximum": 50}),
                _param("explain", "1: every hit carries how its score was made.",
                       {"enum": ["0", "1", "true", "false"]}),
            ],
            "responses": {"200": {"description": "One page of results.", "content": {
                "application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/Results"},
                    {"$ref": "#/components/schemas/GroupedResults"}]}}}}, **_ERRORS},
        }},
        "/api/trends": {"get": {
            "summary": "Matching paragraphs and documents per year",
            "operationId": "trends",
            "parameters": _FILTERS + [
                _param("by", "year (default), or per year stacked by issuer or doc_type.",
                       {"enum": ["year", "issuer", "doc_type"]})],
            "responses": {"200": _json("Trends", "Counts per year."), **_ERRORS},
        }},
        "/api/export": {"get": {
            "summary": "Every hit (not just a page) as a file",
            "description": "One row per matching paragraph (as many as `total`), in index "
                           "order, with the columns doc_id, title, doc_number, issuer, date, "
                           "doc_type, paragraph, page, text, source. Streamed.",
            "operationId": "export",
            "parameters": _FILTERS + [
                _param("format", "csv (UTF-8 with BOM, default), xlsx or jsonl.",
                       {"enum": ["csv", "xlsx", "jsonl"]})],
            "responses": {"200": {"description": "The file (Content-Disposition: attachment); "
                                                 "X-Total-Count gives the row count.",
                                  "content": {"text/csv": {}, "application/x-ndjson": {},
                                              "application/vnd.openxmlformats-officedocument"
                                              ".spreadsheetml.sheet": {}}},
                          **_ERRORS},
        }},
        "/api/documents/{doc_id}": {"get": {
            "summary": "One whole document",
            "operationId": "document",
            "parameters": [_param("doc_id", "The document id of a hit.", required=True,
                                  where="path")],
            "responses": {"200": _json("Document", "The document (as `policy-search inspect "
                                                   "--json`), what it cites and who cites it."),
                          "404": _json("Error", "No such document.")},
        }},
        "/api/openapi.json": {"get": {
            "summary": "This description", "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3.1",
                                  "content": {"application/json": {}}}}}},
    },
    "components": {"schemas": {
        "Hit": _HIT,
        "Results": {"type": "object", "required": _RESULTS_REQUIRED,
                    "properties": _RESULTS_PROPS, "additionalProperties": False},
        "GroupedResults": {
            "type": "object",
            "required": [*_RESULTS_REQUIRED, "group", "total_documents", "documents"],
            "properties": {**_RESULTS_PROPS, "group": {"const": "document"},
                           "total_documents": _INT,
                           "documents": {"type": "array",
                                         "items": {"$ref": "#/components/schemas/DocumentGroup"}}},
            "additionalProperties": False},
        "DocumentGroup": _DOCUMENT_GROUP,
        "Trends": _TRENDS,
        "Document": _DOCUMENT,
        "Error": _ERROR,
    }},
}
