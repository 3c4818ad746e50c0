"""The line that says where a command wrote a file outside the data home."""

from __future__ import annotations

from trustcli import store
from trustcli.output import say


def say_written(*paths: object) -> None:
    """'Wrote FILE': and with the vault on, that what was written outside the home is not
    encrypted (the vault seals only the data home)."""
    names = " and ".join(str(path) for path in paths)
    say(f"Wrote {names}")
    if store.vault_on():
        verb = "is" if len(paths) == 1 else "are"
        say(f"Note: {names} {verb} not encrypted; the vault keeps only trustcli's own files.")
