"""Removing with care: files overwritten before they go, and a whole data home removed
without following a single link (``trustcli wipe``, ``vault enable``, ``lock``).

Overwriting helps on ordinary disks; on SSDs, copy-on-write and journalling file
systems the old blocks may survive anyway (the README says so).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.files import fsync_folder
from trustcli.store.home import CLOEXEC, NOFOLLOW, home, locate


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
            fd = os.open(path, os.O_WRONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK)
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
    path = locate(name)
    temp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        os.rename(path, temp)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TrustError(f"cannot remove {path}: {exc.strerror}", EXIT_RUNTIME) from None
    fsync_folder(path.parent)
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
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW | CLOEXEC)
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
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW | CLOEXEC, dir_fd=dir_fd)
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
            fd = os.open(name, os.O_WRONLY | NOFOLLOW | CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
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
