"""How results reach people: tables and messages for humans, JSON for scripts.

Messages go to stderr so stdout stays clean for pipes. Colour only when stdout is a
terminal and NO_COLOR is not set; piped output never carries escape codes.

Every human output passes through here, and here only, for two reasons:

* **Text a terminal can trust.** People's own words (promises, notes, answers, names,
  a custom set's titles) are stored exactly as typed, but shown with control
  characters made visible (``\\x1b``, ``\\u202e``): an escape sequence in a note must
  never clear the screen, retitle the window or reorder a line. The only escape codes
  that reach a terminal are the colours ``paint`` made itself. JSON stays exact.
* **Output that cannot be written** (a full disk, a closed stdout, a broken pipe) is
  never a crash: a pipe closed by ``| head`` ends quietly with 0; any other failure is
  one line on stderr that says what was saved anyway (see ``saved``), and exit 1.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, TrustError

_STYLES = {"bold": "1", "dim": "2", "green": "32", "yellow": "33", "red": "31"}

# C0 controls but tab and newline, DEL, C1 controls, the bidirectional controls that
# reorder what follows (U+061C, U+200E/F, U+202A-E, U+2066-9), the line and paragraph
# separators, and lone surrogates (bytes that were not UTF-8, kept by Python's
# surrogateescape): none of them may reach a terminal as they are.
_CONTROL = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ud800-\udfff]"
)
_control: list[re.Pattern[str]] = []  # compiled on first need: half a millisecond

# Everything ``paint`` made, exactly: these alone keep their escape codes.
_painted: set[str] = set()

# What the running command has saved, for the line that says so if output fails.
_saved: list[str] = []

# Failures of stdout seen by ``guarded_stdout``.
_broken: list[OSError] = []


class OutputFailed(TrustError):
    """stdout could not be written (a full disk, a closed stream, an I/O error)."""

    def __init__(self, reason: str) -> None:
        what = f"{_saved[-1]} was saved, but " if _saved else ""
        super().__init__(f"{what}the output could not be written ({reason})", EXIT_RUNTIME)


class PipeClosed(Exception):
    """The reader of stdout went away (``| head``): stop quietly, exit 0."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with every control character shown visibly (``\\x1b``, ``\\u202e``)."""
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text  # every character above is unprintable: the usual case needs no pattern
    if not _control:
        _control.append(re.compile(_CONTROL))
    return _control[0].sub(_escape, text)


def shown(text: str) -> str:
    """``clean``, except for the colour codes ``paint`` made, which stay as they are."""
    if "\x1b" not in text or not _painted:
        return clean(text)
    parts = _painted_pattern().split(text)
    return "".join(part if i % 2 else clean(part) for i, part in enumerate(parts))


_pattern: tuple[int, re.Pattern[str] | None] = (0, None)


def _painted_pattern() -> re.Pattern[str]:
    """One pattern matching any painted string (longest first), rebuilt as it grows."""
    global _pattern
    size, compiled = _pattern
    if compiled is None or size != len(_painted):
        choices = "|".join(re.escape(p) for p in sorted(_painted, key=len, reverse=True))
        compiled = re.compile(f"({choices})")
        _pattern = (len(_painted), compiled)
    return compiled


def use_colour(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, style: str, stream: Any = None) -> str:
    text = clean(text)
    if not text or not use_colour(stream):
        return text
    painted = f"\033[{_STYLES[style]}m{text}\033[0m"
    _painted.add(painted)
    return painted


def saved(what: str) -> None:
    """Note what the command has just saved ("promise 3"): if the output then fails,
    the one line on stderr says it was saved all the same."""
    _saved.append(what)


def reset() -> None:
    """Forget what an earlier command in this process saved (in-process tests)."""
    _saved.clear()
    _broken.clear()


