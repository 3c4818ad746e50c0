"""Shared fixtures: a private data home per test and two ways to run the real CLI.

* ``cli(...)`` runs ``trustcli.cli.main`` in this process (fast, like CliRunner but
  through the same error handling a user gets);
* ``sh(...)`` runs the installed ``trustcli`` script as a subprocess, with no terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trustcli.cli import main

PINNED_TZ = "Europe/Berlin"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def trustcli_executable() -> str:
    """The console script installed beside this interpreter (the venv's bin)."""
    candidate = Path(sys.executable).with_name("trustcli")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("trustcli")
    if found is None:
        pytest.fail("the trustcli script is not installed: pip install '.[test]'")
    return found


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data home and a pinned time zone; the real home is never used."""
    data_home = tmp_path / "home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(data_home))
    monkeypatch.setenv("TZ", PINNED_TZ)
    monkeypatch.delenv("TRUSTCLI_NOW", raising=False)
    monkeypatch.delenv("TRUSTCLI_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    time.tzset()
    yield data_home
    monkeypatch.undo()
    time.tzset()


def run_in_process(*args: str, stdin: str = "") -> Result:
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _stdin(stdin),
    ):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def run_installed(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    completed = subprocess.run(
        [trustcli_executable(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def cli():
    return run_in_process


@pytest.fixture
def sh():
    return run_installed
