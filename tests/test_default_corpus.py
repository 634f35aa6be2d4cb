"""The default corpus as a fresh clone indexes it: the five seed texts and one
document in each other supported format (005 HTML, 006 DOCX, 007 PDF), rendered
from seeds 003, 004 and 000 by ``python -m bench.render corpus``.

The search tests' tables are over the seed texts alone (``seed_index``); these
tests cover the whole folder.
"""

from __future__ import annotations

import pytest

import indexer
from indexer.document import META_FIELDS
from webui import create_app

from .conftest import CORPUS, RENDERED, SEED

HTML, DOCX, PDF = RENDERED["html"], RENDERED["docx"], RENDERED["pdf"]


def texts(name: str) -> list[str]:
    return [p.text for p in indexer.read_file(CORPUS / name).paragraphs]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("default-corpus") / "ix"
    report = indexer.reindex([CORPUS], index_dir)
    return report, index_dir


@pytest.fixture(scope="module")
def client(built):
    return create_app({"INDEX_DIR": str(built[1]), "TESTING": True}).test_client()


def test_default_corpus_indexes_one_document_per_format(built):
    report, index_dir = built
    assert (report.documents, report.paragraphs, report.failed, report.warnings) == (
        8, 200, [], [])
    with indexer.open_index(index_dir) as ix:
        assert ix.document_ids() == sorted([*SEED.values(), HTML, DOCX, PDF])


@pytest.mark.parametrize(("name", "meta", "evidence", "encoding", "count"), [
    (HTML, {"title": "國務院就業促進和勞動保護工作領導小組關於印發《加力重點領域、重點行業、城鄉基層和中小微企業"
                     "崗位挖潛擴容 支持重點群體就業創業實施方案》的通知",
            "doc_number": "国就劳发〔2025〕2号", "issuer": "国务院就业促进和劳动保护工作领导小组",
            "date": "2025-03-06", "doc_type": "通知", "topic": None},
     {"issuer": "label", "date": "label", "doc_number": "label", "title": "heading",
      "doc_type": "title"}, "gb18030", 34),
    (DOCX, {"title": None, "doc_number": "人社建字〔2025〕84号", "issuer": "人力资源社会保障部",
            "date": "2025-08-05", "doc_type": "答复", "topic": None},
     {"doc_number": "number-line", "issuer": "signature", "date": "signature", "doc_type": "text"},
     "docx", 32),
    (PDF, {"title": "2025年上半年人力资源和社会保障工作主要进展情况及下一步安排", "doc_number": None,
           "issuer": "人力资源社会保障部", "date": "2025-07-22", "doc_type": "新闻发布会", "topic": None},
     {"date": "press-lead", "issuer": "press-lead", "doc_type": "press-lead", "title": "press-lead"},
     "pdf", 19),
])
def test_rendered_document_metadata(name, meta, evidence, encoding, count):
    doc = indexer.read_file(CORPUS / name)
    assert {f: getattr(doc.meta, f) for f in META_FIELDS} == meta
    assert doc.meta.evidence == evidence
    assert (doc.encoding, len(doc.paragraphs), doc.warnings) == (encoding, count, [])


def test_rendered_documents_read_back_as_their_seeds():
    # The web page: its <h1> title, then the seed's paragraphs (its metadata table
    # is consumed as evidence, the site chrome dropped).
    html = indexer.read_file(CORPUS / HTML)
    assert [p.text for p in html.paragraphs] == [html.meta.title] + texts(SEED["003"])
    assert [p.n for p in html.paragraphs if p.heading] == [1, 12, 14, 22, 29]
    assert html.paragraphs[11].to_dict() == {"n": 12, "text": "一、總體要求", "heading": True,
                                             "line": 16}
    # Word and PDF: exactly the seed's paragraphs.
    docx = indexer.read_file(CORPUS / DOCX)
    assert [p.text for p in docx.paragraphs] == texts(SEED["004"])
    assert docx.paragraphs[0].to_dict() == {"n": 1, "text": "人社建字〔2025〕84号", "heading": False,
                                            "line": 1}
    pdf = indexer.read_file(CORPUS / PDF)
    assert [p.text for p in pdf.paragraphs] == texts(SEED["000"])
    assert pdf.paragraphs[0].to_dict() == {
        "n": 1, "text": "7月2 2 日,人力资源社会保障部举行202 5 年二季度新闻发布会,介绍202 5 年上半年"
                        "人力资源和社会保障工作进展情况,并回答记者提问。",
        "heading": False, "line": 1, "page": 1}
    assert [p.page for p in pdf.paragraphs] == [1] * 9 + [2] * 4 + [3] * 6


def test_seed_phrase_found_in_text_and_web_page(built):
    with indexer.open_index(built[1]) as ix:
        results = ix.search('"为有效应对外部环境"', limit=10)
    assert [(h.doc_id, h.paragraph) for h in results.hits] == [(SEED["003"], 10), (HTML, 11)]


def test_pdf_pages_in_hits_and_document_api(client):
    data = client.get("/api/search", query_string={"q": '"规范劳务派遣用工"'}).get_json()
    # the seed text and its PDF rendering; seed 003 and its web page in traditional script
    assert [(h["doc_id"], h["paragraph"], h["page"]) for h in data["hits"]] == [
        (SEED["000"], 16, None), (PDF, 16, 3), (SEED["003"], 27, None), (HTML, 28, None)]
    doc = client.get(f"/api/documents/{PDF}").get_json()
    assert [p["page"] for p in doc["paragraphs"]] == [1] * 9 + [2] * 4 + [3] * 6
    assert doc["paragraphs"][15]["text"].startswith("下一步工作安排:一是 加强企业用工指导。")
    assert doc["issuer"] == "人力资源社会保障部"


def test_rendered_documents_are_up_to_date(tmp_path):
    """``python -m bench.render corpus`` gives the committed files, byte for byte."""
    render = pytest.importorskip("bench.render")
    if not render.FONT_FILE.exists():
        pytest.skip(f"{render.FONT_FILE} missing (make browser installs it)")
    written = render.make_corpus(tmp_path)
    assert sorted(p.name for p in written) == [HTML, DOCX, PDF]
    for path in written:
        assert path.read_bytes() == (CORPUS / path.name).read_bytes(), path.name
