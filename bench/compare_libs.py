"""Compare extraction libraries on the format fixtures (the choice in README).

    python -m bench.compare_libs

HTML: trafilatura, readability-lxml, selectolax (a parser: text of <body>) and
jusText on the government-page fixtures: share of the body paragraphs kept,
chrome strings leaked, ms per page. PDF: pypdfium2, pdfminer.six and pypdf on
the PDF fixtures: share of the source paragraphs found (whitespace ignored)
and MB/s of text. The libraries other than the chosen ones are not project
dependencies: ``pip install readability-lxml selectolax pdfminer.six pypdf``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "formats"
CHROME = ["首页", "当前位置", "分享到", "【打印】", "【关闭】", "相关文件", "版权所有", "网站地图",
          "统计代码", "字号", "无障碍"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _timed(fn, arg, runs: int = 20):
    start = time.perf_counter()
    for _ in range(runs):
        out = fn(arg)
    return out, (time.perf_counter() - start) / runs


def html_libs():
    import lxml.html

    def trafilatura_(page):
        import trafilatura
        return trafilatura.extract(page, favor_recall=True, include_tables=True) or ""

    def readability_(page):
        from readability import Document
        return lxml.html.fromstring(Document(page).summary()).text_content()

    def selectolax_(page):
        from selectolax.lexbor import LexborHTMLParser
        tree = LexborHTMLParser(page)
        for node in tree.css("script, style"):
            node.decompose()
        return tree.body.text(separator="\n")

    def justext_(page):
        import justext
        return "\n".join(p.text for p in justext.justext(page.encode("utf-8"), frozenset())
                         if not p.is_boilerplate)

    return {"trafilatura": trafilatura_, "readability-lxml": readability_,
            "selectolax": selectolax_, "justext": justext_}


def compare_html():
    from bench.render import seed_source
    from indexer.ingest.readers.html import _decode

    pages = {"gov_utf8.html": seed_source("003_ddc8f8c163e5a837.txt").paragraphs[3:9],
             "gov_gbk.html": seed_source("004_21dbe1da0bb1853e.txt").paragraphs[:5]}
    rows = []
    for name, fn in html_libs().items():
        kept = total = leaked = 0
        seconds = 0.0
        for fname, expected in pages.items():
            page = _decode((FIX / fname).read_bytes())[0]
            page = re.sub(r"^\s*<\?xml[^>]*\?>", "", page)
            try:
                text, dt = _timed(fn, page)
            except Exception as exc:  # noqa: BLE001 - a comparison, report and go on
                text, dt = f"error {exc}", 0.0
            flat = _squash(text)
            kept += sum(_squash(t) in flat for t, _ in expected)
            total += len(expected)
            leaked += sum(w in text for w in CHROME)
            seconds += dt
        rows.append((name, f"{kept}/{total}", leaked, round(seconds / len(pages) * 1000, 2)))
    print(f"{'HTML library':18} {'body kept':>10} {'chrome leaked':>14} {'ms/page':>8}")
    for r in rows:
        print(f"{r[0]:18} {r[1]:>10} {r[2]:>14} {r[3]:>8}")
    return rows


def compare_pdf():
    from bench.render import seed_source

    def pdfium_(data):
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(data)
        out = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        pdf.close()
        return out

    def pdfminer_(data):
        from io import BytesIO

        from pdfminer.high_level import extract_text
        return extract_text(BytesIO(data))

    def pypdf_(data):
        from io import BytesIO

        from pypdf import PdfReader
        return "\n".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)

    s000 = seed_source("000_0b484173757658b0.txt").paragraphs
    s004 = seed_source("004_21dbe1da0bb1853e.txt").paragraphs
    files = {"two_columns.pdf": s000[:12], "reply.pdf": s004[:10] + s004[-3:]}
    rows = []
    for name, fn in {"pypdfium2": pdfium_, "pdfminer.six": pdfminer_, "pypdf": pypdf_}.items():
        found = total = 0
        nbytes = 0
        seconds = 0.0
        for fname, expected in files.items():
            text, dt = _timed(fn, (FIX / fname).read_bytes(), runs=5)
            flat = _squash(text)
            found += sum(_squash(t) in flat for t, _ in expected)
            total += len(expected)
            nbytes += len(text.encode("utf-8"))
            seconds += dt
        rows.append((name, f"{found}/{total}", round(nbytes / seconds / 1e6, 2)))
    print(f"{'PDF library':18} {'paragraphs found':>17} {'MB/s text':>10}")
    for r in rows:
        print(f"{r[0]:18} {r[1]:>17} {r[2]:>10}")
    return rows


if __name__ == "__main__":
    compare_html()
    print()
    compare_pdf()
