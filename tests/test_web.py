from __future__ import annotations

import html
import re
import shutil

import pytest

import indexer
from webui import CSP, create_app

from .conftest import SEED


@pytest.fixture(scope="module")
def app(seed_index):
    return create_app({"INDEX_DIR": str(seed_index), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def test_api_search_matches_cli_json(client, index):
    response = client.get("/api/search", query_string={"q": "穩崗返還", "size": 2})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    expected = index.search("穩崗返還", limit=2).to_dict()
    data.pop("took_ms"), expected.pop("took_ms")
    assert data == expected
    assert [(h["doc_id"], h["paragraph"]) for h in data["hits"]] == [(SEED["002"], 10),
                                                                   (SEED["002"], 7)]


def test_api_search_parameters(client):
    data = client.get("/api/search", query_string={
        "q": "就业", "issuer": "人力资源社会保障部", "type": "答复", "from": "2025-01-01",
        "to": "2025-12-31", "sort": "date", "page": 2, "size": 5}).get_json()
    assert data["total"] == 23
    assert [h["paragraph"] for h in data["hits"]] == [
        h["paragraph"] for h in client.get("/api/search", query_string={
            "q": "就业", "type": "答复", "sort": "date", "size": 10}).get_json()["hits"][5:10]]


@pytest.mark.parametrize(("args", "message"), [
    ({"q": "x", "size": "1000"}, "size: must be between 1 and 50, got 1000"),
    ({"q": "x", "size": "ten"}, "size: expected a whole number, got 'ten'"),
    ({"q": "x", "page": "0"}, "page: must be between 1 and 1001, got 0"),
    ({"q": "x", "sort": "newest"}, "sort: expected relevance or date, got 'newest'"),
    ({"q": "x", "from": "2025-13-45"}, "from: '2025-13-45' is not a valid date (YYYY-MM-DD)"),
    ({"q": "x" * 501}, "q: at most 500 characters"),
    ({"q": "x", "issuer": "机" * 201}, "issuer: at most 200 characters"),
])
def test_api_bad_parameters_are_400(client, args, message):
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 400
    assert response.get_json() == {"error": message, "status": 400}


def test_api_document_shape_matches_inspect(client):
    response = client.get(f"/api/documents/{SEED['004']}")
    assert response.status_code == 200
    data = response.get_json()
    inspected = indexer.read_file(data["source"], SEED["004"]).to_dict()
    assert {k: v for k, v in data.items() if k not in ("cites", "cited_by")} == inspected
    assert list(data)[-2:] == ["cites", "cited_by"]


@pytest.mark.parametrize("doc_id", ["nope.txt", "../corpus/" + SEED["004"], "..", "a/../b",
                                    "%2e%2e/etc/passwd", "/etc/passwd"])
def test_api_unknown_or_invalid_document_is_404(client, doc_id):
    response = client.get(f"/api/documents/{doc_id}", follow_redirects=True)
    assert response.status_code == 404
    body = response.get_json()
    assert body["status"] == 404
    assert body["error"].startswith("no ")


def test_search_page_renders_hits_and_facets(client):
    response = client.get("/", query_string={"q": "穩崗返還"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<strong id="total">3</strong>' in page
    assert page.count('<li class="hit">') == 3
    assert "<mark>稳岗返还</mark>" in page
    assert f'href="/documents/{SEED["002"]}?q=%E7%A9%A9%E5%B4%97%E8%BF%94%E9%82%84#p7"' in page
    assert 'href="/?q=%E7%A9%A9%E5%B4%97%E8%BF%94%E9%82%84&amp;issuer=' in page
    assert response.headers["Content-Security-Policy"] == CSP


def test_filter_chip_and_state_in_url(client):
    page = client.get("/", query_string={"q": "就业", "issuer": "人力资源社会保障部",
                                         "page": 2}).get_data(as_text=True)
    assert 'class="chip" href="/?q=%E5%B0%B1%E4%B8%9A"' in page
    assert "发文机关：人力资源社会保障部" in page
    assert '<span class="current">2</span>' in page


def test_empty_state_suggests_dropping_quotes_and_filters(client):
    page = client.get("/", query_string={"q": '"稳岗返还 比例"', "type": "通知"}).get_data(
        as_text=True)
    assert "没有找到包含" in page
    assert "去掉引号再试" in page
    assert "去掉全部筛选条件" in page


def test_home_page_without_query(client):
    page = client.get("/").get_data(as_text=True)
    assert "在 <strong>5</strong> 份文件、<strong>115</strong> 个段落中检索" in page


def test_html_bad_parameter_is_400_page(client):
    response = client.get("/", query_string={"q": "x", "size": "999"})
    assert response.status_code == 400
    assert "size: must be between 1 and 50, got 999" in response.get_data(as_text=True)


def test_document_page_highlights_and_anchors(client):
    response = client.get(f"/documents/{SEED['003']}", query_string={"q": "稳岗"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="p22"' in page
    assert "<mark>穩崗</mark>" in page
    assert re.search(r"在本文中 <strong>(\d+)</strong> 处匹配", page).group(1) == "2"
    assert "國就勞發〔2025〕2號" in page


def test_unknown_document_page_is_404(client):
    response = client.get("/documents/missing.txt")
    assert response.status_code == 404
    assert "no document &#39;missing.txt&#39;" in response.get_data(as_text=True)


def test_unknown_route(client):
    assert client.get("/api/nothing").get_json() == {"error": "no such page: /api/nothing",
                                                     "status": 404}
    assert client.post("/api/search").status_code == 405


XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def xss_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "evil.txt").write_text(
        f"标题: 恶意{XSS}标题\n发文机关: 某部{XSS}\n正文包含{XSS}稳岗返还的内容。\n", encoding="utf-8")
    indexer.reindex([corpus], root / "ix")
    app = create_app({"INDEX_DIR": str(root / "ix"), "TESTING": True})
    yield app.test_client()
    shutil.rmtree(root)


def test_xss_in_documents_and_queries_is_escaped(xss_client):
    page = xss_client.get("/", query_string={"q": f"稳岗返还 OR {XSS}"}).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert html.escape("<script>alert(1)</script>", quote=False) in page
    data = xss_client.get("/api/search", query_string={"q": "稳岗返还"}).get_json()
    snippet = data["hits"][0]["snippet"]
    assert snippet == ("正文包含&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x "
                       "onerror=&quot;alert(2)&quot;&gt;<mark>稳岗返还</mark>的内容。")
    doc_page = xss_client.get("/documents/evil.txt", query_string={"q": XSS}).get_data(
        as_text=True)
    assert "<script>alert" not in doc_page and "<img src=x" not in doc_page
