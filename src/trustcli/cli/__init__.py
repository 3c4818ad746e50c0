"""The command line. This module is the console script's entry point and stays tiny:
the app (and Typer) is imported inside ``main`` so that even Ctrl-C during start-up
ends with one line, not a traceback."""

from __future__ import annotations

import signal
import sys
import threading

from trustcli import INTERRUPTED as INTERRUPTED  # app.py reads it from here
from trustcli import _interrupted_while_starting


def main(argv: list[str] | None = None) -> int:
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is _interrupted_while_starting
    ):
        # From here on Ctrl-C is a KeyboardInterrupt, which every write path cleans up
        # after (temp files removed, locks released) before the line below is printed.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        from trustcli.editing import remove_leftovers

        remove_leftovers()  # an editor's copy a crash left (see trustcli.editing)
        from trustcli.cli.app import run

        return run(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130


def console() -> None:
    """The ``trustcli`` script: run ``main``, then end at once.

    Python's own exit frees every module and object one by one: about 7 ms for a Typer
    program, paid after the work is done and felt in every alias and script. The
    operating system frees all of it anyway, so once stdout and stderr are flushed and
    the exit handlers have run, ``os._exit`` ends the process. Whenever that is not
    plainly safe (another thread still runs, a stream cannot be flushed), Python's usual
    exit takes over and behaves as it always did.
    """
    code = main()
    if threading.active_count() == 1:
        import atexit
        import os

        atexit._run_exitfuncs()  # logging's flush, weakref finalizers: whatever registered
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except (OSError, ValueError):
            pass  # the usual exit flushes again and reports it as it always has
        else:
            os._exit(code)
    raise SystemExit(code)
