"""Issue 16: citations in an index: the API, ``cites:`` queries, the CLI, the web view,
and a reindex that changes who cites whom."""

from __future__ import annotations

import csv
import io
import shutil
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

import indexer
from indexer.cli import main
from webui import create_app, links

from .conftest import FIXTURES, SEED, copy_seeds

CITE = FIXTURES / "cite"
S4 = SEED["004"]
G38 = "gov/guobanfa-2024-38.txt"
LAW10, LAW20 = "laws/示例法(2010-01-01).md", "laws/示例法(2020-06-30).md"


@pytest.fixture(scope="module")
def cite_dir(tmp_path_factory):
    """The seed corpus and the citation fixtures (two corpus roots)."""
    root = tmp_path_factory.mktemp("cite-index")
    index_dir = root / "ix"
    report = indexer.reindex([copy_seeds(root / "corpus"), CITE], index_dir)
    assert (report.documents, report.paragraphs) == (10, 145)
    return index_dir


@pytest.fixture(scope="module")
def ix(cite_dir):
    with indexer.open_index(cite_dir) as index:
        yield index


@pytest.fixture(scope="module")
def client(cite_dir):
    return create_app({"INDEX_DIR": str(cite_dir), "TESTING": True}).test_client()


UNRESOLVED_004 = [
    ("《关于进一步加强劳动者医疗保障权益维护工作的通知》", "title", 6),
    ("医保办函〔2024〕150号", "number", 6),
    ("《技能人才薪酬分配指引》", "title", 7),
    ("《国有企业内部薪酬分配指引》", "title", 7),
    ("《关于推进直播带岗在就业公共服务领域应用的通知》", "title", 20),
    ("人社厅发〔2023〕54号", "number", 20),
    ("《关于推动技能强企工作的指导意见》", "title", 26),
    ("人社部发〔2025〕3号", "number", 26),
    ("《关于实施“技能照亮前程”培训行动的通知》", "title", 26),
    ("人社部发〔2025〕10号", "number", 26),
    ("《国家级高技能人才培训基地和技能大师工作室建设项目实施方案》", "title", 27),
    ("人社部发〔2022〕62号", "number", 27),
]


def test_api_document_cites_and_cited_by(client):
    data = client.get(f"/api/documents/{S4}").get_json()
    assert data["cites"] == [
        {"text": "《关于健全基本医疗保险参保长效机制的指导意见》", "kind": "title", "paragraph": 6,
         "doc_id": G38, "target_paragraph": None},
        {"text": "国办发〔2024〕38号", "kind": "number", "paragraph": 6, "doc_id": G38,
         "target_paragraph": None},
    ] + [{"text": t, "kind": k, "paragraph": p, "doc_id": None, "target_paragraph": None}
         for t, k, p in UNRESOLVED_004]
    # its own number (paragraph 1) is no citation; nobody cites it
    assert data["cited_by"] == []
    assert client.get(f"/api/documents/{G38}").get_json()["cited_by"] == [
        {"doc_id": S4, "paragraph": 6, "text": "《关于健全基本医疗保险参保长效机制的指导意见》"},
        {"doc_id": S4, "paragraph": 6, "text": "国办发〔2024〕38号"},
        {"doc_id": "jia-2022.txt", "paragraph": 3, "text": "国办发[2024]38号"}]


def test_versions_articles_and_clauses(ix):
    assert ix.document("jia-2015.txt").cites == [
        {"text": "《中华人民共和国示例法》第三条第二款", "kind": "title", "paragraph": 2, "doc_id": LAW10,
         "target_paragraph": 9},
        {"text": "示例法第二条", "kind": "title", "paragraph": 3, "doc_id": LAW10, "target_paragraph": 5},
        {"text": "示例法第三条", "kind": "title", "paragraph": 3, "doc_id": LAW10, "target_paragraph": 6},
        {"text": "《红楼梦》", "kind": "title", "paragraph": 3, "doc_id": None, "target_paragraph": None}]
    assert ix.document("jia-2022.txt").cites == [
        {"text": "《示例法》第三条", "kind": "title", "paragraph": 2, "doc_id": LAW20, "target_paragraph": 7},
        {"text": "甲政发（2015）7号", "kind": "number", "paragraph": 2, "doc_id": "jia-2015.txt",
         "target_paragraph": None},
        {"text": "国办发[2024]38号", "kind": "number", "paragraph": 3, "doc_id": G38, "target_paragraph": None}]
    # the later version names the amending decision (not indexed), not itself
    assert ix.document(LAW20).cites == [
        {"text": "《关于修改〈中华人民共和国示例法〉的决定》", "kind": "title", "paragraph": 3, "doc_id": None,
         "target_paragraph": None}]
    assert ix.document(LAW20).cited_by == [{"doc_id": "jia-2022.txt", "paragraph": 2, "text": "《示例法》第三条"}]


