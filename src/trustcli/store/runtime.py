"""The runtime folder, ``$XDG_RUNTIME_DIR/trustcli``: what must never touch a disk
(the vault's unlocked key, text handed to an editor) and the prompt's status file.

``$XDG_RUNTIME_DIR`` is a tmpfs of the user's own (0700) that the system empties at
logout. A runtime folder that is missing, not ours or open to others is refused: there
is no safe place to fall back to, so the caller says so in one line. Several homes (and
tests) may share one runtime folder: each file's name carries its home's tag.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.files import TEMP_NAME, lazy_tempfile, write_all, write_atomic
from trustcli.store.home import (
    CACHE_DIR,
    CLOEXEC,
    NOFOLLOW,
    UnsafeHome,
    home,
    home_tag,
    locate,
)
from trustcli.store.names import part_problem

FOLDER = "trustcli"


def names_of_home() -> list[str]:
    """Every runtime file of this data home: names ``<kind>-<home_tag>[-…]``, and the
    temp files ``.<that name>.XXXXXXXX.tmp`` a crash inside ``write`` left."""
    tag = home_tag()
    found = []
    for name in names(""):
        temp = re.match(TEMP_NAME, name)
        own = temp.group("name") if temp else name
        if own.split("-")[1:2] == [tag]:
            found.append(name)
    return found


def folder(create: bool = False) -> Path:
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
    path = root / FOLDER
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


def path_of(name: str, create: bool = False) -> Path:
    """Where ``name`` (a plain name) is in the runtime folder; the folder is checked."""
    problem = part_problem(name)
    if problem:
        raise TrustError(f"{name!r} is not a name for the runtime folder ({problem})", EXIT_RUNTIME)
    return folder(create) / name


def read(name: str) -> tuple[bytes, float] | None:
    """A runtime file's bytes and when it was last changed, or None if there is none.

    Only a regular file of ours that nobody else may read or write: anything else (a
    link, another owner, 0644) is refused rather than trusted, since it may not be ours.
    """
    path = path_of(name)
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK)
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


def write(name: str, data: bytes) -> Path:
    """Create or replace a runtime file atomically, 0600 from its first byte."""
    path = path_of(name, create=True)
    temp: str | None = None
    try:
        fd, temp = lazy_tempfile().mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
        try:
            write_all(fd, data)
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


def make_private(name: str) -> None:
    """Make a runtime file 0600 again if it is a regular file of ours (an editor may save
    its text as a new file with the default mode); a link or another's file is left as
    it is, for ``read`` to refuse. In the 0700 folder nobody else could read it
    meanwhile."""
    path = path_of(name)
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK)
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


def touch(name: str) -> None:
    """Mark a runtime file as just used (its change time is when it was last used)."""
    with contextlib.suppress(OSError, TrustError):
        os.utime(path_of(name), follow_symlinks=False)


def remove(name: str) -> bool:
    """Overwrite and remove a runtime file (or a temp file a crash left of one, as
    ``names_of_home`` lists them); True if there was one. A runtime folder that
    is there but not private is said (UnsafeHome), never taken for 'there was none'."""
    temp = re.match(TEMP_NAME, name)
    try:
        path = path_of(temp.group("name") if temp else name)
    except UnsafeHome:
        raise
    except TrustError:
        return False
    from trustcli.store.removal import shred  # only when something is removed

    return shred(path.with_name(name))


def remove_listed(name: str) -> bool:
    """Overwrite and remove an entry that ``names`` listed, as it is named: an editor's
    swap file beside a copy (``.NAME.swp``, ``#NAME#``) is not a plain name, but a listed
    name is one entry of this folder (never a path)."""
    if "/" in name or name in ("", ".", ".."):
        raise TrustError(f"{name!r} is not an entry of the runtime folder", EXIT_RUNTIME)
    from trustcli.store.removal import shred

    return shred(folder() / name)


def tidy() -> None:
    """Remove the runtime folder if nothing is left in it (another home may use it)."""
    with contextlib.suppress(OSError, TrustError):
        os.rmdir(folder())


def names(prefix: str) -> list[str]:
    """Names in the runtime folder that start with ``prefix`` (none if there is no folder)."""
    try:
        found = folder()
        return sorted(entry for entry in os.listdir(found) if entry.startswith(prefix))
    except (OSError, TrustError):
        return []


# --- the prompt status file ---------------------------------------------------------
#
# ``trustcli shell-init`` gives the shell a snippet that reads this one small file at
# each prompt, with no process started: two numbers, never a word (see trustcli.status).
# It lives in the runtime folder (emptied at logout); without one, in the data home's
# cache/, which is never sealed since it holds only a count and a time.

STATUS_KIND = "status"
_STATUS_CACHE = f"{CACHE_DIR}/prompt-status"


def status_path() -> tuple[Path, str]:
    """Where the prompt status file of this home is, and which place that is
    ('runtime' or 'cache'); nothing is created."""
    try:
        return path_of(f"{STATUS_KIND}-{home_tag()}"), "runtime"
    except UnsafeHome:
        raise
    except TrustError:  # no $XDG_RUNTIME_DIR here
        return home() / CACHE_DIR / "prompt-status", "cache"


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
        return write(path.name, data)
    write_atomic(locate(_STATUS_CACHE, create=True), data, durable=False)
    return path
