from __future__ import annotations

import pytest

from indexer.search.query import Any_, ParsedQuery, Term, parse, parse_date_range


def P(must=(), must_not=(), date_from=None, date_to=None, messages=()):
    return ParsedQuery(list(must), list(must_not), date_from, date_to, list(messages))


@pytest.mark.parametrize(("query", "expected"), [
    ("稳岗返还", P([Term("稳岗返还")])),
    ("稳岗 返还", P([Term("稳岗"), Term("返还")])),
    ('"稳岗返还比例"', P([Term("稳岗返还比例", quoted=True)])),
    ("“稳岗返还”", P([Term("稳岗返还", quoted=True)])),
    ("「稳岗 返还」", P([Term("稳岗 返还", quoted=True)])),
    ("『国办发〔2023〕5号』", P([Term("国办发〔2023〕5号", quoted=True)])),
    ("稳岗 OR 扩岗", P([Any_((Term("稳岗"), Term("扩岗")))])),
    ("稳岗|扩岗 就业", P([Any_((Term("稳岗"), Term("扩岗"))), Term("就业")])),
    ("a OR b OR c", P([Any_((Term("a"), Term("b"), Term("c")))])),
    ("就业 -疫情", P([Term("就业")], [Term("疫情")])),
    ("就业 NOT 疫情", P([Term("就业")], [Term("疫情")])),
    ("issuer:人社部 就业", P([Term("人社部", field="issuer"), Term("就业")])),
    ("发文机关：国务院", P([Term("国务院", field="issuer")])),
    ("文号:〔2025〕2号", P([Term("〔2025〕2号", field="number")])),
    ("type:通知", P([Term("通知", field="type")])),
    ('title:"实施 方案"', P([Term("实施 方案", quoted=True, field="title")])),
    ("date:2025 就业", P([Term("就业")], date_from="2025-01-01", date_to="2025-12-31")),
    ("date:2025-01..2025-06", P(date_from="2025-01-01", date_to="2025-06-30")),
    ("date:..2024-02", P(date_to="2024-02-29")),
    ("date:2020.. 就业", P([Term("就业")], date_from="2020-01-01")),
    # a field after other words, and an excluded field
    ("就业 date:2025 -type:通知", P([Term("就业")], [Term("通知", field="type")], date_from="2025-01-01",
                                   date_to="2025-12-31")),
    ("就业 cites:民法典 引用:国办发〔2024〕38号", P([Term("就业"), Term("民法典", field="cites"),
                                              Term("国办发〔2024〕38号", field="cites")])),
    # Malformed input is read as literal text, never an exception.
    ('"未闭合', P([Term('"未闭合')])),
    ("OR", P([Term("OR")])),
    ("就业 OR", P([Term("就业"), Term("OR")])),
    ("| 就业", P([Term("|"), Term("就业")])),
    ("NOT", P([Term("NOT")])),
    ("-", P([Term("-")])),
    ("foo:bar", P([Term("foo:bar")])),
    ("issuer:", P([Term("issuer:")])),
    ("", P()),
    ("   ", P()),
    ("-疫情", P(must_not=[Term("疫情")])),
    ("date:2025-13-45 就业", P([Term("就业")], messages=["无法识别的日期 '2025-13-45'，已忽略"])),
    ("date:abc", P(messages=["无法识别的日期 'abc'，已忽略"])),
    ("就业\x00\x07失业", P([Term("就业"), Term("失业")])),
])
def test_parse_table(query, expected):
    assert parse(query) == expected


def test_long_query_is_cut_with_message():
    parsed = parse("就" * 1000)
    assert parsed.must == [Term("就" * 500)]
    assert parsed.messages == ["查询过长，只使用前 500 个字符"]


@pytest.mark.parametrize(("value", "expected"), [
    ("2025", ("2025-01-01", "2025-12-31")),
    ("2025-03", ("2025-03-01", "2025-03-31")),
    ("2025-03-06", ("2025-03-06", "2025-03-06")),
    ("2025年3月", ("2025-03-01", "2025-03-31")),
    ("2024-02..2024-03", ("2024-02-01", "2024-03-31")),
    ("..", None),
    ("2025-02-30", None),
    ("20x5", None),
])
def test_date_ranges(value, expected):
    assert parse_date_range(value) == expected
