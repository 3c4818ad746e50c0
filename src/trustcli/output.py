"""How results reach people: tables and messages for humans, JSON for scripts.

Messages go to stderr so stdout stays clean for pipes. Colour only when stdout is a
terminal and NO_COLOR is not set; piped output never carries escape codes.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any

_STYLES = {"bold": "1", "dim": "2", "green": "32", "yellow": "33", "red": "31"}


def use_colour(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, style: str, stream: Any = None) -> str:
    if not text or not use_colour(stream):
        return text
    return f"\033[{_STYLES[style]}m{text}\033[0m"


def say(text: str) -> None:
    """A message for the person, on stderr."""
    print(text, file=sys.stderr)


def emit(text: str) -> None:
    """The result itself, on stdout."""
    print(text)


def emit_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def one_line(text: str) -> str:
    """Newlines and tabs in a table cell would break the table: show them as spaces."""
    return " ".join(text.split())


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], wide_column: int = -1) -> str:
    """Plain aligned columns. On a terminal, ``wide_column`` is cut to fit the width."""
    cells = [[one_line(str(cell)) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    if use_colour() or sys.stdout.isatty():
        room = shutil.get_terminal_size().columns - (sum(widths) + 2 * (len(widths) - 1))
        index = wide_column % len(widths)
        if room < 0 and widths[index] + room >= 12:
            widths[index] += room
            for row in cells:
                if len(row[index]) > widths[index]:
                    row[index] = row[index][: widths[index] - 1] + "…"
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines[0] = paint(lines[0], "bold")
    for row in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
