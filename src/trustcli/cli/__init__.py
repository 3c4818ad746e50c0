"""The command line. This module is the console script's entry point and stays tiny:
the app (and Typer) is imported inside ``main`` so that even Ctrl-C during start-up
ends with one line, not a traceback."""

from __future__ import annotations

import sys

INTERRUPTED = "trustcli: interrupted; nothing was left half-written"


def main(argv: list[str] | None = None) -> int:
    try:
        from trustcli.cli.app import run

        return run(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
