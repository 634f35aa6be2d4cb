"""The ``search`` blueprint: HTML pages and the JSON API share one code path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    stream_with_context,
)
from markupsafe import Markup
from werkzeug.exceptions import NotFound

import indexer
from indexer import export
from indexer.search.query import parse
from indexer.search.snippets import match_spans

from . import chart, links, openapi

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
    within: str | None = None
    group: str = "paragraph"
    former: bool = False

    def url_args(self, **changes) -> dict:
        args = {"q": self.q, "within": self.within, "issuer": self.issuer, "type": self.doc_type,
                "from": self.date_from, "to": self.date_to,
                "sort": None if self.sort == "relevance" else self.sort,
                "group": None if self.group == "paragraph" else self.group,
                "former": "1" if self.former else None,
                "page": self.page if self.page > 1 else None}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}

    def url(self, **changes) -> str:
        args = self.url_args(**changes)
        return "/?" + urlencode(args) if args else "/"

    def api_url(self, path: str, **changes) -> str:
        """``path`` with the query and filters (no paging, sorting or grouping)."""
        args = self.url_args(page=None, sort=None, group=None, **changes)
        return path + "?" + urlencode(args)

    def filters(self) -> dict:
        return {"issuer": self.issuer, "doc_type": self.doc_type, "date_from": self.date_from,
                "date_to": self.date_to, "within": self.within, "former": self.former}


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
    group = request.args.get("group") or "paragraph"
    if group not in ("paragraph", "document"):
        raise BadRequest(f"group: expected paragraph or document, got {group!r}")
    within = request.args.get("within", "")
    if len(within) > cfg["MAX_QUERY_LENGTH"]:
        raise BadRequest(f"within: at most {cfg['MAX_QUERY_LENGTH']} characters")
    former = request.args.get("former", "")
    if former not in ("", "0", "1", "true", "false"):
        raise BadRequest(f"former: expected 1 or 0, got {former!r}")
    return SearchParams(q=q, issuer=_text_arg("issuer"), doc_type=_text_arg("type"),
                        date_from=_text_arg("from", 10), date_to=_text_arg("to", 10),
                        sort=sort, page=page, size=size, explain=explain in ("1", "true"),
                        within=within.strip() or None, group=group,
                        former=former in ("1", "true"))


def _query_error(exc: indexer.QueryError) -> BadRequest:
    message = str(exc).replace("date_from:", "from:").replace("date_to:", "to:")
    return BadRequest(message.replace("doc_type:", "type:"))


def run_search(params: SearchParams):
    """The page of results: ``Results``, or ``GroupedResults`` with ``group=document``."""
    try:
        if params.group == "document":
            return _index().search_documents(
                params.q, limit=params.size, offset=(params.page - 1) * params.size,
                sort=params.sort, **params.filters())
        return _index().search(params.q, limit=params.size, offset=(params.page - 1) * params.size,
                               sort=params.sort, explain=params.explain, **params.filters())
    except indexer.QueryError as exc:
        raise _query_error(exc) from None


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
    found = run_search(params) if (params.q.strip() or params.issuer or params.doc_type
                                   or params.date_from or params.date_to) else None
    grouped = found if params.group == "document" else None
    results = grouped.results if grouped is not None else found
    total_pages = 0
    trend_chart = None
    if results is not None:
        shown = grouped.total_documents if grouped is not None else results.total
        total_pages = min((shown + params.size - 1) // params.size,
                          indexer.search.MAX_OFFSET // params.size + 1)
        trend_by = request.args.get("trend") or "year"
        if trend_by not in chart.BY:
            raise BadRequest(f"trend: expected one of {', '.join(chart.BY)}, got {trend_by!r}")
        if results.total:
            data = _index().trends(params.q, by=trend_by, **params.filters())
            trend_chart = chart.render(data, params)
    parsed = parse(params.q)
    has_quotes = any(t.quoted for t in parsed.positive_terms())
    hit_snippet = _linked_snippets(results, grouped)
    return render_template(
        "search/index.html", params=params, results=results, total_pages=total_pages,
        hit_snippet=hit_snippet,
        unquoted=params.q.replace('"', " ").replace("“", " ").replace("”", " ")
        if has_quotes else None,
        stats=_index().stats() if results is None else None,
        grouped=grouped, trend_chart=trend_chart,
    )


def _linked_snippets(results, grouped):
    """``hit -> Markup``: the hit's snippet with the mentions in it as links."""
    hits = [] if results is None else (
        [h for d in grouped.documents for h in d.hits] if grouped is not None else results.hits)
    view = _index().citations()
    found = view.mentions_in((h.doc_id, h.paragraph) for h in hits)
    wanted = {h.doc_id for h in hits} | {c.target for cs in found.values() for c in cs if c.target}
    titles = {d: meta["title"] or d for d, meta in view.documents(wanted).items()}

    def hit_snippet(hit) -> Markup:
        spans = links.links(found.get((hit.doc_id, hit.paragraph), []), titles)
        return Markup(links.snippet(hit.snippet, hit.text, spans))  # noqa: S704 - escaped

    return hit_snippet


