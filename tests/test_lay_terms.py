"""Lay terms: everyday words of a question also searched as the legal terms for them."""

from __future__ import annotations

import pytest

from indexer.search.layterms import SHIPPED, LayTerms, LayTermsError, load_lay_terms

from .conftest import open_index_of

FILLER = "依照本法规定处理有关事项"
DOCS = {
    # The same sentence with the lay word and the legal term, the same length.
    "a.txt": "夫妻一方的老公" + FILLER,
    "b.txt": "夫妻一方的配偶" + FILLER,
    "c.txt": "出租人应当按照约定将租赁物交付承租人。",
    "d.txt": "房东和房客协商一致。",
}


def test_shipped_file_parses_and_is_one_way():
    lay = load_lay_terms()
    assert len(lay) >= 80
    assert lay.expand("老公") == ["配偶", "夫妻"]
    assert lay.expand("老公") == lay.expand("老婆")
    assert lay.expand("房東") == ["出租人"]  # traditional script
    assert lay.expand("工资") == ["劳动报酬"]
    assert lay.expand("子女") == lay.expand("配偶") == lay.expand("就业") == []
    assert "not from any set of" in SHIPPED.read_text(encoding="utf-8")


def test_file_format_and_errors(tmp_path):
    extra = tmp_path / "lay.txt"
    extra.write_text("# mine\n[家庭]\n老公, 孩他爸 => 丈夫, 配偶  # note\n老公 => 夫妻\n",
                     encoding="utf-8")
    lay = LayTerms.load([extra])
    assert (lay.expand("老公"), lay.expand("孩他爸")) == (["丈夫", "配偶", "夫妻"], ["丈夫", "配偶"])
    assert load_lay_terms(str(extra)).expand("孩他爸") == ["丈夫", "配偶"]
    assert load_lay_terms(str(extra)).expand("房东") == ["出租人"]
    for bad in ("老公 = 配偶", "老公 => 配偶 => 夫妻", "老公, => 配偶", "老公 => ，"):
        extra.write_text("# x\n" + bad + "\n", encoding="utf-8")
        with pytest.raises(LayTermsError, match=r"lay\.txt:2"):
            LayTerms.load([extra])


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    with open_index_of(tmp_path_factory.mktemp("lay"), DOCS) as ix:
        yield ix


def ids(results):
    return [h.doc_id for h in results.hits]


def test_lay_word_finds_the_legal_term_below_the_word_typed(small):
    results = small.search("老公", limit=10, explain=True)
    assert ids(results) == ["a.txt", "b.txt"]
    assert results.expanded == {"老公": ["配偶", "夫妻"]}
    assert "已同时检索：配偶、夫妻" in results.messages
    assert results.to_dict()["expanded"] == {"老公": ["配偶", "夫妻"]}
    assert "<mark>配偶</mark>" in results.hits[1].snippet
    assert results.hits[1].score < results.hits[0].score
    landlord = small.search("房东怎么收回房子", limit=10)
    assert ids(landlord) == ["d.txt", "c.txt"]
    assert landlord.expanded == {"房东": ["出租人"], "房子": ["房屋", "住房"]}


def test_legal_term_is_not_expanded_back(small):
    results = small.search("配偶", limit=10)
    assert (ids(results), results.expanded) == (["b.txt"], {})


@pytest.mark.parametrize(("query", "docs"), [
    ('"老公"', ["a.txt"]),
    ("+老公", ["a.txt"]),
    ("word:老公", ["a.txt"]),
    ("老公|房客", ["d.txt", "a.txt"]),
    ("夫妻 -老公", ["b.txt"]),
])
def test_strict_syntax_is_never_expanded(small, query, docs):
    results = small.search(query, limit=10)
    assert (ids(results), results.expanded) == (docs, {})


def test_refine_query_is_not_expanded(small):
    results = small.search("夫妻", within="老公", limit=10)
    assert ids(results) == ["a.txt"]
