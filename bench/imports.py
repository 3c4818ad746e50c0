"""What each everyday command imports beyond Typer, with ``python -X importtime``.

The start-up target is a ratio to ``python -c "import typer"`` (see run.py). This shows
where a command's time above that floor goes: every module it imports that
``import typer`` does not, with its own import time (microseconds, the least of
several runs), largest first. Run from the repo root, with an interpreter that has
trustcli installed for real (an editable install may have no .pyc: see run.py):

    python bench/imports.py --python /tmp/venv/bin/python [--top 12] [COMMAND ...]

Each command runs in a fresh data home made through the CLI (a promise, a follow-up,
a check-in, a reminder), once untimed so its caches are warm, then five times.
Plain standard library, like run.py.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

COMMANDS = (
    "--version",
    "promise list",
    "promise stats",
    "promise kept 1 --replace",
    "checkin list",
    "today",
    "report",
    "remind due",
    "remind add 'daily 21:30'",
    "ask --list",
    "worksheet list",
    "worksheet new repair-plan -o -",
)
RUNS = 5


def imported(python: str, argv: list[str], env: dict[str, str]) -> dict[str, int]:
    """Module name -> its own import time in microseconds, for one run of ``argv``."""
    done = subprocess.run(
        [python, "-X", "importtime", *argv], capture_output=True, text=True, env=env
    )
    found = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            own, _, name = line[len("import time:") :].split("|")
            found[name.strip()] = int(own)
    return found


def least(python: str, argv: list[str], env: dict[str, str]) -> dict[str, int]:
    """Each module's least self time over RUNS runs (the least is the least noisy)."""
    best: dict[str, int] = {}
    for _ in range(RUNS):
        for name, own in imported(python, argv, env).items():
            best[name] = min(best.get(name, own), own)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="a venv's interpreter")
    parser.add_argument("--top", type=int, default=10, help="modules shown per command")
    parser.add_argument("commands", nargs="*", help=f"default: {', '.join(COMMANDS)}")
    options = parser.parse_args()
    commands = options.commands or list(COMMANDS)
    with tempfile.TemporaryDirectory(prefix="trustcli-imports-") as folder:
        env = {**os.environ, "TRUSTCLI_HOME": str(Path(folder) / "home"), "TZ": "Europe/Berlin"}
        env.pop("XDG_RUNTIME_DIR", None)
        cli = [options.python, "-m", "trustcli"]
        for setup in (
            ["init", "--me", "alex", "--partner", "sam"],
            ["promise", "add", "Call if I'm running late", "--every", "daily"],
            ["promise", "kept", "1"],
            ["checkin", "--rating", "7"],
            ["remind", "add", "daily 21:00"],
        ):
            subprocess.run([*cli, *setup], env=env, capture_output=True, check=True)
        floor = least(options.python, ["-c", "import typer"], env)
        for command in commands:
            argv = ["-m", "trustcli", *shlex.split(command)]
            subprocess.run([options.python, *argv], env=env, capture_output=True)
            extra = {
                name: own
                for name, own in least(options.python, argv, env).items()
                if name not in floor and name not in ("runpy", "trustcli.__main__")
            }
            total = sum(extra.values())
            print(f"trustcli {command}: {len(extra)} modules beyond Typer, {total / 1000:.1f} ms")
            for name, own in sorted(extra.items(), key=lambda item: -item[1])[: options.top]:
                print(f"  {own:6d} us  {name}")


if __name__ == "__main__":
    main()
