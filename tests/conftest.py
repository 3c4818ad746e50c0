"""Shared fixtures: a private data home per test and two ways to run the real CLI.

* ``cli(...)`` runs ``trustcli.cli.main`` in this process (fast, like CliRunner but
  through the same error handling a user gets);
* ``sh(...)`` runs the installed ``trustcli`` script as a subprocess, with no terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from trustcli.cli import main
from trustcli.store import vault_key

if TYPE_CHECKING:
    from tests.helpers.people import Person

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
    monkeypatch.delenv("TRUSTCLI_PASSPHRASE_FILE", raising=False)
    time.tzset()
    vault_key.forget_in_memory()  # a vault key from another test's home is never carried over
    yield data_home
    vault_key.forget_in_memory()
    monkeypatch.undo()
    time.tzset()


def run_in_process(*args: str, stdin: str = "") -> Result:
    forget_the_last_command()
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


# A choice prompt draws this line itself, once it reads keys in raw mode; the question
# above it is printed before, so a key sent on seeing only the question may be lost.
READY = r"\(arrow keys, Enter\)"


def spawn_on_terminal(*args: str, colour: bool = False, size: tuple[int, int] = (40, 120)):
    """The installed trustcli on a real pseudo-terminal (pexpect). PROMPT_TOOLKIT_NO_CPR
    spares each prompt a two-second wait for a cursor-position reply."""
    import pexpect

    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
    if colour:
        env.pop("NO_COLOR", None)
    return pexpect.spawn(
        trustcli_executable(), list(args), env=env, encoding="utf-8", timeout=20, dimensions=size
    )


def pexpect_eof() -> object:
    """pexpect.EOF, for ``child.expect``; pexpect is imported only by the tests that
    spawn a terminal."""
    import pexpect

    return pexpect.EOF


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file under ``folder`` with its bytes (None: the folder does not exist), to
    show that a refused command changed nothing."""
    if not folder.exists():
        return None
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def cli():
    return run_in_process


@pytest.fixture
def sh():
    return run_installed


# --- in-process commands start as fresh as a real process ------------------------------


def forget_the_last_command() -> None:
    """Clear what one command leaves in module state for its own ending, before the next
    in-process command: a real command starts in a fresh process and never sees it.

    ``status`` remembers that a command wrote the prompt's status itself (the refresh
    after it is then a no-op), and ``reminders`` what the fire-time cache was current
    for."""
    from trustcli.remind import reminders, status

    status.reset()
    reminders.reset()


# --- set-up commands that must succeed --------------------------------------------------
# A set-up step that fails quietly makes a later assert fail for the wrong reason, or
# pass when it should not: these stop the test at the step, naming it and its stderr.


def must_succeed(result: Result, args: tuple[str, ...]) -> Result:
    """``result`` when its command exited 0; otherwise the test fails here."""
    __tracebackhide__ = True
    if result.code != 0:
        said = result.err.strip() or result.out.strip() or "(nothing on stdout or stderr)"
        pytest.fail(f"set-up step `trustcli {shlex.join(args)}` exited {result.code}:\n{said}")
    return result


def run_ok(*args: str, stdin: str = "") -> Result:
    """``run_in_process`` for a step the test builds on: it must succeed."""
    __tracebackhide__ = True
    return must_succeed(run_in_process(*args, stdin=stdin), args)


