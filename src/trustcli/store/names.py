"""Plain names: what may be one part of a path in the data home or the couple folder.

Every name that comes from data (a person, a question set, a template, a record in a
backup or from the partner's device) is checked here before it reaches a path.
"""

from __future__ import annotations

from trustcli.errors import EXIT_BAD_INPUT, TrustError

MAX_NAME = 100  # characters in a plain name: well under any file system's limit
_MAX_PART = 255  # bytes in one part of a path: the file systems' own limit (NAME_MAX)
# Marks that reorder or hide text: a name holding one shows differently from what it is.
_INVISIBLE = frozenset(
    ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029"]
    + [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)


def plain_name(value: object, what: str) -> str:
    """``value`` if it may be one part of a file name in the data home, else TrustError.

    Every name that reaches the disk from data (a question set, a person, a template,
    anything in a backup or a shared folder) goes through here: one line of text, at
    most MAX_NAME characters, no '/', '\\', '..', leading dot, NUL or control character.
    ``what`` says where the name came from (``--as``, ``sessions[2].set``).
    """
    if not isinstance(value, str) or not value.strip():
        raise TrustError(f"{what}: {value!r} is not a name", EXIT_BAD_INPUT)
    problem = _name_problem(value)
    if problem:
        raise TrustError(f"{what}: {_shown(value)} is not a plain name ({problem})", EXIT_BAD_INPUT)
    return value


def name_problem(value: str) -> str:
    """What makes ``value`` not a plain name (see ``plain_name``), or '' if it is one."""
    return _name_problem(value)


def _name_problem(value: str) -> str:
    if len(value) > MAX_NAME:
        return f"at most {MAX_NAME} characters"
    return part_problem(value)


def part_problem(value: str) -> str:
    """What makes ``value`` unfit as one part of a path in the home (a file name built
    from plain names may be longer than one name, up to the file system's limit)."""
    if len(value.encode("utf-8", "surrogatepass")) > _MAX_PART:
        return f"at most {_MAX_PART} bytes"
    if "/" in value or "\\" in value:
        return "no '/' or '\\'"
    if ".." in value:
        return "no '..'"
    if value.startswith("."):
        return "it may not start with a dot"
    if any(ord(char) < 32 or 127 <= ord(char) < 160 or char in _INVISIBLE for char in value):
        return "no control characters or marks that reorder text"
    return ""


def _shown(value: str) -> str:
    shown = value if len(value) <= 40 else value[:40] + "…"
    return repr(shown)
