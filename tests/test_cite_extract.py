"""Issue 16: mentions of other documents, extracted from paragraphs (exact tables)."""

from __future__ import annotations

import pytest

from indexer.cite.extract import Mention, articles, extract, mentions
from indexer.cite.keys import carried_title, cn_int, number_key, split_title, word_key
from indexer.document import Paragraph


def found(*paragraphs: str) -> list[tuple]:
    """(paragraph, kind, text, title, number, article, date) of every mention."""
    return [(m.paragraph, m.kind, m.text, m.title, m.number, m.article, m.date)
            for m in mentions(enumerate(paragraphs, start=1))]


NUMBER_38 = ("2024/38", "国办发")


@pytest.mark.parametrize("written", [
    "国办发〔2024〕38号", "国办发[2024]38号", "国办发（2024）38号", "国办发(2024)38号",
    "国办发【2024】38号", "国办发﹝2024﹞38号", "国办发〔2024〕第38号", "国办发2024年38号",
    "国办发 〔2024〕 38 号", "国办发［2024］38号",
])
def test_document_number_variants(written):
    assert found(f"（{written}）") == [(1, "number", written, None, NUMBER_38, None, None)]


def test_issuing_code_is_cut_from_the_words_before_it():
    # The text shown starts at the code; the key keeps the words before it, and a
    # document's code must end them (see indexer.cite.resolve).
    assert found("按照国办发〔2024〕38号执行") == [
        (1, "number", "国办发〔2024〕38号", None, ("2024/38", "按照国办发"), None, None)]


@pytest.mark.parametrize("text, expected", [
    ("國辦發〔2024〕38號", [("國辦發〔2024〕38號", NUMBER_38)]),  # traditional script
    ("最高人民法院以法发〔1993〕15号通知印发", [("法发〔1993〕15号", ("1993/15", "最高人民法院以法发"))]),
    ("（以下简称京缓堵办函〔2017〕27号文）", [("京缓堵办函〔2017〕27号", ("2017/27", "以下简称京缓堵办函"))]),
    ("国家税务总局公告2024年第5号", [("国家税务总局公告2024年第5号", ("2024/5", "国家税务总局公告"))]),
    ("1993年2月13日 中华人民共和国国务院令第135号发布", [("中华人民共和国国务院令第135号", ("令/135", "国务院"))]),
    ("国家发展和改革委员会令第3号", [("国家发展和改革委员会令第3号", ("令/3", "国家发展和改革委员会"))]),
    ("主席令第三十号", [("主席令第三十号", ("令/30", "主席"))]),
    ("（公安部令（第35号））", [("公安部令（第35号）", ("令/35", "公安部"))]),
    # not document numbers: no issuing code, a typhoon, a year alone
    ("（〔2025〕2号）", []),
    ("今年2024年第5号台风", []),
    ("2024年第三季度", []),
])
def test_number_mentions(text, expected):
    assert [(m.text, m.number) for m in mentions([(1, text)])] == expected


def test_title_with_its_number_in_brackets():
    assert found("国家医保局报请印发《关于健全基本医疗保险参保长效机制的指导意见》(国办发〔2024〕38号),明确") == [
        (1, "title", "《关于健全基本医疗保险参保长效机制的指导意见》", "关于健全基本医疗保险参保长效机制的指导意见",
         NUMBER_38, None, None),
        (1, "number", "国办发〔2024〕38号", "关于健全基本医疗保险参保长效机制的指导意见", NUMBER_38, None, None)]


