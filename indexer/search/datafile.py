"""Reading the project's line-based data files (thesaurus, lay terms).

UTF-8 (a BOM is allowed), ``#`` starts a comment, blank lines are skipped; an
error names the file, and each line comes with ``path:line`` for the caller's
messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def lines(path: Path, error: type[Exception]) -> Iterator[tuple[int, str, str, str]]:
    """``(number, where, line, raw)`` for each line of ``path`` that is not blank once its
    comment is removed (``line``: stripped, ``raw``: as written). A file that cannot be
    read or is not UTF-8 raises ``error``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 (byte {exc.start})") from None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield lineno, f"{path}:{lineno}", line, raw
