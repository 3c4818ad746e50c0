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


def read_text(path: Path) -> str:
    """A template's text. A person's own (in the data home) is read through the store,
    so a link, a FIFO or a file another user planted is refused like any file of the
    home; built-ins come from the package. Raises OSError or UnicodeDecodeError too."""
    return read_bytes(path).decode("utf-8")


def read_bytes(path: Path) -> bytes:
    """A template's bytes, read as ``read_text`` says. Raises OSError too."""
    user = user_dir()
    if path.parent.parent == user:
        data = store.read_bytes(f"templates/{path.parent.name}/{path.name}")
        if data is None:
            raise FileNotFoundError(2, "No such file or directory", str(path))
    else:
        data = path.read_bytes()
    return data
