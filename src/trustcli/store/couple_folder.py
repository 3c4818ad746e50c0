"""The couple folder's files: a shared directory outside the data home.

The couple folder is not ours alone: a sync tool, the partner's device (perhaps another
user on this computer) and the person write in it. So its files are not checked for an
owner, but the rest of the rules of the home hold: every name is a plain name, no
symbolic link inside it is followed, only regular files are read, nothing written
escapes the folder, and a file is created whole (temp file, then linked under its
name, never over an existing one) or appended to. Its files hold only ciphertext and
public keys, so they are made readable by others (0644): a second account on a shared
computer must read them. The folder itself is left as the person made it. What the
files mean (device logs, keys, pairing) is ``trustcli.couple``'s.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.files import fsync_folder, lazy_tempfile, write_all
from trustcli.store.home import CLOEXEC, NOFOLLOW
from trustcli.store.names import name_problem

READ_LIMIT = 64 * 1024 * 1024  # bytes: a decade of records is far less


def root(path: Path, create: bool = False) -> Path:
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


def _path(root: Path, parts: tuple[str, ...], folder: bool = False) -> Path:
    """``root/parts…`` with every part a plain name and no link on the way."""
    path = root
    for index, part in enumerate(parts):
        problem = name_problem(part)
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


def entries(root: Path, *parts: str) -> list[tuple[str, str]]:
    """The entries of a folder in the couple folder, sorted: (name, kind) with kind
    'folder', 'file' or 'other' (links, devices: never followed). Missing: []."""
    path = _path(root, parts, folder=True)
    try:
        with os.scandir(path) as listing:
            found = []
            for entry in listing:
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


def read(root: Path, *parts: str) -> bytes | None:
    """The bytes of a file in the couple folder, or None if it does not exist."""
    path = _path(root, parts)
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK)
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
        if info.st_size > READ_LIMIT:
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


def mkdir(root: Path, *parts: str) -> Path:
    """Make a folder in the couple folder (and those on the way) if it is missing."""
    for end in range(1, len(parts) + 1):
        path = _path(root, parts[:end], folder=True)
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            pass
        except OSError as exc:
            raise TrustError(f"cannot create {path}: {exc.strerror}", EXIT_RUNTIME) from None
    return _path(root, parts, folder=True)


def create(root: Path, data: bytes, *parts: str) -> None:
    """Create a file in the couple folder whole, never over an existing one.

    The bytes go to a temp file with a random hidden name (readers and sync tools skip
    it), are fsynced, then linked under the real name: a reader sees the whole file or
    none, and a name that exists already (another writer was first) is a TrustError.
    """
    path = _path(root, parts)
    temp: str | None = None
    try:
        fd, temp = lazy_tempfile().mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            write_all(fd, data)
            os.fchmod(fd, 0o644)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(temp, path)
        fsync_folder(path.parent)
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


def append(root: Path, data: bytes, *parts: str) -> None:
    """Add bytes to the end of a file of this device in the couple folder with one write.

    Only this device writes its files; hold the data home's ``lock()`` around it so two
    processes of this device do not interleave."""
    try:
        path = _path(root, parts)
    except TrustError as error:
        raise NothingWritten(error.message, error.exit_code) from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | NOFOLLOW | CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NothingWritten(f"{path} is a symbolic link; nothing was written") from None
        raise NothingWritten(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NothingWritten(f"{path} is not a file; nothing was written", EXIT_RUNTIME)
        write_all(fd, data)
        os.fsync(fd)
    except OSError as exc:
        raise TrustError(f"cannot write {path}: {exc.strerror}", EXIT_RUNTIME) from None
    finally:
        os.close(fd)
