"""Names as researchers write them: the thesaurus, query expansion, canonical
issuers and document numbers (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

import indexer
from indexer import docnumber
from indexer.search.thesaurus import SHIPPED, Thesaurus, ThesaurusError, load_thesaurus

from .conftest import SEED, open_index_of

S = dict(SEED)


def ids(results):
    return [(h.doc_id[:3], h.paragraph) for h in results.hits]


# --- the shipped thesaurus ---------------------------------------------------------

def test_shipped_thesaurus_coverage():
    th = load_thesaurus()
    sections = th.sections()
    assert sections["国务院组成部门"] == 26
    assert sections["国务院直属机构"] >= 14
    assert sum(sections.values()) >= 130
    for group in (["人力资源社会保障部", "人社部", "人力资源和社会保障部"],
                  ["国家发展改革委", "发改委", "国家发展和改革委员会"],
                  ["国务院办公厅", "国办"],
                  ["国家医保局", "医保局", "国家医疗保障局"],
                  ["市场监管总局", "国家市场监督管理总局"],
                  ["住房城乡建设部", "住建部", "住房和城乡建设部"],
                  ["社会保障卡", "社保卡"], ["三支一扶", "三支一扶计划"]):
        assert {th.canonical(n) for n in group} == {group[0]}
    assert th.predecessors("人社部") == [("劳动和社会保障部", 2008), ("人事部", 2008)]
    assert th.successors("国务院扶贫办") == [("国家乡村振兴局", 2021), ("农业农村部", 2023)]
    # Issuing codes are not names.
    for code in ("人社部发", "国办发", "财社"):
        assert code not in th


@pytest.mark.parametrize(("name", "plain", "former"), [
    ("人社部", ["人力资源社会保障部", "人力资源和社会保障部"],
     ["人力资源社会保障部", "人力资源和社会保障部", "劳动和社会保障部", "劳动保障部", "人事部"]),
    ("人力資源和社會保障部", ["人力资源社会保障部", "人社部"],
     ["人力资源社会保障部", "人社部", "劳动和社会保障部", "劳动保障部", "人事部"]),
    ("劳动保障部", ["劳动和社会保障部"],
     ["劳动和社会保障部", "人力资源社会保障部", "人力资源和社会保障部", "人社部"]),
    # A name that contains the form typed adds nothing (国家医保局 is found by 医保局).
    ("医保局", ["国家医疗保障局"], ["国家医疗保障局"]),
    ("国家医保局", ["国家医疗保障局", "医保局"], ["国家医疗保障局", "医保局"]),
    # A body merged into two: its successors, but not their other predecessors.
    ("国家食品药品监督管理总局", ["国家食药监总局"],
     ["国家食药监总局", "市场监管总局", "国家市场监督管理总局", "国家药监局", "国家药品监督管理局"]),
    ("稳岗补贴", [], ["稳岗返还"]),
    ("就业", [], []),
])
def test_expand(name, plain, former):
    th = load_thesaurus()
    assert th.expand(name) == plain
    assert th.expand(name, former=True) == former


@pytest.mark.parametrize(("issuer", "bodies"), [
    ("人社部", ["人力资源社会保障部"]),
    ("人力資源和社會保障部", ["人力资源社会保障部"]),
    ("人力资源社会保障部 财政部", ["人力资源社会保障部", "财政部"]),
    ("人社部、财政部、国家税务总局", ["人力资源社会保障部", "财政部", "税务总局"]),
    ("国务院就业促进和劳动保护工作领导小组", ["国务院就业促进和劳动保护工作领导小组"]),
    ("劳动和社会保障部", ["劳动和社会保障部"]),
])
def test_issuer_bodies(issuer, bodies):
    assert load_thesaurus().issuer_bodies(issuer) == bodies


@pytest.mark.parametrize(("text", "message"), [
    ("a, b =>\n", "1: expected 'old, old => canonical (year)', got 'a, b =>'"),
    ("人社部, 人力资源社会保障部\n# c\n人社部, 人社\n", "3: '人社部' is already in the group on line 1"),
    ("甲 => 乙 (2001)\n", "1: '乙' after '=>' is not a name in any group"),
    ("甲, , 乙\n", "1: empty name in '甲, , 乙'"),
    ("甲 = 乙\n", "1: '=' or '>' outside '=>' in '甲 = 乙'"),
])
def test_format_errors_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "mine.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThesaurusError) as info:
        Thesaurus.load([path])
    assert str(info.value) == f"{path}:{message}"


def test_user_file_adds_names_and_groups(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# mine\n人社部, 人保部\n稳就业, 稳定就业\n甲局 => 人社部 (1999)\n",
                    encoding="utf-8")
    th = load_thesaurus(str(path))
    assert th.canonical("人保部") == "人力资源社会保障部"  # the shipped canonical stays
    assert "人保部" in th.expand("人社部")
    assert th.expand("稳就业") == ["稳定就业"]
    assert ("甲局", 1999) in th.predecessors("人力资源社会保障部")
    assert load_thesaurus() is not th and "人保部" not in load_thesaurus().expand("人社部")


def test_shipped_file_is_documented():
    head = SHIPPED.read_text(encoding="utf-8").split("\n[", 1)[0]
    assert "=>" in head and "canonical" in head


# --- expansion on the seeds ------------------------------------------------------------

# query → total, top hits, what was also searched ({} when nothing)
EXPANSION_TABLE = [
    ("人社部", 7, [("004", 31), ("000", 1), ("003", 32), ("001", 1), ("004", 26)],
     {"人社部": ["人力资源社会保障部", "人力资源和社会保障部"]}),
    # Found only by 人力资源社会保障部 and 人社部 (before: 0); not in issuing codes
    # (人社部发〔2025〕3号) nor in 人力资源社会保障部门 (any department).
    ("人力资源和社会保障部", 4, [("004", 31), ("003", 32), ("001", 1), ("000", 1)],
     {"人力资源和社会保障部": ["人力资源社会保障部", "人社部"]}),
    ("人力資源和社會保障部", 4, [("004", 31), ("003", 32), ("001", 1), ("000", 1)],
     {"人力资源和社会保障部": ["人力资源社会保障部", "人社部"]}),
    ("人力资源社会保障部", 6, [("004", 31), ("000", 1), ("003", 32), ("000", 4), ("001", 1)],
     {"人力资源社会保障部": ["人力资源和社会保障部", "人社部"]}),
    ("国办", 2, [("004", 6), ("000", 6)], {"国办": ["国务院办公厅"]}),
    # 国办 in 国办发〔2024〕38号 is an issuing code, not the body.
    ("国务院办公厅", 1, [("000", 6)], {"国务院办公厅": ["国办"]}),
    ("國務院辦公廳", 1, [("000", 6)], {"国务院办公厅": ["国办"]}),
    ("社保卡", 5, [("001", 7), ("001", 8), ("000", 18), ("000", 9), ("002", 12)],
     {"社保卡": ["社会保障卡"]}),
    ("社会保障卡", 5, [("001", 7), ("001", 8), ("000", 9), ("000", 18), ("002", 12)],
     {"社会保障卡": ["社保卡"]}),
    ("社會保障卡", 5, [("001", 7), ("001", 8), ("000", 9), ("000", 18), ("002", 12)],
     {"社会保障卡": ["社保卡"]}),
    ("医保局", 5, [("004", 2), ("004", 9), ("004", 5), ("004", 6), ("004", 26)],
     {"医保局": ["国家医疗保障局"]}),
    ("基本医保", 2, [("004", 6), ("000", 9)], {"基本医保": ["基本医疗保险"]}),
    ("基本医疗保险", 2, [("004", 6), ("000", 9)], {"基本医疗保险": ["基本医保"]}),
    # Quoted text is never expanded.
    ('"人社部"', 3, [("004", 26), ("004", 27), ("000", 19)], {}),  # document context
    ('"人力资源和社会保障部"', 0, [], {}),
    ("「國務院辦公廳」", 0, [], {}),
    ("+人社部", 3, [("004", 26), ("000", 19), ("004", 27)], {}),
    ('"社保卡"', 5, [("001", 7), ("001", 8), ("000", 18), ("002", 12), ("000", 9)], {}),
]


@pytest.mark.parametrize(("query", "total", "top", "expanded"), EXPANSION_TABLE)
def test_expansion_table(index, query, total, top, expanded):
    results = index.search(query, limit=5)
    assert (results.total, ids(results), results.expanded) == (total, top, expanded)
    if expanded:
        names = [n for v in expanded.values() for n in v]
        assert "已同时检索：" + "、".join(names) in results.messages
        assert results.to_dict()["expanded"] == expanded
    else:
        assert "expanded" not in results.to_dict()


def test_or_alternatives_and_exclusions_are_expanded_too(index):
    either = index.search("社保卡|就业见习", limit=3)
    assert (either.total, either.expanded) == (7, {"社保卡": ["社会保障卡"]})
    assert set(index.matching_paragraphs("社会保障卡")) <= set(
        index.matching_paragraphs("社保卡|就业见习"))
    excluded = index.search("就业 -人社部", limit=100)
    assert excluded.messages == ["已同时排除：人力资源社会保障部、人力资源和社会保障部"]
    assert excluded.total == 63 < index.search('就业 -"人社部"').total == 64
    folded = [indexer.normalize.fold_chars(h.text) for h in excluded.hits]
    assert not any("人力资源社会保障部" in t.replace("人力资源社会保障部门", "") for t in folded)


def test_expansion_marks_equivalents_and_explains(index):
    results = index.search("人社部", limit=10, explain=True)
    assert results.messages == ["已同时检索：人力资源社会保障部、人力资源和社会保障部"]
    hit = next(h for h in results.hits if (h.doc_id[:3], h.paragraph) == ("000", 1))
    assert "<mark>人力资源社会保障部</mark>" in hit.snippet
    assert hit.explain["expanded"] == {"人社部": ["人力资源社会保障部", "人力资源和社会保障部"]}
    # The paragraphs of the abbreviation are all still found, and 部门 is not the body.
    every = set(index.matching_paragraphs("人社部"))
    assert set(index.matching_paragraphs('"人社部"')) <= every
    assert (S["000"], 4) not in every  # 各级人力资源社会保障部门


def test_name_inside_a_longer_term(index):
    plan = index._snap.plan("国办印发")[1]
    assert [(w.text, bool(w.alternatives)) for w in plan.words] == [("国办", True), ("印发", False)]
    # Only on word boundaries: 国办 is not a name in 全国办理.
    plan = index._snap.plan("全国办理")[1]
    assert not any(w.alternatives for w in plan.words)


# --- ranking of the form typed; predecessors; issuers: a small corpus ---------------

FILLER = "将进一步加强就业服务工作推动各项政策落地见效"
DOCS = {
    # The same sentence with the body named three ways, padded to the same length.
    "r1.txt": "人社部" + FILLER + "切实抓好工作",
    "r2.txt": "人力资源社会保障部" + FILLER,
    "a.txt": "发文机关: 人社部\n发文字号: 人社部发[2019]5号\n成文日期: 2019年3月1日\n\n"
             "关于做好高校毕业生就业工作的通知\n各地要做好高校毕业生就业工作。\n",
    "b.txt": "发文机关: 人力资源和社会保障部\n发文字号: 人社部函（2020）7号\n成文日期: 2020年3月1日\n\n"
             "关于做好失业保险工作的通知\n各地要做好失业保险工作，支持高校毕业生就业。\n",
    "c.txt": "发文机关: 人力资源社会保障部 财政部\n发文字号: 人社部发【2021】9号\n"
             "成文日期: 2021年3月1日\n\n关于稳岗返还的通知\n各地要落实稳岗返还政策，支持高校毕业生就业。\n",
    "d.txt": "发文机关: 劳动和社会保障部\n发文字号: 劳社部发2006年8号\n成文日期: 2006年3月1日\n\n"
             "关于做好再就业工作的通知\n劳动和社会保障部要求各地做好高校毕业生就业工作。\n",
    "e.txt": "发文机关: 財政部\n发文字号: 財社﹝2022﹞第3号\n成文日期: 2022年3月1日\n\n"
             "關於就業補助資金的通知\n各地財政部門要保障高校畢業生就業補助資金。\n",
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    with open_index_of(tmp_path_factory.mktemp("names"), DOCS) as ix:
        yield ix


def test_exact_form_ranks_a_little_above_equivalents(small):
    assert len(DOCS["r1.txt"]) == len(DOCS["r2.txt"])
    short = small.search("人社部", limit=2, explain=True)
    full = small.search("人力资源社会保障部", limit=2)
    assert [h.doc_id for h in short.hits] == ["r1.txt", "r2.txt"]
    assert [h.doc_id for h in full.hits] == ["r2.txt", "r1.txt"]
    assert short.hits[1].score < short.hits[0].score <= short.hits[1].score * 1.3
    # The equivalent is counted as a whole word, at a lower weight.
    word = short.hits[1].explain["parts"][0]
    assert (word["kind"], word["whole_word"]) == ("word", 1)


@pytest.mark.parametrize(("issuer", "docs"), [
    ("人社部", ["a.txt", "b.txt", "c.txt"]),
    ("人力资源和社会保障部", ["a.txt", "b.txt", "c.txt"]),
    ("人力資源社會保障部", ["a.txt", "b.txt", "c.txt"]),
    ("财政部", ["c.txt", "e.txt"]),
    ("劳动和社会保障部", ["d.txt"]),
])
def test_issuer_filter_uses_the_canonical_body(small, issuer, docs):
    results = small.search("高校毕业生", issuer=issuer, limit=20)
    assert sorted({h.doc_id for h in results.hits}) == docs
    query = small.search(f"issuer:{issuer} 高校毕业生", limit=20)
    assert sorted({h.doc_id for h in query.hits}) == docs


def test_issuer_facet_merges_written_forms_and_counts_joint_issuers(small):
    results = small.search("高校毕业生", limit=20)
    # Paragraphs: a.txt 2, b.txt 1, c.txt 1 (also 财政部), d.txt 1, e.txt 1.
    assert results.facets["issuer"] == {"人力资源社会保障部": 4, "财政部": 2, "劳动和社会保障部": 1}
    # The display keeps the form the document wrote.
    shown = {h.doc_id: h.issuer for h in results.hits}
    assert shown == {"a.txt": "人社部", "b.txt": "人力资源和社会保障部",
                     "c.txt": "人力资源社会保障部 财政部", "d.txt": "劳动和社会保障部",
                     "e.txt": "财政部"}


def test_predecessors_only_when_asked(small):
    plain = small.search("人社部", limit=20)
    assert "d.txt" not in {h.doc_id for h in plain.hits}
    former = small.search("人社部", limit=20, former=True)
    assert "d.txt" in {h.doc_id for h in former.hits}
    assert "劳动和社会保障部" in former.expanded["人社部"]
    old = small.search("劳动和社会保障部", limit=20)
    assert {h.doc_id for h in old.hits} == {"d.txt"}
    both = small.search("劳动和社会保障部", limit=20, former=True)
    assert {"d.txt", "r1.txt", "r2.txt"} <= {h.doc_id for h in both.hits}
    by_issuer = small.search("高校毕业生", issuer="人社部", former=True, limit=20)
    assert sorted({h.doc_id for h in by_issuer.hits}) == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert small.search("issuer:人社部 高校毕业生", former=True, limit=20).total == 5


# --- document numbers -----------------------------------------------------------------

NUMBER_VARIANTS = ["国办发〔2024〕38号", "国办发[2024]38号", "国办发［2024］38号", "国办发(2024)38号",
                   "国办发（2024）38号", "国办发【2024】38号", "国办发﹝2024﹞38号", "国办发〖2024〗38号",
                   "国办发〔2024〕第38号", "国办发2024年38号", "国办发2024年第38号", "國辦發〔2024〕38號",
                   "国办发〔2024〕038号"]


@pytest.mark.parametrize("written", NUMBER_VARIANTS)
def test_number_variants_are_one(index, written):
    assert docnumber.canonical(written).replace("國辦發", "国办发") == "国办发〔2024〕38号"
    assert "国办发〔2024〕38号" in [docnumber.canonical(v) for v in docnumber.variants(written)]
    results = index.search(written, limit=3)
    assert (results.total, ids(results)) == (1, [("004", 6)])
    assert "<mark>国办发〔2024〕38号</mark>" in results.hits[0].snippet
    assert results.expanded == {}


@pytest.mark.parametrize("written", ["人社建字〔2025〕84号", "人社建字[2025]84号", "人社建字（2025）84号",
                                     "人社建字【2025】84号", "人社建字﹝2025﹞第84号", "人社建字2025年84号",
                                     "人社建字2025年第84号", "[2025]84号", "（2025）84号"])
def test_number_filter_accepts_every_variant(index, written):
    assert index.search(f"number:{written}", limit=1).total == 32
    top = index.search(written, limit=1)
    if not written.startswith(("[", "（")):
        assert ids(top) == [("004", 1)]


@pytest.mark.parametrize(("text", "canonical"), [
    ("国家税务总局公告2024年第5号", "国家税务总局公告2024年第5号"),
    ("国家税务总局公告〔2024〕5号", "国家税务总局公告2024年第5号"),
    ("〔2025〕2号", "〔2025〕2号"),
    ("国务院令第706号", "国务院令第706号"),
    ("38号", "38号"),
    ("国办发 〔2024〕 38 号", "国办发〔2024〕38号"),
    ("不是文号", "不是文号"),
])
def test_canonical_number_forms(text, canonical):
    assert docnumber.canonical(text) == canonical


def test_document_numbers_are_stored_canonical(small):
    expected = {"a.txt": ("人社部发〔2019〕5号", "人社部发[2019]5号"),
                "b.txt": ("人社部函〔2020〕7号", "人社部函（2020）7号"),
                "c.txt": ("人社部发〔2021〕9号", "人社部发【2021】9号"),
                "d.txt": ("劳社部发〔2006〕8号", "劳社部发2006年8号"),
                "e.txt": ("财社〔2022〕3号", "財社﹝2022﹞第3号")}
    for doc_id, (canonical, written) in expected.items():
        doc = small.document(doc_id)
        assert (doc.doc_number, doc.original["doc_number"]) == (canonical, written)
    for written in ("财社[2022]3号", "财社2022年第3号", "財社〔2022〕3號"):
        assert {h.doc_id for h in small.search(f"number:{written}", limit=20).hits} == {"e.txt"}


def test_sidecar_number_is_made_canonical(tmp_path: Path):
    (tmp_path / "x.txt").write_text("正文。\n", encoding="utf-8")
    (tmp_path / "x.meta.json").write_text('{"doc_number": "国办发[2024]38号"}', encoding="utf-8")
    doc = indexer.read_file(tmp_path / "x.txt")
    assert (doc.doc_number, doc.meta.original["doc_number"]) == ("国办发〔2024〕38号",
                                                                 "国办发[2024]38号")


# --- the web UI and the API -----------------------------------------------------------

@pytest.fixture(scope="module")
def web(seed_index):
    from webui import create_app
    return create_app({"INDEX_DIR": str(seed_index), "TESTING": True}).test_client()


def test_page_and_api_say_what_was_expanded(web):
    data = web.get("/api/search", query_string={"q": "人社部", "former": "1"}).get_json()
    assert data["expanded"]["人社部"][:3] == ["人力资源社会保障部", "人力资源和社会保障部",
                                            "劳动和社会保障部"]
    page = web.get("/", query_string={"q": "人社部"}).get_data(as_text=True)
    assert "已同时检索：人力资源社会保障部、人力资源和社会保障部" in page
    assert 'name="former"' in page
    checked = web.get("/", query_string={"q": "人社部", "former": "1"}).get_data(as_text=True)
    assert "劳动和社会保障部" in checked
    bad = web.get("/api/search", query_string={"q": "x", "former": "yes"})
    assert (bad.status_code, bad.get_json()["error"]) == (400, "former: expected 1 or 0, got 'yes'")
