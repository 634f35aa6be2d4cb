"""Render documents to HTML, DOCX and PDF: the format fixtures, the corpus
documents in those formats and the format benchmark's inputs.

    python -m bench.render fixtures   # tests/fixtures/formats/
    python -m bench.render corpus     # corpus/005-007 (seeds 003, 004, 000 as HTML, DOCX, PDF)

PDFs use the CJK font of the browser tests (fonts-wqy-microhei; ``make browser``
installs it) and need reportlab (in the ``test`` extra); DOCX uses python-docx.
The output is deterministic, so regenerating gives the same files.
"""

from __future__ import annotations

import html as _html
import sys
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
CORPUS = ROOT / "corpus"


@dataclass
class Source:
    """What to render: a title, a metadata table, paragraphs ``(text, heading)``."""

    title: str
    paragraphs: list[tuple[str, bool]]
    #: metadata table rows: ``(label, value)``, in the order printed
    table: list[tuple[str, str]] = field(default_factory=list)
    #: ``<meta name=… content=…>`` tags (HTML), core properties (DOCX)
    tags: dict[str, str] = field(default_factory=dict)


# --- HTML ----------------------------------------------------------------------

_CHROME_TOP = """<div class="header"><div class="top-links"><a href="/">首页</a> | <a href="/en/">EN</a>
 | <a href="/login">登录</a> | <a href="/wza">无障碍</a></div>
<div class="logo"><a href="/"><img src="/logo.png" alt="中国政府网"></a></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zhengce/">政策</a></li>
<li><a href="/hudong/">互动</a></li><li><a href="/fuwu/">服务</a></li><li><a href="/shuju/">数据</a></li></ul>
</div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zhengce/">政策</a> &gt; 政策文件库</div>
"""
_CHROME_BOTTOM = """<div class="share"><span>分享到：</span><a href="#">微信</a><a href="#">微博</a>
<a href="javascript:window.print()">【打印】</a><a href="javascript:window.close()">【关闭】</a></div>
<div class="related"><h3>相关文件</h3><ul><li><a href="/a.htm">关于做好当前就业工作的通知</a></li>
<li><a href="/b.htm">政策解读：稳就业政策问答</a></li></ul></div>
<div class="footer"><p>主办单位：某某办公厅　运行维护单位：某某信息中心</p>
<p>版权所有：某某网站　网站标识码 bm01000001　京ICP备05070218号</p>
<p><a href="/about">关于本网</a> | <a href="/map">网站地图</a> | <a href="/contact">联系我们</a></p></div>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
"""


