"""Issue 16: which document (and paragraph) a mention means."""

from __future__ import annotations

import pytest

from indexer.cite.extract import mentions
from indexer.cite.resolve import Doc, Resolver

LAW_2010 = Doc("law-2010.md", "中华人民共和国示例法", None, "2010-01-01", "全国人民代表大会常务委员会",
               {"1": [4], "2": [5], "3": [6, 9]})
LAW_2020 = Doc("law-2020.md", "中华人民共和国示例法", None, "2020-06-30", "全国人民代表大会常务委员会",
               {"1": [5], "2": [6], "3": [7, 8]})
CODE_1 = Doc("code/总则.md", "中华人民共和国示例法典", None, "2020-05-28", "全国人民代表大会",
             {"1": [3], "2": [4]})
CODE_2 = Doc("code/合同编.md", "中华人民共和国示例法典", None, "2020-05-28", "全国人民代表大会",
             {"463": [5], "464": [6, 7]})
OPINION = Doc("gov/38.txt", "国务院办公厅关于健全基本医疗保险参保长效机制的指导意见", "国办发〔2024〕38号",
              "2024-07-19", "国务院办公厅")
OTHER_38 = Doc("gov/hr-38.txt", "人力资源社会保障部关于做好示例工作的通知", "人社部发〔2024〕38号",
               "2024-05-01", "人力资源社会保障部")
ORDER = Doc("reg.md", "示例条例", "中华人民共和国国务院令第588号", "2011-01-08", "国务院")
CARRIER = Doc("plan.txt", "国务院关于印发《示例工作实施方案》的通知", "国发〔2023〕9号", "2023-02-01", "国务院")
NOTICE_A = Doc("a.txt", "关于做好示例统计工作的通知", "甲发〔2021〕1号", "2021-01-05", "甲部")
NOTICE_B = Doc("b.txt", "关于做好示例统计工作的通知", "乙发〔2021〕2号", "2021-02-05", "乙部")
DOCS = [LAW_2010, LAW_2020, CODE_1, CODE_2, OPINION, OTHER_38, ORDER, CARRIER, NOTICE_A, NOTICE_B]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(DOCS)


def citing(date: str | None = "2025-01-01", issuer: str | None = "丙省人民政府",
           doc_id: str = "citing.txt", title: str | None = None, number: str | None = None) -> Doc:
    return Doc(doc_id, title, number, date, issuer)


def resolve(resolver: Resolver, text: str, by: Doc | None = None) -> list[tuple]:
    """(text, doc_id, paragraph) of every mention in ``text``, as read by ``by``;
    a mention that is no citation (the citing document's own) is left out."""
    out = []
    for m in mentions([(1, text)]):
        found = resolver.resolve(m, by or citing())
        if found is not None:
            out.append((found.text, found.doc_id, found.paragraph))
    return out


@pytest.mark.parametrize("text, doc_id", [
    ("（国办发〔2024〕38号）", "gov/38.txt"),
    ("（國辦發[2024]38號）", "gov/38.txt"),
    ("按照国办发2024年第38号执行", "gov/38.txt"),  # the words before the code are no part of it
    ("（人社部发〔2024〕38号）", "gov/hr-38.txt"),  # same year and number, other code
    ("（国办发〔2024〕39号）", None),
    ("（国发〔2024〕38号）", None),
    ("（国务院令第588号）", "reg.md"),
    ("（中华人民共和国国务院令第五百八十八号）", "reg.md"),
    ("（财政部令第588号）", None),
])
def test_by_number(resolver, text, doc_id):
    assert [d for _, d, _ in resolve(resolver, text)] == [doc_id]


@pytest.mark.parametrize("title, doc_id", [
    ("《中华人民共和国示例法》", "law-2020.md"),
    ("《示例法》", "law-2020.md"),  # without 中华人民共和国
    ("《中華人民共和國示例法》", "law-2020.md"),  # traditional script
    ("《中华人民共和国 示例法》", "law-2020.md"),
    ("《国务院办公厅关于健全基本医疗保险参保长效机制的指导意见》", "gov/38.txt"),
    ("《关于健全基本医疗保险参保长效机制的指导意见》", "gov/38.txt"),  # without its issuer
    ("《人力资源社会保障部关于健全基本医疗保险参保长效机制的指导意见》", None),  # another issuer
    ("《示例工作实施方案》", "plan.txt"),  # the notice that carries it
    ("《示例法实施细则》", None),
    ("《红楼梦》", None),  # a book: text, not a citation
    ("《关于做好示例统计工作的通知》", None),  # two issuers' notices: ambiguous
])
def test_by_title(resolver, title, doc_id):
    assert resolve(resolver, title) == [(title, doc_id, None)]


def test_same_titles_resolve_to_the_citing_issuers_own(resolver):
    text = "《关于做好示例统计工作的通知》"
    assert resolve(resolver, text, citing(issuer="甲部")) == [(text, "a.txt", None)]
    assert resolve(resolver, text, citing(issuer="乙部")) == [(text, "b.txt", None)]


@pytest.mark.parametrize("date, doc_id", [
    ("2015-03-02", "law-2010.md"),  # the version in force then
    ("2020-06-30", "law-2020.md"),  # in force from its date
    ("2020-06-29", "law-2010.md"),
    ("2022-05-09", "law-2020.md"),
    ("2005-01-01", "law-2010.md"),  # before every version: the earliest
    (None, "law-2020.md"),  # undated: the latest
])
def test_version_in_force_at_the_citing_date(resolver, date, doc_id):
    assert [d for _, d, _ in resolve(resolver, "《示例法》", citing(date))] == [doc_id]


