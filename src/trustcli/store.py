"""The data home and the only door to it: every read and write of user data goes here.

Two kinds of file live in the data home:

* small documents (promises, reminders, config) that are read whole and rewritten
  atomically under the lock: temp file in the same folder, fsync, rename;
* append-only logs (follow-ups, check-ins) that grow with every use: one record is
  added with a single write under the lock, so recording costs the same in year five
  as on day one, and two writers cannot clobber each other.

A file that does not parse is never written to; the error names file, line and column.

Nothing escapes the home: every name is checked part by part (``plain_name``), every
folder on the way is ours, private and not a symbolic link, and files are opened with
``O_NOFOLLOW``. A home or a folder in it that belongs to someone else is refused; one
that others could write in is made private again (0700), with a notice. Temp files
have random names, are created exclusively (``mkstemp``) and are 0600.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, TrustError

Record = dict[str, Any]
Normalise = Callable[[Record], Record]

_LOCK_NAME = ".lock"
VAULT_FILE = "vault.toml"  # present when the vault is on (see trustcli.vault)
_CACHE_DIR = "cache"


def _tempfile() -> Any:
    """tempfile (and random, which it imports) only when something is written."""
    import tempfile

    return tempfile


_TOML_POSITION = r"\((?:at line (\d+), column (\d+)|at end of document)\)"
_CACHE_SLACK = 16 * 1024  # parse up to this much new log each time before re-saving the cache
MAX_NAME = 100  # characters in a plain name: well under any file system's limit
_MAX_PART = 255  # bytes in one part of a path: the file systems' own limit (NAME_MAX)
# Marks that reorder or hide text: a name holding one shows differently from what it is.
_INVISIBLE = frozenset(
    ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029"]
    + [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)
_INTERNAL_NAMES = {_LOCK_NAME}  # the only names in the home that may start with a dot
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_STALE_TEMP = 600  # seconds: a temp file this old was left by a crash, not being written
_TEMP_NAME = r"(?s)\A\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp\Z"


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
    return _part_problem(value)


def _part_problem(value: str) -> str:
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


def home() -> Path:
    """The data home: ``$TRUSTCLI_HOME``, else the platform's user data folder."""
    configured = os.environ.get("TRUSTCLI_HOME")
    if configured:  # absolute, so the daemon's unit and every folder mean the same home
        return Path(configured).expanduser().absolute()
    import platformdirs  # only when needed: it is a few milliseconds of start-up

    return Path(platformdirs.user_data_dir("trustcli", appauthor=False))


class UnsafeHome(TrustError):
    """The data home, or something in it, cannot be trusted: a symbolic link, another
    user's folder or file. Never swallowed, not even by a cache."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_RUNTIME)


def ensure_home() -> Path:
    """Create the data home (0700) if needed and make sure it is ours and we may write in it."""
    path = home()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        pass  # not a folder: named below
    except OSError as exc:
        raise TrustError(
            f"cannot create the data home {path}: {exc.strerror}; "
            "set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        ) from None
    _check_home(path)
    if not os.access(path, os.W_OK | os.X_OK):
        raise TrustError(
            f"the data home {path} is not writable; fix its permissions "
            "or set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        )
    return path


def _check_home(path: Path) -> bool:
    """Check the home (which may itself be reached through a link a person made):
    False if it does not exist yet."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        info = None
    except OSError as exc:
        raise TrustError(
            f"cannot read the data home {path}: {exc.strerror}", EXIT_RUNTIME
        ) from None
    if info is None or not stat.S_ISDIR(info.st_mode):
        raise TrustError(
            f"the data home {path} is not a folder; set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        )
    _check_folder(path, info, "the data home ")
    return True


def _check_folder(path: Path, info: os.stat_result, label: str = "") -> None:
    """A folder of the home must be ours; if others may write in it, make it private.

    Repairing rather than refusing: only its owner (us) or root can have opened it up,
    so closing it again is safe and keeps the person going; the notice says it happened.
    A folder others may only read (one a person made with ``mkdir`` under umask 022)
    is their choice and is left as it is; trustcli makes its own folders 0700.
    """
    if info.st_uid != os.geteuid():
        raise UnsafeHome(
            f"{label}{path} belongs to another user; trustcli keeps data only in folders "
            "of your own: set TRUSTCLI_HOME to one"
        )
    if stat.S_IMODE(info.st_mode) & 0o022:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            raise UnsafeHome(
                f"{label}{path} can be changed by others and could not be made "
                f"private ({exc.strerror}): run chmod 700 {path}"
            ) from None
        if sys.stderr is not None:  # closed: print(file=None) would write into stdout
            print(
                f"trustcli: others could change {label}{path}; made it private (0700)",
                file=sys.stderr,
                flush=True,
            )


def _link_error(path: Path) -> UnsafeHome:
    return UnsafeHome(
        f"{path} is a symbolic link; trustcli does not follow links in its data home: "
        "put the file or folder itself there"
    )


def _locate(name: str, create: bool = False, folder: bool = False) -> Path:
    """The path of ``name`` (relative, '/'-separated) in the data home, checked.

    Every part must be a plain name; every folder on the way must be a real folder
    (not a link) that is ours, and is made private if needed; the last part must not be
    a link. ``create`` makes the home and missing folders (0700); ``folder`` checks the
    last part as a folder too. Whatever the caller, the result is inside the home.
    """
    parts = name.split("/")
    for part in parts:
        problem = "" if part in _INTERNAL_NAMES else (_part_problem(part) if part else "empty")
        if problem:
            raise TrustError(
                f"{name!r} is not a name inside the data home ({problem})", EXIT_BAD_INPUT
            )
    base = ensure_home() if create else home()
    if not create and not _check_home(base):
        return base.joinpath(*parts)
    path = base
    for index, part in enumerate(parts):
        path = path / part
        last = index == len(parts) - 1
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            if last or not create:
                return base.joinpath(*parts)
            try:
                os.mkdir(path, 0o700)
                info = os.lstat(path)
            except OSError as exc:
                raise TrustError(
                    f"cannot create the folder {path}: {exc.strerror}", EXIT_RUNTIME
                ) from None
        except OSError as exc:
            raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
        if stat.S_ISLNK(info.st_mode):
            raise _link_error(path)
        if not last or folder:
            if not stat.S_ISDIR(info.st_mode):
                raise TrustError(f"{path} is not a folder; move it out of the data home")
            _check_folder(path, info)
    real_base = os.path.realpath(base)
    if os.path.commonpath([real_base, os.path.realpath(path.parent)]) != real_base:
        raise UnsafeHome(f"{path} is outside the data home {base}; nothing was written")
    return path


def path_of(name: str) -> Path:
    """Where ``name`` is in the data home (for messages and for the functions here);
    the name is checked, the disk is not touched."""
    parts = name.split("/")
    for part in parts:
        problem = "" if part in _INTERNAL_NAMES else (_part_problem(part) if part else "empty")
        if problem:
            raise TrustError(f"{name!r} is not a name inside the data home ({problem})")
    return home().joinpath(*parts)


def folder(name: str) -> Path:
    """A folder of the data home, checked (ours, private, not a link); it may not exist."""
    return _locate(name, folder=True)


def open_file(name: str, flags: int) -> int:
    """Open a file of the data home (never through a link; 0600 when created)."""
    path = _locate(name, create=bool(flags & os.O_CREAT))
    return _open_in_home(path, flags)


def _open_in_home(path: Path, flags: int) -> int:
    """Open a file in the home: never through a symbolic link, only a regular file of
    ours, created 0600; a file opened for writing that others may read is made 0600."""
    try:
        fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _link_error(path) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TrustError(f"{path} is not a file; move it out of the data home", EXIT_RUNTIME)
        _check_owner(path, info)
        if flags & (os.O_WRONLY | os.O_RDWR) and stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, 0o600)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(name: str) -> bytes | None:
    """The bytes of a data-home file (opened, if the vault sealed it), or None."""
    raw = _read_file(_locate(name))
    return None if raw is None else _plain(name, raw)


