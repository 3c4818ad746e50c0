"""The data home and the only door to it: every read and write of user data goes here.

Two kinds of file live in the data home:

* small documents (promises, reminders, config) that are read whole and rewritten
  atomically under the lock: temp file in the same folder, fsync, rename;
* append-only logs (follow-ups, check-ins) that grow with every use: one record is
  added with a single write under the lock, so recording costs the same in year five
  as on day one, and two writers cannot clobber each other.

A file that does not parse is never written to; the error names file, line and column.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tomllib
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from trustcli.errors import EXIT_RUNTIME, TrustError

Record = dict[str, Any]
Normalise = Callable[[Record], Record]

_LOCK_NAME = ".lock"
_CACHE_DIR = "cache"
_TOML_POSITION = re.compile(r"\((?:at line (\d+), column (\d+)|at end of document)\)")
_CACHE_SLACK = 16 * 1024  # parse up to this much new log each time before re-saving the cache


def home() -> Path:
    """The data home: ``$TRUSTCLI_HOME``, else the platform's user data folder."""
    configured = os.environ.get("TRUSTCLI_HOME")
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # only when needed: it is a few milliseconds of start-up

    return Path(platformdirs.user_data_dir("trustcli", appauthor=False))


def ensure_home() -> Path:
    """Create the data home (0700) if needed and make sure we may write in it."""
    path = home()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise TrustError(
            f"cannot create the data home {path}: {exc.strerror}; "
            "set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise TrustError(
            f"the data home {path} is not writable; fix its permissions "
            "or set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        )
    return path


def path_of(name: str) -> Path:
    return home() / name


@contextlib.contextmanager
def lock() -> Iterator[None]:
    """Hold the data home's exclusive lock: one writer at a time, across processes."""
    folder = ensure_home()
    try:
        fd = _open_private(folder / _LOCK_NAME, os.O_RDWR | os.O_CREAT)
    except OSError as exc:
        raise TrustError(
            f"cannot open {folder / _LOCK_NAME}: {exc.strerror}; if it is not a file, "
            "move it out of the data home",
            EXIT_RUNTIME,
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --- small documents --------------------------------------------------------------


def read(name: str) -> Record:
    """Parse a TOML document from the data home; a missing file reads as empty."""
    path = path_of(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except NotADirectoryError:
        raise TrustError(
            f"the data home {home()} is not a folder; set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        ) from None
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    try:
        return _parse(path, raw)
    except _ParseError as error:
        raise TrustError(error.message) from None


@contextlib.contextmanager
def updating(name: str) -> Iterator[Record]:
    """Read a document under the lock, let the caller change it, write it back atomically.

    If the block raises, nothing is written.
    """
    with lock():
        data = read(name)
        yield data
        write_atomic(path_of(name), _dump(data))


def write_document(name: str, data: Record) -> None:
    """Write a whole TOML document (for example a new session). Hold ``lock()`` around it
    when another process could write the same file."""
    write_text(name, _dump(data))


def write_text(name: str, text: str, durable: bool = True) -> None:
    """Write a text file in the data home atomically, creating private folders as needed.

    ``durable=False`` skips fsync, for caches that can be rebuilt."""
    path = path_of(name)
    home_dir = ensure_home()
    for folder in reversed(path.parents):
        if folder.is_relative_to(home_dir) and folder != home_dir and not folder.is_dir():
            try:
                folder.mkdir(mode=0o700)
            except OSError as exc:
                raise TrustError(
                    f"cannot create the folder {folder}: {exc.strerror}", EXIT_RUNTIME
                ) from None
    write_atomic(path, text, durable)


def names_in(folder: str, suffix: str) -> list[str]:
    """Names (relative to the data home) of the files in ``folder`` ending in ``suffix``."""
    path = path_of(folder)
    try:
        entries = sorted(entry.name for entry in path.iterdir() if entry.name.endswith(suffix))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    return [f"{folder}/{entry}" for entry in entries]


def write_atomic(path: Path, text: str, durable: bool = True) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half.

    ``durable`` also survives a power cut (fsync); a cache that can be rebuilt skips it.
    """
    folder = path.parent
    temp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        fd = _open_private(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            _write_all(fd, text.encode("utf-8"))
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        if durable:
            _fsync_folder(folder)
    except OSError as exc:
        raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


# --- append-only logs -------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    """An append-only log: its file, its ``[[table]]`` name, and how to check a record.

    ``normalise`` checks one raw record and returns it in JSON-friendly form (dates as
    ISO text), or raises ValueError saying what is wrong. ``version`` names the shape of
    that output: bump it when the shape changes and old caches are ignored. Every
    writer puts ``last_field``, a date-time with its offset, at the end of a record: a
    last record that has it whole was not cut off, so its faults are a person's edits.
    """

    name: str
    table: str
    normalise: Normalise
    version: int = 1
    last_field: str = "at"

    def cut_off(self, raw: Record) -> bool:
        value = raw.get(self.last_field)
        return not isinstance(value, datetime) or value.tzinfo is None


def append(log: Log, record: Record, check: Callable[[list[Record]], None] | None = None) -> None:
    """Add one record to the end of a log with a single write under the lock.

    Before writing, everything not yet checked is checked, so a torn or hand-broken file
    is reported, never written to. Thanks to the cache that is only the records added
    since the cache was saved. ``check``, if given, sees every record already in the
    log, under the same lock, and raises to refuse the new one: a rule such as "one
    record per day" holds even when several processes append at once.
    """
    append_many(log, [record], check)


def append_many(
    log: Log, records: list[Record], check: Callable[[list[Record]], None] | None = None
) -> None:
    """Add records to the end of a log: one check, then one write (see ``append``).

    The header of each record is written by hand (see ``_dump``) and the whole text is
    checked against what must come back, so ten thousand records (an import) cost about
    what reading them costs, not ten thousand locks, checks and fsyncs.
    """
    if not records:
        return
    import tomli_w  # writing only: reads never pay for it

    text = "".join(f"\n[[{log.table}]]\n{tomli_w.dumps(record)}" for record in records)
    if tomllib.loads(text) != {log.table: records}:
        raise TrustError(
            f"internal: records do not survive a TOML round-trip in {log.name}", EXIT_RUNTIME
        )
    chunk = text.encode("utf-8")
    path = path_of(log.name)
    with lock():
        existing = _read_checked(log, want_records=check is not None)
        if check is not None:
            check(existing)
        try:
            fd = _open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                _write_all(fd, chunk)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None


def header_lines(name: str, table: str) -> list[int]:
    """The line of each ``[[table]]`` header in a data-home file, in order: where a
    person finds the n-th record in an editor (only read when a record must be named)."""
    try:
        data = path_of(name).read_bytes()
    except OSError:
        return []
    header = re.compile(rb"\s*\[\[\s*" + re.escape(table.encode()) + rb"\s*\]\]")
    return [n for n, text in enumerate(data.split(b"\n"), 1) if header.match(text)]


def read_log(log: Log) -> list[Record]:
    """All records of a log, in the order they were written.

    The checked records are kept in a cache with the byte offset and a checksum of what
    they came from, so a call parses only what was appended since. Any change before
    that offset (a hand edit) fails the checksum and everything is parsed again.
    """
    return _read_checked(log, want_records=True)


def _read_checked(log: Log, want_records: bool) -> list[Record]:
    """Check what the cache does not cover; return all records if ``want_records``."""
    path = path_of(log.name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None

    cache = _LogCache(home() / _CACHE_DIR / f"{log.name}.json", log.version)
    offset = cache.valid_offset(data)
    cached: list[Record] | None = cache.records() if offset and want_records else []
    if cached is None:  # header fine, body damaged: start over
        offset, cached = 0, []
    if offset == len(data):
        return cached
    fresh = _parse_log_bytes(path, data, offset, log)
    if offset == 0 or (want_records and len(data) - offset > _CACHE_SLACK):
        # Saving rewrites the whole cache; a short new tail is cheaper to parse again.
        cache.save(data, cached + fresh)
    return cached + fresh


def _parse_log_bytes(path: Path, data: bytes, offset: int, log: Log) -> list[Record]:
    """Parse and check ``data[offset:]``; errors give line numbers in the whole file."""
    tail = data[offset:]
    lines_before = data.count(b"\n", 0, offset)
    last_start = _last_record_start(tail)
    last_line = lines_before + tail.count(b"\n", 0, max(last_start, 0)) + 1
    try:
        parsed = _parse(path, tail, line_offset=lines_before)
    except _ParseError as error:
        if last_start >= 0 and error.line >= last_line:
            raise TrustError(_torn_message(path, last_line, error.reason)) from None
        raise TrustError(error.message) from None
    raw_records = parsed.pop(log.table, [])
    if parsed or not isinstance(raw_records, list):
        extra = ", ".join(sorted(parsed)) or log.table
        raise TrustError(
            f"{path}: unexpected entry '{extra}'; this file holds only [[{log.table}]] records",
        )
    records = []
    for index, raw in enumerate(raw_records, start=1):
        try:
            records.append(log.normalise(raw))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            if index == len(raw_records) and log.cut_off(raw):
                raise TrustError(_torn_message(path, last_line, str(exc))) from None
            line = lines_before + _header_line(tail, log.table, index)
            raise TrustError(
                f"{path}: the record at line {line} {exc}; fix it in an editor"
            ) from None
    return records


def _last_record_start(data: bytes) -> int:
    """Where the last header line (a line starting with '[') begins in ``data``, or -1.

    A record cut off inside its own header ('[[follo') still counts as its start.
    """
    position = data.rfind(b"\n[")
    if position >= 0:
        return position + 1
    return 0 if data.startswith(b"[") else -1


def _header_line(data: bytes, table: str, index: int) -> int:
    """The 1-based line of the index-th ``[[table]]`` header in ``data``."""
    marker = f"[[{table}]]".encode()
    seen = 0
    for number, text in enumerate(data.split(b"\n"), start=1):
        if text.strip().startswith(marker):
            seen += 1
            if seen == index:
                return number
    return 1


def _torn_message(path: Path, line: int, reason: str = "") -> str:
    """The last record is broken: most likely cut off by a crash mid-write."""
    detail = f" ({reason})" if reason else ""
    return (
        f"{path}: the last record, from line {line}, is incomplete{detail}; it was probably "
        f"cut off while being written: delete line {line} to the end of the file to go on"
    )


class _LogCache:
    """Checked records of one log as JSON: a header line (version, offset, checksum of
    the log up to that offset), then the records. Losing it only costs speed."""

    def __init__(self, path: Path, version: int) -> None:
        self.path = path
        self.version = version
        self._body = b""

    def valid_offset(self, data: bytes) -> int:
        """How many bytes of ``data`` the cache already covers (0: none, or stale)."""
        try:
            head, _, self._body = self.path.read_bytes().partition(b"\n")
            meta = json.loads(head)
            offset, crc = meta["offset"], meta["crc"]
            if meta["version"] != self.version or not isinstance(offset, int):
                return 0
        except (OSError, ValueError, TypeError, KeyError):
            return 0
        if offset > len(data) or zlib.crc32(data[:offset]) != crc:
            return 0
        return offset

    def records(self) -> list[Record] | None:
        """The cached records, or None if that part of the file is damaged."""
        try:
            records = json.loads(self._body)
        except ValueError:
            return None
        return records if isinstance(records, list) else None

    def save(self, data: bytes, records: list[Record]) -> None:
        meta = {"version": self.version, "offset": len(data), "crc": zlib.crc32(data)}
        text = json.dumps(meta) + "\n" + json.dumps(records, ensure_ascii=False)
        try:
            self.path.parent.mkdir(mode=0o700, exist_ok=True)
            write_atomic(self.path, text, durable=False)
        except (OSError, TrustError):
            pass


# --- parsing and writing helpers --------------------------------------------------


class _ParseError(Exception):
    """Where a TOML file stops parsing: its line in the whole file, and why."""

    def __init__(self, path: Path, line: int, column: int | None, reason: str) -> None:
        where = f"line {line}, column {column}" if column else f"line {line}"
        self.message = (
            f"{path}: {where}: {reason}; fix it in an editor (trustcli has not changed the file)"
        )
        super().__init__(self.message)
        self.line = line
        self.reason = reason


def _parse(path: Path, raw: bytes, line_offset: int = 0) -> Record:
    """Parse TOML; ``line_offset`` counts the lines before ``raw`` in the file."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1 + line_offset
        raise _ParseError(path, line, None, "not valid UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        reason = message[: position.start()].strip() if position else message
        if position is None or position.group(1) is None:  # "(at end of document)"
            line, column = text.count("\n") + 1, None
        else:
            line, column = int(position.group(1)), int(position.group(2))
        raise _ParseError(path, line + line_offset, column, reason) from None


def _dump(data: Record) -> str:
    """TOML a person can read: every array of tables as ``[[name]]`` blocks.

    tomli_w writes a short array of tables inline (``promise = [ {…} ]``), which is hard
    to edit by hand, so those headers are written here. The result must parse back to
    exactly ``data`` before anything is written.
    """
    import tomli_w  # writing only: reads never pay for it

    plain = {key: value for key, value in data.items() if not _is_table_array(value)}
    parts = [tomli_w.dumps(plain)] if plain else []
    for key, value in data.items():
        if _is_table_array(value):
            parts.extend(f"[[{key}]]\n{tomli_w.dumps(record)}" for record in value)
    text = "\n".join(parts)
    if tomllib.loads(text) != data:
        raise TrustError(
            f"internal: data does not survive a TOML round-trip: {data!r}", EXIT_RUNTIME
        )
    return text


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _open_private(path: Path, flags: int) -> int:
    """Open (creating 0600 if needed) a file only its owner may read."""
    return os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds the renamed file."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