@pytest.mark.parametrize("query, kwargs, expected", [
    ("cites:国办发〔2024〕38号", {}, [(S4, 6), ("jia-2022.txt", 3)]),
    ("cites:国办发[2024]38号", {}, [(S4, 6), ("jia-2022.txt", 3)]),
    ("引用:國辦發（2024）38號", {}, [(S4, 6), ("jia-2022.txt", 3)]),
    ("cites:《关于健全基本医疗保险参保长效机制的指导意见》", {}, [(S4, 6), ("jia-2022.txt", 3)]),
    ("cites:示例法", {}, [("jia-2022.txt", 2), ("jia-2015.txt", 2), ("jia-2015.txt", 3)]),
    ("cites:中华人民共和国示例法", {}, [("jia-2022.txt", 2), ("jia-2015.txt", 2), ("jia-2015.txt", 3)]),
    ("cites:示例法 做好", {}, [("jia-2015.txt", 3)]),  # a filter: the words must match too
    ("cites:示例法", {"date_to": "2020-12-31"}, [("jia-2015.txt", 2), ("jia-2015.txt", 3)]),
    ("cites:示例法 date:2022", {}, [("jia-2022.txt", 2)]),
    ("cites:示例法 -cites:红楼梦", {}, [("jia-2022.txt", 2), ("jia-2015.txt", 2)]),
    # no words to rank by: the newest document first, then paragraph order
    ("cites:示例法 OR cites:国办发〔2024〕38号", {}, [
        (S4, 6), ("jia-2022.txt", 2), ("jia-2022.txt", 3), ("jia-2015.txt", 2), ("jia-2015.txt", 3)]),
    ("cites:示例法", {"issuer": "人社部"}, []),
    ("cites:甲政发〔2015〕7号", {}, [("jia-2022.txt", 2)]),
    # unresolved mentions are found by what they say
    ("cites:医保办函〔2024〕150号", {}, [(S4, 6)]),
    ("cites:关于推动技能强企工作的指导意见", {}, [(S4, 26)]),
    ("cites:红楼梦", {}, [("jia-2015.txt", 3)]),
    ("cites:民法典", {}, []),
    ("cites:人社建字〔2025〕84号", {}, []),  # 004's own number
])
def test_cites_queries(ix, query, kwargs, expected):
    results = ix.search(query, limit=20, **kwargs)
    assert [(h.doc_id, h.paragraph) for h in results.hits] == expected
    assert results.total == len(expected)


def test_cites_snippet_marks_the_mention(ix):
    hit = ix.search("cites:国办发(2024)38号", limit=1).hits[0]
    assert "(<mark>国办发〔2024〕38号</mark>)" in hit.snippet


def test_show_prints_both_lists(cite_dir):
    result = CliRunner().invoke(main, ["show", G38, "--index-dir", str(cite_dir)])
    assert result.exit_code == 0
    assert "\ncites (0):\ncited by (3):\n" \
           f"  {S4} #6 《关于健全基本医疗保险参保长效机制的指导意见》\n" \
           f"  {S4} #6 国办发〔2024〕38号\n" \
           "  jia-2022.txt #3 国办发[2024]38号\n\n" in result.output
    result = CliRunner().invoke(main, ["show", "jia-2022.txt", "--index-dir", str(cite_dir)])
    assert "\ncites (3):\n" \
           f"  #2 《示例法》第三条 -> {LAW20} #7\n" \
           "  #2 甲政发（2015）7号 -> jia-2015.txt\n" \
           f"  #3 国办发[2024]38号 -> {G38}\n" \
           "cited by (0):\n\n" in result.output
    result = CliRunner().invoke(main, ["show", S4, "--index-dir", str(cite_dir)])
    assert "  #27 人社部发〔2022〕62号 -> unresolved\ncited by (0):\n" in result.output


