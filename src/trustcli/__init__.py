"""trustcli: a calm, private companion for rebuilding trust in a relationship."""

import signal as _signal
import sys as _sys

__version__ = "0.1.0"

INTERRUPTED = "trustcli: interrupted; nothing was left half-written"


def _interrupted_while_starting(signum: int, frame: object) -> None:
    """Ctrl-C before ``trustcli.cli.main`` takes over: one line, no traceback.

    Nothing has been written yet at this point, so leaving at once is safe.
    """
    print(INTERRUPTED, file=_sys.stderr)
    raise SystemExit(130)


# This is the first code of ours that runs (the console script imports the package
# before anything else). Only replace Python's own handler: a program that imported
# trustcli with a handler of its own keeps it.
if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    _signal.signal(_signal.SIGINT, _interrupted_while_starting)
