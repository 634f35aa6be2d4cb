"""Encoding detection for government text files.

Order of evidence: a byte-order mark; strict UTF-8; GB18030 (a superset of
GBK and GB2312), accepted only when the decoded text looks like Chinese prose;
UTF-8 with a few invalid bytes (decoded with U+FFFD and reported); UTF-16
without a BOM when it reads as text. Anything else is refused with
a reason rather than decoded wrongly in silence.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from ..normalize import _fold_table


class DecodeError(ValueError):
    """The bytes could not be decoded with confidence."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = field(default=())


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Share of invalid UTF-8 sequences (per character) still read as damaged UTF-8.
_MAX_BAD_UTF8 = 0.01
# Share of characters that must look like ordinary Chinese text for GB18030.
_MIN_PLAUSIBLE = 0.97


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _plausible_chinese(text: str) -> float:
    """Share of characters that are ordinary in Chinese government text."""
    if not text:
        return 1.0
    traditional = _fold_table()
    good = 0
    for ch in text:
        code = ord(ch)
        if ch in "\t\n\r\x0c" or 0x20 <= code < 0x7F:
            good += 1
        elif 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or 0x2000 <= code <= 0x206F:
            good += 1
        elif 0x4E00 <= code <= 0x9FFF:
            # Common characters are in GB2312 (or are the traditional forms of
            # simplified ones); mojibake spreads over all of GBK.
            if code in traditional or _in_gb2312(ch):
                good += 1
        elif code in (0xB7, 0xD7, 0xA7, 0xB0) or 0x2460 <= code <= 0x24FF or 0x25A0 <= code <= 0x25FF:
            good += 1
    return good / len(text)


def _as_utf16(data: bytes) -> Decoded | None:
    """UTF-16 without a byte-order mark, accepted only if it reads as text."""
    if len(data) % 2:
        return None
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _plausible_chinese(text) >= _MIN_PLAUSIBLE:
            return Decoded(text, name)
    return None


def decode(data: bytes) -> Decoded:
    """Decode file bytes, or raise :class:`DecodeError` naming the reason."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"{name} byte-order mark but invalid data at byte {exc.start}"
                ) from None
            label = "utf-8-sig" if name == "utf-8-sig" else (
                "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
            )
            return Decoded(text, label)

    if not data:
        return Decoded("", "utf-8")

    if b"\x00" in data[:65536]:
        utf16 = _as_utf16(data)
        if utf16:
            return utf16
        raise DecodeError("binary data (NUL bytes), not a text file")

    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start

    # GB18030 (GBK) when it decodes cleanly into ordinary Chinese text.
    gb_reason = None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        gb_reason = f"not GB18030 (invalid byte at {exc.start})"
    else:
        score = _plausible_chinese(text)
        if score >= _MIN_PLAUSIBLE:
            return Decoded(text, "gb18030")
        gb_reason = f"decodes as GB18030 but only {score:.0%} of it looks like text"

    # Mostly valid UTF-8: keep everything, mark the damage, say where.
    damaged = data.decode("utf-8", errors="replace")
    bad = damaged.count("\ufffd")
    if bad <= max(16, _MAX_BAD_UTF8 * len(damaged)):
        line = _line_of(data, first_bad)
        return Decoded(
            damaged,
            "utf-8",
            (f"{bad} invalid UTF-8 byte sequence(s), first at line {line} "
             f"(byte {first_bad}); replaced with U+FFFD",),
        )

    utf16 = _as_utf16(data)
    if utf16:
        return utf16
    raise DecodeError(f"not UTF-8 (invalid byte at {first_bad}) and {gb_reason}")
