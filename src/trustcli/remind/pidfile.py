"""One reminder daemon per data home: its pid file, held with an exclusive lock for as
long as the daemon runs (a crashed daemon's lock dies with it, so a stale file is
simply taken over), and the signal that asks it to read the reminders again.

Apart from the daemon, so that ``remind add`` and the vault's commands can tell a
running daemon without importing it.
"""

from __future__ import annotations

import fcntl
import os
import signal

from trustcli import store
from trustcli.errors import EXIT_RUNTIME, TrustError

PID_FILE = "daemon.pid"


def running_pid() -> int | None:
    """The pid of the daemon for this data home, if one is running."""
    try:
        fd = store.open_file(PID_FILE, os.O_RDONLY)
    except (OSError, TrustError):  # none, or a link: no daemon could have claimed it
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:  # held: a daemon is alive
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isascii() and text.isdigit() else -1
    finally:
        os.close(fd)
    return None


def signal_reload() -> bool:
    """Ask a running daemon to reload; False if none runs."""
    pid = running_pid()
    if not pid or pid < 0:
        return False
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError:
        return False
    return True


def claim() -> int:
    """Open (0600, never through a link: ``store.open_file``) and lock the pid file."""
    try:
        fd = store.open_file(PID_FILE, os.O_RDWR | os.O_CREAT)
    except OSError as exc:
        raise TrustError(
            f"cannot open {store.path_of(PID_FILE)}: {exc.strerror}", EXIT_RUNTIME
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise TrustError(f"already running (pid {text or '?'})", EXIT_RUNTIME) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd  # kept open: the lock lasts as long as the process
