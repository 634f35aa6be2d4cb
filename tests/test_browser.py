"""End to end in Debian's headless Chromium, driven by Playwright, against `policy-search serve`."""

from __future__ import annotations

import urllib.request

import pytest

from .browser_support import ARTIFACTS, serving
from .conftest import SEED, copy_seeds

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    copy_seeds(corpus)
    (corpus / "xss.txt").write_text(
        "标题: 测试<script>window.__xss=1</script>文件\n"
        "正文<img src=x onerror=\"window.__xss=2\">稳岗返还<script>alert(1)</script>。\n",
        encoding="utf-8")
    with serving(root, POLICY_SEARCH_INDEX=str(root / "index"),
                 POLICY_SEARCH_CORPUS=str(corpus)) as (base, log):
        yield base, log


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()


def test_serve_built_the_missing_index(server):
    _, log = server
    text = log.read_text()
    assert "no index at" in text and "building it from" in text
    assert "index built: rebuilt (no index yet); added 6" in text


def test_search_flow(server, page):
    base, _ = server
    page.goto(base + "/")
    page.fill("#q", "穩崗")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert page.url == base + "/?q=%E7%A9%A9%E5%B4%97"
    total = int(page.text_content("#total"))
    assert total == 9
    marked = set(page.locator(".hit mark").all_text_contents())
    assert {"穩崗", "稳岗"} <= marked  # hits from both scripts, original text marked

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)

    # Click a facet: a chip appears and the count narrows.
    with page.expect_navigation():
        page.click('.facet[data-facet="issuer"] a.facet-link >> text=国务院就业促进和劳动保护工作领导小组')
    assert "issuer=" in page.url
    assert page.text_content(".chip").startswith("发文机关：国务院就业促进和劳动保护工作领导小组")
    assert int(page.text_content("#total")) == 1
    # Remove the chip: back to all hits.
    with page.expect_navigation():
        page.click(".chip")
    assert page.locator(".chip").count() == 0
    assert int(page.text_content("#total")) == total

    # Open a document and land on the anchored paragraph.
    first = page.locator(".hit h3 a").first
    href = first.get_attribute("href")
    with page.expect_navigation():
        first.click()
    anchor = href.split("#")[1]
    assert page.url.endswith("#" + anchor)
    assert page.evaluate("document.querySelector(':target').id") == anchor
    in_view = page.evaluate(
        "(() => { const r = document.querySelector(':target').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; })()")
    assert in_view is True
    assert page.locator(f"#{anchor} mark").count() >= 1
    page.click("#next-hit")
    assert page.text_content("#hit-pos").endswith(f"/ {page.locator('.paragraphs mark').count()}")

    # The back button returns to the results.
    page.go_back()
    page.wait_for_selector(".hit")
    assert "issuer=" not in page.url
    assert int(page.text_content("#total")) == total


def test_ime_enter_does_not_submit(server, page):
    base, _ = server
    page.goto(base + "/")
    prevented = page.evaluate("""() => {
        const box = document.getElementById('q');
        box.dispatchEvent(new CompositionEvent('compositionstart'));
        const e = new KeyboardEvent('keydown', {key: 'Enter', isComposing: true, cancelable: true});
        box.dispatchEvent(e);
        return e.defaultPrevented;
    }""")
    assert prevented is True


def test_xss_payloads_stay_inert(server, page):
    base, _ = server
    page.goto(base + "/?q=" + "稳岗返还 <script>window.__xss=3</script>")
    page.goto(base + "/?q=稳岗返还")
    page.wait_for_selector(".hit")
    page.goto(base + "/documents/xss.txt?q=稳岗返还")
    page.wait_for_selector(".paragraphs")
    assert page.evaluate("window.__xss === undefined") is True
    assert page.dialogs == []
    assert "<script>window.__xss=1</script>" in page.text_content("h1")


def test_phone_width_layout(server, browser):
    base, _ = server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.goto(base + "/?q=就业")
    pg.wait_for_selector(".hit")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "results-phone.png"))
    context.close()


def test_document_seed_ids(server):
    base, _ = server
    with urllib.request.urlopen(f"{base}/api/documents/{SEED['001']}") as r:
        assert r.status == 200


def test_documents_refine_trends_and_download(server, page, tmp_path):
    """Issue 15: switch to documents, refine, click a year on the chart, download the CSV."""
    base, _ = server
    page.goto(base + "/?q=就业")
    page.wait_for_selector(".trend-chart")
    total = int(page.text_content("#total"))
    assert total == 66
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".trends").screenshot(path=str(ARTIFACTS / "trends-chart.png"))

    # By document: one card per document, with its match count.
    with page.expect_navigation():
        page.click("#group-documents")
    assert "group=document" in page.url
    assert page.locator(".doc-card").count() == int(page.text_content("#total-documents")) == 5
    # 004 (23 matches) before 003 (27): 003's title has 就业, but so does every
    # paragraph of it that matches, so the title adds nothing (tests/test_research.py).
    assert page.locator(".doc-card .matches strong").first.text_content() == "23"
    with page.expect_navigation():
        page.click("#group-paragraphs")
    assert page.locator(".hit").count() == 10

    # Refine within the results: a chip, fewer hits; removing the chip restores them.
    page.fill("#within", "失业保险")
    with page.expect_navigation():
        page.press("#within", "Enter")
    assert "within=" in page.url
    assert int(page.text_content("#total")) == 3
    assert page.text_content(".chip").startswith("在结果中：失业保险")
    with page.expect_navigation():
        page.click(".chip")
    assert int(page.text_content("#total")) == total

    # Click the 2023 bar: the results are filtered to that year.
    with page.expect_navigation():
        page.click('.trend-year[data-year="2023"]')
    assert "from=2023-01-01" in page.url and "to=2023-12-31" in page.url
    assert int(page.text_content("#total")) == 5

    # Download every hit as CSV.
    with page.expect_download() as info:
        page.click("#export-csv")
    path = tmp_path / "hits.csv"
    info.value.save_as(path)
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    assert {r["date"][:4] for r in rows} == {"2023"}

    # The stacked chart, for the screenshot.
    page.goto(base + "/?q=就业&trend=doc_type")
    page.wait_for_selector(".trend-legend")
    page.locator(".trends").screenshot(path=str(ARTIFACTS / "trends-chart-stacked.png"))
