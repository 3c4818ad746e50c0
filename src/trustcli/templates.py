"""Where worksheet templates and question sets come from.

Built-ins ship inside the package (``trustcli/templates`` in the wheel; the repository's
``templates/`` in a source checkout). A person's own files in
``$TRUSTCLI_HOME/templates/`` add to them or override them by name.
"""

from __future__ import annotations

from pathlib import Path

from trustcli import store

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_dir() -> Path:
    """The templates shipped with trustcli."""
    installed = _PACKAGE_DIR / "templates"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent.parent / "templates"  # running from a source checkout


def user_dir() -> Path:
    return store.home() / "templates"


def search_path(kind: str) -> list[Path]:
    """Folders to look in for ``kind`` ('worksheets' or 'questions'), user's first.

    The person's folder is checked by the store (ours, private, not a link)."""
    return [store.folder(f"templates/{kind}"), builtin_dir() / kind]
