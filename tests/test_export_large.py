"""A 100,000-hit export runs in bounded memory (rows are read and written in batches)."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest

import indexer
from indexer import export

pytestmark = pytest.mark.slow

HITS = 100_000
#: Python and NumPy allocations during the export (tracemalloc sees both). Holding
#: every row at once would take well over 100 MB for these 100,000 paragraphs.
LIMIT = 32 * 1024 * 1024


class _Counter(io.RawIOBase):
    """A binary sink that keeps only the last CSV record it saw and counts lines."""

    def __init__(self):
        self.lines = 0
        self.size = 0
        self.head = b""

    def writable(self):
        return True

    def write(self, data):
        if not self.head:
            self.head = bytes(data[:300])
        self.lines += bytes(data).count(b"\r\n")
        self.size += len(data)
        return len(data)


def test_hundred_thousand_hit_export_in_bounded_memory(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    line = "加大稳岗返还力度，支持企业稳定就业岗位，落实失业保险各项政策措施，第{}项。\n"
    (corpus / "big.txt").write_text("".join(line.format(i) for i in range(HITS)),
                                    encoding="utf-8")
    indexer.reindex([corpus], tmp_path / "ix", workers=1)
    with indexer.open_index(tmp_path / "ix") as index:
        expected = len(index.matching_paragraphs("稳岗返还", scope="any"))
        assert expected == HITS
        sink = _Counter()
        tracemalloc.start()
        try:
            rows = index.export_rows("稳岗返还")
            export.write(rows, "csv", sink)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(rows) == HITS
    assert sink.lines == HITS + 1  # the header and one record per hit
    header = next(csv.reader(io.StringIO(sink.head.split(b"\r\n")[0].decode("utf-8-sig"))))
    assert header == list(export.COLUMNS)
    print(f"export of {HITS} hits: peak {peak / 2**20:.1f} MB traced, {sink.size / 2**20:.1f} MB written")
    assert peak < LIMIT
