"""Issue 16 in Chromium: follow a citation from seed 004 to the document it cites and back."""

from __future__ import annotations

import pytest

import indexer

from .browser_support import ARTIFACTS, serving
from .conftest import FIXTURES, SEED, copy_seeds

pytestmark = pytest.mark.browser

G38 = "gov/guobanfa-2024-38.txt"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-cite")
    indexer.reindex([copy_seeds(root / "corpus"), FIXTURES / "cite"], root / "index")
    with serving(root, POLICY_SEARCH_INDEX=str(root / "index")) as (base, _log):
        yield base


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_follow_a_citation_both_ways(server, page):
    base = server
    page.goto(f"{base}/documents/{SEED['004']}")
    assert page.text_content(".citations summary") == "引用 14 · 被引用 0"
    # The number in paragraph 6 is a link to the document it names.
    link = page.locator("#p6 a.cite", has_text="国办发〔2024〕38号")
    assert link.get_attribute("title") == "引用：国务院办公厅关于健全基本医疗保险参保长效机制的指导意见"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "citations-004.png"))
    with page.expect_navigation():
        link.click()
    assert page.url == f"{base}/documents/{G38}"
    assert page.text_content("h1") == "国务院办公厅关于健全基本医疗保险参保长效机制的指导意见"

    # 被引用 lists 004's paragraph 6 (its title and its number) and jia-2022's paragraph 3.
    assert page.text_content(".citations summary") == "引用 0 · 被引用 3"
    assert page.locator("#cited-by a.citing").all_text_contents() == [SEED["004"], "甲省人民政府关于进一步做好示例工作的通知"]
    page.screenshot(path=str(ARTIFACTS / "citations-cited-by.png"))
    back = page.locator("#cited-by a.citing-para").first
    assert back.get_attribute("title") == "《关于健全基本医疗保险参保长效机制的指导意见》；国办发〔2024〕38号"
    assert page.locator("#cited-by a.citing-para").all_text_contents() == ["第 6 段", "第 3 段"]
    with page.expect_navigation():
        back.click()
    assert page.url == f"{base}/documents/{SEED['004']}#p6"
    assert page.evaluate("document.querySelector(':target').id") == "p6"
    assert page.locator(":target a.cite").count() == 4
    page.screenshot(path=str(ARTIFACTS / "citations-back-p6.png"))


def test_article_link_lands_on_the_paragraph(server, page):
    base = server
    page.goto(f"{base}/documents/jia-2015.txt")
    items = page.locator("#cites li")
    assert items.count() == 4
    target = page.locator("#cites li").first.locator("a.target")
    assert target.text_content() == "中华人民共和国示例法 第 9 段"
    with page.expect_navigation():
        target.click()
    assert page.evaluate("document.querySelector(':target').textContent") == "9示例活动的组织者应当如实记录。"
    # The unresolved book title searches for who else cites it.
    page.goto(f"{base}/documents/jia-2015.txt")
    with page.expect_navigation():
        page.locator("#cites a.unresolved").click()
    assert page.input_value("#q") == "cites:红楼梦"
    assert int(page.text_content("#total")) == 1


def test_cites_search_from_the_box(server, page):
    base = server
    page.goto(base + "/")
    page.fill("#q", "cites:国办发[2024]38号")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert int(page.text_content("#total")) == 2
    assert page.locator(".hit h3 a").all_text_contents() == [SEED["004"], "甲省人民政府关于进一步做好示例工作的通知"]
    # The mention in the snippet is marked and links to the cited document.
    first = page.locator(".hit .snippet a.cite", has_text="国办发〔2024〕38号").first
    assert first.locator("mark").text_content() == "国办发〔2024〕38号"
    with page.expect_navigation():
        first.click()
    assert page.url == f"{base}/documents/{G38}"