def test_citations_csv(cite_dir, tmp_path):
    result = CliRunner().invoke(main, ["citations", "--index-dir", str(cite_dir)])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output)))
    title = "国务院办公厅关于健全基本医疗保险参保长效机制的指导意见"
    assert rows == [
        ["source", "target", "source_paragraph", "target_paragraph", "kind", "text", "source_title",
         "target_title"],
        [S4, G38, "6", "", "title", "《关于健全基本医疗保险参保长效机制的指导意见》", "", title],
        [S4, G38, "6", "", "number", "国办发〔2024〕38号", "", title],
        ["jia-2015.txt", LAW10, "2", "9", "title", "《中华人民共和国示例法》第三条第二款",
         "甲省人民政府关于贯彻实施示例法的通知", "中华人民共和国示例法"],
        ["jia-2015.txt", LAW10, "3", "5", "title", "示例法第二条", "甲省人民政府关于贯彻实施示例法的通知",
         "中华人民共和国示例法"],
        ["jia-2015.txt", LAW10, "3", "6", "title", "示例法第三条", "甲省人民政府关于贯彻实施示例法的通知",
         "中华人民共和国示例法"],
        ["jia-2022.txt", LAW20, "2", "7", "title", "《示例法》第三条", "甲省人民政府关于进一步做好示例工作的通知",
         "中华人民共和国示例法"],
        ["jia-2022.txt", "jia-2015.txt", "2", "", "number", "甲政发（2015）7号",
         "甲省人民政府关于进一步做好示例工作的通知", "甲省人民政府关于贯彻实施示例法的通知"],
        ["jia-2022.txt", G38, "3", "", "number", "国办发[2024]38号", "甲省人民政府关于进一步做好示例工作的通知",
         title]]
    out = tmp_path / "all.csv"
    result = CliRunner().invoke(main, ["citations", "--index-dir", str(cite_dir), "--unresolved",
                                       "-o", str(out)])
    assert (result.exit_code, result.output) == (0, f"{out}: 22 mentions (csv)\n")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 23
    assert not (tmp_path / "all.csv.part").exists()


def test_citations_graphml(cite_dir, tmp_path):
    out = tmp_path / "g.graphml"
    result = CliRunner().invoke(main, ["citations", "--index-dir", str(cite_dir), "--format", "graphml",
                                       "-o", str(out)])
    assert (result.exit_code, result.output) == (0, f"{out}: 5 edges (graphml)\n")
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    graph = ET.parse(out).getroot().find("g:graph", ns)
    assert graph.get("edgedefault") == "directed"
    assert len(graph.findall("g:node", ns)) == 10
    edges = [(e.get("source"), e.get("target"), [d.text for d in e.findall("g:data", ns)])
             for e in graph.findall("g:edge", ns)]
    assert edges == [(S4, G38, ["2", "6"]), ("jia-2015.txt", LAW10, ["3", "2 3"]),
                     ("jia-2022.txt", LAW20, ["1", "2"]), ("jia-2022.txt", "jia-2015.txt", ["1", "2"]),
                     ("jia-2022.txt", G38, ["1", "3"])]
    node = graph.find(f"g:node[@id='{G38}']", ns)
    assert {d.get("key"): d.text for d in node.findall("g:data", ns)} == {
        "title": "国务院办公厅关于健全基本医疗保险参保长效机制的指导意见", "doc_number": "国办发〔2024〕38号",
        "issuer": "国务院办公厅", "doc_type": "意见"}
    result = CliRunner().invoke(main, ["citations", "--index-dir", str(cite_dir), "--format", "graphml",
                                       "--unresolved"])
    assert result.exit_code == 2
    assert "--unresolved: only with --format csv" in result.output


