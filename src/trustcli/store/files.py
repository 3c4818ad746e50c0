"""Writing files whole: the home's lock, atomic replacement, temp files, and small
reads of files outside the home that trustcli itself wrote (a startup unit).

Temp files have random names, are created exclusively (``mkstemp``) and are 0600; a
reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.home import CLOEXEC, LOCK_NAME, NOFOLLOW, locate, open_in_home

_STALE_TEMP = 600  # seconds: a temp file this old was left by a crash, not being written
TEMP_NAME = r"(?s)\A\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp\Z"


def lazy_tempfile() -> Any:
    """tempfile (and random, which it imports) only when something is written."""
    import tempfile

    return tempfile


@contextlib.contextmanager
def lock() -> Iterator[None]:
    """Hold the data home's exclusive lock: one writer at a time, across processes."""
    path = locate(LOCK_NAME, create=True)
    try:
        fd = open_in_home(path, os.O_RDWR | os.O_CREAT)
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


def remove(name: str) -> bool:
    """Remove a file of the home (a pid file when its daemon stops); True if it was there."""
    try:
        os.unlink(locate(name))
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TrustError(f"cannot remove {locate(name)}: {exc.strerror}", EXIT_RUNTIME) from None
    return True


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
        fd, temp = lazy_tempfile().mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            write_all(fd, text.encode("utf-8") if isinstance(text, str) else text)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        temp = None
        if durable:
            fsync_folder(folder)
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
                match = re.match(TEMP_NAME, entry.name)
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


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_folder(folder: Path) -> None:
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


# --- files outside the home that a person names -----------------------------------


def read_given(path: Path, limit: int) -> bytes:
    """A file a person named on the command line (``--answers FILE``, ``import FILE``):
    at most ``limit`` + 1 bytes, so the caller can tell one that is too large. A pipe
    (``<(…)``) is read like a file. Raises OSError for the caller to word."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except ValueError:  # only from a program: no shell can pass a NUL in an argument
        raise OSError(errno.EINVAL, "a file name cannot hold a NUL character") from None


def read_private(path: str, what: str, limit: int) -> bytes:
    """A small regular file of the person's own that others cannot read (a passphrase
    file): at most ``limit`` bytes; anything else is refused in one line."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | CLOEXEC)
    except OSError as exc:
        raise TrustError(f"cannot read {what} {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TrustError(f"{what} {path} is not a file")
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise TrustError(f"{what} {path} can be read by others: run chmod 600 {path}")
        data = os.read(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TrustError(f"{what} {path} is longer than trustcli reads")
    return data


def refuse_to_replace(paths: list[Path], force: bool, instead: str) -> None:
    """Before anything is written where a person asked (``-o FILE``): a folder there is
    refused, and a file unless ``force``; ``instead`` says what to do about a file."""
    for path in paths:
        if path.is_dir():
            raise TrustError(f"{path} is a folder: give a file name with -o")
        if path.exists() and not force:
            raise TrustError(f"{path} already exists: {instead}")


def ensure_folder_outside(folder: Path) -> None:
    """Make a folder outside the home that trustcli writes into (a startup unit's)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrustError(f"cannot create {folder}: {exc.strerror}", EXIT_RUNTIME) from None


def is_file_outside(path: Path) -> bool:
    """Whether a file is at ``path`` (outside the home: the console script beside Python)."""
    return path.is_file()


def read_outside(path: Path, limit: int = 1 << 20) -> bytes | None:
    """A small regular file outside the data home (a startup unit), or None when there
    is none, it is a link (never followed) or not a file, or it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK)
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
