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
from pathlib import Path
from typing import Any

from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, TrustError

Record = dict[str, Any]
Normalise = Callable[[Record], Record]

_LOCK_NAME = ".lock"
_CACHE_DIR = "cache"
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TAIL_WINDOW = 64 * 1024
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
    fd = _open_private(folder / _LOCK_NAME, os.O_RDWR | os.O_CREAT)
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
    return _parse(path, raw)


@contextlib.contextmanager
def updating(name: str) -> Iterator[Record]:
    """Read a document under the lock, let the caller change it, write it back atomically.

    If the block raises, nothing is written.
    """
    with lock():
        data = read(name)
        yield data
        write_atomic(path_of(name), _dump(data))


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


def append(name: str, table: str, record: Record, normalise: Normalise) -> None:
    """Add one record to the end of a log with a single write under the lock.

    The header is written by hand: ``tomli_w.dumps({table: [record]})`` would write an
    inline array, and two of those make the file invalid. Before writing, the last
    record already in the file is checked, so a torn or hand-broken tail is reported
    instead of being buried under new records.
    """
    chunk = "\n" + _dump({table: [record]})
    path = path_of(name)
    with lock():
        try:
            fd = _open_private(path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        except OSError as exc:
            raise TrustError(f"cannot open {path}: {exc.strerror}", EXIT_RUNTIME) from None
        try:
            _check_tail(fd, path, table, normalise)
            _write_all(fd, chunk.encode("utf-8"))
            os.fsync(fd)
        except OSError as exc:
            raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
        finally:
            os.close(fd)


def read_log(name: str, table: str, normalise: Normalise, version: int = 1) -> list[Record]:
    """All records of a log, in the order they were written.

    ``normalise`` checks one raw record and returns it in JSON-friendly form (dates as
    ISO text), or raises ValueError saying what is wrong. The normalised records are
    kept in a cache beside the data together with the byte offset and a checksum of
    what they came from, so each call parses only what was appended since the last
    one. Any change before that offset (a hand edit) makes it parse everything again.
    """
    path = path_of(name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None

    cache_path = home() / _CACHE_DIR / f"{name}.json"
    cached = _load_cache(cache_path, version)
    offset, records = 0, []
    if (
        cached is not None
        and cached["offset"] <= len(data)
        and zlib.crc32(data[: cached["offset"]]) == cached["crc"]
    ):
        offset, records = cached["offset"], cached["records"]
    if offset == len(data):
        return records

    fresh = _parse_log_bytes(path, data, offset, table, normalise)
    if offset == 0 or len(data) - offset > _CACHE_SLACK:
        # Re-saving rewrites the whole cache; a short new tail is cheaper to re-parse.
        _save_cache(cache_path, version, len(data), zlib.crc32(data), records + fresh)
    return records + fresh


def _parse_log_bytes(
    path: Path, data: bytes, offset: int, table: str, normalise: Normalise
) -> list[Record]:
    lines_before = data.count(b"\n", 0, offset)
    parsed = _parse(path, data[offset:], line_offset=lines_before, log_table=table)
    raw_records = parsed.pop(table, [])
    if parsed or not isinstance(raw_records, list):
        extra = ", ".join(sorted(parsed)) or table
        raise TrustError(
            f"{path}: unexpected entry '{extra}'; this file holds only [[{table}]] records",
        )
    records = []
    total = len(raw_records)
    for index, raw in enumerate(raw_records, start=1):
        try:
            records.append(normalise(raw))
        except (ValueError, TypeError, KeyError) as exc:
            line = _header_line(data, table, index, offset) + lines_before
            if index == total:
                raise TrustError(_torn_message(path, line, str(exc))) from None
            raise TrustError(
                f"{path}: the record at line {line} {exc}; fix it in an editor"
            ) from None
    return records


def _check_tail(fd: int, path: Path, table: str, normalise: Normalise) -> None:
    """Refuse to append after a last record that does not parse or is incomplete."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    tail = os.pread(fd, min(size, _TAIL_WINDOW), max(0, size - _TAIL_WINDOW))
    start = _last_header_offset(tail, table)
    if start < 0 and len(tail) < size:  # one huge record: look at the whole file
        tail = os.pread(fd, size, 0)
        start = _last_header_offset(tail, table)
    if start < 0:  # no record at all: let the full parser say what, if anything, is wrong
        _parse_log_bytes(path, tail, 0, table, normalise)
        return
    try:
        (last,) = tomllib.loads(tail[start:].decode("utf-8"))[table]
        normalise(last)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        whole = tail if len(tail) == size else os.pread(fd, size, 0)
        line = whole.count(b"\n", 0, size - len(tail) + start) + 1
        raise TrustError(_torn_message(path, line, str(exc))) from None


def _last_header_offset(data: bytes, table: str) -> int:
    """Where the last ``[[table]]`` header line starts in ``data``, or -1."""
    marker = f"[[{table}]]".encode()
    position = data.rfind(b"\n" + marker)
    if position >= 0:
        return position + 1
    return 0 if data.startswith(marker) else -1


def _header_line(data: bytes, table: str, index: int, offset: int) -> int:
    """The 1-based line (counted from ``offset``) of the index-th header in the tail."""
    marker = f"[[{table}]]".encode()
    lines = data[offset:].split(b"\n")
    seen = 0
    for number, text in enumerate(lines, start=1):
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


# --- parsing and writing helpers --------------------------------------------------


def _parse(path: Path, raw: bytes, line_offset: int = 0, log_table: str = "") -> Record:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1 + line_offset
        raise TrustError(f"{path}: line {line} is not valid UTF-8", EXIT_BAD_INPUT) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        if position is None:
            raise TrustError(f"{path}: {message}; fix it in an editor") from None
        line, column = int(position.group(1)), int(position.group(2))
        if log_table:
            last = _last_header_offset(raw, log_table)
            header_line = raw.count(b"\n", 0, last) + 1
            if last >= 0 and line >= header_line:
                raise TrustError(_torn_message(path, header_line + line_offset)) from None
        reason = message[: position.start()].strip()
        raise TrustError(
            f"{path}: line {line + line_offset}, column {column}: {reason}; "
            "fix it in an editor (trustcli has not changed the file)"
        ) from None


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


def _load_cache(path: Path, version: int) -> dict[str, Any] | None:
    try:
        cached = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(cached, dict) or cached.get("version") != version:
        return None
    if not isinstance(cached.get("offset"), int) or not isinstance(cached.get("records"), list):
        return None
    return cached


def _save_cache(path: Path, version: int, offset: int, crc: int, records: list[Record]) -> None:
    """Best effort: a cache that cannot be written only costs speed, never data."""
    document = {"version": version, "offset": offset, "crc": crc, "records": records}
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        write_atomic(path, text, durable=False)
    except (OSError, TrustError):
        pass
