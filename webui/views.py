"""The ``search`` blueprint: HTML pages and the JSON API share one code path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import NotFound

import indexer
from indexer.search.query import parse
from indexer.search.snippets import mark, match_spans

bp = Blueprint("search", __name__)

# A relative path: no leading slash, no "." or ".." segment, no NUL or backslash.
_DOC_ID = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.?(?:/|$))[^\x00\\]{1,512}$", re.S)


class BadRequest(ValueError):
    pass


@dataclass
class SearchParams:
    q: str
    issuer: str | None
    doc_type: str | None
    date_from: str | None
    date_to: str | None
    sort: str
    page: int
    size: int
    explain: bool = False
    former: bool = False

    def url_args(self, **changes) -> dict:
        args = {"q": self.q, "issuer": self.issuer, "type": self.doc_type,
                "from": self.date_from, "to": self.date_to,
                "sort": None if self.sort == "relevance" else self.sort,
                "former": "1" if self.former else None,
                "page": self.page if self.page > 1 else None}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}

    def url(self, **changes) -> str:
        args = self.url_args(**changes)
        return "/?" + urlencode(args) if args else "/"


def _index() -> indexer.Index:
    return current_app.extensions["policy_search_index"].get()


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}: expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name}: must be between {low} and {high}, got {value}")
    return value


def _text_arg(name: str, limit: int = 200) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise BadRequest(f"{name}: at most {limit} characters")
    return value or None


def search_params() -> SearchParams:
    """Validate the page's parameters (shared by ``/`` and ``/api/search``)."""
    cfg = current_app.config
    q = request.args.get("q", "")
    if len(q) > cfg["MAX_QUERY_LENGTH"]:
        raise BadRequest(f"q: at most {cfg['MAX_QUERY_LENGTH']} characters")
    sort = request.args.get("sort") or "relevance"
    if sort not in ("relevance", "date"):
        raise BadRequest(f"sort: expected relevance or date, got {sort!r}")
    size = _int_arg("size", cfg["PAGE_SIZE"], 1, cfg["MAX_PAGE_SIZE"])
    max_page = indexer.search.MAX_OFFSET // size + 1
    page = _int_arg("page", 1, 1, max_page)
    explain = request.args.get("explain", "")
    if explain not in ("", "0", "1", "true", "false"):
        raise BadRequest(f"explain: expected 1 or 0, got {explain!r}")
    former = request.args.get("former", "")
    if former not in ("", "0", "1", "true", "false"):
        raise BadRequest(f"former: expected 1 or 0, got {former!r}")
    return SearchParams(q=q, issuer=_text_arg("issuer"), doc_type=_text_arg("type"),
                        date_from=_text_arg("from", 10), date_to=_text_arg("to", 10),
                        sort=sort, page=page, size=size, explain=explain in ("1", "true"),
                        former=former in ("1", "true"))


def run_search(params: SearchParams) -> indexer.Results:
    try:
        return _index().search(params.q, limit=params.size, offset=(params.page - 1) * params.size,
                               issuer=params.issuer, doc_type=params.doc_type,
                               date_from=params.date_from, date_to=params.date_to,
                               sort=params.sort, explain=params.explain,
                               former=params.former)
    except indexer.QueryError as exc:
        message = str(exc).replace("date_from:", "from:").replace("date_to:", "to:")
        raise BadRequest(message) from None


def _error(status: int, message: str):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


@bp.errorhandler(BadRequest)
def bad_request(exc: BadRequest):
    if request.path.startswith("/api/"):
        return _error(400, str(exc))
    return render_template("search/error.html", status=400, message=str(exc)), 400


@bp.app_errorhandler(404)
def not_found(exc):
    message = getattr(exc, "description", None)
    if not message or message == NotFound.description:
        message = f"no such page: {request.path}"
    if request.path.startswith("/api/"):
        return _error(404, message)
    return render_template("search/error.html", status=404, message=message), 404


@bp.app_errorhandler(405)
def not_allowed(exc):
    if request.path.startswith("/api/"):
        return _error(405, "method not allowed")
    return render_template("search/error.html", status=405, message="不支持的请求方法"), 405


@bp.app_errorhandler(500)
def server_error(exc):
    if request.path.startswith("/api/"):
        return _error(500, "internal error")
    return render_template("search/error.html", status=500, message="服务器内部错误"), 500


@bp.app_errorhandler(indexer.SearchIndexError)
def index_unavailable(exc):
    if request.path.startswith("/api/"):
        return _error(503, str(exc))
    return render_template("search/error.html", status=503, message=str(exc)), 503


@bp.route("/")
def search_page():
    params = search_params()
    results = run_search(params) if (params.q.strip() or params.issuer or params.doc_type
                                     or params.date_from or params.date_to) else None
    total_pages = 0
    if results is not None:
        total_pages = min((results.total + params.size - 1) // params.size,
                          indexer.search.MAX_OFFSET // params.size + 1)
    parsed = parse(params.q)
    has_quotes = any(t.quoted for t in parsed.positive_terms())
    return render_template(
        "search/index.html", params=params, results=results, total_pages=total_pages,
        snippet=lambda html: Markup(html),  # noqa: S704 - snippets are escaped text + <mark>
        unquoted=params.q.replace('"', " ").replace("“", " ").replace("”", " ")
        if has_quotes else None,
        stats=_index().stats() if results is None else None,
    )


@bp.route("/api/search")
def api_search():
    params = search_params()
    return jsonify(run_search(params).to_dict())


def _document_or_404(doc_id: str) -> indexer.DocumentView:
    if not _DOC_ID.match(doc_id):
        abort(404, f"no document {doc_id!r}")
    try:
        return _index().document(doc_id)
    except indexer.DocumentNotFound:
        abort(404, f"no document {doc_id!r}")


@bp.route("/api/documents/<path:doc_id>")
def api_document(doc_id: str):
    return jsonify(_document_or_404(doc_id).to_dict())


@bp.route("/documents/<path:doc_id>")
def document_page(doc_id: str):
    doc = _document_or_404(doc_id)
    q = request.args.get("q", "")[: current_app.config["MAX_QUERY_LENGTH"]]
    needles = _index().highlight_needles(q) if q.strip() else []
    paragraphs = []
    hit_count = 0
    for p in doc.paragraphs:
        spans = match_spans(p["text"], needles) if needles else []
        hit_count += len(spans)
        paragraphs.append({**p, "html": Markup(mark(p["text"], spans)), "hits": len(spans)})
    return render_template("search/document.html", doc=doc, paragraphs=paragraphs, q=q,
                           hit_count=hit_count)
