"""Level of authority: laws, central, provincial and local documents, and its ranking part."""

from __future__ import annotations

import pytest

import indexer
from indexer.search.authority import CENTRAL, LAW, LOCAL, PROVINCIAL, level, names_place

LEVELS = [
    # (issuer, title, level)
    ("国务院办公厅", "关于印发某方案的通知", CENTRAL),
    ("全国人民代表大会常务委员会", "中华人民共和国劳动合同法", LAW),
    ("全国人民代表大会", "中华人民共和国民法典", LAW),
    ("全国人民代表大会常务委员会 国务院", "关于某事项的决定", LAW),
    ("国务院", "中华人民共和国劳动合同法实施条例", CENTRAL),
    ("人力资源社会保障部 财政部", "关于做好失业保险工作的通知", CENTRAL),
    ("市场监管总局", "网络交易监督管理办法", CENTRAL),
    ("最高人民法院", "关于审理劳动争议案件适用法律问题的解释（一）", CENTRAL),
    ("浙江省人民代表大会常务委员会", "浙江省海域使用管理条例", PROVINCIAL),
    ("北京市人民代表大会常务委员会", "北京市城市规划条例", PROVINCIAL),
    ("广西壮族自治区人民政府", "广西壮族自治区某办法", PROVINCIAL),
    ("杭州市人民代表大会常务委员会", "杭州市城市养犬管理条例", LOCAL),
    ("延边朝鲜族自治州人民政府", "某条例", LOCAL),
    ("浙江省杭州市余杭区人民政府", "某通知", LOCAL),
    ("北京市朝阳区人民政府", "某通知", LOCAL),
    (None, "上海市房地产登记条例", PROVINCIAL),
    (None, "上海市商品交易市场管理条例", PROVINCIAL),
    (None, "广东省经济特区条例", PROVINCIAL),
    (None, "青岛市大气污染防治条例", LOCAL),
    (None, "城市供水条例", CENTRAL),
    (None, "中华人民共和国民法典", LAW),
    (None, "劳动合同法", LAW),
    (None, "中华人民共和国刑法修正案（十一）", LAW),
    (None, "网络交易监督管理办法", CENTRAL),
    (None, "浙江省实施《中华人民共和国工会法》办法", PROVINCIAL),
    (None, "郑某诉某公司网络侵权责任纠纷案", CENTRAL),
    (None, "", CENTRAL),
]


@pytest.mark.parametrize(("issuer", "title", "expected"), LEVELS)
def test_level(issuer, title, expected):
    assert level(issuer, title) == expected


def test_names_place():
    assert [names_place(w) for w in (["浙江", "养老"], ["杭州市"], ["延边朝鲜族自治州"],
                                     ["养老", "服务"], ["城市", "更新"], ["市场"])] == [
        True, True, True, False, False, False]


@pytest.fixture(scope="module")
def levels_index(tmp_path_factory):
    """One sentence in a law, a national, a provincial and a city regulation."""
    root = tmp_path_factory.mktemp("levels")
    corpus = root / "c"
    corpus.mkdir()
    text = "\n第三条 用人单位应当按时足额支付劳动者工资。\n"
    (corpus / "a_city.md").write_text("# 杭州市工资支付条例\n" + text, encoding="utf-8")
    (corpus / "b_province.md").write_text("# 浙江省工资支付条例\n" + text, encoding="utf-8")
    (corpus / "c_national.md").write_text("# 工资支付暂行规定\n" + text, encoding="utf-8")
    (corpus / "d_law.md").write_text("# 中华人民共和国工资支付法\n" + text, encoding="utf-8")
    indexer.reindex([corpus], root / "ix")
    with indexer.open_index(root / "ix") as ix:
        yield ix


def test_laws_then_central_documents_first_for_the_same_paragraph(levels_index):
    results = levels_index.search("支付劳动者工资", explain=True)
    assert [(h.doc_id, h.paragraph) for h in results.hits] == [
        ("d_law.md", 2), ("c_national.md", 2), ("b_province.md", 2), ("a_city.md", 2),
        ("d_law.md", 1), ("c_national.md", 1), ("b_province.md", 1), ("a_city.md", 1)]
    parts = [[(p["kind"], p["text"]) for p in h.explain["parts"] if p["kind"] == "authority"]
             for h in results.hits]
    assert parts == [[("authority", "法律")], [], [("authority", "省级")],
                     [("authority", "市县级")]] * 2
    # A law's score is 1.25 times what it was without its level.
    law = results.hits[0].explain
    part = next(p["score"] for p in law["parts"] if p["kind"] == "authority")
    assert part == pytest.approx(law["score"] * 0.25 / 1.25, abs=1e-3)
    for hit in results.hits:
        assert sum(p["score"] for p in hit.explain["parts"]) == pytest.approx(
            hit.explain["score"], abs=1e-3)


def test_a_query_that_names_a_place_ranks_without_levels(levels_index):
    results = levels_index.search("杭州 工资", explain=True)
    assert [h.doc_id for h in results.hits][0] == "a_city.md"
    assert not any(p["kind"] == "authority" for h in results.hits for p in h.explain["parts"])
