"""Text handed to another program (an editor) never touches a disk.

The program works on a copy in the runtime folder (``$XDG_RUNTIME_DIR/trustcli``: a
tmpfs of the person's own that the system empties at logout), named
``edit-<home tag>-<pid>-<random>.md``, 0600. The copy is overwritten and removed when
the editor is done (in a ``finally``); one left by a crash (trustcli killed while the
editor was open) is removed at trustcli's next start by ``remove_leftovers``, which
the pid in its name makes safe: the copy of a trustcli still running is left alone.

This module imports only ``os`` and ``contextlib`` (both loaded by Python itself) at
the top: ``remove_leftovers`` runs at every start.
"""

from __future__ import annotations

import contextlib
import os

PREFIX = "edit-"


def editor_command() -> list[str]:
    """$VISUAL or $EDITOR split as a shell would (it is never run by one), checked
    before anything is written: a sheet is not left behind for an editor that isn't."""
    import shlex

    from trustcli.errors import EXIT_RUNTIME, TrustError

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise TrustError(
            "no editor is set: set VISUAL or EDITOR (e.g. EDITOR=nano); nothing was written",
            EXIT_RUNTIME,
        )
    try:
        command = shlex.split(editor)
    except ValueError as exc:
        raise TrustError(f"cannot read the editor {editor!r}: {exc}; nothing was written") from None
    if not command:
        raise TrustError(f"the editor {editor!r} is empty; nothing was written")
    return command


def check_runtime_folder() -> None:
    """Refuse (one line) when there is no private runtime folder to keep the copy in."""
    from trustcli.errors import TrustError
    from trustcli.store import runtime

    try:
        runtime.folder()
    except TrustError as error:
        raise TrustError(f"--edit: {error.message}; nothing was written", error.exit_code) from None


class Edited:
    """What came back from the editor: its exit status and the text it left."""

    def __init__(self, status: int, text: str | None) -> None:
        self.status, self.text = status, text


def edit(text: str, command: list[str]) -> Edited:
    """Run ``command`` on a runtime copy of ``text`` and read the copy back.

    The command is an argv list, never a shell; the path is absolute, so nothing in
    it reads as an option or a command. While the editor runs, Ctrl-C belongs to it
    (vim takes it as a key) and SIGTERM/SIGHUP end trustcli through the ``finally``
    that removes the copy. The copy is removed whatever happens.
    """
    import secrets
    import signal
    import subprocess
    import threading
    from typing import Any

    from trustcli import store
    from trustcli.errors import EXIT_RUNTIME, TrustError
    from trustcli.store import runtime

    name = f"{PREFIX}{store.home_tag()}-{os.getpid()}-{secrets.token_hex(8)}.md"
    main = threading.current_thread() is threading.main_thread()
    saved: dict[int, Any] = {}
    try:
        path = runtime.write(name, text.encode("utf-8"))
        try:
            process = subprocess.Popen([*command, str(path)])
        except OSError as exc:
            raise TrustError(
                f"the editor {command[0]!r} did not start: {exc.strerror or exc}", EXIT_RUNTIME
            ) from None
        if main:  # after the start: the editor itself keeps the default for Ctrl-C
            saved[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
            for stopping in (signal.SIGTERM, signal.SIGHUP):
                saved[stopping] = signal.signal(stopping, _stop)
        status = process.wait()
        if status != 0:
            return Edited(status, None)
        runtime.make_private(name)  # an editor may save a new file, 0644
        try:
            read = runtime.read(name)
        except store.UnsafeHome:  # a link, or not a file of ours: not what it was given
            raise TrustError(
                "the editor left its copy as something trustcli does not read back (not a "
                "file of yours), so what it changed was not kept",
                EXIT_RUNTIME,
            ) from None
        if read is None:
            return Edited(status, None)
        try:
            return Edited(status, read[0].decode("utf-8"))
        except UnicodeDecodeError:
            raise TrustError(
                "the editor saved the text in an encoding other than UTF-8, so it was not kept",
                EXIT_RUNTIME,
            ) from None
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
        try:
            runtime.remove(name)
        finally:
            _remove_beside(name[: -len(".md")])


def _remove_beside(stem: str) -> None:
    """What an editor left beside the copy, named after it (vim's ``.NAME.swp``,
    emacs's ``NAME~``, ``#NAME#`` and ``.#NAME``): the random part of the name makes
    them the copy's own. Overwritten and removed as the copy is."""
    from trustcli.errors import TrustError
    from trustcli.store import runtime

    for name in runtime.names(""):
        if stem in name:
            with contextlib.suppress(TrustError):
                runtime.remove_listed(name)


def _stop(signum: int, frame: object) -> None:
    import signal

    from trustcli.errors import EXIT_RUNTIME, TrustError

    raise TrustError(
        f"trustcli was stopped ({signal.Signals(signum).name}) while the editor was open",
        EXIT_RUNTIME,
    )


def remove_leftovers() -> None:
    """Remove the copies a crash left: ``edit-<tag>-<pid>-*`` whose pid is not a running
    process, and the files beside such a copy (its write's temp file, an editor's swap
    file or backup). Any home's: a copy whose trustcli has ended serves nobody, and
    not computing this home's tag keeps a start free of imports (``store.home()`` may
    need platformdirs). One listdir, and only when the runtime folder exists; ``store``
    is imported only when there is something to remove. Never raises: a start must
    not fail over this."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if not base or not os.path.isabs(base):
        return
    try:
        names = os.listdir(os.path.join(base, "trustcli"))
    except OSError:
        return
    dead = [name for name in names if PREFIX in name and _left_by_a_crash(name)]
    if dead:
        _remove(dead)


def _left_by_a_crash(name: str) -> bool:
    """``name`` is a copy (or beside one: a prefix of ``.`` and ``#`` at most) whose
    trustcli is no longer running."""
    start = name.index(PREFIX)
    parts = name[start:].split("-")
    if name[:start].strip(".#") or len(parts) < 4 or len(parts[1]) != 16:
        return False
    pid = parts[2]
    return pid.isascii() and pid.isdigit() and not _running(int(pid))


def _remove(names: list[str]) -> None:
    from trustcli.errors import TrustError
    from trustcli.store import runtime

    for name in names:
        with contextlib.suppress(OSError, TrustError):
            runtime.remove_listed(name)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # another user's process, or no pid at all
    return True
