"""The index writer's shortcuts give what Whoosh would write."""

from __future__ import annotations

import pytest
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.fields import TEXT
from whoosh.filedb.structfile import StructFile

from indexer.store import build_schema
from indexer.whoosh_api import ID, STORED, STORED_UNCOMPRESSED
from indexer.writer import plain_id


def test_plain_id_fields_of_the_schema():
    schema = build_schema()
    assert sorted(name for name, field in schema.items() if plain_id(field)) == ["doc_id", "kind"]
    assert plain_id(ID(stored=True)) is True
    assert plain_id(TEXT()) is False
    assert plain_id(STORED()) is False


@pytest.mark.parametrize("value", ["p", "d", "法律/民法典.md", "", " 两端 空格 "])
def test_an_id_value_is_one_term_as_whoosh_indexes_it(value):
    for name in ("kind", "doc_id"):
        field = build_schema()[name]
        assert list(field.index(value)) == [(value.encode("utf-8"), 1, 1.0, b"")]


def test_stored_fields_at_level_zero_read_back_with_whoosh_reader(tmp_path):
    path = tmp_path / "col"
    record = {"kind": "p", "text": "稳岗返还" * 20, "n": 3}
    with open(path, "wb") as fh:
        out = StructFile(fh)
        writer = STORED_UNCOMPRESSED.writer(out)
        writer.add(0, record)
        writer.add(1, {"kind": "d"})
        writer.finish(2)
        length = out.tell()
    with open(path, "rb") as fh:
        reader = STORED_COLUMN.reader(StructFile(fh), 0, length, 2)
        assert [reader[0], reader[1]] == [record, {"kind": "d"}]


def test_the_memory_pool_gives_whoosh_pools_order(tmp_path):
    """Postings come out of the in-memory pool in the order of Whoosh's own pool,
    whatever order they went in: plain ones (the field's weight, no value) and
    others mixed, over several fields and terms."""
    import random

    from whoosh.filedb.filestore import FileStorage

    from indexer.whoosh_api import MemoryPool, PostingPool

    rng = random.Random(7)
    items = []
    for docnum in range(300):
        items.append(("kind", rng.choice([b"p", b"d"]), docnum, 1.0, b""))
        items.append(("doc_id", f"doc{docnum // 7}".encode(), docnum, 1.0, b""))
        if docnum % 11 == 0:
            items.append(("doc_id", b"doc3", docnum, 2.5, b""))  # another weight
        if docnum % 13 == 0:
            items.append(("text", b"x", docnum, 1.0, b"\x01\x02"))  # a value
    rng.shuffle(items)
    storage = FileStorage(str(tmp_path)).create()
    theirs = PostingPool(storage, None, limitmb=1)
    ours = MemoryPool()
    for item in items:
        theirs.add(item)
        ours.add(item)
    assert list(ours.iter_postings()) == list(theirs.iter_postings())
    assert ours.fieldnames == theirs.fieldnames == {"kind", "doc_id", "text"}
    theirs.cleanup()
