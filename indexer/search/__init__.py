"""Searching: the query language, planning, matching, ranking and snippets.

* :mod:`.query` parses the query language (leniently: it never raises);
* :mod:`.plan` turns a parsed query into words and required clauses;
* :mod:`.match` finds a needle's occurrences in the character index;
* :mod:`.rank` scores and orders the candidates;
* :mod:`.snippets` marks matches in the original text;
* :mod:`.order` adds document context and authority and sorts;
* :mod:`.snapshot` is one opened state of the index, :mod:`.api` the typed
  :class:`Index` API over all of it.
"""

from __future__ import annotations

from .api import (
    MAX_LIMIT,
    MAX_OFFSET,
    DocumentNotFound,
    DocumentView,
    Hit,
    Index,
    QueryError,
    Results,
    open_index,
)

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "DocumentNotFound", "DocumentView", "Hit", "Index",
           "QueryError", "Results", "open_index"]
