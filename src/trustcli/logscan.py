"""A fast reader for log records exactly as trustcli writes them.

tomllib is pure Python: ten thousand follow-ups take it a quarter of a second, most of
a cold ``promise stats``. Every record trustcli appends has one shape (``store.append``
writes ``\\n[[table]]\\n`` and then ``tomli_w`` lines ``key = value``), so regular
expressions, which run in C, can check and read it in a fraction of that time.

``scan`` gives exactly what ``tomllib.loads`` gives for such text, or None for anything
else: a hand edit in another style, a comment, a record cut off, a value of a kind not
listed below. The caller then parses with tomllib, so every error message (file, line,
column; a torn last record) stays what it always was. The rule is: when in doubt, None.

Read here, as tomli_w writes them: bare keys; basic strings with the escapes tomli_w
uses (and the other TOML 1.0 ones); integers; true and false; dates; date-times with a
space, whole seconds or microseconds, and an offset, Z or none.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

# Plain characters, then any number of (escape, plain characters): the same text as
# (plain | escape)*, matched a run at a time instead of a character at a time.
_PLAIN = r'[^"\\\x00-\x08\x0a-\x1f\x7f]*'
_STRING = rf'"({_PLAIN}(?:\\(?:[btnfr"\\]|u[0-9A-Fa-f]{{4}}|U[0-9A-Fa-f]{{8}}){_PLAIN})*)"'
_INTEGER = r"(-?(?:0|[1-9][0-9]*))"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATETIME = (
    rf"({_DATE} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]{{6}})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)"
)
_LINE_TEXT = rf"([A-Za-z0-9_-]+) = (?:{_STRING}|{_INTEGER}|{_DATETIME}|({_DATE})|(true|false))\n"
_LINE = re.compile("^" + _LINE_TEXT, re.MULTILINE)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _NotOurs(Exception):
    """A value the fast path will not decide on (tomllib does)."""


def scan(text: str, table: str) -> dict[str, list[dict[str, Any]]] | None:
    """``{table: records}`` as ``tomllib.loads(text)`` gives it, when ``text`` holds
    nothing but ``[[table]]`` records in trustcli's own layout; None otherwise."""
    if text.startswith("[["):
        text = "\n" + text
    before, *bodies = text.split(f"\n[[{table}]]\n")
    if before:
        return None
    records = []
    try:
        for body in bodies:
            fields = _LINE.findall(body)
            # Each match is one whole line (from its start to its end): every line of
            # the record is ours only when there are as many matches as lines.
            if len(fields) != body.count("\n") or (body and not body.endswith("\n")):
                return None
            record: dict[str, Any] = {}
            for key, string, integer, moment, day, boolean in fields:
                # inline, not a function per value: this loop runs once per line
                if moment:
                    record[key] = datetime.fromisoformat(moment)
                elif day:
                    record[key] = date.fromisoformat(day)
                elif integer:
                    record[key] = int(integer)
                elif boolean:
                    record[key] = boolean == "true"
                elif "\\" in string:
                    record[key] = _ESCAPE.sub(_unescape, string)
                else:
                    record[key] = string
            if len(record) != len(fields):  # a key twice: tomllib says where
                return None
            records.append(record)
    except (_NotOurs, ValueError):  # a date such as 2026-02-30, a lone surrogate
        return None
    return {table: records} if records else {}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code is None:
        return _SIMPLE_ESCAPES[match.group(3)]
    number = int(code, 16)
    if 0xD800 <= number <= 0xDFFF or number > 0x10FFFF:
        raise _NotOurs(code)
    return chr(number)


_HEADER = re.compile(r"^(\[\[?)([A-Za-z0-9_-]+)(\]\]?)\n", re.MULTILINE)


def scan_document(text: str) -> dict[str, Any] | None:
    """What ``tomllib.loads(text)`` gives for a document as trustcli writes it (top-level
    ``key = value`` lines, then ``[table]`` and ``[[table]]`` sections of them, a blank
    line between), after comment lines at the very top (``vault.toml`` opens with two);
    None for anything else, as ``scan``. Reading ``config.toml`` and ``promises.toml``
    this way spares every everyday command tomllib's import (2 ms)."""
    while text.startswith("#"):
        comment, _, text = text.partition("\n")
        if not comment.replace("\t", "").isprintable():  # tomllib refuses some: it says
            return None
    first, *sections = _HEADER.split(text)
    document = _body(first)
    arrays: set[str] = set()
    for index in range(0, len(sections), 4):
        opening, name, closing, body = sections[index : index + 4]
        values = _body(body)
        if document is None or values is None or len(opening) != len(closing):
            return None
        if len(opening) == 2 and (name in arrays or name not in document):
            arrays.add(name)
            document.setdefault(name, []).append(values)
        elif len(opening) == 1 and name not in document:
            document[name] = values
        else:  # a table defined twice, or both ways: tomllib words the error
            return None
    return document


def _body(text: str) -> dict[str, Any] | None:
    """The ``key = value`` lines of one section (blank lines after them allowed)."""
    lines = text.rstrip("\n")
    if not lines:
        return {}
    found = scan(f"\n[[_]]\n{lines}\n", "_")
    return found["_"][0] if found else None