@pytest.mark.parametrize("text, titles", [
    # 〈〉, <>, ＜＞ and 《》 inside a title are part of it: one mention, the outermost
    ("《关于修改〈中华人民共和国劳动合同法〉的决定》修正", ["关于修改〈中华人民共和国劳动合同法〉的决定"]),
    ("《关于修改<中华人民共和国劳动合同法>的决定》修正", ["关于修改<中华人民共和国劳动合同法>的决定"]),
    ("《关于修改＜浙江省实施《中华人民共和国农村土地承包法》办法＞的决定》修正",
     ["关于修改＜浙江省实施《中华人民共和国农村土地承包法》办法＞的决定"]),
    ("《关于修改〈浙江省实施《中华人民共和国档案法》办法〉的决定》第一次修正",
     ["关于修改〈浙江省实施《中华人民共和国档案法》办法〉的决定"]),
    # an unclosed bracket does not swallow the next title
    ("见《未闭合的标题，以及《中华人民共和国民法典》", ["中华人民共和国民法典"]),
    ("《》和《 》不是标题，《論語》是", ["論語"]),
])
def test_nested_brackets(text, titles):
    assert [m.title for m in mentions([(1, text)])] == titles


@pytest.mark.parametrize("text, expected", [
    ("依照《中华人民共和国民法典》第五百条的规定", [("《中华人民共和国民法典》第五百条", (500, 0, 0))]),
    ("《民法典》第五百条、第五百零一条第二款和第五百零三条",
     [("《民法典》第五百条", (500, 0, 0)), ("《民法典》第五百零一条第二款", (501, 0, 2)),
      ("《民法典》第五百零三条", (503, 0, 0))]),
    ("《刑法》第二百九十一条之一第二款", [("《刑法》第二百九十一条之一第二款", (291, 1, 2))]),
    ("《刑法修正案(九)》第十三条第一款、第二款",
     [("《刑法修正案(九)》第十三条第一款", (13, 0, 1)), ("《刑法修正案(九)》第二款", (13, 0, 2))]),
    ("《解释（一）》（法释〔2020〕26号）第四条", [("《解释（一）》（法释〔2020〕26号）第四条", (4, 0, 0)),
                                          ("法释〔2020〕26号", None)]),
    ("《民法典》第12条第3款", [("《民法典》第12条第3款", (12, 0, 3))]),
    ("《民法典》第九条至第十一条", [("《民法典》第九条", (9, 0, 0)), ("《民法典》第十一条", (11, 0, 0))]),
    ("《中华人民共和国水法》第一次修正", [("《中华人民共和国水法》", None)]),  # 次, not 条
])
def test_article_references_follow_their_title(text, expected):
    assert [(m.text, m.article) for m in mentions([(1, text)])] == expected


def test_chained_article_spans_are_the_article_alone():
    text = "《民法典》第五百条、第五百零一条"
    spans = [text[m.start:m.end] for m in mentions([(1, text)])]
    assert spans == ["《民法典》第五百条", "第五百零一条"]


@pytest.mark.parametrize("text, expected", [
    ("人民法院依照民法典第一百五十七条和本解释第七条",
     [("bare", "人民法院依照民法典第一百五十七条", "人民法院依照民法典", (157, 0, 0)),
      ("bare", "和本解释第七条", "和本解释", (7, 0, 0))]),
    ("刑法第二百六十四条、第二百六十六条",
     [("bare", "刑法第二百六十四条", "刑法", (264, 0, 0)), ("bare", "刑法第二百六十六条", "刑法", (266, 0, 0))]),
    # an article's own first line, and words that are no name, are no mention
    ("第一条 为了规范示例活动，制定本法。", []),
    ("第三章第二节第十条", []),
    # kept only when resolution finds an indexed title at the end of the words
    ("本条例第五条", [("bare", "本条例第五条", "本条例", (5, 0, 0))]),
])
def test_bare_article_references(text, expected):
    assert [(m.kind, m.text, m.title, m.article) for m in mentions([(1, text)])] == expected


@pytest.mark.parametrize("text", [
    "请阅读《红楼梦》和《三国演义》。", "持《企业法人营业执照》副本", "填写《申请表》",
])
def test_false_friends_are_mentions_that_stay_text(text):
    # Book titles and forms are found like any title; resolution leaves them unresolved.
    assert [m.kind for m in mentions([(1, text)])] == ["title"] * text.count("《")


