"""Hostile files and hostile queries: reported, never fatal, never a 500."""

from __future__ import annotations

import codecs
import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indexer
from indexer.ingest import MAX_PARAGRAPH_CHARS
from webui import create_app

from .conftest import CORPUS, SEED

BODY = "关于进一步做好稳就业工作的通知。各地要落实稳岗返还政策。\n"


def make_hostile_corpus(root, long_line_chars: int = 1_000_000):
    root.mkdir()
    (root / "good.txt").write_bytes((CORPUS / SEED["004"]).read_bytes())
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (root / "damaged.txt").write_bytes(
        "第一段：合法文本。\n".encode() * 200 + b"\xff\xfe\xfa" + "第二段：损坏之后的文本。\n".encode())
    (root / "gbk.txt").write_bytes(("第三段：国标编码的文件，没有任何标记。" + BODY).encode("gbk"))
    (root / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + ("第四段：UTF-16 文件。" + BODY).encode(
        "utf-16-le"))
    (root / "long.txt").write_text("超长行" + ("甲乙丙丁。" * (long_line_chars // 5)) + "末尾标记\n",
                                   encoding="utf-8")
    (root / "名 字 with space.txt").write_text("第五段：文件名有空格和中文。\n", encoding="utf-8")
    (root / "new\nline.txt").write_text("第六段：文件名有换行。\n", encoding="utf-8")
    os.mkfifo(root / "fifo.txt")
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    (root / "sub").mkdir()
    (root / "sub" / "doc.md").write_text("# 子目录文件\n\n第七段：子目录。\n", encoding="utf-8")
    (root / "sub" / "loop").symlink_to(root / "sub")
    locked = root / "locked.txt"
    locked.write_text("第八段：无权限。\n", encoding="utf-8")
    locked.chmod(0)
    return root


def test_hostile_files_are_reported_and_the_rest_indexed(tmp_path):
    corpus = make_hostile_corpus(tmp_path / "corpus")
    report = indexer.reindex([corpus], tmp_path / "ix")
    failures = sorted((os.path.relpath(f.path, corpus), f.reason) for f in report.failed)
    expected = [
        ("binary.txt", "binary data (NUL bytes), not a text file"),
        ("dangling.txt", "No such file or directory"),
        ("fifo.txt", "not a regular file"),
        ("sub/loop", "symlink loop, not followed"),
    ]
    if os.geteuid() != 0:  # root reads a chmod 0 file anyway
        expected.append(("locked.txt", "Permission denied"))
    assert failures == sorted(expected)
    readable = ["damaged.txt", "empty.txt", "gbk.txt", "good.txt", "locked.txt", "long.txt",
                "new\nline.txt", "sub/doc.md", "utf16.txt", "名 字 with space.txt"]
    if os.geteuid() != 0:
        readable.remove("locked.txt")
    with indexer.open_index(tmp_path / "ix") as ix:
        assert ix.document_ids() == sorted(readable)
        for text, doc_id in [("损坏之后的文本", "damaged.txt"), ("国标编码的文件", "gbk.txt"),
                             ("UTF-16 文件", "utf16.txt"), ("文件名有空格", "名 字 with space.txt"),
                             ("文件名有换行", "new\nline.txt"), ("子目录", "sub/doc.md"),
                             ("末尾标记", "long.txt"), ("共同关爱基础就业人员", "good.txt")]:
            # Paragraphs with every word of the text (others match only some words).
            hits = ix.search(text, limit=100).hits
            assert ({h.doc_id for h in hits if h.all_words}, hits[0].doc_id) == ({doc_id}, doc_id)
        long_doc = ix.document("long.txt")
        assert len(long_doc.paragraphs) == -(-1_000_008 // MAX_PARAGRAPH_CHARS)
        assert all(len(p["text"]) <= MAX_PARAGRAPH_CHARS for p in long_doc.paragraphs)
        assert ix.document("empty.txt").paragraphs == []


def test_hostile_files_in_inspect(tmp_path):
    corpus = make_hostile_corpus(tmp_path / "corpus", long_line_chars=10_000)
    items = list(indexer.read_corpus([corpus]))
    damaged = next(i for i in items if getattr(i, "doc_id", None) == "damaged.txt")
    assert damaged.warnings == [
        f"{corpus / 'damaged.txt'}: 3 invalid UTF-8 byte sequence(s), first at line 201 "
        "(byte 5600); replaced with U+FFFD"]
    gbk = next(i for i in items if getattr(i, "doc_id", None) == "gbk.txt")
    assert gbk.encoding == "gb18030"


# --- hostile queries -------------------------------------------------------------

OPERATORS = ['"', "“", "”", "「", "」", "『", "』", " OR ", "|", "-", " NOT ", "issuer:", "文号:",
             "type:", "title:", "date:", "date:2025-13-45", "date:..", "date:9999-99",
             "unknown:", "\x00", "\x1b[31m", "\u202e", "\ufeff", " ", "稳岗", "返还", "5号", "〔"]

query_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(OPERATORS), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(OPERATORS), st.text(string.printable, max_size=5)),
             max_size=20).map("".join),
)


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(q=query_text, sort=st.sampled_from(["relevance", "date"]),
       offset=st.integers(0, 30))
def test_fuzzed_queries_never_raise(index, q, sort, offset):
    results = index.search(q, limit=5, offset=offset, sort=sort)
    assert results.total >= 0
    assert len(results.hits) <= 5
    for hit in results.hits:
        assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")
    index.matching_paragraphs(q)


def test_huge_query_is_cut_with_message(index):
    results = index.search("稳岗返还" + "x" * 100_000)
    assert results.messages == ["查询过长，只使用前 500 个字符"]


@pytest.fixture(scope="module")
def client(seed_index):
    return create_app({"INDEX_DIR": str(seed_index), "TESTING": True}).test_client()


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(q=query_text, page=st.one_of(st.integers(-5, 2000).map(str), st.text(max_size=5)),
       size=st.one_of(st.integers(-5, 200).map(str), st.text(max_size=5)),
       date=st.text(max_size=12))
def test_fuzzed_http_parameters_never_500(client, q, page, size, date):
    for path in ("/api/search", "/"):
        response = client.get(path, query_string={"q": q, "page": page, "size": size,
                                                  "from": date})
        assert response.status_code in (200, 400), (response.status_code, q, page, size, date)
        if path.startswith("/api/") and response.status_code == 400:
            body = response.get_json()
            assert body["status"] == 400 and body["error"]


@pytest.mark.parametrize(("path", "status"), [
    ("/api/search?q=" + "x" * 600, 400),
    ("/api/search?q=x&size=51", 400),
    ("/api/search?q=x&page=100000", 400),
    ("/api/documents/" + "a" * 600, 404),
    ("/documents/..%2F..%2Fetc%2Fpasswd", 404),
    ("/api/documents/.%2E/x", 404),
    ("/static/../pyproject.toml", 404),
])
def test_oversized_and_traversal_parameters(client, path, status):
    assert client.get(path).status_code == status
