"""Issue 13: a commit resolves again only the mentions its documents may change.

A bare name (依照本条例第五条) is looked up by the end of its words it stops at in
the index, not by its last two characters: adding a 条例 leaves 依照本条例 alone.
Whatever the commit, the file equals resolving everything again.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

from indexer.cite import update
from indexer.cite.extract import Mention
from indexer.cite.resolve import Doc, Resolver, affecting_keys
from indexer.cite.store import FORMAT, Entry, file_format

TITLES = {"甲市物业管理条例": "甲市人大", "乙市物业管理条例": "乙市人大", "劳动争议调解仲裁法": "全国人大常委会"}


def state(titles: dict[str, str]) -> Resolver:
    return Resolver(Doc(f"{t}.md", t, None, "2020-01-01", issuer) for t, issuer in titles.items())


def test_bare_keys_name_the_end_the_name_stops_at():
    resolver = state(TITLES)
    assert resolver.bare_keys("依照本条例") == {"b:本条例", "u:条例"}
    assert resolver.bare_keys("依照物业管理条例") == {"b:照物业管理条例", "u:物业管理条例"}
    assert resolver.bare_keys("依照劳动争议调解仲裁法") == {"b:照劳动争议调解仲裁法", "u:劳动争议调解仲裁法"}
    # a short form of one title: its end, and the title it names
    assert resolver.bare_keys("在调解仲裁法") == {"b:在调解仲裁法", "u:调解仲裁法", "u:劳动争议调解仲裁法"}
    assert resolver.bare_keys("中华人民共和国民法") == {"b:民法"}  # ends no title
    assert resolver.status("条例") == ("many",)
    assert resolver.status("调解仲裁法") == ("one", "劳动争议调解仲裁法")
    assert resolver.status("甲市物业管理条例") == ("title",)
    assert resolver.status("民法") == ("none",)
    assert resolver.status("调解仲裁法", {"劳动争议调解仲裁法": -1}) == ("none",)


def test_affecting_keys_of_a_title_added():
    added = Doc("丙.md", "丙市物业管理条例", None, "2021-01-01", "丙市人大")
    after = state({**TITLES, "丙市物业管理条例": "丙市人大"})
    ends = ["丙市物业管理条例", "市物业管理条例", "物业管理条例", "业管理条例", "管理条例", "理条例", "条例"]
    # only its own title finds something else than before: 物业管理条例 ends several titles still
    assert affecting_keys(after, [], [added]) == {
        "t:丙市物业管理条例", "u:丙市物业管理条例", *("b:" + e for e in ends)}
    added = Doc("商事.md", "商事调解仲裁法", None, "2021-01-01", "全国人大常委会")
    after = state({**TITLES, "商事调解仲裁法": "全国人大常委会"})
    ends = ["商事调解仲裁法", "事调解仲裁法", "调解仲裁法", "解仲裁法", "仲裁法", "裁法"]
    # 调解仲裁法 named one title, now two: every end of it changes
    assert affecting_keys(after, [], [added]) == {
        "t:商事调解仲裁法", *("b:" + e for e in ends), *("u:" + e for e in ends)}
    # removed, the same keys
    assert affecting_keys(state(TITLES), [added], []) == affecting_keys(after, [], [added])


def bare(paragraph: int, words: str, article: int = 1) -> list:
    text = f"{words}第{article}条"
    return Mention(paragraph, 0, len(text), "bare", text, words, None, (article, 0, 0)).to_list()


def titled(paragraph: int, title: str) -> list:
    text = f"《{title}》"
    return Mention(paragraph, 0, len(text), "title", text, title).to_list()


def entry(doc_id: str, title: str | None, mentions: list[list], date: str = "2022-01-01",
          issuer: str = "某部") -> Entry:
    meta = {"title": title, "doc_number": None, "date": date, "issuer": issuer}
    return Entry.make(doc_id, meta, json.dumps(mentions, ensure_ascii=False),
                      json.dumps({"1": [1], "2": [2]}))


def contents(path: Path) -> tuple[list, ...]:
    db = sqlite3.connect(path)
    try:
        return tuple(sorted(db.execute(sql).fetchall()) for sql in (
            "SELECT * FROM cites", "SELECT * FROM doc_keys", "SELECT doc_id, keys FROM docs",
            "SELECT * FROM lookup"))
    finally:
        db.close()


def test_adding_a_title_reads_back_only_the_documents_naming_it(tmp_path):
    entries = {e.doc.doc_id: e for e in [
        entry("a.md", "甲市物业管理条例", [bare(1, "依照本条例")]),
        entry("b.md", "乙市物业管理条例", [bare(1, "依照本条例"), bare(2, "依照物业管理条例")]),
        entry("c.md", "关于物业的通知", [bare(1, "根据丙市物业管理条例"), bare(2, "依照甲市物业管理条例")]),
        entry("d.md", "关于仲裁的通知", [bare(1, "在调解仲裁法"), titled(2, "丙市物业管理条例")]),
    ]}
    update.write(tmp_path / "0.sqlite", entries)
    assert file_format(tmp_path / "0.sqlite") == FORMAT
    added = entry("e.md", "丙市物业管理条例", [bare(1, "依照本条例", 2)], date="2021-06-01")
    assert update.update(tmp_path / "0.sqlite", tmp_path / "1.sqlite", {"e.md": added}, []) == ["c.md", "d.md"]
    update.write(tmp_path / "all.sqlite", {**entries, "e.md": added})
    assert contents(tmp_path / "1.sqlite") == contents(tmp_path / "all.sqlite")
    cites = [r for r in contents(tmp_path / "1.sqlite")[0] if r[8] == "e.md"]
    assert [(r[0], r[1], r[5]) for r in cites] == [
        ("c.md", 1, "丙市物业管理条例第1条"), ("d.md", 2, "《丙市物业管理条例》")]
    assert update.update(tmp_path / "1.sqlite", tmp_path / "2.sqlite", {}, ["e.md"]) == ["c.md", "d.md"]
    assert contents(tmp_path / "2.sqlite") == contents(tmp_path / "0.sqlite")


def test_incremental_commits_equal_resolving_everything(tmp_path):
    """Random commits over titles that end alike; after each, the file equals a rebuild."""
    rng = random.Random(13)
    titles = ["甲市物业管理条例", "乙市物业管理条例", "丙市物业管理条例", "物业管理条例", "劳动争议调解仲裁法",
              "仲裁法", "调解仲裁法", "商事调解仲裁法", "示例条例", "实施条例", "中华人民共和国仲裁法", None]
    ends = sorted({t[at:] for t in titles if t for at in range(len(t) - 1)})
    before = ["依照", "在", "本", "根据", "和", "", "关于"]

    def random_entry(doc_id: str) -> Entry:
        mentions = [bare(p, rng.choice(before) + rng.choice(ends), rng.randint(1, 3))
                    for p in range(1, rng.randint(2, 5))]
        if rng.random() < 0.3:
            mentions.append(titled(9, rng.choice([t for t in titles if t])))
        return entry(doc_id, rng.choice(titles), mentions, date=f"20{rng.randint(10, 24)}-01-01",
                     issuer=rng.choice(["甲部", "乙部", "全国人大常委会"]))

    entries = {f"{i}.md": random_entry(f"{i}.md") for i in range(20)}
    previous = tmp_path / "0.sqlite"
    update.write(previous, entries)
    resolved_again = []
    for step in range(1, 41):
        changed = {d: random_entry(d) for d in rng.sample(sorted(entries) + [f"new{step}.md"], 2)}
        removed = [] if step % 3 else [rng.choice(sorted(set(entries) - set(changed)))]
        path = tmp_path / f"{step}.sqlite"
        resolved_again.append(len(update.update(previous, path, changed, removed)))
        entries.update(changed)
        for d in removed:
            del entries[d]
        update.write(tmp_path / "all.sqlite", entries)
        assert contents(path) == contents(tmp_path / "all.sqlite"), step
        previous = path
    assert sum(resolved_again) < 20 * 40


def test_stored_resolver_answers_as_the_resolver_of_every_document(tmp_path):
    from indexer.cite.lookup import StoredResolver
    from indexer.cite.resolve import lookup_keys
    entries = {e.doc.doc_id: e for e in [
        entry("a.md", "甲市物业管理条例", []), entry("b.md", "乙市物业管理条例", []),
        entry("law-2010.md", "中华人民共和国劳动争议调解仲裁法", [], date="2010-01-01"),
        entry("law-2020.md", "劳动争议调解仲裁法", [], date="2020-01-01"),
        entry("n.md", "国务院关于印发《示例工作实施方案》的通知", []),
        entry("u.md", None, [])]}
    update.write(tmp_path / "f.sqlite", entries)
    full = Resolver(e.doc for e in entries.values())
    db = sqlite3.connect(tmp_path / "f.sqlite")
    stored = StoredResolver(db, {})
    by = Doc("citing.md", "某通知", None, "2015-06-01", "某部")
    words = ["依照本条例", "根据甲市物业管理条例", "依照物业管理条例", "在调解仲裁法", "依照劳动争议调解仲裁法",
             "中华人民共和国劳动争议调解仲裁法", "民法"]
    mentions = [Mention.from_list(bare(1, w)) for w in words] + [
        Mention.from_list(titled(2, t)) for t in ["示例工作实施方案", "劳动争议调解仲裁法", "丙市物业管理条例"]]
    assert [stored.resolve(m, by) for m in mentions] == [full.resolve(m, by) for m in mentions]
    assert [stored.resolve(m, by).doc_id for m in mentions if stored.resolve(m, by)] == [
        "a.md", "law-2010.md", "law-2010.md", "law-2010.md", "n.md", "law-2010.md", None]
    assert [stored.bare_keys(w) for w in words] == [full.bare_keys(w) for w in words]
    ends = ["条例", "物业管理条例", "调解仲裁法", "甲市物业管理条例", "民法"]
    assert [stored.status(e) for e in ends] == [full.status(e) for e in ends] == [
        ("many",), ("many",), ("one", "劳动争议调解仲裁法"), ("title",), ("none",)]
    assert stored.work["u.md"] == full.work["u.md"] == ("\0", "u.md")
    assert lookup_keys(entries["n.md"].doc) == ("国务院", "关于印发示例工作实施方案的通知", "", "示例工作实施方案", "", "")
    db.close()


def test_a_citations_file_of_the_format_before_is_written_anew(tmp_path):
    import shutil

    import indexer
    from indexer.cite.store import load

    from .conftest import FIXTURES, copy_seeds

    corpus, index_dir = copy_seeds(tmp_path / "corpus"), tmp_path / "ix"
    indexer.reindex([corpus], index_dir)
    [path] = (index_dir / "current").glob("citations-*.sqlite")
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE doc_keys; DROP TABLE lookup; UPDATE info SET value = '3' "
                     "WHERE name = 'format'; UPDATE docs SET keys = 'b:条例';")
    db.close()
    assert file_format(path) == 3
    with indexer.open_index(index_dir) as index:  # still read
        assert index.search("cites:国办发〔2024〕38号").total == 1
    shutil.copy(FIXTURES / "cite" / "gov/guobanfa-2024-38.txt", corpus / "g38.txt")
    indexer.reindex([corpus], index_dir)
    [path] = (index_dir / "current").glob("citations-*.sqlite")
    assert file_format(path) == FORMAT
    update.write(tmp_path / "all.sqlite", load(path))
    assert contents(path) == contents(tmp_path / "all.sqlite")
    with indexer.open_index(index_dir) as index:
        assert [c["doc_id"] for c in index.document("g38.txt").cited_by] == [
            "004_21dbe1da0bb1853e.txt", "004_21dbe1da0bb1853e.txt"]
