"""The reminder daemon on a home whose vault is on: a real daemon on a real session bus.

Locked, it cannot read the reminders: it waits for `trustcli unlock` (which tells it to
reload). Locked again, it keeps the schedule it read (never the key) and shows what
falls due; what it delivered is written once the vault is open again.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.test_remind import Daemon, in_seconds

SECRET = "a long walk by the river"


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Callable[[], Daemon]]:
    started: list[Daemon] = []

    def start() -> Daemon:
        started.append(Daemon(tmp_path / f"daemon-{len(started)}.log"))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


@pytest.fixture
def vault_home(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sh) -> Path:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    secret = tmp_path / "passphrase"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    monkeypatch.setenv("PASSPHRASE", str(secret))
    assert sh("init", "--me", "alex").code == 0
    assert sh("vault", "enable", "--passphrase-file", str(secret)).code == 0
    return secret


def test_a_locked_daemon_waits_for_unlock_then_keeps_its_schedule_when_locked_again(
    sh, notifications, daemons, vault_home, home
):
    assert sh("remind", "add", "2030-01-01T03:00", "-m", "far away").code == 0
    assert sh("lock").code == 0
    running = daemons()
    running.wait_for_log("ready")
    assert "waiting for the reminders until trustcli unlock" in running.text()

    assert sh("unlock", "--passphrase-file", str(vault_home)).code == 0
    running.wait_for_log("scheduled 1 reminder")
    assert sh("remind", "add", in_seconds(6), "-m", "Call Sam about Sunday").code == 0
    running.wait_for_log("scheduled 2 reminders")
    assert sh("lock").code == 0
    running.wait_for_log("keeping the reminders until trustcli unlock")

    (got,) = notifications.wait_for(1)  # shown while locked: nothing of its words
    assert "Sunday" not in json.dumps(got)
    running.wait_for_log("the delivery is recorded after trustcli unlock")
    assert b"Sunday" not in b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())

    assert sh("unlock", "--passphrase-file", str(vault_home)).code == 0
    running.wait_for_log("reloading", timeout=20)
    running.wait_for_log("scheduled 2 reminders", timeout=20)
    due = sh("remind", "due", "--json")
    assert due.code == 0, due.err
    (item,) = json.loads(due.out)
    assert item["delivery"] == "sent"
    assert b"delivery" in (home / "deliveries.toml").read_bytes()
    assert b"sent" not in (home / "deliveries.toml").read_bytes()  # sealed, not plain
    assert running.stop() == 0
    assert "Traceback" not in running.text()


def test_the_daemon_never_keeps_the_runtime_key_alive(sh, notifications, daemons, vault_home):
    """Looking for the key is not using it: the idle window runs down with the daemon up."""
    key = next(Path(os.environ["XDG_RUNTIME_DIR"], "trustcli").glob("key-*"))
    before = key.stat().st_mtime
    running = daemons()
    running.wait_for_log("ready")
    assert sh("remind", "add", in_seconds(4), "-m", "tea").code == 0
    os.utime(key, (before - 100, before - 100))
    notifications.wait_for(1)
    running.wait_for_log("reminder 1: notified")
    assert key.stat().st_mtime == before - 100
    assert running.stop() == 0


def test_the_daemon_removes_a_key_unused_for_its_whole_window(
    sh, notifications, daemons, vault_home
):
    """Without a daemon the next command removes it; with one, it goes within a minute
    (and at any reload, which is what this test sends rather than wait a minute)."""
    runtime = Path(os.environ["XDG_RUNTIME_DIR"], "trustcli")
    assert sh("unlock", "--passphrase-file", os.environ["PASSPHRASE"], "--for", "10m").code == 0
    key = next(runtime.glob("key-*"))
    running = daemons()
    running.wait_for_log("ready")
    long_ago = key.stat().st_mtime - 601
    os.utime(key, (long_ago, long_ago))
    running.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while running.text().count("scheduled 0 reminders") < 2:  # the reload's own line
        assert time.monotonic() < deadline, running.text()
        time.sleep(0.05)
    assert not key.exists()
    assert running.stop() == 0
