"""The ``cites:`` query field: paragraphs that cite a document.

``cites:国办发〔2024〕38号`` (any written form of the number) and ``cites:民法典``
(a title, with or without 中华人民共和国 or 《》) select the paragraphs whose
mentions were resolved to any version of the document named, and those whose
unresolved mentions name it the same way. Like ``title:`` it is a filter: it
combines with words, other fields, ``OR``, ``-`` and the search's filters.
"""

from __future__ import annotations

import numpy as np

from .. import docnumber
from ..normalize import fold_chars
from .keys import number_key

#: Paragraph numbers fit below this many bits of a row key.
_N_BITS = 24


def citing_rows(snap, view, text: str) -> np.ndarray:
    """Rows of ``view`` (a part of the snapshot's character index) citing ``text``."""
    pairs = snap.citations.citing(text)
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    part = view.part
    codes = {d: i for i, d in enumerate(part.tables["docs"])}
    wanted = np.array([(codes[d] << _N_BITS) | n for d, n in pairs if d in codes], dtype=np.int64)
    if not len(wanted):
        return np.zeros(0, dtype=np.int64)
    keys = (part.doc.astype(np.int64) << _N_BITS) | part.n.astype(np.int64)
    return np.flatnonzero(np.isin(keys, wanted) & np.asarray(part.is_para, dtype=np.bool_))


def needles(text: str) -> list[tuple[str, bool, tuple[str, ...]]]:
    """What a ``cites:`` value marks in snippets: the number in every written form,
    or the title as typed (without 《》 and 中华人民共和国)."""
    if number_key(text) is not None:
        forms = docnumber.variants(text) or [fold_chars(text)]
        return [(form, True, ()) for form in forms]
    title = text.strip().strip("《》").replace("中华人民共和国", "")
    return [(title, False, ())] if title else []
