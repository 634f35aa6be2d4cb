from __future__ import annotations

import codecs

import pytest

from indexer.ingest.encoding import DecodeError, decode

TEXT = "国务院办公厅关于进一步加大稳就业政策支持力度的通知\n人社部发〔2025〕12号\n稳岗返还。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "gbk", "gb18030", "utf16le-nobom"],
)
def test_decodes_each_encoding(data, encoding):
    decoded = decode(data)
    assert decoded.encoding == encoding
    assert decoded.text == TEXT
    assert decoded.warnings == ()


def test_traditional_big5_range_text_in_gbk_is_read():
    text = "國務院就業促進和勞動保護工作領導小組\n"
    assert decode(text.encode("gb18030")).text == text


def test_invalid_bytes_inside_utf8_are_replaced_and_reported():
    data = ("第一行正常文本。\n" * 50).encode() + b"\xff\xfe bad\n" + "最后一行。\n".encode()
    decoded = decode(data)
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("\ufffd") == 2
    assert decoded.text.endswith("最后一行。\n")
    assert decoded.warnings == (
        "2 invalid UTF-8 byte sequence(s), first at line 51 (byte 1250); replaced with U+FFFD",
    )


def test_binary_is_refused():
    with pytest.raises(DecodeError, match="binary data"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_random_high_bytes_are_not_decoded_as_gbk():
    data = bytes((i * 37 + 129) % 256 for i in range(4000) if (i * 37 + 129) % 256 > 0x80)
    with pytest.raises(DecodeError):
        decode(data)


def test_empty_file():
    assert decode(b"").text == ""


def test_short_gbk_is_not_read_as_damaged_utf8():
    decoded = decode("关于稳岗返还的通知".encode("gbk"))
    assert (decoded.encoding, decoded.text, decoded.warnings) == ("gb18030", "关于稳岗返还的通知", ())