def say(text: str) -> None:
    """A message for the person, on stderr. If stderr cannot be written, there is no
    one to tell: the message is dropped, never turned into an error."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(shown(text) + "\n")
        stream.flush()
    except (OSError, ValueError):
        _silence(stream)


def emit(text: str) -> None:
    """The result itself, on stdout."""
    _write(shown(text) + "\n")


def emit_json(value: Any) -> None:
    """JSON stays exact (json.dumps already escapes the C0 controls)."""
    import json

    _write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _write(text: str) -> None:
    stream = sys.stdout
    if isinstance(stream, _GuardedStdout):
        stream = stream._stream
    if stream is None:  # started with stdout closed (>&-)
        raise OutputFailed("stdout is closed")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _silence(stream)
        raise PipeClosed from None
    except OSError as exc:
        _silence(stream)
        raise OutputFailed(exc.strerror or str(exc)) from None
    except ValueError:  # closed by someone else in this process
        raise OutputFailed("stdout is closed") from None


def silence_stdout() -> None:
    if sys.stdout is not None:
        _silence(sys.stdout)


def stdout_failed(error: BaseException) -> OutputFailed | None:
    """``error`` as an OutputFailed, if it is stdout failing under ``guarded_stdout``."""
    if isinstance(error, OSError) and _broken and error is _broken[-1]:
        return OutputFailed(error.strerror or str(error))
    return None


def _silence(stream: Any) -> None:
    """Point a failed stream at /dev/null, so that what is still in its buffer does not
    fail again when Python flushes it at exit ("Exception ignored ...")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # not a real file (tests' StringIO): nothing is flushed at exit


class _GuardedStdout:
    """sys.stdout while a command runs, so that what writes it directly (help, rich,
    prompts) fails as ``emit`` does: never a traceback, never "internal error"."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OutputFailed("stdout is closed")
        try:
            return int(self._stream.write(text))
        except OSError as exc:
            self._failed(exc)
            raise

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except OSError as exc:
                self._failed(exc)
                raise

    def _failed(self, error: OSError) -> None:
        """A closed pipe ends the command quietly (as PipeClosed: rich would turn a
        BrokenPipeError into exit 1). Any other failure is remembered and raised as
        it is, so that code which catches OSError itself still sees the original."""
        _silence(self._stream)
        if isinstance(error, BrokenPipeError):
            raise PipeClosed from None
        _broken.append(error)

    def isatty(self) -> bool:
        return bool(self._stream is not None and self._stream.isatty())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """Run a command with stdout guarded (see ``_GuardedStdout``)."""
    stream = sys.stdout
    sys.stdout = _GuardedStdout(stream)
    try:
        yield
    finally:
        sys.stdout = stream


# --- stdin and the terminal ---------------------------------------------------------------


def on_terminal() -> bool:
    """Both stdin and stdout are a terminal (a person can be asked), even when either
    is closed."""
    try:
        return bool(sys.stdin and sys.stdout and sys.stdin.isatty() and sys.stdout.isatty())
    except (OSError, ValueError):
        return False


def reading_hint() -> None:
    """Typed at a terminal, '-' waits for text: say so, or it looks like a hang."""
    try:
        typed = sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):
        typed = False
    if typed:
        say("trustcli: reading from the terminal; end with Ctrl-D on a line of its own")


def read_stdin(instead: str) -> str:
    """All of stdin as text. With no stdin (closed, or not text), one line saying
    what to pass ``instead``; a NUL character is refused, for stored text is text."""
    if sys.stdin is None:
        raise TrustError(f"there is no stdin to read from: {instead}", EXIT_BAD_INPUT)
    reading_hint()
    try:
        text = sys.stdin.read()
    except UnicodeDecodeError:
        raise TrustError(f"stdin is not UTF-8 text: {instead}", EXIT_BAD_INPUT) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "it is closed"
        raise TrustError(f"cannot read stdin ({reason}): {instead}", EXIT_BAD_INPUT) from None
    refuse_nul(text, "stdin")
    return text


def refuse_nul(text: str, where: str) -> None:
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise TrustError(
            f"{where}, line {line}: holds a NUL character, which cannot be kept in a text "
            "record; remove it and try again",
            EXIT_BAD_INPUT,
        )


def refuse_nul_in(value: Any, source: str, where: str = "") -> None:
    """Refuse a document (an import) with a NUL in any of its strings, naming where."""
    if isinstance(value, str):
        if "\x00" in value:
            raise TrustError(
                f"{source}: {where or 'the document'} holds a NUL character, which cannot be "
                "kept in a text record; nothing was written",
                EXIT_BAD_INPUT,
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul_in(key, source, where)
            refuse_nul_in(item, source, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_nul_in(item, source, f"{where}[{index}]")


def one_line(text: str) -> str:
    """Newlines and tabs in a table cell would break the table: show them as spaces."""
    return " ".join(text.split())


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], wide_column: int = -1) -> str:
    """Plain aligned columns. On a terminal, ``wide_column`` is cut to fit the width."""
    cells = [[shown(one_line(str(cell))) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    if use_colour() or (sys.stdout is not None and sys.stdout.isatty()):
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
