"""One table of settings, used by the CLI, the web app and the README.

Each setting has a name, a default, a help text and an environment variable.
``resolve(name, given)`` picks, in order: an explicit value, the environment
variable, the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def project_root() -> Path:
    """The checkout this package runs from, else the current folder."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").is_file():
        return here
    return Path.cwd()


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: object
    help: str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("corpus", "POLICY_SEARCH_CORPUS", project_root() / "corpus",
                "Folder of documents indexed when no PATH is given."),
        Setting("index_dir", "POLICY_SEARCH_INDEX", project_root() / "var" / "index",
                "Where the index lives."),
        Setting("user_dict", "POLICY_SEARCH_USER_DICT", None,
                "Extra jieba user dictionary (one term per line, optional frequency), "
                "added to the policy terms shipped with the package."),
        Setting("stop_words", "POLICY_SEARCH_STOP_WORDS", None,
                "Extra stop words (one per line) that unquoted queries need not match, "
                "added to the list shipped with the package."),
        Setting("thesaurus", "POLICY_SEARCH_THESAURUS", None,
                "Extra thesaurus file (`canonical, variant, …` and `old => canonical (year)` "
                "lines, see Thesaurus), added to the names shipped with the package."),
        Setting("lay_terms", "POLICY_SEARCH_LAY_TERMS", None,
                "Extra lay-terms file (`everyday, … => legal term, …` lines, see Lay terms), "
                "added to the everyday words shipped with the package."),
        Setting("workers", "POLICY_SEARCH_WORKERS", 0,
                "Processes that read and parse changed files during a reindex (0: one per core)."),
        Setting("cache_size", "POLICY_SEARCH_CACHE_SIZE", 256,
                "Rankings an open index keeps for queries asked again (0: none, every "
                "query ranked anew)."),
        Setting("server_processes", "POLICY_SEARCH_SERVER_PROCESSES", 0,
                "Processes that answer the web UI's requests, each with its own threads "
                "(0: one per core, at most 4)."),
        Setting("host", "POLICY_SEARCH_HOST", "127.0.0.1", "Address the web UI listens on."),
        Setting("port", "POLICY_SEARCH_PORT", 8000, "Port the web UI listens on."),
    )
}


def resolve(name: str, given: object = None) -> object:
    setting = SETTINGS[name]
    if given is not None:
        return given
    env = os.environ.get(setting.env)
    if env:
        if isinstance(setting.default, int):
            try:
                return int(env)
            except ValueError:
                raise ValueError(f"{setting.env}={env!r}: expected a whole number") from None
        if isinstance(setting.default, Path) or setting.default is None:
            return Path(env)
        return env
    return setting.default


def settings_table() -> str:
    """The settings as a Markdown table (kept in the README by a test)."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS.values():
        default = s.default
        if isinstance(default, Path):
            default = default.relative_to(project_root()).as_posix() + "/"
        rows.append(f"| `{s.name}` | `{s.env}` | `{default}` | {s.help} |")
    return "\n".join(rows)
