"""The data home: where it is, that it is ours and private, and the path of every name
in it, checked part by part.

Nothing escapes the home: every part of a name is a plain name, every folder on the way
is ours, private and not a symbolic link, and files are opened with ``O_NOFOLLOW``. A
home or a folder in it that belongs to someone else is refused; one that others could
write in is made private again (0700), with a notice.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import zlib
from pathlib import Path

from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, TrustError
from trustcli.store.names import part_problem

LOCK_NAME = ".lock"
VAULT_FILE = "vault.toml"  # present when the vault is on (see trustcli.store.vault_key)
CACHE_DIR = "cache"  # what can be rebuilt: never sealed whole-file as TOML, removed by the vault
_INTERNAL_NAMES = {LOCK_NAME}  # the only names in the home that may start with a dot
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)


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
    check_home(path)
    if not os.access(path, os.W_OK | os.X_OK):
        raise TrustError(
            f"the data home {path} is not writable; fix its permissions "
            "or set TRUSTCLI_HOME to a folder you can write",
            EXIT_RUNTIME,
        )
    return path


def check_home(path: Path) -> bool:
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


def locate(name: str, create: bool = False, folder: bool = False) -> Path:
    """The path of ``name`` (relative, '/'-separated) in the data home, checked.

    Every part must be a plain name; every folder on the way must be a real folder
    (not a link) that is ours, and is made private if needed; the last part must not be
    a link. ``create`` makes the home and missing folders (0700); ``folder`` checks the
    last part as a folder too. Whatever the caller, the result is inside the home.
    """
    parts = name.split("/")
    for part in parts:
        problem = "" if part in _INTERNAL_NAMES else (part_problem(part) if part else "empty")
        if problem:
            raise TrustError(
                f"{name!r} is not a name inside the data home ({problem})", EXIT_BAD_INPUT
            )
    base = ensure_home() if create else home()
    if not create and not check_home(base):
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
        problem = "" if part in _INTERNAL_NAMES else (part_problem(part) if part else "empty")
        if problem:
            raise TrustError(f"{name!r} is not a name inside the data home ({problem})")
    return home().joinpath(*parts)


def folder(name: str) -> Path:
    """A folder of the data home, checked (ours, private, not a link); it may not exist."""
    return locate(name, folder=True)


def open_file(name: str, flags: int) -> int:
    """Open a file of the data home (never through a link; 0600 when created)."""
    path = locate(name, create=bool(flags & os.O_CREAT))
    return open_in_home(path, flags)


def open_in_home(path: Path, flags: int) -> int:
    """Open a file in the home: never through a symbolic link, only a regular file of
    ours, created 0600; a file opened for writing that others may read is made 0600."""
    try:
        fd = os.open(path, flags | NOFOLLOW | CLOEXEC | os.O_NONBLOCK, 0o600)
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


def read_file(path: Path) -> bytes | None:
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


def peek(name: str, limit: int = 64 * 1024) -> bytes | None:
    """A small file of the home as it is (``config.toml`` for help-now, which must work
    whatever state the home is in): never creates anything, follows no link, reads no
    more than ``limit`` bytes of a regular file, and never raises."""
    try:
        fd = os.open(home() / name, os.O_RDONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            os.set_blocking(fd, True)
            return os.read(fd, limit)
        finally:
            os.close(fd)
    except Exception:  # a broken home, or no platformdirs: nothing to peek at
        return None


def home_exists() -> bool:
    """Whether anything is at the data home's path (a folder, a link, anything)."""
    return os.path.lexists(home())
