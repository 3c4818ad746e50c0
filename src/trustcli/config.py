"""config.toml: who "me" and the partner are. Optional: every command works without it."""

from __future__ import annotations

from typing import Any

from trustcli import store
from trustcli.errors import TrustError

CONFIG = "config.toml"
DEFAULT_ME = "me"


def load() -> dict[str, Any]:
    document = store.read(CONFIG)
    names = document.get("names", {})
    if not isinstance(names, dict):
        raise TrustError(f"{store.path_of(CONFIG)}: [names] must be a table; fix it in an editor")
    return document


def names() -> dict[str, str]:
    """The configured names, e.g. {'me': 'alex', 'partner': 'sam'}; missing ones absent."""
    configured = load().get("names", {})
    return {key: value for key, value in configured.items() if isinstance(value, str) and value}


def me() -> str:
    """Who --by / --as mean when not given: the configured name, else 'me'."""
    return names().get("me", DEFAULT_ME)


def partner() -> str:
    return names().get("partner", "")


def save_names(me: str | None, partner: str | None) -> dict[str, str]:
    """Set the names given, keep the others and anything else in the file."""
    with store.updating(CONFIG) as document:
        current = document.setdefault("names", {})
        if not isinstance(current, dict):
            raise TrustError(f"{store.path_of(CONFIG)}: [names] must be a table")
        for key, value in (("me", me), ("partner", partner)):
            if value is not None:
                value = value.strip()
                if not value:
                    raise TrustError(f"the name for --{key} is empty")
                current[key] = value
        return {key: str(value) for key, value in current.items()}