def test_abbreviation_stands_for_the_full_title_in_later_paragraphs():
    assert found("根据《中华人民共和国种子法》（以下简称《种子法》）和有关法律，制定本办法。",
                 "违反《种子法》第三十一条规定的，依法处罚。", "参照《办法》执行。") == [
        (1, "title", "《中华人民共和国种子法》", "中华人民共和国种子法", None, None, None),
        (2, "title", "《种子法》第三十一条", "中华人民共和国种子法", None, (31, 0, 0), None),
        (3, "title", "《办法》", "办法", None, None, None)]


@pytest.mark.parametrize("text, date", [
    ("根据2009年8月27日《全国人民代表大会常务委员会关于修改部分法律的决定》第一次修正", "2009-08-27"),
    ("2009年8月27日第十一届全国人民代表大会常务委员会第十次会议《关于修改部分法律的决定》修正", "2009-08-27"),
    ("2009年8月27日发布，《关于修改部分法律的决定》同时废止", None),  # a comma: another clause
    ("2009年2月30日《关于修改部分法律的决定》", None),  # no such day
])
def test_version_date_written_before_a_mention(text, date):
    assert [m.date for m in mentions([(1, text)])] == [date]


def test_offsets_point_into_the_original_text():
    text = "根據《中華人民共和國民法典》第五百條及國辦發〔2024〕38號。"
    assert [(text[m.start:m.end], m.kind) for m in mentions([(1, text)])] == [
        ("《中華人民共和國民法典》第五百條", "title"), ("國辦發〔2024〕38號", "number")]


def test_articles_map_with_clauses_and_items():
    paragraphs = [(1, "# 中华人民共和国示例法", True), (2, "第一条 为了规范示例活动，制定本法。", False),
                  (3, "第二条 示例活动应当遵守下列原则：", False), (4, "（一）公开；", False),
                  (5, "1. 公平。", False), (6, "示例活动的组织者应当如实记录。", False),
                  (7, "第二章 附则", True), (8, "前言不是条文。", False),
                  (9, "第二百九十一条之一　新增条文。", False), (10, "第十二條 繁体条文。", False),
                  (11, "第２条 重复的条号不再记录。", False), (12, "第十三条规定的情形", False)]
    assert articles(paragraphs) == {"1": [2], "2": [3, 6], "291.1": [9], "12": [10]}


def test_extract_is_json_ready():
    data = extract([Paragraph(1, "依照《民法典》第五百条"), Paragraph(2, "第一条 总则")])
    assert data == {"mentions": [[1, 2, 11, "title", "《民法典》第五百条", "民法典", None, [500, 0, 0], None]],
                    "articles": {"1": [2]}}
    assert Mention.from_list(data["mentions"][0]).article == (500, 0, 0)


@pytest.mark.parametrize("text, value", [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105), ("一千二百六十", 1260),
    ("两百", 200), ("12", 12), ("１２", 12), ("第", None),
])
def test_chinese_numerals(text, value):
    assert cn_int(text) == value


def test_keys():
    assert word_key("《中華人民共和國 民法典》") == "民法典"
    assert split_title("国务院办公厅关于健全基本医疗保险参保长效机制的指导意见") == (
        "国务院办公厅", "关于健全基本医疗保险参保长效机制的指导意见")
    assert split_title("中华人民共和国刑事诉讼法（2018年修正）") == ("", "刑事诉讼法")
    assert carried_title("国务院关于印发《加力重点领域实施方案》的通知") == "加力重点领域实施方案"
    assert carried_title("关于印发《甲》和《乙》的通知") is None
    assert number_key("国办发[2024]38号") == ("2024/38", "国办发")
    assert number_key("中华人民共和国国务院令第588号") == ("令/588", "国务院")
    assert number_key("第38号") is None