def run_installed_ok(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    """``run_installed`` for a step the test builds on: it must succeed."""
    __tracebackhide__ = True
    return must_succeed(run_installed(*args, stdin=stdin, env=env), args)


@pytest.fixture
def ok():
    """As ``cli``, for a set-up step: a failure stops the test at that step."""
    return run_ok


@pytest.fixture
def sh_ok():
    """As ``sh``, for a set-up step: a failure stops the test at that step."""
    return run_installed_ok


# --- a pinned clock ---------------------------------------------------------------------

NOW = "2026-11-26T20:00:00+01:00"  # a Thursday evening in Berlin (the tests' zone)


@pytest.fixture
def at_now(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pin trustcli's clock at NOW (TRUSTCLI_NOW) for every command of the test: cli,
    sh, a terminal and any process it starts. A test that says "yesterday", "-3d" or
    "friday", or expects what is due today, then gives the same answer at any hour,
    also when the run crosses midnight or a change of the clocks."""
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    return NOW


# --- two people, two devices (tests/helpers/people.py) ------------------------------------


@pytest.fixture
def alex(tmp_path: Path) -> Person:
    """Alexandrina, on the device that creates the couple folder (no partner named)."""
    from tests.helpers.people import Person

    person = Person(tmp_path / "alex-home")
    person.ok("init", "--me", "Alexandrina")
    return person


@pytest.fixture
def sam(tmp_path: Path) -> Person:
    """Samwise, on the device that joins; his clock runs days ahead of alex's."""
    from tests.helpers.people import SAM_NOW, Person

    person = Person(tmp_path / "sam-home", SAM_NOW)
    person.ok("init", "--me", "Samwise", "--partner", "Alexandrina")
    return person


# --- a real session D-Bus with a recording notification server ------------------------

# A session bus with no <servicedir>: nothing on it is ever auto-started. Shared with
# bench/daemon.py; @SOCKET@ is replaced by the socket's path.
BUS_CONFIG = Path(__file__).parent / "helpers" / "session-bus.conf"


def require_binary(name: str) -> str:
    """The path of a system program the tests need; in CI a missing one is a failure."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (apt-get install {name}; .ci/run does this)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[str]:
    """A private session bus (no service directories: nothing auto-starts)."""
    daemon = require_binary("dbus-daemon")
    folder = tmp_path / "bus"
    folder.mkdir()
    config = folder / "session.conf"
    config.write_text(BUS_CONFIG.read_text().replace("@SOCKET@", str(folder / "socket")))
    process = subprocess.Popen(
        [daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    try:
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Notifications:
    """What the test notification server received."""

    record: Path

    def received(self) -> list[dict[str, str]]:
        """Each notification's app, summary and body, in the order they arrived."""
        import json

        if not self.record.exists():
            return []
        text = self.record.read_text()
        complete = text[: text.rfind("\n") + 1]  # a line still being written waits
        lines = [json.loads(line) for line in complete.splitlines()]
        return [{key: line[key] for key in ("app", "summary", "body")} for line in lines]

    def wait_for(self, count: int, timeout: float = 20) -> list[dict[str, str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"expected {count} notifications, got {self.received()}")


@pytest.fixture
def notifications(session_bus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A notification server on the test bus; DBUS_SESSION_BUS_ADDRESS points there."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    record, ready = tmp_path / "notifications.jsonl", tmp_path / "server-ready"
    server = Path(__file__).parent / "helpers" / "notification_server.py"
    process = subprocess.Popen([sys.executable, str(server), str(record), str(ready)])
    deadline = time.monotonic() + 20
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail("the test notification server did not start")
        time.sleep(0.05)
    try:
        yield Notifications(record)
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- holding a real process still at a proven point, for signal tests -----------------

PAUSE_AT = Path(__file__).parent / "helpers" / "pause_at.py"


@dataclass
class Held:
    """trustcli started under helpers/pause_at.py, held at one audit event."""

    process: subprocess.Popen[str]
    ready: Path
    go: Path

    def wait_until_reached(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            if self.process.poll() is not None:
                out, err = self.process.communicate()
                pytest.fail(f"exited {self.process.returncode} before the point:\n{out}{err}")
            if time.monotonic() > deadline:
                pytest.fail("the process never reached the point")
            time.sleep(0.005)

    def release(self) -> None:
        self.go.touch()


def start_held(folder: Path, event: str, match: str, *args: str, **popen: object) -> Held:
    """Start ``trustcli ARGS`` and hold it when audit EVENT's first argument contains MATCH
    (or equals it, when MATCH starts with '='); a test signals it, then releases it."""
    folder.mkdir(parents=True, exist_ok=True)
    ready, go = folder / "ready", folder / "go"
    command = [sys.executable, str(PAUSE_AT), event, match, str(ready), str(go), *args]
    options: dict[str, object] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    options.update(popen)
    process = subprocess.Popen(command, text=True, **options)  # type: ignore[call-overload]
    return Held(process, ready, go)


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private $XDG_RUNTIME_DIR (0700) for this test, as a login gives one; ``sh(...)``
    passes it on. trustcli's own folder is ``trustcli`` inside it."""
    folder = tmp_path / "run"
    folder.mkdir()
    folder.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture
def turn_vault_on(runtime_dir: Path, tmp_path: Path):
    """Turns the vault on for this test's home (left unlocked), as a person would:
    ``trustcli vault enable`` with a passphrase file.

    Until the vault lands on this branch (it is built on main in parallel, issue 12),
    this stands in for it with what ``store.vault_on()`` looks for: a ``vault.toml`` in
    the home, where an empty file is enough (no key is read to know the vault is on).
    """
    import importlib.util

    def turn_on() -> None:
        home = Path(os.environ["TRUSTCLI_HOME"])
        if importlib.util.find_spec("trustcli.vault") is None:
            home.mkdir(parents=True, exist_ok=True)
            (home / "vault.toml").write_text("")
            return
        secret = tmp_path / "vault-passphrase"
        secret.write_text("a long passphrase only this test knows\n")
        secret.chmod(0o600)
        enabled = run_installed("vault", "enable", "--passphrase-file", str(secret))
        assert enabled.code == 0, enabled.err

    return turn_on


def modules_loaded(commands: list[list[str]], watched: tuple[str, ...], env=None) -> list[str]:
    """Which of ``watched`` a fresh Python imported while running ``commands`` (each a
    trustcli command line, run in-process one after another, each must succeed): how a
    test pins what a command must not import, start-up being what people feel."""
    code = (
        "import json, sys\nfrom trustcli.cli import main\n"
        f"for command in {commands!r}:\n"
        "    assert main(command) == 0, command\n"
        f"print(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-800:]
    import json

    return list(json.loads(done.stdout.splitlines()[-1]))
