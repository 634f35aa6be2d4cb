"""Citations: how documents refer to each other.

* :mod:`.extract` finds mentions in paragraphs at index time (in the worker
  processes): 文号 in every written form, 《titles》, article references;
* :mod:`.keys` says when two titles or numbers are the same (folded,
  without punctuation or 中华人民共和国);
* :mod:`.resolve` decides which indexed document (and paragraph) a mention
  means: by number, by normalized title, the version in force at the citing
  document's date;
* :mod:`.store` keeps the mentions, resolved, in one SQLite file per commit of
  the index, and reads it; :mod:`.update` writes it before the commit that it
  describes (everything, or what the commit's changes may change);
* :mod:`.search` is the ``cites:`` query field;
* :mod:`.graph` is what ``Index.citations()`` returns, and exports the citation
  graph (CSV, GraphML).
"""
