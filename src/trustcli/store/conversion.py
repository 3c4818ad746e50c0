"""Turning the vault on and off, file by file: which files of the home are sealed,
whether each can be converted, and the conversion itself (atomic per file, so a kill
leaves every file old or new, both of which open with the key).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.documents import names_in
from trustcli.store.files import TEMP_NAME, write_atomic
from trustcli.store.home import (
    CACHE_DIR,
    CLOEXEC,
    NOFOLLOW,
    check_home,
    home,
    locate,
    path_of,
    read_file,
)
from trustcli.store.logs import LOG_TABLES
from trustcli.store.names import part_problem
from trustcli.store.removal import overwrite
from trustcli.store.sealing import (
    NEVER_SEALED,
    SEALED_MAGIC,
    is_sealed_record,
    open_records,
    sealed_file,
    sealed_records,
    unseal,
)
from trustcli.store.toml import ParseError, parse


def home_files() -> list[str]:
    """Every file of the home that the vault seals, as names relative to the home: not
    the lock, vault.toml, the pid file, temp files, caches or anything not ours."""
    base = home()
    if not check_home(base):
        return []
    found = []
    for folder, folders, files in os.walk(base):
        relative = os.path.relpath(folder, base)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        folders[:] = sorted(f for f in folders if not part_problem(f) and prefix + f != CACHE_DIR)
        for entry in sorted(files):
            name = prefix + entry
            if name in NEVER_SEALED or part_problem(entry):
                continue
            found.append(name)
    return found


def temp_files() -> list[Path]:
    """Temp files of ours anywhere in the home (``.NAME.XXXXXXXX.tmp``): one a crash left
    holds a plain copy of what was being written, and no reader ever looks at it."""
    base = home()
    if not check_home(base):
        return []
    found = []
    for folder, folders, files in os.walk(base):
        folders[:] = sorted(f for f in folders if not part_problem(f))
        found += [Path(folder) / entry for entry in sorted(files) if re.match(TEMP_NAME, entry)]
    return found


def cache_files() -> list[str]:
    """The files of ``cache/``: rebuilt at need, so the vault removes rather than converts them."""
    return names_in(CACHE_DIR, "")


def is_sealed(name: str) -> bool:
    """Whether ``name`` is sealed whole, or (a log) holds no plain record; no key needed."""
    raw = read_file(locate(name)) or b""
    if name in LOG_TABLES:
        try:
            parsed = parse(path_of(name), raw)
        except ParseError:
            return False
        records = parsed.get(LOG_TABLES[name], [])
        return isinstance(records, list) and all(is_sealed_record(raw) for raw in records)
    return raw.startswith(SEALED_MAGIC)


def _log_raw_records(name: str, raw: bytes) -> tuple[list[Any], int]:
    """A log's records as written (sealed ones opened) and how many were sealed."""
    path, table = path_of(name), LOG_TABLES[name]
    try:
        parsed = parse(path, raw)
    except ParseError as error:
        raise TrustError(error.message) from None
    raw_records = parsed.get(table, [])
    if set(parsed) - {table} or not isinstance(raw_records, list):
        raise TrustError(f"{path}: this file holds only [[{table}]] records; fix it first")
    sealed = sum(is_sealed_record(raw) for raw in raw_records)
    return open_records(path, name, table, raw, 0, raw_records, allow_plain=True), sealed


def check_convertible(name: str) -> None:
    """Refuse to convert a file that cannot be read (a link, not a file, another user's),
    a sealed one that does not open, or a TOML file that does not parse: once sealed,
    nobody could fix it; and a conversion must not stop halfway."""
    raw = read_file(locate(name)) or b""
    if name in LOG_TABLES:
        _log_raw_records(name, raw)
        return
    plain = unseal(name, raw, allow_plain=True)  # one that does not open: named now
    if not name.endswith(".toml"):
        return
    try:
        parse(path_of(name), plain)
    except ParseError as error:
        raise TrustError(error.message) from None


def convert(name: str, seal: bool) -> bool:
    """Seal (or open) one file of the home in place; True if it changed.

    Atomic, file by file: a crash leaves each file old or new, and both read with the
    key. The plain file replaced by its sealed form is overwritten where the file system
    allows (never one with another hard link to it)."""
    path = locate(name)
    raw = read_file(path)
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
            new = sealed_records(name, table, plains, -1)[1:]
        else:
            new = b"".join(f"\n[[{table}]]\n".encode() + plain for plain in plains)[1:]
    elif raw.startswith(SEALED_MAGIC) == seal:
        return False
    else:
        new = sealed_file(name, raw) if seal else unseal(name, raw, allow_plain=True)
    _replace_overwriting(path, new, overwrite_old=seal)
    return True


def rename(old: str, new: str) -> None:
    """Give a file of the home a new name; a sealed one is sealed again for that name.

    The new file is written whole before the old one goes: a crash leaves the old name,
    or both (and then the new one is complete). If the new name exists already, only
    the old one is removed."""
    source = locate(old)
    raw = read_file(source)
    if raw is None:
        return
    target = locate(new, create=True)
    if not os.path.lexists(target):
        plain = unseal(old, raw, allow_plain=True)
        write_atomic(target, sealed_file(new, plain) if raw.startswith(SEALED_MAGIC) else plain)
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
            fd = os.open(path, os.O_WRONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK)
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
