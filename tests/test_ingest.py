from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from indexer import IngestError, ReadFailure, read_corpus, read_file
from indexer.document import META_FIELDS

from .conftest import CORPUS, FIXTURES, SEED

TITLE_003 = (
    "國務院就業促進和勞動保護工作領導小組關於印發《加力重點領域、重點行業、城鄉基層和"
    "中小微企業崗位挖潛擴容 支持重點群體就業創業實施方案》的通知"
)

EXPECTED_SEEDS = {
    "000": {
        "title": "2025年上半年人力资源和社会保障工作主要进展情况及下一步安排",
        "doc_number": None,
        "issuer": "人力资源社会保障部",
        "date": "2025-07-22",
        "doc_type": "新闻发布会",
        "topic": None,
    },
    "001": {
        "title": "2023年一季度人力資源和社會保障工作主要進展情況及下一步安排",
        "doc_number": None,
        "issuer": "人力资源社会保障部",
        "date": "2023-04-24",
        "doc_type": "新闻发布会",
        "topic": None,
    },
    "002": {
        "title": None,
        "doc_number": None,
        "issuer": None,
        "date": None,
        "doc_type": None,
        "topic": None,
    },
    "003": {
        "title": TITLE_003,
        "doc_number": "国就劳发〔2025〕2号",
        "issuer": "国务院就业促进和劳动保护工作领导小组",
        "date": "2025-03-06",
        "doc_type": "通知",
        "topic": "劳动、人事、监察\\劳动就业",
    },
    "004": {
        "title": None,
        "doc_number": "人社建字〔2025〕84号",
        "issuer": "人力资源社会保障部",
        "date": "2025-08-05",
        "doc_type": "答复",
        "topic": None,
    },
}


def meta_of(doc) -> dict:
    return {name: getattr(doc.meta, name) for name in META_FIELDS}


@pytest.mark.parametrize("seed", sorted(EXPECTED_SEEDS))
def test_seed_metadata(seed):
    doc = read_file(CORPUS / SEED[seed], SEED[seed])
    assert meta_of(doc) == EXPECTED_SEEDS[seed]
    assert doc.encoding == "utf-8"
    assert doc.doc_id == SEED[seed]


def test_original_script_kept_for_display():
    doc = read_file(CORPUS / SEED["003"])
    assert doc.meta.original == {
        "doc_number": "國就勞發〔2025〕2號",
        "issuer": "國務院就業促進和勞動保護工作領導小組",
        "topic": "勞動、人事、監察\\勞動就業",
    }
    assert read_file(CORPUS / SEED["001"]).meta.original == {"issuer": "人力資源社會保障部"}


def test_paragraph_counts_and_first_paragraphs():
    counts = {seed: len(read_file(CORPUS / name).paragraphs) for seed, name in SEED.items()}
    assert counts == {"000": 19, "001": 17, "002": 14, "003": 33, "004": 32}
    first = read_file(CORPUS / SEED["000"]).paragraphs[0]
    # Original text kept exactly, stray spaces included.
    assert first.text.startswith("7月2 2 日,人力资源社会保障部举行202 5 年二季度新闻发布会")
    assert (first.n, first.line, first.heading) == (1, 1, False)


def test_site_chrome_and_header_labels_are_not_paragraphs():
    doc = read_file(CORPUS / SEED["003"])
    texts = [p.text for p in doc.paragraphs]
    assert "EN" not in texts
    assert not any(t.startswith("http") for t in texts)
    assert not any("發文字號" in t or "成文日期" in t for t in texts)
    assert texts[:3] == [
        "國務院就業促進和勞動保護工作領導小組",
        "關於印發《加力重點領域、重點行業、城鄉基層和中小微企業崗位挖潛擴容 支持重點群體就業創業實施方案》的通知",
        "國就勞發〔2025〕2號",
    ]


def test_repeated_body_kept_once():
    doc = read_file(CORPUS / SEED["003"])
    texts = [p.text for p in doc.paragraphs]
    assert len(texts) == 33
    assert [p.line for p in doc.paragraphs][-1] == 76
    assert texts.count("一、總體要求") == 1
    # The issuer line legitimately appears twice in the first copy (header and signature).
    assert texts.count("國務院就業促進和勞動保護工作領導小組") == 2
    assert [p.n for p in doc.paragraphs] == list(range(1, 34))


def test_headings_marked_in_plain_text():
    doc = read_file(CORPUS / SEED["004"])
    assert [p.text for p in doc.paragraphs if p.heading] == [
        "一、关于完善劳动权益保障",
        "二、关于优化就业岗位供给",
        "三、关于完善就业信息服务",
        "四、关于加强职业发展支持",
    ]