def test_document_page_links_both_ways(client):
    page = client.get(f"/documents/{S4}").get_data(as_text=True)
    # in the paragraph: the mention links to the document it means
    assert ('<a class="cite" href="/documents/gov/guobanfa-2024-38.txt" title="引用：国务院办公厅关于健全'
            '基本医疗保险参保长效机制的指导意见">国办发〔2024〕38号</a>') in page
    # an unresolved one links to the search for who else cites it
    assert ('<a class="cite" href="/?q=cites%3A%E5%8C%BB%E4%BF%9D%E5%8A%9E%E5%87%BD%E3%80%94'
            '2024%E3%80%95150%E5%8F%B7" title="未收录：检索引用此文件的段落">医保办函〔2024〕150号</a>') in page
    assert '<summary>引用 14 · 被引用 0</summary>' in page
    assert page.count('<a class="target" href="/documents/gov/guobanfa-2024-38.txt">') == 2
    target = client.get(f"/documents/{G38}").get_data(as_text=True)
    assert '<summary>引用 0 · 被引用 3</summary>' in target
    # one link per citing paragraph, naming what it cites there
    assert (f'<a class="citing-para" href="/documents/{S4}#p6" title="《关于健全基本医疗保险参保长效机制的'
            f'指导意见》；国办发〔2024〕38号">第 6 段</a>\n' in target)


def test_document_page_links_to_the_article(client):
    page = client.get("/documents/jia-2015.txt").get_data(as_text=True)
    href = "/documents/laws/%E7%A4%BA%E4%BE%8B%E6%B3%95%282010-01-01%29.md#p9"
    assert f'<a class="cite" href="{href}" title="引用：中华人民共和国示例法 第 9 段">《中华人民共和国示例法》第三条第二款</a>' \
        in page


def test_search_snippets_link_mentions(client):
    page = client.get("/", query_string={"q": "国办发〔2024〕38号"}).get_data(as_text=True)
    assert ('(<a class="cite" href="/documents/gov/guobanfa-2024-38.txt" title="引用：国务院办公厅关于健全'
            '基本医疗保险参保长效机制的指导意见"><mark>国办发〔2024〕38号</mark></a>),') in page
    assert ('(<a class="cite" href="/?q=cites%3A%E5%8C%BB%E4%BF%9D%E5%8A%9E%E5%87%BD%E3%80%942024%E3%80%95'
            '150%E5%8F%B7" title="未收录：检索引用此文件的段落">医保办函〔2024〕150号</a>)') in page


def test_links_render_nests_marks_and_escapes():
    text = "甲<b>《乙丙》丁"
    spans = [(4, 8, "/documents/x?a=1&b=2", 'say "hi"')]
    assert links.render(text, [(2, 6)], spans) == (
        '甲&lt;<mark>b&gt;</mark><a class="cite" href="/documents/x?a=1&amp;b=2" title="say &quot;hi&quot;">'
        '<mark>《乙</mark>丙》</a>丁')
    snippet = "…<mark>乙</mark>丙…"
    assert links.snippet(snippet, "甲乙丙丁", [(1, 3, "/d", "t")]) == \
        '…<a class="cite" href="/d" title="t"><mark>乙</mark>丙</a>…'
    assert links.cites_query("title", "《关于实施“技能照亮前程”培训行动的通知》") == \
        "cites:「关于实施“技能照亮前程”培训行动的通知」"
    assert links.cites_query("number", "国办发[2024]38号") == "cites:国办发〔2024〕38号"


