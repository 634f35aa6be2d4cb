"""Issue 15: documents (同篇), refine, proximity, trends, export and the OpenAPI description."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re

import pytest

import indexer
from indexer import export
from indexer.charindex import units
from indexer.search.query import parse
from webui import create_app

from .conftest import SEED


@pytest.fixture(scope="module")
def client(seed_index):
    return create_app({"INDEX_DIR": str(seed_index), "TESTING": True}).test_client()


# -- proximity -----------------------------------------------------------------------

def test_parser_reads_proximity_suffixes():
    terms = parse('"稳岗 返还"~10 "就业 保险"~s "a b"~x 就业').must
    assert [(t.text, t.quoted, t.slop, t.sentence) for t in terms] == [
        ("稳岗 返还", True, 10, False), ("就业 保险", True, None, True), ("a b", True, None, False),
        ("~x", False, None, False), ("就业", False, None, False)]


def _brute(index, words, slop, sentence):
    """Paragraphs where some occurrence of every word lies close enough (over all paragraphs)."""
    out = []
    for doc_id in index.document_ids():
        for p in index.document(doc_id).paragraphs:
            u = units(p["text"])
            occ = [[m.start() for m in re.finditer(f"(?={re.escape(w)})", u)] for w in words]
            ok = False
            for combo in itertools.product(*occ):
                lo = min(combo)
                hi = max(c + len(w) for c, w in zip(combo, words, strict=True))
                if sentence:
                    ok = not any(ch in "。!?;" for ch in u[lo:hi - 1])
                else:
                    ok = (hi - lo) - sum(map(len, words)) <= slop
                if ok:
                    break
            if ok:
                out.append((doc_id, p["n"]))
    return sorted(out)


@pytest.mark.parametrize(("query", "words", "slop", "sentence"), [
    ('"就业 保险"~0', ["就业", "保险"], 0, False),
    ('"就业 保险"~5', ["就业", "保险"], 5, False),
    ('"就业 保险"~40', ["就业", "保险"], 40, False),
    ('"就业 保险"~s', ["就业", "保险"], None, True),
    ('"返还 稳岗"~0', ["返还", "稳岗"], 0, False),
    ('"企业 就业 服务"~s', ["企业", "就业", "服务"], None, True),
    ('"企业 就业 服务"~20', ["企业", "就业", "服务"], 20, False),
])
def test_proximity_matches_brute_force(index, query, words, slop, sentence):
    assert sorted(index.matching_paragraphs(query)) == _brute(index, words, slop, sentence)


def test_proximity_exact_values(index):
    assert index.matching_paragraphs('"就业 保险"~s') == [(SEED["000"], 6), (SEED["004"], 6)]
    assert index.search('"稳岗 返还"~0').total == 3
    assert index.search('"就业 保险"~s').total == 2
    excluded = index.search('就业 -"就业 保险"~s')
    assert excluded.total == index.search("就业").total - 2


def test_proximity_in_cli_and_api(client, seed_index):
    from click.testing import CliRunner

    from indexer.cli import main

    result = CliRunner().invoke(main, ["search", '"就业 保险"~s', "--index-dir", str(seed_index),
                                       "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["total"] == 2
    data = client.get("/api/search", query_string={"q": '"就业 保险"~s'}).get_json()
    assert [(h["doc_id"], h["paragraph"]) for h in data["hits"]] == [(SEED["004"], 6),
                                                                   (SEED["000"], 6)]


# -- refine (within) -------------------------------------------------------------------

def test_within_is_the_intersection(index):
    both = index.matching_paragraphs("稳岗返还", within="失业保险")
    assert both == [(SEED["000"], 6), (SEED["002"], 7)]
    assert set(both) == set(index.matching_paragraphs("稳岗返还")) & set(
        index.matching_paragraphs("失业保险"))
    results = index.search("就业", within="失业保险")
    assert results.total == 3
    assert [(h.doc_id, h.paragraph) for h in results.hits] == [
        (SEED["000"], 6), (SEED["002"], 14), (SEED["000"], 9)]
    assert "<mark>失业保险</mark>" in results.hits[0].snippet


def test_within_chip_and_box(client):
    page = client.get("/", query_string={"q": "就业", "within": "失业保险"}).get_data(as_text=True)
    assert '<strong id="total">3</strong>' in page
    assert 'class="chip" href="/?q=%E5%B0%B1%E4%B8%9A"' in page
    assert "在结果中：失业保险" in page
    assert 'name="within" id="within"' in page


# -- group by document -----------------------------------------------------------------

def test_group_by_document_json(client, index):
    data = client.get("/api/search", query_string={"q": "稳岗返还", "group": "document"}).get_json()
    data.pop("took_ms")
    expected_hits = {(h.doc_id, h.paragraph): h.to_dict()
                     for h in index.search("稳岗返还", limit=10).hits}
    assert data["hits"] == []
    assert (data["group"], data["total"], data["total_documents"]) == ("document", 3, 2)
    assert [(d["doc_id"], d["matches"], [h["paragraph"] for h in d["hits"]])
            for d in data["documents"]] == [(SEED["002"], 2, [10, 7]), (SEED["000"], 1, [6])]
    first = data["documents"][0]
    assert {k: first[k] for k in ("title", "doc_number", "issuer", "date", "doc_type")} == {
        "title": None, "doc_number": None, "issuer": None, "date": None, "doc_type": None}
    for doc in data["documents"]:
        for hit in doc["hits"]:
            assert hit == expected_hits[(hit["doc_id"], hit["paragraph"])]


def test_group_by_document_cli_and_page(client, seed_index):
    from click.testing import CliRunner

    from indexer.cli import main

    result = CliRunner().invoke(main, ["search", "就业", "--group", "document", "--limit", "2",
                                       "--index-dir", str(seed_index), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    # 003's title has 就业, but so does every paragraph that matches: no title part.
    assert [(d["doc_id"], d["matches"]) for d in data["documents"]] == [(SEED["004"], 23),
                                                                       (SEED["003"], 27)]
    assert data["total_documents"] == 5
    page = client.get("/", query_string={"q": "就业", "group": "document"}).get_data(as_text=True)
    assert page.count('<li class="doc-card">') == 5
    assert '<strong id="total-documents">5</strong>' in page
    assert "<strong>27</strong> 个段落匹配" in page


# -- trends ------------------------------------------------------------------------------

def test_trends_json(client):
    assert client.get("/api/trends", query_string={"q": "稳岗"}).get_json() == {
        "by": "year",
        "buckets": [{"key": "2023", "paragraphs": 2, "documents": 1},
                    {"key": "2025", "paragraphs": 3, "documents": 3}],
        "undated": {"paragraphs": 3, "documents": 1}}
    assert client.get("/api/trends", query_string={"q": "就业", "by": "doc_type",
                                                   "from": "2025-01-01"}).get_json() == {
        "by": "doc_type",
        "buckets": [{"key": "2025", "paragraphs": 57, "documents": 3, "stacks": [
            {"key": "通知", "paragraphs": 27, "documents": 1},
            {"key": "答复", "paragraphs": 23, "documents": 1},
            {"key": "新闻发布会", "paragraphs": 7, "documents": 1}]}],
        "undated": {"paragraphs": 0, "documents": 0}}


def test_trends_chart_on_page(client):
    page = client.get("/", query_string={"q": "就业"}).get_data(as_text=True)
    assert '<svg class="trend-chart"' in page
    assert page.count('class="trend-year"') == 2
    assert ('href="/?q=%E5%B0%B1%E4%B8%9A&amp;from=2025-01-01&amp;to=2025-12-31" '
            'class="trend-year" data-year="2025"') in page
    assert '<th scope="row">2025</th><td>57</td><td>3</td>' in page
    stacked = client.get("/", query_string={"q": "就业", "trend": "issuer"}).get_data(as_text=True)
    assert 'class="trend-legend"' in stacked and "url(#trend-p1)" in stacked


# -- export ---------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["就业", "稳岗返还", '"就业 保险"~s', "没有这个词语啊"])
def test_export_csv_rows_equal_matching_paragraphs(client, index, query):
    response = client.get("/api/export", query_string={"q": query, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="policy-search.csv"'
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(export.COLUMNS)
    expected = index.matching_paragraphs(query, scope="any")
    assert [(r[0], int(r[6])) for r in rows[1:]] == expected
    assert int(response.headers["X-Total-Count"]) == len(expected)


def test_export_columns_and_formats(client, index, seed_index, tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from indexer.cli import main

    expected = index.matching_paragraphs("稳岗返还")
    jsonl = client.get("/api/export", query_string={"q": "稳岗返还", "format": "jsonl"})
    items = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    assert [(i["doc_id"], i["paragraph"]) for i in items] == expected
    first = items[0]
    assert list(first) == list(export.COLUMNS)
    assert {k: first[k] for k in ("doc_id", "issuer", "date", "doc_type", "paragraph", "page")} == {
        "doc_id": SEED["000"], "issuer": "人力资源社会保障部", "date": "2025-07-22",
        "doc_type": "新闻发布会", "paragraph": 6, "page": None}
    assert first["source"].endswith("corpus/" + SEED["000"])
    xlsx = client.get("/api/export", query_string={"q": "就业", "format": "xlsx"})
    path = tmp_path / "hits.xlsx"
    path.write_bytes(xlsx.get_data())
    book = load_workbook(path, read_only=True)  # read-only books hold their file open
    values = list(book["hits"].iter_rows(values_only=True))
    book.close()
    assert list(values[0]) == list(export.COLUMNS)
    assert [(r[0], r[6]) for r in values[1:]] == index.matching_paragraphs("就业")
    out = tmp_path / "cli.csv"
    result = CliRunner().invoke(main, ["export", "就业", "--issuer", "人力资源社会保障部",
                                       "--format", "csv", "-o", str(out),
                                       "--index-dir", str(seed_index)])
    assert result.exit_code == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(index.matching_paragraphs("就业", issuer="人力资源社会保障部")) == 35
    assert {r["issuer"] for r in rows} == {"人力资源社会保障部"}


@pytest.mark.parametrize(("url", "args", "message"), [
    ("/api/export", {"q": "x", "format": "pdf"}, "format: expected one of csv, xlsx, jsonl, got 'pdf'"),
    ("/api/trends", {"q": "x", "by": "month"}, "by: expected one of year, issuer, doc_type, got 'month'"),
    ("/api/search", {"q": "x", "group": "doc"}, "group: expected paragraph or document, got 'doc'"),
    ("/api/search", {"q": "x", "within": "y" * 501}, "within: at most 500 characters"),
    ("/api/export", {"q": "x", "from": "2025-02-30"}, "from: '2025-02-30' is not a valid date (YYYY-MM-DD)"),
])
def test_new_parameters_are_validated(client, url, args, message):
    response = client.get(url, query_string=args)
    assert response.status_code == 400
    assert response.get_json() == {"error": message, "status": 400}


def test_paragraph_with_neighbours(index):
    data = index.paragraph(SEED["004"], 3, 1)
    assert (data["paragraph"]["n"], [p["n"] for p in data["before"]],
            [p["n"] for p in data["after"]]) == (3, [2], [4])
    with pytest.raises(indexer.QueryError, match="neighbours: expected a whole number from 0 to 10, got 11"):
        index.paragraph(SEED["004"], 3, 11)


# -- OpenAPI -------------------------------------------------------------------------------

def test_openapi_describes_real_responses(client):
    from jsonschema import Draft202012Validator

    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert sorted(spec["paths"]) == ["/api/documents/{doc_id}", "/api/export",
                                     "/api/openapi.json", "/api/search", "/api/trends"]

    def check(path, status, args=None, path_url=None):
        response = client.get(path_url or path, query_string=args or {})
        assert response.status_code == int(status)
        schema = spec["paths"][path]["get"]["responses"][status]["content"][
            "application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": spec["components"]})
        errors = [e.message for e in validator.iter_errors(response.get_json())]
        assert errors == []

    check("/api/search", "200", {"q": "穩崗返還"})
    check("/api/search", "200", {"q": "就业", "explain": "1", "size": 2})
    check("/api/search", "200", {"q": "就业", "group": "document"})
    check("/api/search", "200", {"q": "的"})
    check("/api/search", "400", {"q": "x", "size": "0"})
    check("/api/trends", "200", {"q": "就业"})
    check("/api/trends", "200", {"q": "就业", "by": "issuer"})
    check("/api/trends", "400", {"q": "就业", "by": "x"})
    check("/api/export", "400", {"q": "就业", "format": "x"})
    check("/api/documents/{doc_id}", "200", path_url=f"/api/documents/{SEED['003']}")
    check("/api/documents/{doc_id}", "404", path_url="/api/documents/nope.txt")
