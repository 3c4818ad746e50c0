"""Template files: question sets and worksheet templates.

Built-ins ship inside the package (``trustcli/templates`` in the wheel; the repository's
``templates/`` in a source checkout). A person's own files in ``$TRUSTCLI_HOME/templates/``
add to them or replace one by name; they are read through the home's checks (a link, a
FIFO or another user's file is refused like any file of the home). What a template says
is checked where it is used (``questions``, ``worksheets``, ``records``).
"""

from __future__ import annotations

import os
from pathlib import Path

from trustcli.store.documents import names_in, read_bytes
from trustcli.store.home import folder, home

FOLDER = "templates"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def builtin_dir() -> Path:
    """The templates shipped with trustcli."""
    installed = _PACKAGE_DIR / "templates"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent.parent / "templates"  # running from a source checkout


def listed(kind: str, suffix: str) -> list[tuple[Path, str]]:
    """Every template file of ``kind`` ('questions' or 'worksheets'): the built-ins first,
    then the person's own, each as (path, 'built-in' or 'user'); a later one of a name
    replaces an earlier one. Hidden names (an editor's or a sync tool's) are left out."""
    found = []
    for where, source in ((builtin_dir() / kind, "built-in"), (_own_folder(kind), "user")):
        if where.is_dir():
            found += [
                (path, source)
                for path in sorted(where.glob(f"*{suffix}"))
                if not path.name.startswith(".")
            ]
    return found


def find(kind: str, file_name: str) -> tuple[Path, str] | None:
    """The template file named exactly ``file_name`` (the person's own first), or None.
    By the name as listed: asking for the path itself would find apology.md for
    "Apology.md" where a file system ignores case."""
    for where, source in ((_own_folder(kind), "user"), (builtin_dir() / kind, "built-in")):
        try:
            names = os.listdir(where)
        except OSError:
            continue
        if file_name in names:
            return where / file_name, source
    return None


def builtin_has(kind: str, file_name: str) -> bool:
    """Whether trustcli ships a template of that file name."""
    return (builtin_dir() / kind / file_name).is_file()


def own(kind: str, suffix: str) -> list[str]:
    """The person's own template files of ``kind``, as names in the home."""
    return [name for name in names_in(f"{FOLDER}/{kind}", suffix) if _is_file(name)]


def _is_file(name: str) -> bool:
    return (home() / name).is_file()


def _own_folder(kind: str) -> Path:
    """The person's folder of ``kind``, checked by the store (ours, private, not a link)."""
    return folder(f"{FOLDER}/{kind}")


def read_text(path: Path) -> str:
    """A template's text. Raises OSError or UnicodeDecodeError too."""
    return read_file_bytes(path).decode("utf-8")


def read_file_bytes(path: Path) -> bytes:
    """A template's bytes: a person's own through the home's checks, a built-in from the
    package. Raises OSError too."""
    if path.parent.parent == home() / FOLDER:
        data = read_bytes(f"{FOLDER}/{path.parent.name}/{path.name}")
        if data is None:
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return data
    return path.read_bytes()
