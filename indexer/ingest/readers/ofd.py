"""OFD (GB/T 33190): not supported.

No maintained OFD reader library with a licence we can ship was found: easyofd
needs PyMuPDF (AGPL), ofdparser has not been released since 2023. A hand-written
reader covering only part of the standard would read some files wrongly, so an
``.ofd`` file is reported, with this reason, and skipped.
"""

from __future__ import annotations

from pathlib import Path

from .common import ReaderError, ReadResult

REASON = ("OFD is not supported (no maintained OFD reader library with a compatible licence); "
          "convert it to PDF")


def read(data: bytes, path: Path) -> ReadResult:
    raise ReaderError(REASON)