@pytest.mark.parametrize("text, doc_id", [
    ("根据2012年5月4日《中华人民共和国示例法》", "law-2010.md"),  # a date written before it
    ("根据《中华人民共和国示例法（2020年修正）》", "law-2020.md"),  # a version in its title
    ("根据《中华人民共和国示例法（2010年）》", "law-2010.md"),
])
def test_version_written_with_the_mention(resolver, text, doc_id):
    assert [d for _, d, _ in resolve(resolver, text, citing("2025-01-01"))] == [doc_id]


@pytest.mark.parametrize("date, text, expected", [
    ("2015-03-02", "《示例法》第三条第二款", ("law-2010.md", 9)),
    ("2022-05-09", "《示例法》第三条第二款", ("law-2020.md", 8)),
    ("2022-05-09", "《示例法》第三条", ("law-2020.md", 7)),
    ("2022-05-09", "《示例法》第三条第九款", ("law-2020.md", 7)),  # no such clause: the article
    ("2022-05-09", "《示例法》第九十九条", ("law-2020.md", None)),  # no such article: the document
    # a code in parts: the part that holds the article, else the one with 第一条
    ("2022-05-09", "《中华人民共和国示例法典》第四百六十四条第二款", ("code/合同编.md", 7)),
    ("2022-05-09", "《示例法典》第二条", ("code/总则.md", 4)),
    ("2022-05-09", "《示例法典》", ("code/总则.md", None)),
])
def test_articles_point_at_paragraphs(resolver, date, text, expected):
    assert [(d, p) for _, d, p in resolve(resolver, text, citing(date))] == [expected]


def test_bare_names_are_cut_to_the_title_and_kept_only_if_resolved(resolver):
    text = "依照示例法第三条第二款和本条例第五条，适用示例法典第四百六十四条"
    assert resolve(resolver, text, citing("2015-01-01")) == [
        ("示例法第三条第二款", "law-2010.md", 9), ("示例法典第四百六十四条", "code/合同编.md", 6)]
    found = [resolver.resolve(m, citing()) for m in mentions([(1, text)])]
    assert [(f.start, f.kind) for f in found if f is not None] == [(2, "title"), (21, "title")]


def test_a_title_or_number_falls_back_on_its_partner(resolver):
    # Neither title is indexed as written; their numbers are.
    text = "《关于健全参保长效机制的意见》（国办发〔2024〕38号）和《示例条例（节选）》（国务院令第588号）"
    assert resolve(resolver, text) == [
        ("《关于健全参保长效机制的意见》", "gov/38.txt", None), ("国办发〔2024〕38号", "gov/38.txt", None),
        ("《示例条例（节选）》", "reg.md", None), ("国务院令第588号", "reg.md", None)]
    # A number that is not indexed resolves by its title.
    text = "《中华人民共和国示例法》（主席令第十号）"
    assert resolve(resolver, text) == [("《中华人民共和国示例法》", "law-2020.md", None),
                                       ("主席令第十号", "law-2020.md", None)]


def test_the_citing_documents_own_work_is_no_citation(resolver):
    own = "（国办发〔2024〕38号）《关于健全基本医疗保险参保长效机制的指导意见》"
    assert resolve(resolver, own, OPINION) == []
    # another version of the same law, and its own title in its heading
    assert resolve(resolver, "《中华人民共和国示例法》第三条", LAW_2020) == []
    assert resolve(resolver, "《示例法》", LAW_2010) == []
    # the notice that carries a plan does not cite the plan
    assert resolve(resolver, "《示例工作实施方案》", CARRIER) == []


def test_lookup_names_every_version(resolver):
    assert resolver.lookup("示例法") == ["law-2010.md", "law-2020.md"]
    assert resolver.lookup("《中华人民共和国示例法典》") == ["code/合同编.md", "code/总则.md"]
    assert resolver.lookup("国办发[2024]38号") == ["gov/38.txt"]
    assert resolver.lookup("关于做好示例统计工作的通知") == ["a.txt", "b.txt"]
    assert resolver.lookup("红楼梦") == []


def test_bare_short_names_of_longer_titles():
    arbitration = Doc("arb.md", "中华人民共和国仲裁法", None, "2017-09-01", "全国人民代表大会常务委员会",
                      {"10": [20]})
    labour = Doc("labour.md", "中华人民共和国劳动争议调解仲裁法", None, "2007-12-29",
                 "全国人民代表大会常务委员会", {"10": [15]})
    rural = Doc("rural.md", "中华人民共和国农村土地承包经营纠纷调解仲裁法", None, "2009-06-27",
                "全国人民代表大会常务委员会", {"10": [12]})
    two = Resolver([arbitration, labour])
    # 调解仲裁法 ends 劳动争议调解仲裁法 (the only such title), not the 仲裁法 it ends with
    assert resolve(two, "当事人在调解仲裁法第十条规定的调解组织主持下") == [("调解仲裁法第十条", "labour.md", 15)]
    assert resolve(two, "依照仲裁法第十条") == [("仲裁法第十条", "arb.md", 20)]
    # a longer name that is not indexed: no guess
    assert resolve(two, "依照农村土地承包经营纠纷调解仲裁法第十条") == []
    # two titles end with it: ambiguous
    assert resolve(Resolver([arbitration, labour, rural]), "在调解仲裁法第十条") == []
    # too short, or 本…: no short form
    contract = Doc("contract.md", "中华人民共和国劳动合同法", None, "2012-12-28", None, {"10": [9]})
    rules = Doc("rules.md", "示例活动基本规则", None, "2020-01-01", None, {"10": [3]})
    assert resolve(Resolver([contract, rules]), "依照合同法第十条和本规则第十条") == []
