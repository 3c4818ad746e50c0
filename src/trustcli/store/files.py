"""Writing files whole: the home's lock, atomic replacement, temp files, and small
reads of files outside the home that trustcli itself wrote (a startup unit).

Temp files have random names, are created exclusively (``mkstemp``) and are 0600; a
reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
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