def test_reindex_updates_who_cites_whom(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    index = indexer.open_index(index_dir)
    assert [c["doc_id"] for c in index.document(S4).cites[:2]] == [None, None]
    assert index.search("cites:国办发〔2024〕38号").total == 1
    # The document it names is added: the mentions become resolved.
    shutil.copy(CITE / G38, corpus_copy / "g38.txt")
    indexer.reindex([corpus_copy], index_dir)
    assert index.refresh()
    assert [c["doc_id"] for c in index.document(S4).cites[:2]] == ["g38.txt", "g38.txt"]
    assert [c["doc_id"] for c in index.document("g38.txt").cited_by] == [S4, S4]
    # A citing document is added, then the cited one removed.
    shutil.copy(CITE / "jia-2022.txt", corpus_copy / "jia-2022.txt")
    indexer.reindex([corpus_copy], index_dir)
    index.refresh()
    assert [c["doc_id"] for c in index.document("g38.txt").cited_by] == [S4, S4, "jia-2022.txt"]
    (corpus_copy / "g38.txt").unlink()
    indexer.reindex([corpus_copy], index_dir)
    index.refresh()
    assert [c["doc_id"] for c in index.document(S4).cites[:2]] == [None, None]
    assert index.document("jia-2022.txt").cites[2]["doc_id"] is None
    assert index.search("cites:国办发〔2024〕38号").total == 2  # by what they say
    # one citations file, the current commit's
    files = sorted(p.name for p in (index_dir / "current").iterdir() if p.name.startswith("citations"))
    assert files == [f"citations-{index._snap._version}.sqlite"]
    index.close()


def test_missing_citations_file_is_rebuilt_by_the_next_reindex(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy, CITE / "gov"], index_dir)
    expected = indexer.open_index(index_dir).document(G38.split("/")[1]).cited_by
    for path in (index_dir / "current").glob("citations-*.sqlite"):
        path.unlink()
    with pytest.raises(indexer.SearchIndexError, match="citations"):
        indexer.open_index(index_dir)
    (corpus_copy / "new.txt").write_text("新文件。\n", encoding="utf-8")
    indexer.reindex(None, index_dir)
    assert indexer.open_index(index_dir).document(G38.split("/")[1]).cited_by == expected


def test_incremental_commits_equal_a_rebuild(tmp_path, corpus_copy):
    """Every commit resolves again only what its changes may change; the result is
    that of resolving everything."""
    index_dir, rebuilt = tmp_path / "ix", tmp_path / "rebuilt"

    def edges(path):
        with indexer.open_index(path) as index:
            return [(c.doc_id, c.paragraph, c.start, c.end, c.kind, c.text, c.target, c.target_paragraph)
                    for c in index.citations().edges(unresolved=True)]

    def check():
        indexer.reindex([corpus_copy], index_dir, allow_removals=True)
        shutil.rmtree(rebuilt, ignore_errors=True)
        indexer.reindex([corpus_copy], rebuilt)
        assert edges(index_dir) == edges(rebuilt)
        return edges(index_dir)

    check()
    shutil.copy(CITE / "jia-2022.txt", corpus_copy)  # cites 38号, not yet indexed
    assert [e[6] for e in check() if e[0] == "jia-2022.txt"] == [None, None, None]
    (corpus_copy / "laws").mkdir()
    shutil.copy(CITE / LAW20, corpus_copy / "laws")
    shutil.copy(CITE / G38, corpus_copy / "g38.txt")
    assert [e[6] for e in check() if e[0] == "jia-2022.txt"] == [LAW20, None, "g38.txt"]
    shutil.copy(CITE / "jia-2015.txt", corpus_copy)
    shutil.copy(CITE / LAW10, corpus_copy / "laws")
    assert [e[6] for e in check() if e[0] == "jia-2015.txt"] == [LAW10, LAW10, LAW10, None]
    # a changed citing document, a removed version, a retitled cited document
    (corpus_copy / "jia-2022.txt").write_text(
        (CITE / "jia-2022.txt").read_text(encoding="utf-8").replace("《示例法》第三条", "《示例法》第二条"),
        encoding="utf-8")
    (corpus_copy / LAW10).unlink()
    (corpus_copy / "g38.txt").write_text(
        (CITE / G38).read_text(encoding="utf-8").replace("发文字号: 国办发〔2024〕38号", "发文字号: 国办发〔2024〕39号"),
        encoding="utf-8")
    found = check()
    assert [e[6:] for e in found if e[0] == "jia-2022.txt"] == [(LAW20, 6), ("jia-2015.txt", None), (None, None)]
    assert [e[6:] for e in found if e[0] == "jia-2015.txt"][:3] == [(LAW20, 8), (LAW20, 6), (LAW20, 7)]