@pytest.mark.parametrize(
    ("encoding", "bom", "reported"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16-le"),
        ("utf-16-be", b"\xfe\xff", "utf-16-be"),
        ("gbk", b"", "gb18030"),
        ("gb18030", b"", "gb18030"),
    ],
)
def test_seed_in_each_encoding_reads_the_same(tmp_path, encoding, bom, reported):
    text = (CORPUS / SEED["004"]).read_text(encoding="utf-8")
    path = tmp_path / "reply.txt"
    path.write_bytes(bom + text.encode(encoding))
    doc = read_file(path)
    reference = read_file(CORPUS / SEED["004"])
    assert doc.encoding == reported
    assert meta_of(doc) == meta_of(reference)
    assert [p.text for p in doc.paragraphs] == [p.text for p in reference.paragraphs]


def test_traditional_text_in_gbk(tmp_path):
    text = (CORPUS / SEED["003"]).read_text(encoding="utf-8")
    path = tmp_path / "trad.txt"
    path.write_bytes(text.encode("gb18030"))
    doc = read_file(path)
    assert doc.encoding == "gb18030"
    assert doc.meta.doc_number == "国就劳发〔2025〕2号"


def test_unreadable_file_reported_others_read(tmp_path):
    (tmp_path / "good.txt").write_text("人社部发〔2024〕1号\n正文内容。\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    locked = tmp_path / "locked.txt"
    locked.write_text("不可读", encoding="utf-8")
    locked.chmod(0)
    (tmp_path / "ignored.xlsx").write_bytes(b"PK")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF")
    try:
        items = list(read_corpus([tmp_path]))
    finally:
        locked.chmod(0o644)
    docs = [i for i in items if not isinstance(i, ReadFailure)]
    failures = sorted(str(i) for i in items if isinstance(i, ReadFailure))
    assert [d.doc_id for d in docs] == ["good.txt"] + (["locked.txt"] if os.geteuid() == 0 else [])
    expected = [f"{tmp_path / 'binary.txt'}: binary data (NUL bytes), not a text file",
                f"{tmp_path / 'broken.pdf'}: damaged PDF file (no %PDF header)"]
    if os.geteuid() != 0:
        expected.append(f"{tmp_path / 'locked.txt'}: Permission denied")
    assert failures == sorted(expected)


def test_read_file_raises_with_path():
    with pytest.raises(IngestError) as info:
        read_file("no/such/file.txt")
    assert str(info.value) == "no/such/file.txt: No such file or directory"


def test_doc_ids_are_stable_relative_paths(tmp_path):
    (tmp_path / "sub" / "深").mkdir(parents=True)
    (tmp_path / "sub" / "深" / "a b.md").write_text("# 标题\n\n正文。\n", encoding="utf-8")
    (tmp_path / "top.txt").write_text("正文。\n", encoding="utf-8")
    ids = [d.doc_id for d in read_corpus([tmp_path])]
    assert ids == ["sub/深/a b.md", "top.txt"]
    assert [d.doc_id for d in read_corpus([tmp_path])] == ids


def test_sidecar_overrides_extracted_fields(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_bytes((CORPUS / SEED["004"]).read_bytes())
    (tmp_path / "reply.meta.json").write_text(
        json.dumps({"title": "关于共同关爱基础就业人员的建议的答复", "date": "2025年8月6日",
                    "issuer": "人力資源社會保障部", "topic": None}, ensure_ascii=False),
        encoding="utf-8",
    )
    doc = read_file(path)
    assert meta_of(doc) == {
        "title": "关于共同关爱基础就业人员的建议的答复",
        "doc_number": "人社建字〔2025〕84号",
        "issuer": "人力资源社会保障部",
        "date": "2025-08-06",
        "doc_type": "答复",
        "topic": None,
    }
    assert doc.meta.evidence["title"] == "sidecar"
    assert doc.meta.original == {"issuer": "人力資源社會保障部"}


def test_bad_sidecar_is_reported_not_fatal(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_bytes((CORPUS / SEED["004"]).read_bytes())
    side = tmp_path / "reply.meta.json"
    side.write_text('{"date": "2025-13-45", "colour": "red"}', encoding="utf-8")
    doc = read_file(path)
    assert doc.meta.date == "2025-08-05"
    assert doc.warnings == [
        f"{side}: field 'date': '2025-13-45' is not a valid date (YYYY-MM-DD); not applied",
        f"{side}: unknown field 'colour'; not applied",
    ]


def test_sidecar_changes_content_hash(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("正文。\n", encoding="utf-8")
    before = read_file(path).content_hash
    (tmp_path / "a.meta.json").write_text('{"title": "新标题"}', encoding="utf-8")
    assert read_file(path).content_hash != before


LAWS = {
    "劳动合同法(2012-12-28).md": {
        "title": "中华人民共和国劳动合同法", "doc_number": None,
        "issuer": "全国人民代表大会常务委员会", "date": "2012-12-28", "doc_type": "法律",
        "topic": None,
    },
    "刑法修正案（九）.md": {
        "title": "中华人民共和国刑法修正案（九）", "doc_number": None,
        "issuer": "全国人民代表大会常务委员会", "date": "2015-08-29", "doc_type": "修正案",
        "topic": None,
    },
    "气象设施和气象探测环境保护条例(2016-02-06).md": {
        "title": "气象设施和气象探测环境保护条例", "doc_number": None,
        "issuer": "国务院", "date": "2016-02-06", "doc_type": "条例", "topic": None,
    },
    "最高人民法院关于新疆生产建设兵团人民法院案件管辖权问题的若干规定(2005-05-24).md": {
        "title": "最高人民法院关于新疆生产建设兵团人民法院案件管辖权问题的若干规定",
        "doc_number": None, "issuer": "最高人民法院", "date": "2005-05-24",
        "doc_type": "规定", "topic": None,
    },
    "公民举报危害国家安全行为奖励办法(2022-06-06).md": {
        "title": "公民举报危害国家安全行为奖励办法", "doc_number": "中华人民共和国国家安全部令第2号",
        "issuer": "国家安全部", "date": "2022-06-06", "doc_type": "办法", "topic": None,
    },
    "广东省湿地保护条例(2022-11-30).md": {
        "title": "广东省湿地保护条例", "doc_number": None,
        "issuer": "广东省人民代表大会常务委员会", "date": "2022-11-30", "doc_type": "条例",
        "topic": None,
    },
}


@pytest.mark.parametrize("name", sorted(LAWS))
def test_lawrefbook_metadata(name):
    doc = read_file(FIXTURES / "lawrefbook" / name)
    assert meta_of(doc) == LAWS[name]


def test_lawrefbook_date_from_info_block_alone(tmp_path):
    # The same text without the version date in its name: 修正 date of this version, not 施行.
    path = tmp_path / "劳动合同法.md"
    path.write_bytes((FIXTURES / "lawrefbook" / "劳动合同法(2012-12-28).md").read_bytes())
    assert read_file(path).meta.date == "2012-12-28"
    wetland = tmp_path / "湿地.md"
    wetland.write_bytes((FIXTURES / "lawrefbook" / "广东省湿地保护条例(2022-11-30).md").read_bytes())
    assert read_file(wetland).meta.date == "2022-11-30"


def test_lawrefbook_markdown_paragraphs():
    doc = read_file(FIXTURES / "lawrefbook" / "广东省湿地保护条例(2022-11-30).md")
    first = [(p.n, p.heading, p.text[:12]) for p in doc.paragraphs[:7]]
    assert first == [
        (1, True, "广东省湿地保护条例"),
        (2, False, "2006年6月1日 广东"),
        (3, False, "2014年9月25日 广"),
        (4, False, "2018年11月29日 "),
        (5, False, "2022年11月30日 "),
        (6, True, "第一章 总 则"),
        (7, False, "第一条 为了加强湿地保护"),
    ]


def test_markdown_blocks_join_lines(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("# 标题\n\n第一行\n第二行\n\n## 第一章\n\n<!-- 注释 -->\n\n正文。", encoding="utf-8")
    doc = read_file(path)
    assert [(p.n, p.text, p.heading, p.line) for p in doc.paragraphs] == [
        (1, "标题", True, 1),
        (2, "第一行\n第二行", False, 3),
        (3, "第一章", True, 6),
        (4, "正文。", False, 10),
    ]


def test_press_lead_for_fourth_quarter_is_next_year(tmp_path):
    path = tmp_path / "q4.txt"
    path.write_text("1月2 0日,人力资源社会保障部举行2024年四季度新闻发布会,介绍情况。\n正文。\n",
                    encoding="utf-8")
    doc = read_file(path)
    assert (doc.meta.date, doc.meta.issuer, doc.meta.doc_type) == (
        "2025-01-20", "人力资源社会保障部", "新闻发布会")


def test_symlink_loop_is_reported(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "doc.txt").write_text("正文。\n", encoding="utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    items = list(read_corpus([tmp_path]))
    assert [i.doc_id for i in items if not isinstance(i, ReadFailure)] == ["a/doc.txt"]
    assert [str(i) for i in items if isinstance(i, ReadFailure)] == [
        f"{tmp_path / 'a' / 'loop'}: symlink loop, not followed"
    ]


def test_fixture_dir_exists():
    assert sorted(p.name for p in (FIXTURES / "lawrefbook").iterdir()) == sorted(LAWS)
    assert Path(CORPUS).is_dir()
