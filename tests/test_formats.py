"""HTML, DOCX, PDF and OFD: exact paragraphs, metadata and failure messages.

The fixtures in tests/fixtures/formats/ are rendered from the seed documents
by ``python -m bench.render fixtures``, so the expected paragraphs are the
seed's own paragraphs.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from indexer import IngestError, ReadFailure, read_corpus, read_file
from indexer.document import META_FIELDS
from indexer.ingest.readers import common
from indexer.ingest.readers.common import join_lines, label_lines, numbered_heading

from .conftest import CORPUS, FIXTURES, SEED

FORMATS = FIXTURES / "formats"


def seed_texts(seed: str) -> list[str]:
    return [p.text for p in read_file(CORPUS / SEED[seed]).paragraphs]


def meta_of(doc) -> dict:
    return {name: getattr(doc.meta, name) for name in META_FIELDS}


TITLE_003 = seed_texts("003")[0] + seed_texts("003")[1]


# --- HTML ----------------------------------------------------------------------

def test_html_utf8_page_main_text_and_metadata_table():
    doc = read_file(FORMATS / "gov_utf8.html")
    assert doc.encoding == "utf-8"
    assert [p.text for p in doc.paragraphs] == [TITLE_003] + seed_texts("003")[3:9]
    assert [p.heading for p in doc.paragraphs] == [True] + [False] * 6
    assert [p.page for p in doc.paragraphs] == [None] * 7
    assert meta_of(doc) == {
        "title": TITLE_003,
        "doc_number": "国就劳发〔2025〕2号",
        "issuer": "国务院就业促进和劳动保护工作领导小组",
        "date": "2025-03-06",
        "doc_type": "通知",
        "topic": "劳动、人事、监察\\劳动就业",
    }
    assert doc.meta.evidence == {"title": "label", "doc_number": "label", "issuer": "label",
                                 "date": "label", "topic": "label", "doc_type": "title"}
    assert doc.meta.original == {"doc_number": "國就勞發〔2025〕2號",
                                 "issuer": "國務院就業促進和勞動保護工作領導小組",
                                 "topic": "勞動、人事、監察\\勞動就業"}
    assert doc.warnings == []


def test_html_gbk_page_labels_in_one_cell():
    doc = read_file(FORMATS / "gov_gbk.html")
    assert doc.encoding == "gb18030"
    assert [p.text for p in doc.paragraphs] == (
        ["对十四届全国人大三次会议第8209号建议的答复"] + seed_texts("004")[:5])
    assert [p.text for p in doc.paragraphs if p.heading] == [
        "对十四届全国人大三次会议第8209号建议的答复", "一、关于完善劳动权益保障"]
    assert meta_of(doc) == {
        "title": "对十四届全国人大三次会议第8209号建议的答复",
        "doc_number": "人社建字〔2025〕84号",
        "issuer": "人力资源社会保障部",
        "date": "2025-08-05",
        "doc_type": "答复",
        "topic": "劳动、人事、监察\\劳动就业",
    }
    assert doc.meta.evidence == {"issuer": "label", "date": "label", "topic": "label",
                                 "title": "heading", "doc_number": "number-line",
                                 "doc_type": "title"}


def test_html_without_charset_br_runs_table_rows_and_meta_tags():
    doc = read_file(FORMATS / "nocharset_gbk.htm")
    assert doc.encoding == "gb18030"
    assert [(p.text, p.heading) for p in doc.paragraphs] == [
        ("各地人力资源社会保障部门：", False),
        ("现就做好就业工作通知如下。", False),
        ("一、加强组织领导", True),
        ("各地要高度重视。", False),
        ("地区 | 人数", False),
        ("北京 | 120", False),
    ]
    assert meta_of(doc) == {"title": "关于做好就业工作的通知", "doc_number": None, "issuer": None,
                            "date": "2024-05-06", "doc_type": "通知", "topic": None}
    assert doc.meta.evidence == {"title": "meta-tag", "date": "meta-tag", "doc_type": "title"}


def test_html_declared_charset_wrong_falls_back_to_detection(tmp_path):
    page = "<html><head><meta charset=\"utf-8\"></head><body><p>第一段正文内容。</p></body></html>"
    path = tmp_path / "wrong.html"
    path.write_bytes(page.encode("gbk"))
    doc = read_file(path)
    assert doc.encoding == "gb18030"
    assert [p.text for p in doc.paragraphs] == ["第一段正文内容。"]
    assert doc.warnings == [f"{path}: page is not valid utf-8 as declared; detected instead"]


def test_html_damaged():
    with pytest.raises(IngestError) as info:
        read_file(FORMATS / "damaged.html")
    assert str(info.value) == f"{FORMATS / 'damaged.html'}: binary data (NUL bytes), not a text file"


def test_html_whole_body_when_the_extractor_finds_nothing(monkeypatch):
    import trafilatura

    def nothing(tree, **options):
        for child in list(tree.find("body")):  # it prunes the tree it is given
            child.drop_tree()
        return None

    monkeypatch.setattr(trafilatura, "bare_extraction", nothing)
    doc = read_file(FORMATS / "nocharset_gbk.htm")
    assert [p.text for p in doc.paragraphs] == [
        "各地人力资源社会保障部门：", "现就做好就业工作通知如下。", "一、加强组织领导", "各地要高度重视。",
        "地区 | 人数", "北京 | 120"]


# --- DOCX ----------------------------------------------------------------------

def test_docx_headings_table_text_box_and_properties():
    doc = read_file(FORMATS / "sample.docx")
    s003 = seed_texts("003")
    assert doc.encoding == "docx"
    assert [(p.text, p.heading) for p in doc.paragraphs] == (
        [(TITLE_003, True)]
        + [(t, False) for t in s003[3:5]]
        + [("地區 | 崗位數", False), ("北京 | 1200", False), ("上海 | 980", False)]
        + [(s003[10], True), (s003[11], False), ("附件：實施方案（全文）", False),
           (s003[12], True), (s003[13], False)]
    )
    assert meta_of(doc) == {"title": TITLE_003, "doc_number": None, "issuer": None,
                            "date": "2025-03-10", "doc_type": "通知", "topic": None}
    # The core properties are weak evidence: the title comes from the heading.
    assert doc.meta.evidence == {"title": "heading", "date": "properties", "doc_type": "title"}


@pytest.mark.parametrize("name, reason", [
    ("damaged.docx", "damaged Word file (not a zip container: File is not a zip file)"),
    ("notzip.docx", "damaged Word file (not a zip container: File is not a zip file)"),
])
def test_docx_damaged(name, reason):
    with pytest.raises(IngestError) as info:
        read_file(FORMATS / name)
    assert str(info.value) == f"{FORMATS / name}: {reason}"


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_docx_zip_bomb_refused_by_ratio(tmp_path):
    path = tmp_path / "bomb.docx"
    data = _zip({"word/document.xml": b"<" + b"a" * (20 * 1024 * 1024)})
    path.write_bytes(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml")
    ratio = info.file_size // info.compress_size
    assert ratio > 1000
    with pytest.raises(IngestError) as raised:
        read_file(path)
    assert str(raised.value) == (f"{path}: refused: word/document.xml unpacks {ratio} times its "
                                 f"packed size (limit 200; a zip bomb?)")


def test_docx_zip_total_size_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MAX_UNZIPPED_BYTES", 1000)
    path = tmp_path / "big.docx"
    path.write_bytes(_zip({"word/document.xml": bytes(range(256)) * 8}))
    with pytest.raises(IngestError) as info:
        read_file(path)
    assert str(info.value) == f"{path}: refused: unpacks to 2048 bytes (limit 1000)"


def test_docx_without_document_xml(tmp_path):
    path = tmp_path / "empty.docx"
    path.write_bytes(_zip({"[Content_Types].xml": b"<Types/>"}))
    with pytest.raises(IngestError) as info:
        read_file(path)
    assert str(info.value) == f"{path}: damaged Word file (no word/document.xml)"


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:latentStyles><w:lsdException w:name="heading 1" w:uiPriority="9"/></w:latentStyles>'
    '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>'
    "<w:style w:type='paragraph' w:styleId='a3'><w:name w:val='Normal'/></w:style>"
    '<w:style w:type="paragraph" w:styleId="Outline"><w:name w:val="我的标题"/>'
    '<w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Empty"/>'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
    "</w:styles>").encode()


def test_docx_heading_styles_parse_only_the_styles_used():
    from indexer.ingest.readers import docx

    # Chinese Word names headings by number (styleId "1", name "heading 1"); an
    # outline level makes any style a heading; Title is a heading but not used here.
    assert docx._style_elements(_STYLES, {"1", "Empty"}) == (
        b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b'<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>'
        b'<w:style w:type="paragraph" w:styleId="Empty"/></w:styles>')
    zf = zipfile.ZipFile(io.BytesIO(_zip({"word/styles.xml": _STYLES})))
    assert docx._heading_styles(zf, {"1", "a3", "Outline", "Empty"}) == {"1", "Outline"}
    # A style the file does not define: the whole file is parsed, same answer.
    assert docx._style_elements(_STYLES, {"1", "Missing"}) is None
    assert docx._heading_styles(zf, {"1", "Missing"}) == {"1"}
    assert docx._heading_styles(zf, set()) == set()


# --- PDF -----------------------------------------------------------------------

def test_pdf_two_columns_headers_footers_removed_lines_joined():
    doc = read_file(FORMATS / "two_columns.pdf")
    # Wrapped lines are joined back into the seed's own paragraphs: no running header,
    # footer or page number is left; a full line that happens to end a sentence
    # ("…稳定务工规模。" at the right margin) is continued by the next line at the
    # column's edge; a space the source had at a break ("一是 ") is kept.
    assert [p.text for p in doc.paragraphs] == seed_texts("000")[:12]
    assert [p.page for p in doc.paragraphs] == [1] * 9 + [2] * 3
    assert meta_of(doc) == {"title": seed_texts("000")[1], "doc_number": None,
                            "issuer": "人力资源社会保障部", "date": "2025-07-22",
                            "doc_type": "新闻发布会", "topic": None}


def test_pdf_reply_paragraphs_pages_and_signature():
    doc = read_file(FORMATS / "reply.pdf")
    s004 = seed_texts("004")
    assert doc.encoding == "pdf"
    assert [p.text for p in doc.paragraphs] == s004[:10] + s004[-3:]
    assert [p.page for p in doc.paragraphs] == [1] * 11 + [2] * 2
    assert doc.paragraphs[0].to_dict() == {"n": 1, "text": "人社建字〔2025〕84号", "heading": False,
                                           "line": 1, "page": 1}
    assert meta_of(doc) == {"title": None, "doc_number": "人社建字〔2025〕84号",
                            "issuer": "人力资源社会保障部", "date": "2025-08-05",
                            "doc_type": "答复", "topic": None}
    assert doc.meta.evidence == {"doc_number": "number-line", "issuer": "signature",
                                 "date": "signature", "doc_type": "text"}


def test_pdf_character_outside_the_bmp_keeps_the_line_positions():
    # 𠮷 (U+20BB7) is one Python character but two UTF-16 units in PDFium's text
    # indices: the boxes of the lines after it must still be their own.
    doc = read_file(FORMATS / "nonbmp.pdf")
    assert [(p.text, p.line, p.page) for p in doc.paragraphs] == [
        ("根据工作安排，𠮷林省就业服务中心会同相关部门开展了专项检查，现将检查情况通报如下：各地认真落实就业优先政策，"
         "全面推进稳岗扩岗工作，各项措施取得明显成效，重点群体就业保持了稳定。高校毕业生就业去向落实率稳中有升。", 1, 1),
        ("下一步，各地要进一步压实责任，确保各项政策措施落地见效。", 4, 1)]


@pytest.mark.parametrize("name, reason", [
    ("scanned.pdf", "no text layer (scanned PDF; OCR is not supported)"),
    ("damaged.pdf", "damaged PDF file (Failed to load document (PDFium: Data format error).)"),
    ("sample.ofd", "OFD is not supported (no maintained OFD reader library with a compatible "
                   "licence); convert it to PDF"),
])
def test_unreadable_formats_reported(name, reason):
    with pytest.raises(IngestError) as info:
        read_file(FORMATS / name)
    assert str(info.value) == f"{FORMATS / name}: {reason}"


def test_oversized_pdf_refused_before_reading(tmp_path):
    path = tmp_path / "huge.pdf"
    with open(path, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: no disk, no memory
    with pytest.raises(IngestError) as info:
        read_file(path)
    assert str(info.value) == f"{path}: file too large (209715200 bytes; limit 134217728)"


def test_damaged_files_reported_others_read(tmp_path):
    for name in ("gov_gbk.html", "damaged.html", "sample.docx", "damaged.docx", "reply.pdf",
                 "damaged.pdf", "scanned.pdf", "sample.ofd"):
        (tmp_path / name).write_bytes((FORMATS / name).read_bytes())
    items = list(read_corpus([tmp_path]))
    assert sorted(i.doc_id for i in items if not isinstance(i, ReadFailure)) == [
        "gov_gbk.html", "reply.pdf", "sample.docx"]
    assert sorted(Path(i.path).name for i in items if isinstance(i, ReadFailure)) == [
        "damaged.docx", "damaged.html", "damaged.pdf", "sample.ofd", "scanned.pdf"]


# --- shared pieces -------------------------------------------------------------

def test_join_lines_rules():
    lines = [("为落实中央经济工作会议精神，按照国务院", True), ("要求制定本方案。", False),
             ("就业是民生之本，为有效应对外部环境变化", True), ("一、总体要求", False),
             ("坚持稳中求进工作总基调，全面落实就业优先", True), ("（一）挖掘潜力", False),
             ("This line wraps a Latin", True), ("sentence here.", False),
             # a closing quote alone does not end a sentence; after 。 it does
             ("优化“一站办”联动机制，优化“一张表”", True), ("申请材料。", False),
             ("推动实现“一次申请、全程网办。”", True), ("不断完善退休“一件事”。", False)]
    assert join_lines(lines) == [
        ("为落实中央经济工作会议精神，按照国务院要求制定本方案。", 0),
        ("就业是民生之本，为有效应对外部环境变化", 2),
        ("一、总体要求", 3),
        ("坚持稳中求进工作总基调，全面落实就业优先", 4),
        ("（一）挖掘潜力", 5),
        ("This line wraps a Latin sentence here.", 6),
        ("优化“一站办”联动机制，优化“一张表”申请材料。", 8),
        ("推动实现“一次申请、全程网办。”", 10),
        ("不断完善退休“一件事”。", 11),
    ]


def test_join_lines_follows_the_layout_where_it_tells():
    Line = common.Line
    lines = [Line("基金运行总体平稳。延迟法定退休年龄改革平稳实施。", True, True),
             # at the left edge of an indented document: continued although the line
             # before ends a sentence
             Line("企业职工基本养老保险全国统筹有序推进。 一是 ", True, False),
             # the source's space at the break is kept
             Line("重点改革任务稳妥推进，依照刑法", True, False),
             # a line at the edge that happens to begin like an article is continued
             Line("第二百八十条第一款的规定处罚，全面推进。", True, False),
             # a heading drawn at the edge starts a paragraph after the end of a
             # sentence, even after a full line; inside a sentence it continues it
             Line("三、工作要求", False, False),
             Line("落实各项政策，全面认定为民法典第二编", True, True),
             Line("第六章所称的共有部分：", False, False),
             # an indented first line (or a gap above) starts a paragraph
             Line("下一步，我们将继续推进各项改革任务，确保", True, True),
             Line("落实到位。", False, False),
             # a short line ends its paragraph whatever the layout says
             Line("各地要高度重视。", False, None),
             # where the layout cannot tell, a full line ending a sentence ends it, and a
             # line that begins like an article starts one
             Line("一是稳步提升待遇水平，全面落实各项社会保险", True, None),
             Line("政策措施。", True, None),
             Line("二是扩大参保覆盖面，依照刑法", True, None),
             Line("第二百八十条第一款的规定处罚。", False, None)]
    assert join_lines(lines) == [
        ("基金运行总体平稳。延迟法定退休年龄改革平稳实施。企业职工基本养老保险全国统筹有序推进。 一是 "
         "重点改革任务稳妥推进，依照刑法第二百八十条第一款的规定处罚，全面推进。", 0),
        ("三、工作要求", 4),
        ("落实各项政策，全面认定为民法典第二编第六章所称的共有部分：", 5),
        ("下一步，我们将继续推进各项改革任务，确保落实到位。", 7),
        ("各地要高度重视。", 9),
        ("一是稳步提升待遇水平，全面落实各项社会保险政策措施。", 10),
        ("二是扩大参保覆盖面，依照刑法", 12),
        ("第二百八十条第一款的规定处罚。", 13),
    ]


def test_pdf_layout_starts_from_indents_and_gaps():
    from indexer.ingest.readers.pdf import PdfLine, layout_starts

    def lines(rows):
        return [PdfLine(text, x, y, 10.0) for text, x, y in rows]

    # Indented first lines (x 80 against an edge at 60): the indent decides both ways.
    indented = lines([("第一段首行", 80, 700), ("续行。", 60, 684), ("第二段首行", 80, 668),
                      ("续行", 60, 652), ("续行。", 60, 636), ("第三段首行", 80, 620),
                      ("续行", 60, 604), ("续行。", 60, 588)])
    full = [True, False, True, True, False, True, True, False]
    assert layout_starts(indented, full, [1] * 8) == [True, False, True, False, False, True,
                                                      False, False]
    # Block paragraphs (no indent, a gap between paragraphs): the gap starts one and a
    # line at the edge says nothing.
    blocks = lines([("第一段", 60, 700), ("续行。", 60, 684), ("第二段", 60, 660),
                    ("续行", 60, 644), ("续行。", 60, 628), ("第三段", 60, 604),
                    ("续行。", 60, 588)])
    assert layout_starts(blocks, [True, False, True, True, False, True, False], [1] * 7) == [
        None, None, True, None, None, True, None]
    # No position from PDFium: nothing is known.
    assert layout_starts([PdfLine("文字")], [False], [1]) == [None]


def test_numbered_headings():
    assert [numbered_heading(t) for t in ("一、总体要求", "第二章 总则", "（一）细化方案", "第一条",
                                          "一、总体要求，坚持稳中求进。")] == [
        True, True, False, False, False]
    assert [numbered_heading(t, sub=True) for t in ("（一）细化方案", "第一条", "第一条 为了规范")] == [
        True, True, False]


def test_label_lines_pairs_and_single_cells():
    assert label_lines([["索引号：", "000014349/2025-00031", "主题分类：", "劳动就业"],
                        ["發文機關", "国务院", "成文日期：2025年03月06日"]]) == [
        "索引号：000014349/2025-00031", "主题分类：劳动就业", "發文機關：国务院",
        "成文日期：2025年03月06日"]
    assert label_lines([["地区", "人数"], ["北京", "120"]]) is None


# --- pages through the index, the API and the web UI ----------------------------

@pytest.fixture(scope="module")
def pdf_client(tmp_path_factory):
    import indexer
    from webui import create_app

    root = tmp_path_factory.mktemp("pdf-index")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "reply.pdf").write_bytes((FORMATS / "reply.pdf").read_bytes())
    report = indexer.reindex([corpus], root / "ix")
    assert (report.documents, report.paragraphs) == (1, 13)
    app = create_app({"INDEX_DIR": str(root / "ix"), "TESTING": True})
    return app.test_client()


def test_pages_in_hits_api_and_web_ui(pdf_client):
    data = pdf_client.get("/api/search", query_string={"q": "\"感谢您对人力资源\""}).get_json()
    assert [(h["doc_id"], h["paragraph"], h["page"]) for h in data["hits"]] == [("reply.pdf", 11, 1)]
    doc = pdf_client.get("/api/documents/reply.pdf").get_json()
    assert [p["page"] for p in doc["paragraphs"]] == [1] * 11 + [2] * 2
    assert doc["paragraphs"] == read_file(FORMATS / "reply.pdf").to_dict()["paragraphs"]
    page = pdf_client.get("/", query_string={"q": "\"感谢您对人力资源\""}).get_data(as_text=True)
    assert '<span class="page">第 1 页</span>' in page
    view = pdf_client.get("/documents/reply.pdf").get_data(as_text=True)
    assert re.findall(r'<div class="page-mark" id="page(\d)">第 (\d) 页</div>', view) == [
        ("1", "1"), ("2", "2")]