def _read_file(path: Path) -> bytes | None:
    """Read a file of the home: not a link, a regular file of ours, looked at before
    opening (a link or a FIFO is never opened) and after: the file opened must be the
    one at the path (same device and inode), so a link swapped in between is caught."""
    try:
        with contextlib.suppress(FileNotFoundError):  # then open() below says so
            _check_regular(path, os.lstat(path))
        with open(path, "rb") as file:
            opened = os.fstat(file.fileno())
            info = os.lstat(path)
            _check_regular(path, info)
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                raise UnsafeHome(f"{path} was replaced while being read; try again")
            _check_owner(path, opened)
            return file.read()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise TrustError(
            f"the data home {home()} is not a folder; set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        ) from None
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None


def _check_regular(path: Path, info: os.stat_result) -> None:
    """Not a link (never followed), a regular file (a FIFO would block a read)."""
    if stat.S_ISLNK(info.st_mode):
        raise _link_error(path)
    if not stat.S_ISREG(info.st_mode):
        raise TrustError(f"{path} is not a file; move it out of the data home", EXIT_RUNTIME)


def _check_owner(path: Path, info: os.stat_result) -> None:
    if info.st_uid != os.geteuid():
        raise UnsafeHome(
            f"{path} belongs to another user; trustcli will not use it: move it out of "
            "the data home"
        )


@contextlib.contextmanager
def lock() -> Iterator[None]:
    """Hold the data home's exclusive lock: one writer at a time, across processes."""
    path = _locate(_LOCK_NAME, create=True)
    try:
        fd = _open_in_home(path, os.O_RDWR | os.O_CREAT)
    except OSError as exc:
        raise TrustError(
            f"cannot open {path}: {exc.strerror}; if it is not a file, "
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
    path = _locate(name)
    raw = _read_file(path)
    if raw is None:
        return {}
    try:
        return _parse(path, _plain(name, raw))
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
        write_text(name, _dump(data))


def write_document(name: str, data: Record) -> None:
    """Write a whole TOML document (for example a new session). Hold ``lock()`` around it
    when another process could write the same file."""
    write_text(name, _dump(data))


def write_text(name: str, text: str, durable: bool = True) -> None:
    """Write a text file in the data home atomically, creating private folders as needed.

    ``durable=False`` skips fsync, for caches that can be rebuilt. With the vault on,
    what reaches the disk is sealed (see ``trustcli.vault``)."""
    path = _locate(name, create=True)
    write_atomic(
        path, _sealed_file(name, text.encode("utf-8")) if _sealing(name) else text, durable
    )


def names_in(folder: str, suffix: str) -> list[str]:
    """Names (relative to the data home) of the files in ``folder`` ending in ``suffix``;
    hidden files (temp files) and names that could not be ours are left out."""
    path = _locate(folder, folder=True)
    try:
        entries = sorted(
            entry.name
            for entry in path.iterdir()
            if entry.name.endswith(suffix) and not _part_problem(entry.name)
        )
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    return [f"{folder}/{entry}" for entry in entries]


def write_atomic(path: Path, text: str | bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half.

    The temp file beside it has a random name and is created exclusively, 0600, never
    through a link (``mkstemp``): a link planted at a name we might use is never
    followed. Renaming over ``path`` replaces a link there, never writes through it.
    Temp files of ``path`` left by a crash are removed first. ``durable`` also survives
    a power cut (fsync); a cache that can be rebuilt skips it.
    """
    folder = path.parent
    _remove_stale_temps(folder, path.name)
    temp: str | None = None
    try:
        fd, temp = _tempfile().mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            _write_all(fd, text.encode("utf-8") if isinstance(text, str) else text)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        temp = None
        if durable:
            _fsync_folder(folder)
    except OSError as exc:
        raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Remove ``.<name>.XXXXXXXX.tmp`` files of ours older than _STALE_TEMP: left by a
    crash. A younger one may be another process's write in progress and is left alone."""
    prefix, cutoff = f".{name}.", time.time() - _STALE_TEMP
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                    continue
                match = re.match(_TEMP_NAME, entry.name)
                if match is None or match.group("name") != name:
                    continue
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if (
                        stat.S_ISREG(info.st_mode)
                        and info.st_uid == os.geteuid()
                        and info.st_mtime < cutoff
                    ):
                        os.unlink(entry.path)
    except OSError:
        pass  # only tidying: the write itself reports real problems


# --- append-only logs -------------------------------------------------------------


class Log:
    """An append-only log: its file, its ``[[table]]`` name, and how to check a record.

    ``normalise`` checks one raw record and returns it in JSON-friendly form (dates as
    ISO text), or raises ValueError saying what is wrong. ``version`` names the shape of
    that output: bump it when the shape changes and old caches are ignored. Every
    writer puts ``last_field``, a date-time with its offset, at the end of a record: a
    last record that has it whole was not cut off, so its faults are a person's edits.

    ``read_fast``, if given, reads the text of records exactly as this log's writer
    puts them straight into what ``normalise`` would return, or gives None for
    anything else (then the TOML readers and ``normalise`` decide, and word any fault).
    """

    # A plain class, not a dataclass: @dataclass costs ~0.5 ms at every start (issue 14).
    __slots__ = ("last_field", "name", "normalise", "read_fast", "table", "version")

    def __init__(
        self,
        name: str,
        table: str,
        normalise: Normalise,
        version: int = 1,
        last_field: str = "at",
        read_fast: Callable[[str], list[Record] | None] | None = None,
    ) -> None:
        if LOG_TABLES.get(name) != table:  # the vault must know every log
            raise ValueError(f"{name} is not in store.LOG_TABLES")
        self.name, self.table, self.normalise = name, table, normalise
        self.version, self.last_field, self.read_fast = version, last_field, read_fast

    def __repr__(self) -> str:
        return f"Log({self.name!r}, {self.table!r}, version={self.version})"

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

    from trustcli import logscan

    text = "".join(f"\n[[{log.table}]]\n{tomli_w.dumps(record)}" for record in records)
    # What logscan reads is exactly what tomllib reads (tests/test_logscan.py), in a
    # fraction of the time: an import of 10,000 records costs about what reading them does.
    if (logscan.scan(text, log.table) or _tomllib_loads(text)) != {log.table: records}:
        raise TrustError(
            f"internal: records do not survive a TOML round-trip in {log.name}", EXIT_RUNTIME
        )
    chunk = text.encode("utf-8")
    with lock():
        existing = _read_checked(log, want_records=check is not None)
        if check is not None:
            check(existing)
        path = _locate(log.name, create=True)
        sealing = _sealing(log.name)
        plain = [tomli_w.dumps(record).encode("utf-8") for record in records] if sealing else []
        try:
            fd = _open_in_home(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                if sealing:  # each record sealed for the place it will have in the file
                    chunk = _sealed_records(log.name, log.table, plain, os.fstat(fd).st_size)
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
        data = read_bytes(name) or b""
    except TrustError:
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
    path = _locate(log.name)
    data = _read_file(path)
    if data is None:
        return []

    cache = _LogCache(f"{_CACHE_DIR}/{log.name}.json", log.version)
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
    sealed = _sealed_only(tail, log.table)
    if log.read_fast is not None:
        if sealed is None:
            fast = _read_fast(log, tail)
            if fast:  # plain records: as _open_records takes them
                _refuse_plain(log.name)
        else:  # opened (each where it belongs), then read as one text, as written
            found = _opened(path, log.name, log.table, data, offset, sealed)
            header = f"\n[[{log.table}]]\n".encode()
            plain = b"".join(header + text for text in found[0]) if found else b""
            fast = _read_fast(log, plain)
        if fast is not None:
            return fast
    try:
        if sealed is not None:  # as the vault writes them: no TOML parse of the envelopes
            parsed = {log.table: _open_records(path, log.name, log.table, data, offset, sealed)}
        else:
            parsed = _parse_records(path, tail, log.table, line_offset=lines_before)
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
    if sealed is None:  # else opened above
        raw_records = _open_records(path, log.name, log.table, data, offset, raw_records)
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


def _read_fast(log: Log, tail: bytes) -> list[Record] | None:
    """``log.read_fast`` of ``tail``, or None when it is not UTF-8 or not as written."""
    assert log.read_fast is not None
    try:
        text = tail.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return log.read_fast(text)


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
    """Checked records of one log as JSON (see ``save_cache``): the header holds the
    version, the offset and a checksum of the log up to that offset, so any change to
    that part of the log (a hand edit) makes the cache stale. Losing it only costs speed.
    """

    def __init__(self, name: str, version: int) -> None:
        self.name = name
        self.version = version
        self._body = b""

    def valid_offset(self, data: bytes) -> int:
        """How many bytes of ``data`` the cache already covers (0: none, or stale)."""
        loaded = load_cache(self.name)
        if loaded is None:
            return 0
        meta, self._body = loaded
        offset, crc = meta.get("offset"), meta.get("crc")
        if meta.get("version") != self.version or not isinstance(offset, int):
            return 0
        if offset > len(data) or zlib.crc32(data[:offset]) != crc:
            return 0
        return offset

    def records(self) -> list[Record] | None:
        """The cached records, or None if that part of the file is damaged."""
        import json  # caches only: a command that reads none never pays for it

        try:
            records = json.loads(self._body)
        except ValueError:
            return None
        return records if isinstance(records, list) else None

    def save(self, data: bytes, records: list[Record]) -> None:
        meta = {"version": self.version, "offset": len(data), "crc": zlib.crc32(data)}
        save_cache(self.name, meta, records)


def save_cache(name: str, meta: Record, body: Any) -> None:
    """Keep ``body`` (JSON) in a cache file of the data home: a header line (``meta`` and
    a checksum of the body), then the body. Failing to write only costs speed, but a
    link or another user's folder in the way is still reported (UnsafeHome).
    """
    import json

    text = json.dumps(body, ensure_ascii=False)
    head = json.dumps({**meta, "body_crc": zlib.crc32(text.encode("utf-8"))})
    try:
        write_text(name, f"{head}\n{text}", durable=False)
    except UnsafeHome:
        raise
    except TrustError:
        pass


def load_cache(name: str) -> tuple[Record, bytes] | None:
    """A cache's header and its body (JSON bytes, not yet parsed), or None when it is
    missing or does not match its checksum.

    What this protects against: a cache cut short by a crash or a full disk, damaged on
    disk, or edited by hand: the body must match the checksum in its header, and each
    caller checks the header against its source (the log, the reminders). What it does
    not: someone who can write the data home can also rewrite a checksum, as they could
    rewrite the logs themselves; the owner and permission checks on the home and its
    folders (``_check_folder``) keep other users out.
    """
    raw = _read_file(_locate(name))
    if raw is None:
        return None
    try:
        raw = _plain(name, raw)
    except Locked:
        raise
    except TrustError:  # sealed, and damaged or not this cache's: rebuilt like any other
        return None
    head, _, body = raw.partition(b"\n")
    import json

    try:
        meta = json.loads(head)
    except ValueError:
        return None
    if not isinstance(meta, dict) or meta.get("body_crc") != zlib.crc32(body):
        return None
    return meta, body


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
    """Parse TOML; ``line_offset`` counts the lines before ``raw`` in the file.

    A document exactly as trustcli writes it is read by ``logscan`` (the same result,
    without tomllib's import); tomllib reads the rest and words every error."""
    from trustcli import logscan

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1 + line_offset
        raise _ParseError(path, line, None, "not valid UTF-8 text") from None
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
        raise _ParseError(path, line + line_offset, column, reason) from None


def _parse_records(path: Path, raw: bytes, table: str, line_offset: int = 0) -> Record:
    """Parse ``[[table]]`` records: those exactly as trustcli writes them with the fast
    reader (``trustcli.logscan``: regular expressions, several times quicker than
    tomllib), anything else (a hand edit, a torn record) with tomllib, which also gives
    every error message (see ``_parse``)."""
    from trustcli import logscan

    with contextlib.suppress(UnicodeDecodeError):
        fast = logscan.scan(raw.decode("utf-8"), table)
        if fast is not None:
            return fast
    return _parse(path, raw, line_offset)


def _dump(data: Record) -> str:
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
    if (logscan.scan_document(text) or _tomllib_loads(text)) != data:
        raise TrustError(
            f"internal: data does not survive a TOML round-trip: {data!r}", EXIT_RUNTIME
        )
    return text


def _tomllib_loads(text: str) -> Record:
    import tomllib

    return tomllib.loads(text)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


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


# --- the vault: sealing what reaches the disk --------------------------------------
#
# With the vault on (``vault.toml`` in the home), every file written here is sealed with
# the vault's data key (see ``trustcli.vault``): a document or a cache as one sealed
# file, each record of a log on its own, so appending stays one small write. Both stay
# valid TOML, so the lock, the torn-record checks and the caches work as before. Reads
# open whatever is sealed and take plain files as they are (a template a person drops
# in, a file not yet converted when turning the vault on was interrupted).

SEALED_MAGIC = b"# trustcli vault: encrypted"
_SEALED_HEAD = SEALED_MAGIC + b". Run trustcli unlock; it opens only with your passphrase.\n"
_SEALED_RAW = SEALED_MAGIC + b" (a cache: raw bytes follow)\n"  # not TOML: caches are JSON
_SEALED_LINE = rb'\Asealed = "([A-Za-z0-9+/=]*)"\n?\Z'
_NEVER_SEALED = {_LOCK_NAME, VAULT_FILE, "daemon.pid"}
# Every append-only log of the home (``Log`` refuses any other): the vault seals their
# records one by one, and converting a home must know which files are logs.
LOG_TABLES = {
    "followthrough.toml": "followup",
    "checkins.toml": "checkin",
    "confirmations.toml": "confirmation",
    "deliveries.toml": "delivery",
    "triggers.toml": "trigger",
}


class Locked(TrustError):
    """The vault is on and no key is at hand (see ``trustcli.vault``): one line, exit 1.
    Code that must work on a locked home catches it around reads of sealed data."""

    def __init__(self) -> None:
        super().__init__("locked: run trustcli unlock", EXIT_RUNTIME)


def dump_toml(data: Record) -> str:
    """TOML a person can read (see ``_dump``)."""
    return _dump(data)


def _sealing(name: str) -> bool:
    """Whether a write of ``name`` is sealed: checked at every write (one stat), so a
    writer that started before the vault was turned on never adds plain text after."""
    return name not in _NEVER_SEALED and vault_on()


def _file_ad(name: str) -> bytes:
    return b"trustcli vault file v1\0" + name.encode("utf-8")


def _record_ad(name: str, offset: int) -> bytes:
    return _record_ad_start(name) + str(offset).encode()


def _record_ad_start(name: str) -> bytes:
    return b"trustcli vault record v1\0" + name.encode("utf-8") + b"\0"


def _data_key() -> bytes:
    from trustcli import vault

    key = vault.data_key()
    assert key is not None
    return key


def _sealed_file(name: str, plain: bytes) -> bytes:
    import base64

    from trustcli import vault

    sealed = vault.seal_bytes(_data_key(), plain, _file_ad(name))
    if name.startswith(f"{_CACHE_DIR}/"):  # nobody reads a cache: raw bytes load faster
        return _SEALED_RAW + sealed
    return _SEALED_HEAD + b'sealed = "' + base64.b64encode(sealed) + b'"\n'


def _plain(name: str, raw: bytes, allow_plain: bool = False) -> bytes:
    """``raw`` as written before sealing: opened if sealed, else as it is. A file that is
    never sealed (vault.toml, which opening needs) is never opened either; a plain one
    where the vault seals everything is refused (see ``_refuse_plain``)."""
    if name in _NEVER_SEALED:
        return raw
    if not raw.startswith(SEALED_MAGIC):
        if not allow_plain and raw.strip():
            _refuse_plain(name)
        return raw
    import base64
    import binascii

    from trustcli import vault

    where = path_of(name)
    if raw.startswith(_SEALED_RAW):
        sealed = raw[len(_SEALED_RAW) :]
    else:
        match = re.match(_SEALED_LINE, raw.partition(b"\n")[2])
        if match is None:
            raise TrustError(
                f"{where}: this sealed file is damaged (cut short or changed)", EXIT_RUNTIME
            )
        try:
            sealed = base64.b64decode(match.group(1), validate=True)
        except (binascii.Error, ValueError):
            raise TrustError(f"{where}: this sealed file is damaged", EXIT_RUNTIME) from None
    plain = vault.open_bytes(_data_key(), sealed, _file_ad(name))
    if plain is None:
        raise TrustError(
            f"{where}: does not open with this vault's key: it was changed, damaged, or "
            "comes from another home",
            EXIT_RUNTIME,
        )
    return plain


def _sealed_records(name: str, table: str, plains: list[bytes], at: int) -> bytes:
    """Records as sealed ``[[table]]`` entries for a file whose end is at byte ``at``."""
    import base64

    from trustcli import vault

    key, parts = _data_key(), []
    for plain in plains:
        header = at + 1  # after the blank line's newline
        sealed = vault.seal_bytes(key, plain, _record_ad(name, header))
        part = f'\n[[{table}]]\nsealed = "'.encode() + base64.b64encode(sealed) + b'"\n'
        parts.append(part)
        at += len(part)
    return b"".join(parts)


def _refuse_plain(name: str) -> None:
    """With the vault on, every file and record trustcli writes is sealed: a plain one
    was put there by someone else (or by hand), and is not trusted until ``vault enable``
    seals it. Your own templates may be plain; so may anything while the vault is being
    turned on or off. A plain home pays one stat."""
    if name.startswith("templates/") or not vault_on():
        from_elsewhere = False
    else:
        from trustcli import vault

        from_elsewhere = vault.sealing_everything()
    if from_elsewhere:
        raise TrustError(
            f"{path_of(name)}: not encrypted, though the vault is on, so trustcli did not "
            "write it; if you put it there yourself, trustcli vault enable encrypts it",
            EXIT_RUNTIME,
        )


def _open_records(
    path: Path,
    name: str,
    table: str,
    data: bytes,
    offset: int,
    raw_records: list[Any],
    allow_plain: bool = False,
) -> list[Any]:
    """The records of ``data[offset:]`` with every sealed one opened (it must open at
    the place in the file it was written for); plain ones as ``_plain`` takes them."""
    found = _opened(path, name, table, data, offset, raw_records, allow_plain)
    if found is None:
        return raw_records
    return _parse_opened(path, table, *found)


def _opened(
    path: Path,
    name: str,
    table: str,
    data: bytes,
    offset: int,
    raw_records: list[Any],
    allow_plain: bool = False,
) -> tuple[list[Any], Callable[[int], int]] | None:
    """``_open_records`` before the parse: each sealed record's plain bytes (the plain
    records as they are), and how to find a record's line; None if none was sealed."""
    # _is_sealed_record, inline: this runs once per record of a log
    sealed = [
        isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("sealed"), str)
        for raw in raw_records
    ]
    sealed_count = sum(sealed)
    if sealed_count < len(raw_records) and not allow_plain:
        _refuse_plain(name)
    if not sealed_count:
        return None
    import binascii

    from trustcli import vault

    starts = _header_starts(data, table, offset)

    def line(index: int) -> int:  # only when a record must be named: it scans the file
        return data.count(b"\n", 0, offset) + _header_line(data[offset:], table, index + 1)

    # One cipher and one start of the associated data for all; base64.b64decode(text,
    # validate=True) is a2b_base64(text, strict_mode=True) (binascii.Error is a ValueError).
    open_one, ad_start, opened = vault.opener(_data_key()), _record_ad_start(name), []
    a2b, placed = binascii.a2b_base64, len(starts) == len(raw_records)
    for index, raw in enumerate(raw_records):
        if not sealed[index]:
            opened.append(raw)
            continue
        plain = None
        if placed:
            try:
                sealed_bytes = a2b(raw["sealed"], strict_mode=True)
            except ValueError:  # not base64
                sealed_bytes = b""  # opens as nothing
            plain = open_one(sealed_bytes, b"%b%d" % (ad_start, starts[index]))
        if plain is None:
            raise TrustError(
                f"{path}: the record at line {line(index)} does not open with this vault's "
                "key: it was moved, changed or damaged",
                EXIT_RUNTIME,
            )
        opened.append(plain)
    return opened, line


def _header_starts(data: bytes, table: str, offset: int) -> list[int]:
    """Where each ``[[table]]`` header line of ``data[offset:]`` starts (its ``[[``),
    absolute: a line that holds, after any spaces or tabs, ``[[``, the table's name and
    ``]]`` (spaces or tabs around the name). Found from each ``[[`` (a literal search,
    in C), not by a multi-line pattern tried at every byte: the same places, about a
    third of the time.
    """
    header = re.compile(rb"\[\[[ \t]*" + re.escape(table.encode()) + rb"[ \t]*\]\]")
    starts = []
    for match in header.finditer(data, offset):
        start = match.start()
        if data[start - 1 : start] == b"\n":  # as written: at the start of its line
            starts.append(start)
            continue
        line_start = data.rfind(b"\n", 0, start) + 1
        if line_start >= offset and not data[line_start:start].strip(b" \t"):
            starts.append(start)
    return starts


def _parse_opened(
    path: Path, table: str, opened: list[Any], line: Callable[[int], int]
) -> list[Any]:
    """Parse the opened records (bytes) among the plain ones: all in one document when
    they make one (one parse of ten thousand records is far cheaper than ten thousand),
    else one by one."""
    import tomllib as toml

    from trustcli import logscan

    texts = [item for item in opened if isinstance(item, bytes)]
    with contextlib.suppress(UnicodeDecodeError, toml.TOMLDecodeError):
        joined = b"".join(b"\n[[" + table.encode() + b"]]\n" + text for text in texts)
        document = joined.decode("utf-8")
        # As the vault seals them (tomli_w's text of each record): the fast reader.
        parsed = logscan.scan(document, table) or toml.loads(document)
        records = parsed.get(table)
        if list(parsed) == [table] and isinstance(records, list) and len(records) == len(texts):
            if len(texts) == len(opened):  # all were sealed
                return records
            found = iter(records)
            return [next(found) if isinstance(item, bytes) else item for item in opened]
    result = []
    for index, item in enumerate(opened):
        if not isinstance(item, bytes):
            result.append(item)
            continue
        try:
            result.append(toml.loads(item.decode("utf-8")))
        except (UnicodeDecodeError, toml.TOMLDecodeError):
            raise TrustError(
                f"{path}: the record at line {line(index)} is damaged", EXIT_RUNTIME
            ) from None
    return result


_SEALED_RECORDS: dict[str, re.Pattern[bytes]] = {}


def _sealed_only(tail: bytes, table: str) -> list[Any] | None:
    """The records of ``tail`` as ``{"sealed": …}`` when it holds nothing but sealed
    records exactly as the vault writes them (a regular expression reads those in a
    fraction of what tomllib needs); None otherwise (mixed, hand-touched, cut off)."""
    if not tail.startswith((b"\n[[", b"[[")):
        return None
    if table not in _SEALED_RECORDS:
        name = re.escape(table.encode())
        _SEALED_RECORDS[table] = re.compile(
            rb"(?:\n?\[\[" + name + rb'\]\]\nsealed = "[A-Za-z0-9+/=]*"\n)*'
        )
    if _SEALED_RECORDS[table].fullmatch(tail) is None:
        return None
    return [{"sealed": blob.decode("ascii")} for blob in re.findall(rb'sealed = "([^"]*)"', tail)]


def _is_sealed_record(raw: Any) -> bool:
    return isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("sealed"), str)


def home_files() -> list[str]:
    """Every file of the home that the vault seals, as names relative to the home: not
    the lock, vault.toml, the pid file, temp files, caches or anything not ours."""
    base = home()
    if not _check_home(base):
        return []
    found = []
    for folder, folders, files in os.walk(base):
        relative = os.path.relpath(folder, base)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        folders[:] = sorted(f for f in folders if not _part_problem(f) and prefix + f != _CACHE_DIR)
        for entry in sorted(files):
            name = prefix + entry
            if name in _NEVER_SEALED or _part_problem(entry):
                continue
            found.append(name)
    return found


def temp_files() -> list[Path]:
    """Temp files of ours anywhere in the home (``.NAME.XXXXXXXX.tmp``): one a crash left
    holds a plain copy of what was being written, and no reader ever looks at it."""
    base = home()
    if not _check_home(base):
        return []
    found = []
    for folder, folders, files in os.walk(base):
        folders[:] = sorted(f for f in folders if not _part_problem(f))
        found += [Path(folder) / entry for entry in sorted(files) if re.match(_TEMP_NAME, entry)]
    return found


def cache_files() -> list[str]:
    """The files of ``cache/``: rebuilt at need, so the vault removes rather than converts them."""
    return names_in(_CACHE_DIR, "")


def is_sealed(name: str) -> bool:
    """Whether ``name`` is sealed whole, or (a log) holds no plain record; no key needed."""
    raw = _read_file(_locate(name)) or b""
    if name in LOG_TABLES:
        try:
            parsed = _parse(path_of(name), raw)
        except _ParseError:
            return False
        records = parsed.get(LOG_TABLES[name], [])
        return isinstance(records, list) and all(_is_sealed_record(raw) for raw in records)
    return raw.startswith(SEALED_MAGIC)


def _log_raw_records(name: str, raw: bytes) -> tuple[list[Any], int]:
    """A log's records as written (sealed ones opened) and how many were sealed."""
    path, table = path_of(name), LOG_TABLES[name]
    try:
        parsed = _parse(path, raw)
    except _ParseError as error:
        raise TrustError(error.message) from None
    raw_records = parsed.get(table, [])
    if set(parsed) - {table} or not isinstance(raw_records, list):
        raise TrustError(f"{path}: this file holds only [[{table}]] records; fix it first")
    sealed = sum(_is_sealed_record(raw) for raw in raw_records)
    return _open_records(path, name, table, raw, 0, raw_records, allow_plain=True), sealed


def check_convertible(name: str) -> None:
    """Refuse to convert a file that cannot be read (a link, not a file, another user's),
    a sealed one that does not open, or a TOML file that does not parse: once sealed,
    nobody could fix it; and a conversion must not stop halfway."""
    raw = _read_file(_locate(name)) or b""
    if name in LOG_TABLES:
        _log_raw_records(name, raw)
        return
    plain = _plain(name, raw, allow_plain=True)  # one that does not open: named now
    if not name.endswith(".toml"):
        return
    try:
        _parse(path_of(name), plain)
    except _ParseError as error:
        raise TrustError(error.message) from None


def convert(name: str, seal: bool) -> bool:
    """Seal (or open) one file of the home in place; True if it changed.

    Atomic, file by file: a crash leaves each file old or new, and both read with the
    key. The plain file replaced by its sealed form is overwritten where the file system
    allows (never one with another hard link to it)."""
    path = _locate(name)
    raw = _read_file(path)
    if raw is None:
        return False
    if name in LOG_TABLES:
        records, sealed = _log_raw_records(name, raw)
        if sealed == (len(records) if seal else 0):
            return False
        import tomli_w

        plains = [tomli_w.dumps(record).encode("utf-8") for record in records]
        table = LOG_TABLES[name]
        if seal:  # the first record at the very start of the file: its header is at 0
            new = _sealed_records(name, table, plains, -1)[1:]
        else:
            new = b"".join(f"\n[[{table}]]\n".encode() + plain for plain in plains)[1:]
    elif raw.startswith(SEALED_MAGIC) == seal:
        return False
    else:
        new = _sealed_file(name, raw) if seal else _plain(name, raw, allow_plain=True)
    _replace_overwriting(path, new, overwrite_old=seal)
    return True


def rename(old: str, new: str) -> None:
    """Give a file of the home a new name; a sealed one is sealed again for that name.

    The new file is written whole before the old one goes: a crash leaves the old name,
    or both (and then the new one is complete). If the new name exists already, only
    the old one is removed."""
    source = _locate(old)
    raw = _read_file(source)
    if raw is None:
        return
    target = _locate(new, create=True)
    if not os.path.lexists(target):
        plain = _plain(old, raw, allow_plain=True)
        write_atomic(target, _sealed_file(new, plain) if raw.startswith(SEALED_MAGIC) else plain)
    try:
        os.unlink(source)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise TrustError(f"cannot remove {source}: {exc.strerror}", EXIT_RUNTIME) from None


def _replace_overwriting(path: Path, data: bytes, overwrite_old: bool) -> None:
    fd = None
    if overwrite_old:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_WRONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
    try:
        write_atomic(path, data)
        if fd is not None:
            info = os.fstat(fd)
            if info.st_nlink == 0 and stat.S_ISREG(info.st_mode):  # gone from every folder
                with contextlib.suppress(OSError):
                    overwrite(fd, info.st_size)
    finally:
        if fd is not None:
            os.close(fd)


# --- the couple folder: a shared directory outside the data home -------------------
#
# The couple folder is not ours alone: a sync tool, the partner's device (perhaps another
# user on this computer) and the person write in it. So its files are not checked for an
# owner, but the rest of the rules of the home hold: every name is a plain name, no
# symbolic link inside it is followed, only regular files are read, nothing written
# escapes the folder, and a file is created whole (temp file, then linked under its
# name, never over an existing one) or appended to. Its files hold only ciphertext and
# public keys, so they are made readable by others (0644): a second account on a shared
# computer must read them. The folder itself is left as the person made it.

SHARED_READ_LIMIT = 64 * 1024 * 1024  # bytes: a decade of records is far less


def shared_root(path: Path, create: bool = False) -> Path:
    """The couple folder at ``path``, checked: a folder (made if ``create``) we can read
    and write. The path itself may be a link a person made, as the data home may."""
    path = Path(os.path.abspath(path.expanduser()))
    if create:
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except FileExistsError:
            pass  # not a folder: named below
        except OSError as exc:
            raise TrustError(f"cannot create the folder {path}: {exc.strerror}") from None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise TrustError(f"{path} does not exist; check the path") from None
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise TrustError(f"{path} is a file, not a folder; give a folder for the couple")
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise TrustError(
            f"the folder {path} is not writable for you; fix its permissions or pick another"
        )
    return path


def _shared_path(root: Path, parts: tuple[str, ...], folder: bool = False) -> Path:
    """``root/parts…`` with every part a plain name and no link on the way."""
    path = root
    for index, part in enumerate(parts):
        problem = _name_problem(part)
        if problem:
            raise TrustError(f"{part!r} is not a name inside the couple folder ({problem})")
        path = path / part
        last = index == len(parts) - 1
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
        if stat.S_ISLNK(info.st_mode):
            raise TrustError(
                f"{path} is a symbolic link; trustcli does not follow links in the couple folder",
                EXIT_RUNTIME,
            )
        if (not last or folder) and not stat.S_ISDIR(info.st_mode):
            raise TrustError(f"{path} is not a folder", EXIT_RUNTIME)
    return path


def shared_entries(root: Path, *parts: str) -> list[tuple[str, str]]:
    """The entries of a folder in the couple folder, sorted: (name, kind) with kind
    'folder', 'file' or 'other' (links, devices: never followed). Missing: []."""
    path = _shared_path(root, parts, folder=True)
    try:
        with os.scandir(path) as entries:
            found = []
            for entry in entries:
                if entry.is_symlink():
                    kind = "other"
                elif entry.is_dir(follow_symlinks=False):
                    kind = "folder"
                elif entry.is_file(follow_symlinks=False):
                    kind = "file"
                else:
                    kind = "other"
                found.append((entry.name, kind))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    return sorted(found)


def shared_read(root: Path, *parts: str) -> bytes | None:
    """The bytes of a file in the couple folder, or None if it does not exist."""
    path = _shared_path(root, parts)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise TrustError(f"{path} is a symbolic link; it was not read", EXIT_RUNTIME) from None
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TrustError(f"{path} is not a file", EXIT_RUNTIME)
        if info.st_size > SHARED_READ_LIMIT:
            raise TrustError(f"{path} is larger than trustcli ever writes; it was not read")
        os.set_blocking(fd, True)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        os.close(fd)


def shared_mkdir(root: Path, *parts: str) -> Path:
    """Make a folder in the couple folder (and those on the way) if it is missing."""
    for end in range(1, len(parts) + 1):
        path = _shared_path(root, parts[:end], folder=True)
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            pass
        except OSError as exc:
            raise TrustError(f"cannot create {path}: {exc.strerror}", EXIT_RUNTIME) from None
    return _shared_path(root, parts, folder=True)


def shared_create(root: Path, data: bytes, *parts: str) -> None:
    """Create a file in the couple folder whole, never over an existing one.

    The bytes go to a temp file with a random hidden name (readers and sync tools skip
    it), are fsynced, then linked under the real name: a reader sees the whole file or
    none, and a name that exists already (another writer was first) is a TrustError.
    """
    path = _shared_path(root, parts)
    temp: str | None = None
    try:
        fd, temp = _tempfile().mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            _write_all(fd, data)
            os.fchmod(fd, 0o644)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(temp, path)
        _fsync_folder(path.parent)
    except FileExistsError:
        raise TrustError(f"{path} exists already; nothing was changed") from None
    except OSError as exc:
        raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


class NothingWritten(TrustError):
    """An append to the couple folder that failed before writing a byte (the file could
    not be opened, or is not a file): the caller may take back what it reserved."""


def shared_append(root: Path, data: bytes, *parts: str) -> None:
    """Add bytes to the end of a file of this device in the couple folder with one write.

    Only this device writes its files; hold the data home's ``lock()`` around it so two
    processes of this device do not interleave."""
    try:
        path = _shared_path(root, parts)
    except TrustError as error:
        raise NothingWritten(error.message, error.exit_code) from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NothingWritten(f"{path} is a symbolic link; nothing was written") from None
        raise NothingWritten(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NothingWritten(f"{path} is not a file; nothing was written", EXIT_RUNTIME)
        _write_all(fd, data)
        os.fsync(fd)
    except OSError as exc:
        raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        os.close(fd)


# --- the runtime folder: $XDG_RUNTIME_DIR/trustcli ---------------------------------
#
# What must never touch a disk lives here: the vault's unlocked key, text handed to an
# editor. $XDG_RUNTIME_DIR is a tmpfs of the user's own (0700) that the system empties
# at logout. A runtime folder that is missing, not ours or open to others is refused:
# there is no safe place to fall back to, so the caller says so in one line.

RUNTIME_FOLDER = "trustcli"


def has(name: str) -> bool:
    """Whether anything is at ``name`` in the data home: one lstat, nothing read."""
    return os.path.lexists(path_of(name))


def vault_on() -> bool:
    """Whether this home's vault is on (encrypted at rest): one stat, no key needed."""
    return os.path.lexists(path_of(VAULT_FILE))


def home_tag() -> str:
    """A short tag of this data home for runtime file names: several homes (and tests)
    share one runtime folder, and each home's files must be told apart."""
    path = os.fsencode(home())  # not a secret, nor a defence: hashlib would cost 4 ms
    return f"{zlib.crc32(path):08x}{zlib.adler32(path):08x}"


def runtime_names_of_home() -> list[str]:
    """Every runtime file of this data home: names ``<kind>-<home_tag>[-…]``, and the
    temp files ``.<that name>.XXXXXXXX.tmp`` a crash inside ``runtime_write`` left."""
    tag = home_tag()
    found = []
    for name in runtime_names(""):
        temp = re.match(_TEMP_NAME, name)
        own = temp.group("name") if temp else name
        if own.split("-")[1:2] == [tag]:
            found.append(name)
    return found


def runtime_folder(create: bool = False) -> Path:
    """``$XDG_RUNTIME_DIR/trustcli``, checked: ours, 0700, not a link (made if ``create``)."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if not base or not os.path.isabs(base):
        raise TrustError(
            "this needs $XDG_RUNTIME_DIR, a private folder the system empties at logout, "
            "and it is not set here (a desktop or ssh login sets it)",
            EXIT_RUNTIME,
        )
    root = Path(base)
    try:
        info = os.stat(root)
    except OSError as exc:
        raise TrustError(
            f"cannot use $XDG_RUNTIME_DIR ({root}): {exc.strerror}", EXIT_RUNTIME
        ) from None
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.geteuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise UnsafeHome(
            f"$XDG_RUNTIME_DIR ({root}) is not a private folder of yours (0700); "
            "trustcli keeps nothing there"
        )
    path = root / RUNTIME_FOLDER
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeHome(f"{path} is not a folder of trustcli's; move it away")
    if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise UnsafeHome(
            f"{path} is not private (it must be yours and 0700); trustcli keeps nothing there: "
            f"remove it and try again"
        )
    return path


def runtime_path(name: str, create: bool = False) -> Path:
    """Where ``name`` (a plain name) is in the runtime folder; the folder is checked."""
    problem = _part_problem(name)
    if problem:
        raise TrustError(f"{name!r} is not a name for the runtime folder ({problem})", EXIT_RUNTIME)
    return runtime_folder(create) / name


def runtime_read(name: str) -> tuple[bytes, float] | None:
    """A runtime file's bytes and when it was last changed, or None if there is none.

    Only a regular file of ours that nobody else may read or write: anything else (a
    link, another owner, 0644) is refused rather than trusted, since it may not be ours.
    """
    path = runtime_path(name)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeHome(f"{path} is a symbolic link; trustcli will not use it") from None
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeHome(f"{path} is not a file; trustcli will not use it")
        if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & 0o077:
            raise UnsafeHome(
                f"{path} is not private (it must be yours and 0600); trustcli will not use it: "
                "run trustcli lock to remove it"
            )
        os.set_blocking(fd, True)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks), info.st_mtime
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        os.close(fd)


def runtime_write(name: str, data: bytes) -> Path:
    """Create or replace a runtime file atomically, 0600 from its first byte."""
    path = runtime_path(name, create=True)
    temp: str | None = None
    try:
        fd, temp = _tempfile().mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(temp, path)
        temp = None
    except OSError as exc:
        raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return path


def runtime_make_private(name: str) -> None:
    """Make a runtime file 0600 again if it is a regular file of ours (an editor may save
    its text as a new file with the default mode); a link or another's file is left as
    it is, for ``runtime_read`` to refuse. In the 0700 folder nobody else could read it
    meanwhile."""
    path = runtime_path(name)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
            os.fchmod(fd, 0o600)
    except OSError:
        pass
    finally:
        os.close(fd)


def runtime_touch(name: str) -> None:
    """Mark a runtime file as just used (its change time is when it was last used)."""
    with contextlib.suppress(OSError, TrustError):
        os.utime(runtime_path(name), follow_symlinks=False)


def runtime_remove(name: str) -> bool:
    """Overwrite and remove a runtime file (or a temp file a crash left of one, as
    ``runtime_names_of_home`` lists them); True if there was one. A runtime folder that
    is there but not private is said (UnsafeHome), never taken for 'there was none'."""
    temp = re.match(_TEMP_NAME, name)
    try:
        path = runtime_path(temp.group("name") if temp else name)
    except UnsafeHome:
        raise
    except TrustError:
        return False
    return shred(path.with_name(name))


def runtime_folder_tidy() -> None:
    """Remove the runtime folder if nothing is left in it (another home may use it)."""
    with contextlib.suppress(OSError, TrustError):
        os.rmdir(runtime_folder())


def runtime_names(prefix: str) -> list[str]:
    """Names in the runtime folder that start with ``prefix`` (none if there is no folder)."""
    try:
        folder = runtime_folder()
        return sorted(entry for entry in os.listdir(folder) if entry.startswith(prefix))
    except (OSError, TrustError):
        return []


# --- the prompt status file ---------------------------------------------------------
#
# ``trustcli shell-init`` gives the shell a snippet that reads this one small file at
# each prompt, with no process started: two numbers, never a word (see trustcli.status).
# It lives in the runtime folder (emptied at logout); without one, in the data home's
# cache/, which is never sealed since it holds only a count and a time.

STATUS_KIND = "status"
_STATUS_CACHE = f"{_CACHE_DIR}/prompt-status"


def status_path() -> tuple[Path, str]:
    """Where the prompt status file of this home is, and which place that is
    ('runtime' or 'cache'); nothing is created."""
    try:
        return runtime_path(f"{STATUS_KIND}-{home_tag()}"), "runtime"
    except UnsafeHome:
        raise
    except TrustError:  # no $XDG_RUNTIME_DIR here
        return home() / _CACHE_DIR / "prompt-status", "cache"


def status_exists() -> bool:
    """Whether this home has a prompt status file to keep current: one stat."""
    try:
        return os.path.lexists(status_path()[0])
    except TrustError:
        return False


def write_status(data: bytes) -> Path:
    """Replace the prompt status file atomically, 0600 from its first byte."""
    path, where = status_path()
    if where == "runtime":
        return runtime_write(path.name, data)
    write_atomic(_locate(_STATUS_CACHE, create=True), data, durable=False)
    return path


# --- removing with care -----------------------------------------------------------


def shred(path: Path) -> bool:
    """Overwrite a file of ours with zeros, then remove it; True if it was there.

    Overwriting helps on ordinary disks; on SSDs, copy-on-write and journalling file
    systems the old blocks may survive anyway (the README says so). A link is removed,
    never followed; a file with a second name (a hard link) only loses this name, for
    its bytes are that other file's too; a file that is not ours is left alone
    (TrustError).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TrustError(f"cannot remove {path}: {exc.strerror}", EXIT_RUNTIME) from None
    if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_WRONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
            try:
                _overwrite_if_alone(fd, info)
            finally:
                os.close(fd)
    elif info.st_uid != os.geteuid():
        raise TrustError(f"{path} belongs to another user; it was left alone", EXIT_RUNTIME)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TrustError(f"cannot remove {path}: {exc.strerror}", EXIT_RUNTIME) from None
    return True


def shred_whole(name: str) -> bool:
    """Shred a file of the home that must be whole or gone, never zeros (vault.toml): it
    is renamed away first, in one step, then overwritten and removed under that name. A
    kill in between leaves a temp file, removed by a later write or ``vault enable``."""
    path = _locate(name)
    temp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        os.rename(path, temp)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TrustError(f"cannot remove {path}: {exc.strerror}", EXIT_RUNTIME) from None
    _fsync_folder(path.parent)
    return shred(temp)


def overwrite(fd: int, size: int) -> None:
    """Write zeros over the first ``size`` bytes of an open file and flush them to disk."""
    zeros = bytes(min(size, 1 << 20))
    done = 0
    while done < size:
        done += os.pwrite(fd, zeros[: size - done], done)
    os.fsync(fd)


def _overwrite_if_alone(fd: int, seen: os.stat_result) -> bool:
    """Overwrite an open file if it is the regular file ``seen`` (same inode: nothing was
    swapped in since) and has no other name; True if it was overwritten."""
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != (seen.st_dev, seen.st_ino) or not stat.S_ISREG(info.st_mode):
        return False
    if info.st_nlink > 1:
        return False
    overwrite(fd, info.st_size)
    return True


class Removal:
    """What ``remove_home`` did: counts of what went, and what stayed and why."""

    def __init__(self) -> None:
        self.files = 0  # regular files removed
        self.overwritten = 0  # of those, how many were overwritten first
        self.links = 0  # symbolic links removed as links (their targets untouched)
        self.folders = 0
        self.others = 0  # FIFOs, sockets: removed, never opened
        self.left: list[tuple[Path, str]] = []  # (path, why it stayed)


def home_exists() -> bool:
    """Whether anything is at the data home's path (a folder, a link, anything)."""
    return os.path.lexists(home())


def remove_home(keep: Callable[[tuple[str, ...], bool], str]) -> Removal:
    """Remove the data home: every file overwritten first (where it is ours and alone),
    then the folders, deepest first, then the home folder itself.

    Nothing is ever followed: folders are opened with ``O_NOFOLLOW`` and walked through
    their descriptors, so a link, also one swapped in during the walk, is removed as a
    link and its target is untouched. ``keep(parts, is_folder)`` returns why an entry
    (its path parts inside the home) is to be left (not trustcli's), or ''. A file of
    another user is left; anything left is named in ``Removal.left``. A home that is
    itself a link (one a person made, which the other commands follow too) is emptied
    where it points, and then the link is removed.
    """
    result = Removal()
    path = home()
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return result
    except OSError as exc:
        result.left.append((path, exc.strerror or "cannot be read"))
        return result
    link = path if stat.S_ISLNK(info.st_mode) else None
    if link is not None:
        try:
            path = Path(os.path.realpath(link))
            info = os.lstat(path)
        except OSError:  # a dangling link: only the link is left to remove
            _remove_entry_link(link, result)
            return result
    if not stat.S_ISDIR(info.st_mode):
        result.left.append((path, "it is not a folder, so it cannot be a data home"))
        return result
    if info.st_uid != os.geteuid():
        result.left.append((path, "it belongs to another user"))
        return result
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        result.left.append((path, exc.strerror or "cannot be opened"))
        return result
    try:
        emptied = _remove_inside(fd, path, (), keep, result)
    finally:
        os.close(fd)
    if emptied:
        try:
            os.rmdir(path)
            result.folders += 1
        except OSError as exc:
            result.left.append((path, exc.strerror or "cannot be removed"))
            emptied = False
    if link is not None and emptied:
        _remove_entry_link(link, result)
    return result


def _remove_entry_link(link: Path, result: Removal) -> None:
    try:
        os.unlink(link)
        result.links += 1
    except FileNotFoundError:
        pass
    except OSError as exc:
        result.left.append((link, exc.strerror or "cannot be removed"))


def _remove_inside(
    dir_fd: int,
    where: Path,
    parts: tuple[str, ...],
    keep: Callable[[tuple[str, ...], bool], str],
    result: Removal,
) -> bool:
    """Remove what is in the open folder ``dir_fd`` (shown as ``where``); True if it is
    empty afterwards."""
    try:
        names = sorted(os.listdir(dir_fd))
    except OSError as exc:
        result.left.append((where, f"its contents cannot be read ({exc.strerror})"))
        return False
    empty = True
    for name in names:
        path, inner = where / name, (*parts, name)
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        except OSError as exc:
            result.left.append((path, exc.strerror or "cannot be read"))
            empty = False
            continue
        is_folder = stat.S_ISDIR(info.st_mode)
        why = keep(inner, is_folder)
        if not why and info.st_uid != os.geteuid() and not stat.S_ISLNK(info.st_mode):
            why = "it belongs to another user"
        if why:
            result.left.append((path, why))
            empty = False
        elif is_folder:
            empty = _remove_folder_at(dir_fd, name, info, path, inner, keep, result) and empty
        else:
            empty = _remove_file_at(dir_fd, name, info, path, result) and empty
    return empty


def _remove_folder_at(
    dir_fd: int,
    name: str,
    info: os.stat_result,
    path: Path,
    parts: tuple[str, ...],
    keep: Callable[[tuple[str, ...], bool], str],
    result: Removal,
) -> bool:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # became a link or a file just now
            return _remove_file_at(dir_fd, name, os.lstat(path), path, result)
        result.left.append((path, exc.strerror or "cannot be opened"))
        return False
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            result.left.append((path, "it changed while being removed; run wipe again"))
            return False
        emptied = _remove_inside(fd, path, parts, keep, result)
    finally:
        os.close(fd)
    if not emptied:
        return False
    try:
        os.rmdir(name, dir_fd=dir_fd)
    except OSError as exc:
        result.left.append((path, exc.strerror or "cannot be removed"))
        return False
    result.folders += 1
    return True


def _remove_file_at(
    dir_fd: int, name: str, info: os.stat_result, path: Path, result: Removal
) -> bool:
    """Overwrite (a regular file of ours, with no other name) and unlink one entry; a
    link, FIFO or socket is unlinked without being opened."""
    overwritten = False
    if stat.S_ISREG(info.st_mode):
        try:
            fd = os.open(name, os.O_WRONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError:
            pass  # not writable (0400, say): removed all the same, not overwritten
        else:
            try:
                overwritten = _overwrite_if_alone(fd, info)
            except OSError:
                overwritten = False
            finally:
                os.close(fd)
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return True
    except OSError as exc:
        why = exc.strerror or "cannot be removed"
        if overwritten:
            why += "; its contents were overwritten with zeros"
        result.left.append((path, why))
        return False
    if stat.S_ISREG(info.st_mode):
        result.files += 1
        result.overwritten += overwritten
    elif stat.S_ISLNK(info.st_mode):
        result.links += 1
    else:
        result.others += 1
    return True


def read_outside(path: Path, limit: int = 1 << 20) -> bytes | None:
    """A small regular file outside the data home (a startup unit), or None when there
    is none, it is a link (never followed) or not a file, or it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        os.set_blocking(fd, True)
        return os.read(fd, limit + 1)[:limit]
    except OSError:
        return None
    finally:
        os.close(fd)


def link_points_to(link: Path, target: Path) -> bool:
    """Whether ``link`` is a symbolic link whose text names ``target`` (relative to the
    link's folder or absolute); nothing is followed."""
    try:
        text = os.readlink(link)
    except OSError:
        return False
    named = os.path.normpath(os.path.join(os.path.dirname(link), text))
    return named == os.path.normpath(target)
