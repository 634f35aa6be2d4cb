"""The Flask web UI of policy-search (search page, document view, JSON API)."""
