"""Run trustcli as ``python -m trustcli``."""

from trustcli.cli import console

console()
