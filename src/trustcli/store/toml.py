"""TOML as trustcli writes and reads it: a reader that names the file, line and column
of any fault, and a writer whose output must read back to exactly what was given.

Documents and log records exactly as trustcli writes them are read by
``trustcli.logscan`` (the same result as tomllib, without its import); anything else
(a hand edit, a torn record) goes to tomllib, which also words every error.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

from trustcli.errors import EXIT_RUNTIME, TrustError

Record = dict[str, Any]

_TOML_POSITION = r"\((?:at line (\d+), column (\d+)|at end of document)\)"


class ParseError(Exception):
    """Where a TOML file stops parsing: its line in the whole file, and why."""

    def __init__(self, path: Path, line: int, column: int | None, reason: str) -> None:
        where = f"line {line}, column {column}" if column else f"line {line}"
        self.message = (
            f"{path}: {where}: {reason}; fix it in an editor (trustcli has not changed the file)"
        )
        super().__init__(self.message)
        self.line = line
        self.reason = reason


def parse(path: Path, raw: bytes, line_offset: int = 0) -> Record:
    """Parse TOML; ``line_offset`` counts the lines before ``raw`` in the file.

    A document exactly as trustcli writes it is read by ``logscan`` (the same result,
    without tomllib's import); tomllib reads the rest and words every error."""
    from trustcli import logscan

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1 + line_offset
        raise ParseError(path, line, None, "not valid UTF-8 text") from None
    fast = logscan.scan_document(text)
    if fast is not None:
        return fast
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = re.search(_TOML_POSITION, message)
        reason = message[: position.start()].strip() if position else message
        if position is None or position.group(1) is None:  # "(at end of document)"
            line, column = text.count("\n") + 1, None
        else:
            line, column = int(position.group(1)), int(position.group(2))
        raise ParseError(path, line + line_offset, column, reason) from None


def parse_records(path: Path, raw: bytes, table: str, line_offset: int = 0) -> Record:
    """Parse ``[[table]]`` records: those exactly as trustcli writes them with the fast
    reader (``trustcli.logscan``: regular expressions, several times quicker than
    tomllib), anything else (a hand edit, a torn record) with tomllib, which also gives
    every error message (see ``parse``)."""
    from trustcli import logscan

    with contextlib.suppress(UnicodeDecodeError):
        fast = logscan.scan(raw.decode("utf-8"), table)
        if fast is not None:
            return fast
    return parse(path, raw, line_offset)


def dump_toml(data: Record) -> str:
    """TOML a person can read: every array of tables as ``[[name]]`` blocks.

    tomli_w writes a short array of tables inline (``promise = [ {…} ]``), which is hard
    to edit by hand, so those headers are written here. The result must parse back to
    exactly ``data`` before anything is written.
    """
    import tomli_w  # writing only: reads never pay for it

    from trustcli import logscan

    plain = {key: value for key, value in data.items() if not _is_table_array(value)}
    parts = [tomli_w.dumps(plain)] if plain else []
    for key, value in data.items():
        if _is_table_array(value):
            parts.extend(f"[[{key}]]\n{tomli_w.dumps(record)}" for record in value)
    text = "\n".join(parts)
    if (logscan.scan_document(text) or tomllib_loads(text)) != data:
        raise TrustError(
            f"internal: data does not survive a TOML round-trip: {data!r}", EXIT_RUNTIME
        )
    return text


def tomllib_loads(text: str) -> Record:
    import tomllib

    return tomllib.loads(text)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def header_line(data: bytes, table: str, index: int) -> int:
    """The 1-based line of the index-th ``[[table]]`` header in ``data``."""
    marker = f"[[{table}]]".encode()
    seen = 0
    for number, text in enumerate(data.split(b"\n"), start=1):
        if text.strip().startswith(marker):
            seen += 1
            if seen == index:
                return number
    return 1
