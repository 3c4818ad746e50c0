"""Append-only logs (follow-ups, check-ins, confirmations, deliveries, hard moments):
one record added with a single write under the lock, so recording costs the same in
year five as on day one and two writers cannot clobber each other.

Before anything is appended, what the cache does not cover yet is checked, so a torn or
hand-broken log is named (file and line, and how to go on), never written to. Reading
parses only what was appended since the cache was saved (``trustcli.store.cache``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.cache import CACHE_SLACK, LogCache
from trustcli.store.documents import read_bytes
from trustcli.store.files import lock, write_all
from trustcli.store.home import CACHE_DIR, locate, open_in_home, read_file
from trustcli.store.sealing import (
    open_records,
    open_sealed,
    refuse_plain,
    sealed_only,
    sealed_records,
    seals,
)
from trustcli.store.toml import ParseError, Record, header_line, parse_records, tomllib_loads

Normalise = Callable[[Record], Record]

# Every append-only log of the home (``Log`` refuses any other): the vault seals their
# records one by one, and converting a home must know which files are logs.
LOG_TABLES = {
    "followthrough.toml": "followup",
    "checkins.toml": "checkin",
    "confirmations.toml": "confirmation",
    "deliveries.toml": "delivery",
    "triggers.toml": "trigger",
}


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

    The header of each record is written by hand (see ``dump_toml``) and the whole text is
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
    if (logscan.scan(text, log.table) or tomllib_loads(text)) != {log.table: records}:
        raise TrustError(
            f"internal: records do not survive a TOML round-trip in {log.name}", EXIT_RUNTIME
        )
    chunk = text.encode("utf-8")
    with lock():
        existing = _read_checked(log, want_records=check is not None)
        if check is not None:
            check(existing)
        path = locate(log.name, create=True)
        sealing = seals(log.name)
        plain = [tomli_w.dumps(record).encode("utf-8") for record in records] if sealing else []
        try:
            fd = open_in_home(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                if sealing:  # each record sealed for the place it will have in the file
                    chunk = sealed_records(log.name, log.table, plain, os.fstat(fd).st_size)
                write_all(fd, chunk)
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
    path = locate(log.name)
    data = read_file(path)
    if data is None:
        return []

    cache = LogCache(f"{CACHE_DIR}/{log.name}.json", log.version)
    offset = cache.valid_offset(data)
    cached: list[Record] | None = cache.records() if offset and want_records else []
    if cached is None:  # header fine, body damaged: start over
        offset, cached = 0, []
    if offset == len(data):
        return cached
    fresh = _parse_log_bytes(path, data, offset, log)
    if offset == 0 or (want_records and len(data) - offset > CACHE_SLACK):
        # Saving rewrites the whole cache; a short new tail is cheaper to parse again.
        cache.save(data, cached + fresh)
    return cached + fresh


def _parse_log_bytes(path: Path, data: bytes, offset: int, log: Log) -> list[Record]:
    """Parse and check ``data[offset:]``; errors give line numbers in the whole file."""
    tail = data[offset:]
    lines_before = data.count(b"\n", 0, offset)
    last_start = _last_record_start(tail)
    last_line = lines_before + tail.count(b"\n", 0, max(last_start, 0)) + 1
    sealed = sealed_only(tail, log.table)
    if log.read_fast is not None:
        if sealed is None:
            fast = _read_fast(log, tail)
            if fast:  # plain records: as open_records takes them
                refuse_plain(log.name)
        else:  # opened (each where it belongs), then read as one text, as written
            found = open_sealed(path, log.name, log.table, data, offset, sealed)
            header = f"\n[[{log.table}]]\n".encode()
            plain = b"".join(header + text for text in found[0]) if found else b""
            fast = _read_fast(log, plain)
        if fast is not None:
            return fast
    try:
        if sealed is not None:  # as the vault writes them: no TOML parse of the envelopes
            parsed = {log.table: open_records(path, log.name, log.table, data, offset, sealed)}
        else:
            parsed = parse_records(path, tail, log.table, line_offset=lines_before)
    except ParseError as error:
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
        raw_records = open_records(path, log.name, log.table, data, offset, raw_records)
    records = []
    for index, raw in enumerate(raw_records, start=1):
        try:
            records.append(log.normalise(raw))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            if index == len(raw_records) and log.cut_off(raw):
                raise TrustError(_torn_message(path, last_line, str(exc))) from None
            line = lines_before + header_line(tail, log.table, index)
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


def _torn_message(path: Path, line: int, reason: str = "") -> str:
    """The last record is broken: most likely cut off by a crash mid-write."""
    detail = f" ({reason})" if reason else ""
    return (
        f"{path}: the last record, from line {line}, is incomplete{detail}; it was probably "
        f"cut off while being written: delete line {line} to the end of the file to go on"
    )