@bp.route("/api/search")
def api_search():
    params = search_params()
    return jsonify(run_search(params).to_dict())


@bp.route("/api/trends")
def api_trends():
    params = search_params()
    by = request.args.get("by") or "year"
    try:
        return jsonify(_index().trends(params.q, by=by, **params.filters()))
    except indexer.QueryError as exc:
        raise _query_error(exc) from None


@bp.route("/api/export")
def api_export():
    """Every hit as CSV, XLSX or JSON Lines, streamed (XLSX through a temporary file)."""
    import tempfile

    params = search_params()
    fmt = request.args.get("format") or "csv"
    if fmt not in export.FORMATS:
        raise BadRequest(f"format: expected one of {', '.join(export.FORMATS)}, got {fmt!r}")
    try:
        rows = _index().export_rows(params.q, **params.filters())
    except indexer.QueryError as exc:
        raise _query_error(exc) from None
    headers = {"Content-Disposition": f'attachment; filename="policy-search.{fmt}"',
               "X-Total-Count": str(len(rows))}
    if fmt == "xlsx":
        tmp = tempfile.TemporaryFile()
        export.write_xlsx(rows, tmp)
        tmp.seek(0)

        def chunks():
            with tmp:
                while block := tmp.read(1 << 16):
                    yield block

        return Response(chunks(), mimetype=export.MEDIA_TYPES[fmt], headers=headers)
    chunks = export.csv_chunks(rows) if fmt == "csv" else export.jsonl_chunks(rows)
    return Response(stream_with_context(c.encode("utf-8") for c in chunks),
                    content_type=export.MEDIA_TYPES[fmt], headers=headers)


@bp.route("/api/openapi.json")
def api_openapi():
    return jsonify(openapi.SPEC)


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
    view = _index().citations()
    others = view.documents({c["doc_id"] for c in doc.cites + doc.cited_by if c["doc_id"]})
    titles = {d: meta["title"] or d for d, meta in others.items()}
    by_paragraph: dict[int, list] = {}
    for c in view.mentions(doc_id):
        by_paragraph.setdefault(c.paragraph, []).append(c)
    paragraphs = []
    hit_count = 0
    for p in doc.paragraphs:
        spans = match_spans(p["text"], needles) if needles else []
        hit_count += len(spans)
        html = links.render(p["text"], spans, links.links(by_paragraph.get(p["n"], []), titles))
        paragraphs.append({**p, "html": Markup(html), "hits": len(spans)})  # noqa: S704 - escaped
    cited_by: dict[str, dict[int, list[str]]] = {}  # citing document -> paragraph -> mentions
    for c in doc.cited_by:
        cited_by.setdefault(c["doc_id"], {}).setdefault(c["paragraph"], []).append(c["text"])
    return render_template("search/document.html", doc=doc, paragraphs=paragraphs, q=q,
                           hit_count=hit_count, titles=titles, cited_by=cited_by,
                           cites_query=links.cites_query, document_url=links.document_url)
