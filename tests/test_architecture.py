"""The house keeps its shape: every import points down a floor (lazy ones included),
there is no circle, only ``store/`` touches files, only ``cli/`` touches Typer, and no
room grows past about 600 lines. The floors are read from docs/architecture.md, so the
map and the code cannot drift apart.

Each check reads the source with ``ast``: what it finds is what Python would import.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

import trustcli

SOURCE = Path(trustcli.__file__).parent
MAP = Path(__file__).parent.parent / "docs" / "architecture.md"
MAX_LINES = 620  # "about 600": a room that passes this is split by concern

# The only places outside store/ that may touch the file system, and why: none of them
# is user data.
TOUCHES_FILES = {
    ("output", "os.open"): "the null device, once stdout is closed",
    ("cli.export", "os.open"): "the null device, once stdout is closed",
    ("remind.schedules", "open"): "the system's time-zone files",
    ("remind.schedules", "os.stat"): "the system's time-zone files",
    ("remind.schedules", "os.path.exists"): "the system's time-zone files",
    ("worksheets", "open"): "/proc/self/statm: the process's own memory, to cap a template",
    ("editing", "os.listdir"): "one listing of the runtime folder at start, free of imports",
}
_OS_CALLS = {
    "open", "listdir", "scandir", "unlink", "remove", "rename", "replace", "mkdir",
    "makedirs", "rmdir", "stat", "lstat", "walk", "chmod", "utime", "symlink", "link",
    "readlink", "access", "truncate",
}  # fmt: skip
_OS_PATH_CALLS = {"exists", "isfile", "isdir", "lexists", "getsize", "islink"}
_PATH_CALLS = {
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "mkdir", "unlink",
    "iterdir", "exists", "is_file", "is_dir", "glob", "rglob", "touch", "rmdir", "lstat",
    "chmod", "symlink_to",
}  # fmt: skip


def _modules() -> dict[str, Path]:
    """Every module of trustcli by its name below the package ('store.logs'; a
    package's __init__ is the package: 'store'; the top one is '__init__')."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imports(name: str) -> set[str]:
    """The trustcli modules ``name`` imports, anywhere in it (inside functions too)."""
    found = set()
    for node in ast.walk(TREES[name]):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            base = node.module
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            if target != "trustcli" and not target.startswith("trustcli."):
                continue
            inner = target.removeprefix("trustcli").lstrip(".") or "__init__"
            while inner not in MODULES and "." in inner:
                inner = inner.rpartition(".")[0]
            if inner in MODULES and inner != name and not name.startswith(inner + "."):
                found.add(inner)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts with more than one member (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _floors() -> list[list[str]]:
    """The floors as docs/architecture.md draws them, top first."""
    text = MAP.read_text(encoding="utf-8")
    block = re.search(r"<!-- floors:.*?-->\s*```\n(.*?)```", text, re.S)
    assert block, f"{MAP} has no floors block"
    return [line.split() for line in block.group(1).splitlines() if line.strip()]


def _floor_of(name: str, floors: list[list[str]]) -> int:
    """The floor a module stands on: named itself, or inside a package named 'pkg/'."""
    matches = [
        number
        for number, floor in enumerate(floors)
        for token in floor
        if token == name or (token.endswith("/") and (name + ".").startswith(token[:-1] + "."))
    ]
    assert len(matches) == 1, f"{name} is on {len(matches)} floors of {MAP.name}: {matches}"
    return matches[0]


def test_no_circle_among_modules():
    circles = _circles(GRAPH)
    assert not circles, "import circles (lazy imports included): " + "; ".join(
        " ⇄ ".join(part) for part in circles
    )


def test_no_circle_among_packages():
    """A package (store, couple, remind, report, cli) counts as one: even without a
    module circle, two parts that lean on each other are one part."""
    packages: dict[str, set[str]] = defaultdict(set)
    for name, targets in GRAPH.items():
        for target in targets:
            if target.split(".")[0] != name.split(".")[0]:
                packages[name.split(".")[0]].add(target.split(".")[0])
    circles = _circles(packages)
    assert not circles, "packages that import each other: " + "; ".join(
        " ⇄ ".join(part) for part in circles
    )


def test_every_import_points_down_the_floors_of_the_map():
    floors = _floors()
    placed = {name: _floor_of(name, floors) for name in MODULES}
    upward = [
        f"{name} (floor {placed[name] + 1}) imports {target} (floor {placed[target] + 1})"
        for name, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if placed[target] < placed[name]
    ]
    assert not upward, "imports that run up a floor:\n" + "\n".join(upward)


def test_the_map_names_only_what_exists():
    tokens = [token for floor in _floors() for token in floor]
    for token in tokens:
        name = token.rstrip("/")
        assert name in MODULES, f"{MAP.name} names {token}, which is not a module"
        if token.endswith("/"):
            assert MODULES[name].name == "__init__.py", f"{token} is not a package"


def test_the_checks_see_what_they_claim():
    """The graph is not empty by mistake, and an upward import would be found."""
    assert "store.logs" in GRAPH["store"] and "store" in GRAPH["promises"]
    assert "couple.folder" in GRAPH["couple.sealed"]  # a lazy one, inside a function
    floors = _floors()
    assert _floor_of("store.logs", floors) > _floor_of("promises", floors)
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _file_calls(name: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(TREES[name]):
        if not isinstance(node, ast.Call):
            continue
        func, call = node.func, ""
        if isinstance(func, ast.Name) and func.id == "open":
            call = "open"
        elif isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id == "os" and func.attr in _OS_CALLS:
                call = f"os.{func.attr}"
            elif (
                isinstance(owner, ast.Attribute)
                and isinstance(owner.value, ast.Name)
                and (owner.value.id, owner.attr) == ("os", "path")
                and func.attr in _OS_PATH_CALLS
            ):
                call = f"os.path.{func.attr}"
            elif func.attr in _PATH_CALLS and not (
                isinstance(owner, ast.Name) and owner.id in _MODULES_WITH_SUCH_NAMES
            ):
                call = f".{func.attr}"
        if call:
            found.append((node.lineno, call))
    return found


# Our own modules whose functions share a name with a Path method (store.remove,
# couple_folder.mkdir, vault_key.touch …): calling them is going through the store.
_MODULES_WITH_SUCH_NAMES = {
    "store", "couple_folder", "runtime", "conversion", "vault_key", "template_files",
    "removal",
}  # fmt: skip


def test_only_the_store_touches_files():
    outside = [
        f"{name}:{line}: {call}"
        for name in sorted(MODULES)
        if not (name == "store" or name.startswith("store."))
        for line, call in _file_calls(name)
        if (name, call) not in TOUCHES_FILES
    ]
    assert not outside, "file access outside store/ (add a function to a store room):\n" + (
        "\n".join(outside)
    )


def test_the_file_check_sees_a_file_being_read():
    TREES["__probe__"] = ast.parse("def f(path):\n    return path.read_text()\n")
    try:
        assert _file_calls("__probe__") == [(2, ".read_text")]
    finally:
        del TREES["__probe__"]


@pytest.mark.parametrize("library", ["typer", "click", "questionary", "prompt_toolkit"])
def test_only_the_command_line_touches_typer_and_prompts(library):
    users = sorted(
        name
        for name in MODULES
        for node in ast.walk(TREES[name])
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
            == library
            for alias in node.names
        )
    )
    outside = [name for name in users if not (name == "cli" or name.startswith("cli."))]
    assert not outside, f"{library} imported outside cli/: {outside}"


def test_no_room_grows_past_about_600_lines():
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"rooms over {MAX_LINES} lines (split them by concern): {long}"
