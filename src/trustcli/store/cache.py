"""Caches in the data home's ``cache/``: what can be rebuilt from the home's own files,
kept so an everyday command does not parse years of records again. Losing one only
costs time; a damaged or hand-edited one is noticed (checksums) and rebuilt.
"""

from __future__ import annotations

import zlib
from typing import Any

from trustcli.errors import Locked, TrustError
from trustcli.store.documents import write_text
from trustcli.store.home import UnsafeHome, locate, read_file
from trustcli.store.sealing import unseal
from trustcli.store.toml import Record

CACHE_SLACK = 16 * 1024  # parse up to this much new log each time before re-saving the cache


class LogCache:
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
    raw = read_file(locate(name))
    if raw is None:
        return None
    try:
        raw = unseal(name, raw)
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
