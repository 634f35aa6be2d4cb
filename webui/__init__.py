"""The Flask web UI of policy-search: search page, document view, JSON API.

``create_app(config=None)``: defaults, then ``POLICY_SEARCH_*`` environment
variables (``from_prefixed_env``), then ``config``. The index location is the
``INDEX_DIR`` key. The index is opened read-only, shared by all requests, and
reopened when a reindex commits.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask

import indexer
from indexer import settings

log = logging.getLogger("policy_search.web")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


class IndexHolder:
    """One shared, lazily opened index; refreshed at most every ``interval`` seconds."""

    def __init__(self, path: Path, interval: float = 1.0):
        self.path = Path(path)
        self.interval = interval
        self._index: indexer.Index | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> indexer.Index:
        now = time.monotonic()
        index = self._index
        if index is not None and now - self._checked < self.interval:
            return index
        with self._lock:
            if self._index is None:
                self._index = indexer.open_index(self.path)
            elif now - self._checked >= self.interval:
                try:
                    if self._index.refresh():
                        log.info("index reopened after a reindex")
                except (OSError, indexer.SearchIndexError) as exc:
                    log.warning("index refresh failed, keeping the open one: %s", exc)
            self._checked = now
            return self._index

    def close(self) -> None:
        """Close the open index (the next :meth:`get` opens it again)."""
        with self._lock:
            index, self._index = self._index, None
        if index is not None:
            index.close()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=str(settings.resolve("index_dir")),
        MAX_PAGE_SIZE=50,
        PAGE_SIZE=10,
        MAX_QUERY_LENGTH=500,
        REFRESH_INTERVAL=1.0,
    )
    app.config.from_prefixed_env("POLICY_SEARCH")
    if "INDEX" in app.config and not (config and "INDEX_DIR" in config):
        app.config["INDEX_DIR"] = app.config["INDEX"]
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["policy_search_index"] = IndexHolder(
        Path(app.config["INDEX_DIR"]), float(app.config["REFRESH_INTERVAL"]))

    from . import views

    app.register_blueprint(views.bp)

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return app