def render_html(src: Source, charset: str = "utf-8", table_style: str = "pairs",
                declare: str = "meta") -> bytes:
    """A government-style page: chrome, a metadata table, the title, the text.

    ``table_style`` is ``"pairs"`` (``<td>label</td><td>value</td>``) or ``"cell"``
    (``<td>label：value</td>``); ``declare`` is ``"meta"`` (``<meta charset>``) or
    ``"http-equiv"``.
    """
    e = _html.escape
    tags = "".join(f'<meta name="{e(k)}" content="{e(v)}">\n' for k, v in src.tags.items())
    head_charset = (f'<meta charset="{charset}">' if declare == "meta" else
                    f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">')
    rows = []
    pairs = list(src.table)
    for k in range(0, len(pairs), 2):
        cells = []
        for label, value in pairs[k:k + 2]:
            if table_style == "pairs":
                cells.append(f"<td class=\"label\"><b>{e(label)}：</b></td><td>{e(value)}</td>")
            else:
                cells.append(f"<td><b>{e(label)}：</b>{e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = []
    for text, heading in src.paragraphs:
        if heading:
            body.append(f'<p style="text-align:center"><strong>{e(text)}</strong></p>')
        else:
            body.append(f'<p style="text-indent:2em">{e(text)}</p>')
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
{head_charset}
<title>{e(src.title)}_政策文件库</title>
{tags}<style>body{{font-family:sans-serif}} .nav li{{display:inline}}</style>
<script src="/js/jquery.min.js"></script>
</head><body>
{_CHROME_TOP}<div class="main">
<table class="xxgk" border="1">{''.join(rows)}</table>
<div class="article"><h1 class="title">{e(src.title)}</h1>
<div class="pages-date">{e(src.tags.get("PubDate", ""))}　来源：{e(src.tags.get("ContentSource", ""))}
<span class="font">字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></span></div>
<div id="UCAP-CONTENT" class="pages_content">
{chr(10).join(body)}
</div></div>
{_CHROME_BOTTOM}</div></body></html>
"""
    return page.encode(charset)


# --- DOCX ----------------------------------------------------------------------

_TEXTBOX = """<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:v="urn:schemas-microsoft-com:vml"><w:r><w:pict><v:shape style="width:300pt;height:40pt">
<v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox>
</v:shape></w:pict></w:r></w:p>"""


def render_docx(src: Source, table: list[list[str]] | None = None, table_after: int = -1,
                textbox: str | None = None, textbox_after: int = -1) -> bytes:
    """Paragraphs in order (headings with the Heading 1 style unless numbered in the
    text), an optional table and text box after the given paragraph index."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.core_properties.title = src.tags.get("title", "")
    document.core_properties.author = "policy-search"
    import datetime as dt
    created = src.tags.get("created")
    document.core_properties.created = (dt.datetime.fromisoformat(created) if created
                                        else dt.datetime(2000, 1, 1))
    document.core_properties.modified = dt.datetime(2000, 1, 1)
    for k, (text, heading) in enumerate(src.paragraphs):
        if heading and text[:1] not in "一二三四五六七八九十（(第":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
        if table and k == table_after:
            t = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, cell in enumerate(row):
                    t.cell(r, c).text = cell
        if textbox and k == textbox_after:
            anchor = document.add_paragraph()._p
            anchor.addprevious(parse_xml(_TEXTBOX.format(text=_html.escape(textbox))))
            anchor.getparent().remove(anchor)
    out = BytesIO()
    document.save(out)
    return _fixed_zip_times(out.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so that regenerating gives the same bytes."""
    import zipfile
    src = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------

def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        if not FONT_FILE.exists():
            raise SystemExit(f"{FONT_FILE} missing: run `make browser` (fonts-wqy-microhei)")
        pdfmetrics.registerFont(TTFont("WQY", str(FONT_FILE), subfontIndex=0))
    return "WQY"


_WIDTHS: dict[str, float] = {}


def _wrap(text: str, width: float, size: float, indent: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current, used, avail = [], "", 0.0, width - indent
    for ch in text:
        w = _WIDTHS.get(ch)
        if w is None:
            w = _WIDTHS[ch] = stringWidth(ch, "WQY", 1000)
        w = w * size / 1000
        if ch == " " and current and used + w > avail + 1e-6:
            current += ch  # a space at a break hangs at the line's end, as typesetters do
            continue
        if current and used + w > avail + 1e-6:
            lines.append(current)
            current, used, avail = "", 0.0, width
        current += ch
        used += w
    if current:
        lines.append(current)
    return lines


def render_pdf(src: Source, columns: int = 1, header: str = "", footer: str = "",
               first_page_lines: list[str] | None = None, size: float = 10.5,
               compress: bool = True) -> bytes:
    """A4 pages: running header and footer (with 第 N 页 / page numbers), the title
    block on page 1, paragraphs wrapped to ``columns`` columns (first-line indent)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font()
    out = BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1, pageCompression=1 if compress else 0)
    c.setTitle(src.tags.get("title", ""))
    width, height = A4
    margin, gap, leading = 60.0, 20.0, size * 1.6
    col_w = (width - 2 * margin - gap * (columns - 1)) / columns
    top, bottom = height - margin - 40, margin + 30
    page = [1]

    def chrome() -> None:
        c.setFont(font, 9)
        if header:
            c.drawString(margin, height - margin + 5, header)
            c.line(margin, height - margin, width - margin, height - margin)
        c.drawCentredString(width / 2, margin - 15, f"— {page[0]} —")
        if footer:
            c.drawString(margin, margin - 30, footer)

    chrome()
    y = top
    for line in first_page_lines or []:
        c.setFont(font, 16 if line == src.title else size)
        c.drawCentredString(width / 2, y, line)
        y -= leading * 1.5
    col = 0
    for text, heading in src.paragraphs:
        lines = [text] if heading else _wrap(text, col_w, size, 2 * size)
        for k, line in enumerate(lines):
            if y < bottom:
                col += 1
                y = top
                if col >= columns:
                    c.showPage()
                    page[0] += 1
                    chrome()
                    col = 0
            x = margin + col * (col_w + gap)
            c.setFont(font, size)
            if heading:
                c.drawString(x, y, line)
            else:
                c.drawString(x + (2 * size if k == 0 else 0), y, line)
            y -= leading
    c.showPage()
    c.save()
    return out.getvalue()


def render_nonbmp_pdf() -> bytes:
    """A PDF whose text layer holds a character outside the BMP (𠮷, U+20BB7).

    The font has no glyph for it, so 吉 is drawn and its entry in the font's
    ToUnicode map rewritten; the map's /Ordering name loses four characters, so
    that the file keeps its length (and its cross-reference table stays right).
    The first paragraph's second line is full and ends a sentence; the third
    continues it at the left edge.
    """
    import re

    first = "根据工作安排，吉林省就业服务中心会同相关部门开展了专项检查，现将检查情况通报如下：各地"
    second = "认真落实就业优先政策，全面推进稳岗扩岗工作，各项措施取得明显成效，重点群体就业保持了稳定。"
    paragraphs = [(first + second + "高校毕业生就业去向落实率稳中有升。", False),
                  ("下一步，各地要进一步压实责任，确保各项政策措施落地见效。", False)]
    data = render_pdf(Source(title="", paragraphs=paragraphs), compress=False)
    entry = re.search(rb"<([0-9A-F]{2})> <5409>\n", data)  # 吉
    ordering = re.search(rb"/Ordering \((\w{4})", data[:entry.start()] if entry else b"")
    if entry is None or ordering is None:
        raise SystemExit("render_nonbmp_pdf: the ToUnicode map is not as expected")
    out = (data[:ordering.start(1)] + data[ordering.end(1):entry.start()]
           + b"<" + entry.group(1) + b"> <D842DFB7>\n" + data[entry.end():])
    if len(out) != len(data):
        raise SystemExit("render_nonbmp_pdf: length changed")
    return out


def render_scan() -> bytes:
    """A page with an image and no text layer, like a scan."""
    # a tiny grey bitmap as a PNG, built by hand (no imaging library needed)
    import struct
    import zlib

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    w, h = 40, 56
    raw = b"".join(b"\x00" + bytes((200 if (x // 4 + y // 3) % 5 else 40) for x in range(w))
                   for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    out = BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(BytesIO(png)), 40, 40, width=A4[0] - 80, height=A4[1] - 80)
    c.showPage()
    c.save()
    return out.getvalue()


# --- the fixtures --------------------------------------------------------------

def _seed_lines(name: str) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def seed_source(name: str) -> Source:
    """A seed document as read by policy-search (paragraphs and metadata)."""
    sys.path.insert(0, str(ROOT))
    from indexer import read_file

    doc = read_file(CORPUS / name)
    return Source(title=doc.meta.title or "", paragraphs=[(p.text, p.heading) for p in doc.paragraphs])


def make_fixtures(dest: Path = FIXTURES) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []

    def write(path: Path, data: bytes) -> None:
        path.write_bytes(data)
        written.append(path)

    # Seed 003 (traditional script): a UTF-8 page, the table as label/value cell pairs.
    s003 = seed_source("003_ddc8f8c163e5a837.txt")
    title003 = s003.title
    body003 = s003.paragraphs[3:9]
    page = Source(
        title=title003, paragraphs=body003,
        table=[("索引號", "000014349/2025-00031"), ("主題分類", "勞動、人事、監察\\勞動就業"),
               ("發文機關", "國務院就業促進和勞動保護工作領導小組"), ("成文日期", "2025年03月06日"),
               ("標題", title003), ("發文字號", "國就勞發〔2025〕2號"), ("發布日期", "2025年03月12日")],
        tags={"ArticleTitle": title003, "PubDate": "2025-03-12 10:00",
              "ContentSource": "人力資源社會保障部網站", "keywords": "就業;崗位",
              "description": "加力重點領域崗位挖潛擴容"})
    write(dest / "gov_utf8.html", render_html(page))
    # Seed 004 (simplified): a GBK page declared by http-equiv, labels in one cell,
    # meta tags only for what the text does not say.
    s004 = seed_source("004_21dbe1da0bb1853e.txt")
    page = Source(
        title="对十四届全国人大三次会议第8209号建议的答复", paragraphs=s004.paragraphs[:5],
        table=[("索引号", "717800000/2025-00456"), ("主题分类", "劳动、人事、监察\\劳动就业"),
               ("发文机关", "人力资源社会保障部"), ("成文日期", "2025年08月05日")],
        tags={"ArticleTitle": "对十四届全国人大三次会议第8209号建议的答复", "PubDate": "2025-09-01",
              "ContentSource": "人力资源社会保障部"})
    write(dest / "gov_gbk.html", render_html(page, charset="gbk", table_style="cell",
                                             declare="http-equiv"))
    # A page with nothing but meta tags and a div/br body (no <p>), no charset declared.
    brpage = ("<html><head><title>通知</title><meta name=\"ArticleTitle\" content=\"关于做好就业工作的通知\">"
              "<meta name=\"PubDate\" content=\"2024-05-06\"></head><body><div class=\"nav\">"
              "<a href=\"/\">首页</a></div><div id=\"content\">各地人力资源社会保障部门：<br>"
              "现就做好就业工作通知如下。<br><br>一、加强组织领导<br>各地要高度重视。<table><tr><td>地区"
              "</td><td>人数</td></tr><tr><td>北京</td><td>120</td></tr></table></div></body></html>")
    write(dest / "nocharset_gbk.htm", brpage.encode("gbk"))
    write(dest / "damaged.html", b"\x00\x01\x02PK\x03\x04" + bytes(range(256)) * 4)

    # DOCX from seed 003: headings (style and numbering), a table, a text box.
    paras = [(title003, True)] + s003.paragraphs[3:5] + s003.paragraphs[10:14]
    write(dest / "sample.docx", render_docx(
        Source(title=title003, paragraphs=paras,
               tags={"title": "Microsoft Word - 新建文档", "created": "2025-03-10T08:00:00"}),
        table=[["地區", "崗位數"], ["北京", "1200"], ["上海", "980"]], table_after=2,
        textbox="附件：實施方案（全文）", textbox_after=4))
    write(dest / "damaged.docx", render_docx(Source(title="", paragraphs=[("正文", False)]))[:300])
    write(dest / "notzip.docx", b"This is not a Word file at all.\n")

    # PDFs from seed 000: two columns, running header/footer, page numbers, wrapped lines.
    s000 = seed_source("000_0b484173757658b0.txt")
    write(dest / "two_columns.pdf", render_pdf(
        Source(title=s000.title, paragraphs=s000.paragraphs[:12]), columns=2,
        header="人力资源和社会保障部 新闻发布会", footer="中华人民共和国人力资源和社会保障部网站"))
    # Seed 004 in one column: the 文号 on page 1 and the signature at the end feed metadata.
    write(dest / "reply.pdf", render_pdf(
        Source(title="", paragraphs=s004.paragraphs[:10] + s004.paragraphs[-3:]),
        header="人力资源社会保障部 建议答复"))
    write(dest / "scanned.pdf", render_scan())
    write(dest / "nonbmp.pdf", render_nonbmp_pdf())
    good = (dest / "reply.pdf").read_bytes()
    write(dest / "damaged.pdf", good[:len(good) // 3])
    write(dest / "sample.ofd", _ofd_like())
    return written


def make_corpus(corpus: Path = CORPUS) -> list[Path]:
    """The default corpus's documents in the new formats, rendered from the seeds."""
    written = []

    def write(path: Path, data: bytes) -> None:
        path.write_bytes(data)
        written.append(path)

    s000 = seed_source("000_0b484173757658b0.txt")
    s003 = seed_source("003_ddc8f8c163e5a837.txt")
    s004 = seed_source("004_21dbe1da0bb1853e.txt")
    title003 = s003.title
    full003 = Source(title=title003, paragraphs=s003.paragraphs,
                     table=[("索引號", "000014349/2025-00031"),
                            ("發文機關", "國務院就業促進和勞動保護工作領導小組"),
                            ("成文日期", "2025年03月06日"), ("發文字號", "國就勞發〔2025〕2號")],
                     tags={"ArticleTitle": title003})
    write(corpus / "005_seed003.html", render_html(full003, charset="gbk"))
    write(corpus / "006_seed004.docx", render_docx(s004))
    write(corpus / "007_seed000.pdf", render_pdf(s000, header="人力资源和社会保障部 新闻发布会"))
    return written


def _ofd_like() -> bytes:
    """A minimal OFD container (OFD.xml and one page), to show how OFD is reported."""
    import zipfile
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (
            ("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0">'
                        "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"),
            ("Doc_0/Document.xml",
             '<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>'
             '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'),
            ("Doc_0/Pages/Page_0/Content.xml",
             '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
             '<ofd:TextObject ID="2" Boundary="0 0 100 10" Font="3" Size="5"><ofd:TextCode X="0" Y="5">'
             "关于做好就业工作的通知</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"),
        ):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            zf.writestr(info, text)
    return out.getvalue()


if __name__ == "__main__":
    if sys.argv[1:] not in (["fixtures"], ["corpus"]):
        raise SystemExit("usage: python -m bench.render fixtures|corpus")
    for path in (make_fixtures() if sys.argv[1] == "fixtures" else make_corpus()):
        print(path.relative_to(ROOT))
