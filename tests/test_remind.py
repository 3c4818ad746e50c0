"""`trustcli remind`: schedules, and the daemon as a real process on a real session bus."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from subprocess import DEVNULL

import pytest

from trustcli.remind import daemon, schedules

from .conftest import modules_loaded, start_held, trustcli_executable

NOW = "2026-11-26T20:00:00+01:00"  # a Thursday


# --- schedules and the reminder list ---------------------------------------------------


@pytest.mark.parametrize(
    ("when", "first_three"),
    [
        ("daily 21:00", ["Thu 26 21:00", "Fri 27 21:00", "Sat 28 21:00"]),
        ("weekdays 08:30", ["Fri 27 08:30", "Mon 30 08:30", "Tue 01 08:30"]),
        ("weekly sun 19:00", ["Sun 29 19:00", "Sun 06 19:00", "Sun 13 19:00"]),
        ("mon,thu 20:30", ["Thu 26 20:30", "Mon 30 20:30", "Thu 03 20:30"]),
        ("every 2 weeks sat 10:00", ["Sat 28 10:00", "Sat 12 10:00", "Sat 26 10:00"]),
        ("30 8 * * 1-5", ["Fri 27 08:30", "Mon 30 08:30", "Tue 01 08:30"]),
        ("2026-12-01T19:00", ["Tue 01 19:00"]),
        ("2026-12-01T19:00+00:00", ["Tue 01 20:00"]),
    ],
)
def test_add_prints_the_id_and_next_three_times(cli, monkeypatch, when, first_three):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    result = cli("remind", "add", when, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    shown = [f"{datetime.fromisoformat(t).astimezone():%a %d %H:%M}" for t in data["next"]]
    assert shown == first_three
    assert data["when"] == when


def test_list_shows_schedule_as_written_message_kind_and_next(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    ok("remind", "add", "weekly sun 19:00", "-m", "Our weekly talk")
    ok("promise", "add", "Walk together", "--every", "mon,thu")
    rows = json.loads(cli("remind", "list", "--json").out)
    assert [(r["id"], r["when"], r["kind"]) for r in rows] == [
        (1, "weekly sun 19:00", "checkin"),
        ("p1", "mon,thu 20:00", "promise"),
    ]
    assert rows[0]["message"] == "Our weekly talk"
    assert rows[1]["message"].startswith("Did you keep promise 1?")
    assert rows[0]["next"] == ["2026-11-29T19:00:00+01:00"]
    human = cli("remind", "list").out
    assert "Sun 2026-11-29 19:00" in human and "p1" in human


def test_pause_resume_and_rm(cli, ok, home, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    ok("remind", "add", "daily 21:00")
    assert cli("remind", "pause", "1").code == 0
    assert json.loads(cli("remind", "list", "--json").out)[0]["paused"] is True
    assert cli("remind", "pause", "1").code == 2
    assert cli("remind", "resume", "1").code == 0
    assert cli("remind", "rm", "1").code == 0
    assert json.loads(cli("remind", "list", "--json").out) == []


def test_promise_reminders_come_at_the_configured_time(cli, ok, home, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    ok("promise", "add", "Call at lunch", "--every", "weekdays")
    (home / "config.toml").write_text('[remind]\npromise_time = "12:30"\n')
    assert json.loads(cli("remind", "list", "--json").out)[0]["when"] == "weekdays 12:30"
    (home / "config.toml").write_text('[remind]\npromise_time = "noon"\n')
    result = cli("remind", "list")
    assert result.code == 2 and "promise_time must be a time" in result.err


def test_a_promise_reminder_stops_with_the_promise(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    ok("promise", "add", "Call at lunch", "--every", "weekdays")
    assert [r["id"] for r in json.loads(cli("remind", "list", "--json").out)] == ["p1"]
    refused = cli("remind", "rm", "p1")
    assert refused.code == 2 and "promise close 1" in refused.err
    ok("promise", "close", "1")
    assert json.loads(cli("remind", "list", "--json").out) == []


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["remind", "add", "every blursday 25:99"], "daily 21:00, weekdays 08:30"),
        (["remind", "add", "daily 25:00"], "not a time of day"),
        (["remind", "add", "2026-02-30T19:00"], "not a real date"),
        (["remind", "add", "0 19 30 2 *"], "never happens"),
        (["remind", "add", "2026-11-01T19:00"], "in the past"),
        (["remind", "add", "daily 21:00", "--promise", "9"], "no promise 9"),
        (["remind", "add", "daily 21:00", "--promise", "2"], "closed"),
        (["remind", "add", "daily 21:00", "--kind", "custom"], "--message"),
        (["remind", "add", "daily 21:00", "--kind", "party"], "unknown kind"),
        (["remind", "rm", "7"], "no reminder '7'"),
        (["remind", "pause", "x"], "no reminder 'x'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, ok, home, monkeypatch, args, phrase):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    ok("promise", "add", "open one")
    ok("promise", "add", "closed one")
    ok("promise", "close", "2")
    result = cli(*args)
    assert result.code == 2, result
    assert phrase in result.err and len(result.err.splitlines()) == 1
    assert not (home / "reminders.toml").exists()


def test_due_lists_what_fell_due_since_the_last_ack(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-23T09:00:00+01:00")
    ok("remind", "add", "daily 21:00", "-m", "Check in")
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-25T22:00:00+01:00")
    due = json.loads(cli("remind", "due", "--json").out)
    assert [d["at"] for d in due] == [
        "2026-11-23T21:00:00+01:00",
        "2026-11-24T21:00:00+01:00",
        "2026-11-25T21:00:00+01:00",
    ]
    assert cli("remind", "due", "--ack").out.count("Check in") == 3
    assert cli("remind", "due").out == ""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T21:30:00+01:00")
    assert cli("remind", "due").out.count("Check in") == 1


def test_due_does_not_import_apscheduler_once_the_cache_is_warm(home, sh_ok):
    sh_ok("remind", "add", "daily 21:00")
    code = (
        "import sys\nfrom trustcli.cli import main\n"
        "assert main(['remind', 'due']) == 0\n"
        "print('apscheduler' in sys.modules)\n"
    )
    done = subprocess.run(
        [os.sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"


@pytest.mark.parametrize("zone", ["Europe/Berlin", ""])
def test_due_with_a_warm_cache_builds_no_time_zone(home, sh_ok, monkeypatch, zone, at_now):
    """The cache is kept per zone, and knowing which zone this is costs no zone
    database (zoneinfo, ~2 ms) nor tzlocal (~5 ms with logging) at every prompt."""
    if zone:
        monkeypatch.setenv("TZ", zone)
    else:
        monkeypatch.delenv("TZ")
    sh_ok("remind", "add", "daily 21:00")
    sh_ok("promise", "add", "Walk together", "--every", "monthly")  # brings its own reminder
    sh_ok("remind", "add", "2030-01-01T10:00", "-m", "once")
    sh_ok("remind", "due")
    assert modules_loaded([["remind", "due"]], ("zoneinfo", "tzlocal", "apscheduler")) == []


def test_due_reads_its_times_again_in_another_zone(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-20T12:00:00+01:00")
    ok("remind", "add", "daily 21:00", "-m", "Check in")
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-21T22:00:00+01:00")
    assert [item["at"] for item in json.loads(cli("remind", "due", "--json").out)] == [
        "2026-11-20T21:00:00+01:00",
        "2026-11-21T21:00:00+01:00",
    ]
    monkeypatch.setenv("TZ", "America/New_York")  # the same moment: 16:00 there
    time.tzset()
    assert [item["at"] for item in json.loads(cli("remind", "due", "--json").out)] == [
        "2026-11-20T21:00:00-05:00"
    ]


@pytest.mark.parametrize(
    "when", ["daily 21:00", "weekdays 08:30", "weekly sun 19:00", "mon,thu 20:00", "monthly 10:00"]
)
def test_add_and_list_do_not_import_apscheduler(home, when):
    """Only the daemon needs APScheduler: add checks WHEN (and lists its next times)
    with the same fire-time code as due."""
    code = (
        "import sys\nfrom trustcli.cli import main\n"
        f"assert main(['remind', 'add', {when!r}]) == 0\n"
        "assert main(['remind', 'list']) == 0\n"
        "print('apscheduler' in sys.modules)\n"
    )
    done = subprocess.run(
        [os.sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"


def _two_reminders_cached(ok, home, monkeypatch):
    """Two reminders added at noon with their fire times cached, the clock an hour on:
    (the cache file, a reader of its times, what it held)."""
    cache = home / "cache" / "reminder-times.json"

    def cached() -> dict:
        return json.loads(cache.read_text().partition("\n")[2])

    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-20T12:00:00+01:00")
    ok("remind", "add", "daily 21:00")
    ok("remind", "add", "weekly sun 19:00")
    made = cached()
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-20T13:00:00+01:00")
    return cache, cached, made


def test_add_computes_only_its_own_times_when_the_cache_is_current(cli, ok, home, monkeypatch):
    """The others' fire times do not change when a reminder is added: a current cache
    keeps them (and its window) and gains the new one's, the same as computing
    everything again gives."""
    cache, cached, made = _two_reminders_cached(ok, home, monkeypatch)
    assert cli("remind", "add", "mon,thu 20:00").code == 0
    added = cached()
    assert (added["from"], added["until"]) == (made["from"], made["until"])
    assert {k: v for k, v in added["times"].items() if k != "3"} == made["times"]
    cache.unlink()
    ok("remind", "list")  # computes nothing into the cache
    assert cli("remind", "due").code == 0
    again = cached()
    assert added["times"]["3"] == [t for t in again["times"]["3"] if t <= added["until"]]
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-23T20:30:00+01:00")
    due = json.loads(cli("remind", "due", "--json").out)
    assert [(d["id"], d["at"]) for d in due][-3:] == [
        (2, "2026-11-22T19:00:00+01:00"),
        (1, "2026-11-22T21:00:00+01:00"),
        (3, "2026-11-23T20:00:00+01:00"),
    ]


def test_pause_and_resume_keep_a_current_cache_current(cli, ok, home, monkeypatch):
    """Pausing takes one reminder's times out of a current cache; resuming puts back
    the same times computing everything again gives; the others' stay as they were."""
    _, cached, made = _two_reminders_cached(ok, home, monkeypatch)
    assert cli("remind", "pause", "2").code == 0
    paused = cached()
    assert (paused["from"], paused["until"]) == (made["from"], made["until"])
    assert paused["times"] == {"1": made["times"]["1"]}
    assert cli("remind", "due").out == ""  # the cache is current: used as it is
    assert cached() == paused
    assert cli("remind", "resume", "2").code == 0
    assert cached()["times"] == made["times"]
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-22T19:30:00+01:00")
    due = json.loads(cli("remind", "due", "--json").out)
    assert (2, "2026-11-22T19:00:00+01:00") in [(d["id"], d["at"]) for d in due]


def test_changing_reminders_imports_nothing_of_the_daemons(home):
    """add, pause, resume and rm tell a running daemon to reload (a pid file and a
    signal): that needs none of what only the daemon runs with."""
    changes = [
        ["remind", "add", "daily 21:00"],
        *(["remind", c, "1"] for c in ("pause", "resume", "rm")),
    ]
    assert modules_loaded(changes, ("apscheduler", "logging")) == []


def test_a_monthly_promise_brings_its_reminder_without_apscheduler(home, monkeypatch):
    """A monthly promise's own reminder is written as cron (``0 20 15 * *``) but is a
    day of the month at a time of day: counted like 'monthly 20:00', so listing it,
    and the times a change makes the prompt recompute, need no APScheduler."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-15T09:00:00+01:00")
    code = (
        "import json, sys\nfrom trustcli.cli import main\n"
        "assert main(['promise', 'add', 'Walk together', '--every', 'monthly']) == 0\n"
        "assert main(['remind', 'list', '--json']) == 0\n"
        "assert main(['remind', 'due']) == 0\n"
        "print('apscheduler' in sys.modules)\n"
    )
    done = subprocess.run(
        [os.sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout[done.stdout.index("[") : done.stdout.rindex("]") + 1])
    assert [(r["id"], r["when"], r["next"]) for r in listed] == [
        ("p1", "0 20 15 * *", ["2026-11-15T20:00:00+01:00"])
    ]
    assert done.stdout.splitlines()[-1] == "False"


def test_install_dry_run_and_write(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    dry = cli("remind", "install", "--dry-run")
    assert dry.code == 0
    assert "ExecStart=" in dry.out and '"remind" "--daemon"' in dry.out
    assert "systemctl --user enable --now trustcli-remind.service" in dry.err
    assert not (tmp_path / "config").exists()
    assert cli("remind", "install").code == 0
    unit = tmp_path / "config" / "systemd" / "user" / "trustcli-remind.service"
    assert 'Environment="TRUSTCLI_HOME=' in unit.read_text()


def test_install_to_an_unwritable_place(cli, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    result = cli("remind", "install")
    assert result.code == 1 and "cannot create" in result.err


# --- catching up after downtime (APScheduler's clock, no waiting) --------------------------


def test_a_recurring_reminder_missed_many_times_is_delivered_once():
    created = datetime.fromisoformat("2026-11-20T09:00:00+01:00")
    reminder = {
        "id": 1,
        "schedule": schedules.parse("daily 21:00", created),
        "created": created,
    }
    last = {"1": datetime.fromisoformat("2026-11-22T21:00:00+01:00")}
    soon_after = datetime.fromisoformat("2026-11-26T21:30:00+01:00")
    (action,) = daemon.catch_up([reminder], last, soon_after)
    assert action[1:] == (datetime.fromisoformat("2026-11-26T21:00:00+01:00"), "send")
    much_later = datetime.fromisoformat("2026-11-27T12:00:00+01:00")
    (action,) = daemon.catch_up([reminder], last, much_later)
    assert action[2] == "missed"  # over the grace time: reported once, not sent ten times


# --- the daemon as a real process ---------------------------------------------------------


class Daemon:
    """A running `trustcli remind --daemon`, its stderr in a file."""

    def __init__(self, log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [trustcli_executable(), "remind", "--daemon"],
            stderr=self.handle,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )

    def text(self) -> str:
        return self.log.read_text()

    def wait_for_log(self, phrase: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while phrase not in self.text():
            if self.process.poll() is not None:
                raise AssertionError(f"daemon exited {self.process.returncode}:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {phrase!r} in the daemon log:\n{self.text()}")
            time.sleep(0.05)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=10)
        self.handle.close()
        return code


@pytest.fixture
def start_daemon(tmp_path) -> Iterator:
    started: list[Daemon] = []

    def start(env: dict[str, str] | None = None) -> Daemon:
        running = Daemon(tmp_path / f"daemon-{len(started)}.log", env)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def in_seconds(seconds: float) -> str:
    return (datetime.now().astimezone() + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def add_once_ready(sh, running: Daemon, *args: str, seconds: float = 5) -> None:
    """Add a one-time reminder a few seconds ahead once the daemon is ready: a slow start
    on a busy machine must not turn an on-time test into a missed-while-stopped one."""
    running.wait_for_log("ready")
    assert sh("remind", "add", in_seconds(seconds), *args).code == 0


def test_the_daemon_delivers_a_reminder_to_the_desktop(sh, notifications, start_daemon):
    running = start_daemon()
    add_once_ready(sh, running, "-m", "Time for our talk")
    (got,) = notifications.wait_for(1)
    assert got == {"app": "trustcli", "summary": "trustcli", "body": "Time for our talk"}
    running.wait_for_log("reminder 1: notified")
    assert running.stop() == 0
    (record,) = tomllib.loads(Path(os.environ["TRUSTCLI_HOME"], "deliveries.toml").read_text())[
        "delivery"
    ]
    assert (record["reminder"], record["status"]) == ("1", "sent")
    (item,) = json.loads(sh("remind", "due", "--json").out)
    assert item["delivery"] == "sent"
    assert record["scheduled"] == datetime.fromisoformat(item["at"])  # when due, not when run


def test_a_reminder_added_while_running_fires_without_restart(sh, notifications, start_daemon):
    running = start_daemon()
    running.wait_for_log("ready")
    added = sh("remind", "add", in_seconds(3), "-m", "Added later")
    assert "picked up the change" in added.err
    running.wait_for_log("reloading")
    assert notifications.wait_for(1)[0]["body"] == "Added later"
    assert running.stop() == 0


def test_sigterm_stops_it_cleanly(sh_ok, notifications, start_daemon, home):
    sh_ok("remind", "add", "daily 21:00")
    running = start_daemon()
    running.wait_for_log("scheduled 1 reminder")
    assert running.stop() == 0
    assert "stopped" in running.text()
    assert not (home / "daemon.pid").exists()


# Points in the daemon's start where a signal is sent, each proven reached first
# (helpers/pause_at.py holds the process there): audit event, what it names.
DAEMON_POINTS = {
    "claiming the pid file": ("open", "daemon.pid"),
    "loading the scheduler": ("open", "apscheduler/schedulers/"),
    "reading the reminders": ("open", "reminders.toml"),
    "looking for missed reminders": ("open", "deliveries.toml"),
}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
@pytest.mark.parametrize("point", DAEMON_POINTS, ids=lambda point: point.replace(" ", "-"))
def test_a_stop_signal_at_any_point_of_start_up_exits_cleanly(
    sh_ok, notifications, home, tmp_path, point, signum
):
    """Before the scheduler runs, too: the signal waits its turn, then a clean 0."""
    sh_ok("remind", "add", "daily 21:00")
    event, match = DAEMON_POINTS[point]
    with (tmp_path / "daemon.log").open("w") as log:
        held = start_held(
            tmp_path / "hold", event, match, "remind", "--daemon", stderr=log, stdin=DEVNULL
        )
        held.wait_until_reached()
        held.process.send_signal(signum)
        held.release()
        code = held.process.wait(timeout=20)
    text = (tmp_path / "daemon.log").read_text()
    assert code == 0, text
    assert f"stopping ({signal.Signals(signum).name})" in text
    assert text.rstrip().endswith("stopped"), text
    assert "Traceback" not in text
    assert not (home / "daemon.pid").exists()


def test_a_reload_and_a_stop_sent_during_start_up_are_both_honoured(
    sh_ok, notifications, home, tmp_path
):
    sh_ok("remind", "add", "daily 21:00")
    with (tmp_path / "daemon.log").open("w") as log:
        held = start_held(
            tmp_path / "hold", "open", "reminders.toml", "remind", "--daemon", stderr=log
        )
        held.wait_until_reached()
        held.process.send_signal(signal.SIGHUP)
        held.process.send_signal(signal.SIGTERM)
        held.release()
        code = held.process.wait(timeout=20)
    text = (tmp_path / "daemon.log").read_text()
    assert code == 0, text
    assert text.index("reloading") < text.index("stopping (SIGTERM)"), text


def test_a_second_daemon_exits_and_a_stale_pid_file_is_replaced(notifications, start_daemon, home):
    home.mkdir(parents=True, exist_ok=True)
    (home / "daemon.pid").write_text("999999\n")  # left by a crash: nobody holds the lock
    first = start_daemon()
    first.wait_for_log("started")
    second = start_daemon()
    assert second.process.wait(timeout=20) == 1
    assert f"already running (pid {first.process.pid})" in second.text()
    assert first.process.poll() is None
    assert first.stop() == 0


def test_without_a_bus_it_logs_the_reminder_and_keeps_running(sh, start_daemon, tmp_path):
    env = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus", "PATH": "/nonexistent"}
    running = start_daemon(env)
    add_once_ready(sh, running, "-m", "Nobody is listening\x1b]0;a new title\x07")
    running.wait_for_log("reminder 1: not shown (dbus: ")
    assert running.process.poll() is None
    assert running.stop() == 0
    assert "Traceback" not in running.text()
    assert "\x1b" not in running.text()  # the log reaches a terminal or the journal
    assert "Nobody is listening" not in running.text()  # by id: the words stay private


def test_without_a_session_bus_the_log_says_so_plainly(sh, start_daemon):
    running = start_daemon({"DBUS_SESSION_BUS_ADDRESS": "", "PATH": "/nonexistent"})
    add_once_ready(sh, running, "-m", "No bus at all")
    running.wait_for_log("reminder 1: not shown (dbus: no session bus")
    assert "No bus at all" not in running.text()
    assert running.stop() == 0


def _deliveries(home: Path) -> list[dict]:
    path = home / "deliveries.toml"
    return tomllib.loads(path.read_text())["delivery"] if path.exists() else []


def test_a_bus_with_no_notification_server_is_not_counted_as_delivered(
    sh, session_bus, start_daemon, home
):
    """jeepney hands back D-Bus errors as replies: the daemon must read them."""
    running = start_daemon({"DBUS_SESSION_BUS_ADDRESS": session_bus, "PATH": "/nonexistent"})
    add_once_ready(sh, running, "-m", "Nobody serves this bus")
    running.wait_for_log("reminder 1: not shown (dbus: ")
    assert "ServiceUnknown" in running.text()
    assert "notified" not in running.text()
    assert running.stop() == 0
    assert [d["status"] for d in _deliveries(home)] == ["failed"]
    due = sh("remind", "due")
    assert due.out.rstrip().endswith("Nobody serves this bus  (not shown: no notification service)")
    (item,) = json.loads(sh("remind", "due", "--json").out)
    assert item["delivery"] == "failed"
    assert _deliveries(home)[0]["scheduled"] == datetime.fromisoformat(item["at"])


def test_without_a_notification_server_notify_send_takes_over(
    sh, session_bus, start_daemon, home, tmp_path
):
    """A real program on PATH stands in for notify-send and records its arguments."""
    bin_dir, record = tmp_path / "bin", tmp_path / "notify-send.args"
    bin_dir.mkdir()
    script = bin_dir / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    script.chmod(0o755)
    running = start_daemon({"DBUS_SESSION_BUS_ADDRESS": session_bus, "PATH": str(bin_dir)})
    add_once_ready(sh, running, "-m", "--help; rm -rf ~")
    running.wait_for_log("reminder 1: notified")
    assert running.stop() == 0
    assert record.read_text().splitlines() == [
        "--app-name=trustcli",
        "--",
        "trustcli",
        "--help; rm -rf ~",
    ]
    assert [d["status"] for d in _deliveries(home)] == ["sent"]


def _daily_reminder_delivered_before(
    home: Path, ident: int, message: str, made_ago: timedelta, delivered_days_ago: int
) -> None:
    """reminders.toml with one daily reminder due five minutes ago, made ``made_ago``,
    and deliveries.toml with its delivery ``delivered_days_ago``, as a stopped daemon
    leaves them."""
    home.mkdir(parents=True, exist_ok=True)
    now = datetime.now().astimezone()
    due = now - timedelta(minutes=5)
    created = (now - made_ago).isoformat(timespec="seconds")
    last = (due - timedelta(days=delivered_days_ago)).replace(second=0, microsecond=0)
    (home / "reminders.toml").write_text(
        f'[[reminder]]\nid = {ident}\nwhen = "daily {due:%H:%M}"\nkind = "custom"\n'
        f'message = "{message}"\ncreated = {created}\n'
    )
    (home / "deliveries.toml").write_text(
        f'[[delivery]]\nreminder = "{ident}"\nscheduled = {last.isoformat()}\nstatus = "sent"\n'
        f"at = {last.isoformat()}\n"
    )


def test_a_daily_reminder_missed_for_days_while_stopped_comes_once(
    notifications, start_daemon, home
):
    """trustcli's own daemon, stopped for three days: one late delivery, not three."""
    _daily_reminder_delivered_before(home, 1, "Our evening walk", timedelta(days=4), 3)
    first = start_daemon()
    first.wait_for_log("reminder 1: notified")
    first.wait_for_log("ready")
    assert first.stop() == 0
    assert notifications.received() == [
        {"app": "trustcli", "summary": "trustcli", "body": "Late: Our evening walk"}
    ]
    second = start_daemon()  # caught up already: nothing more to deliver
    second.wait_for_log("ready")
    assert second.stop() == 0
    assert len(notifications.received()) == 1
    assert [d["status"] for d in _deliveries(home)] == ["sent", "sent"]


def test_a_broken_file_at_reload_keeps_the_old_schedule(sh, notifications, start_daemon, home):
    running = start_daemon()
    add_once_ready(sh, running, "-m", "Still on", seconds=6)
    running.wait_for_log("scheduled 1 reminder")
    path = home / "reminders.toml"
    path.write_text(path.read_text().replace('when = "', "when = "))
    running.process.send_signal(signal.SIGHUP)
    running.wait_for_log("reload failed, keeping the previous schedule")
    assert "reminders.toml: line" in running.text() and "column" in running.text()
    assert notifications.wait_for(1)[0]["body"] == "Still on"
    assert running.stop() == 0


def test_a_one_time_reminder_missed_while_stopped_is_reported_once(
    notifications, start_daemon, home
):
    home.mkdir(parents=True, exist_ok=True)
    past = (datetime.now().astimezone() - timedelta(minutes=5)).isoformat(timespec="seconds")
    created = (datetime.now().astimezone() - timedelta(hours=1)).isoformat(timespec="seconds")
    (home / "reminders.toml").write_text(
        f'[[reminder]]\nid = 1\nwhen = "{past}"\nkind = "custom"\n'
        f'message = "Call the counsellor"\ncreated = {created}\n'
    )
    first = start_daemon()
    (got,) = notifications.wait_for(1)
    assert got["body"].startswith("Missed while trustcli was not running")
    assert got["body"].endswith("Call the counsellor")
    first.wait_for_log("missed reminder 1")
    assert first.stop() == 0
    second = start_daemon()
    second.wait_for_log("ready")
    assert second.stop() == 0
    assert len(notifications.received()) == 1


def test_a_one_time_reminder_that_passed_just_before_a_reload_is_delivered_late(
    notifications, start_daemon, home
):
    running = start_daemon()
    running.wait_for_log("scheduled 0 reminders")
    moment = (datetime.now().astimezone() - timedelta(seconds=2)).isoformat(timespec="seconds")
    created = (datetime.now().astimezone() - timedelta(minutes=1)).isoformat(timespec="seconds")
    (home / "reminders.toml").write_text(
        f'[[reminder]]\nid = 1\nwhen = "{moment}"\nkind = "custom"\n'
        f'message = "Just in time"\ncreated = {created}\n'
    )
    running.process.send_signal(signal.SIGHUP)
    assert notifications.wait_for(1)[0]["body"] == "Late: Just in time"
    assert running.stop() == 0


def test_promise_text_reaches_the_lock_screen_only_when_allowed(
    sh, sh_ok, notifications, start_daemon, home
):
    """What the desktop receives, through the real daemon: no promise text by default."""
    sh_ok("promise", "add", "Tell you when I am late", "--every", "daily")
    remind = ("--kind", "promise", "--promise", "1", "-m", "Did you keep it?")
    running = start_daemon()
    add_once_ready(sh, running, *remind)
    (got,) = notifications.wait_for(1)
    assert got["body"] == "Did you keep it?"
    assert running.stop() == 0
    (home / "config.toml").write_text("[notify]\nshow_details = true\n")
    sh_ok("remind", "rm", "1")
    running = start_daemon()
    add_once_ready(sh, running, *remind)
    got = notifications.wait_for(2)[1]
    assert got["body"] == "Did you keep it?\n“Tell you when I am late”"
    assert running.stop() == 0


def test_a_deleted_reminder_s_id_is_never_given_again(cli, home):
    for when in ("daily 10:00", "daily 11:00"):
        assert cli("remind", "add", when).code == 0
    assert cli("remind", "rm", "2").code == 0
    assert cli("remind", "add", "daily 12:00").out.splitlines()[0] == "3"
    path = home / "reminders.toml"  # even when the newest is deleted by hand
    path.write_text(path.read_text()[: path.read_text().rindex("[[reminder]]")])
    assert cli("remind", "add", "daily 13:00").out.splitlines()[0] == "4"


def test_a_reminder_that_cannot_be_read_can_still_be_deleted(cli, home):
    for when in ("daily 10:00", "daily 11:00"):
        assert cli("remind", "add", when).code == 0
    path = home / "reminders.toml"
    path.write_text(path.read_text().replace("daily 10:00", "daily 25:00"))
    assert cli("remind", "add", "daily 12:00").code == 2  # the file must be fixed first
    removed = cli("remind", "rm", "1")
    assert (removed.code, removed.err) == (0, "Reminder 1 deleted.\n")
    listed = cli("remind", "list", "--json")
    assert listed.code == 0 and [r["id"] for r in json.loads(listed.out)] == [2]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('paused = "no"', "'paused' must be true or false"),
        ("message = 7", "'message' must be text"),
    ],
)
def test_a_hand_edited_value_of_the_wrong_kind_is_named(cli, home, line, problem):
    assert cli("remind", "add", "daily 10:00").code == 0  # no message of its own
    path = home / "reminders.toml"
    path.write_text(path.read_text() + line + "\n")
    listed = cli("remind", "list")
    assert listed.code == 2 and problem in listed.err and "line 3" in listed.err


def test_a_reminder_under_a_reused_id_does_not_inherit_old_deliveries(
    notifications, start_daemon, home
):
    """Deliveries recorded under id 2 before this reminder 2 was made are not its own:
    nothing fired since it was made, so nothing may come 'late'."""
    _daily_reminder_delivered_before(home, 2, "Made a minute ago", timedelta(minutes=1), 3)
    running = start_daemon()
    running.wait_for_log("ready")
    assert running.stop() == 0
    assert notifications.received() == []


# What a lock screen shows, by [notify] show: nothing but a neutral title (no app name:
# "trustcli" on a lock screen already says what the person is working on), the
# reminder's own message, or that and the promise's text.
NEUTRAL = {"app": "", "summary": "Reminder", "body": ""}
GENERIC = {"app": "trustcli", "summary": "trustcli", "body": "Did you keep it?"}
FULL = {**GENERIC, "body": "Did you keep it?\n“Tell you when I am late”"}


@pytest.mark.parametrize(
    ("settings", "shown"),
    [
        ('show = "none"', NEUTRAL),
        ('show = "generic"', GENERIC),
        ('show = "full"', FULL),
        ("show_details = true", FULL),  # a config from before notify.show
        ('show = "generic"\nshow_details = true', GENERIC),  # show wins
        ('show = "none"\nshow_details = true', NEUTRAL),
    ],
)
def test_notify_show_decides_what_the_lock_screen_shows(
    sh, sh_ok, notifications, start_daemon, home, settings, shown
):
    sh_ok("promise", "add", "Tell you when I am late", "--every", "daily")
    (home / "config.toml").write_text(f"[notify]\n{settings}\n")
    running = start_daemon()
    add_once_ready(sh, running, "--kind", "promise", "--promise", "1", "-m", "Did you keep it?")
    assert notifications.wait_for(1) == [shown]
    running.wait_for_log("reminder 1: notified")
    assert running.stop() == 0


@pytest.mark.parametrize(
    ("settings", "shown"),
    [("", NEUTRAL), ('[notify]\nshow = "generic"\n', GENERIC)],
    ids=["default", "asked-for"],
)
def test_with_the_vault_on_notifications_show_nothing_unless_asked(
    sh, sh_ok, notifications, start_daemon, home, turn_vault_on, settings, shown
):
    """The default is a neutral notification; the person's own choice stands."""
    sh_ok("promise", "add", "Tell you when I am late", "--every", "daily")
    if settings:
        (home / "config.toml").write_text(settings)
    turn_vault_on()
    running = start_daemon()
    add_once_ready(sh, running, "--kind", "promise", "--promise", "1", "-m", "Did you keep it?")
    assert notifications.wait_for(1) == [shown]
    running.wait_for_log("reminder 1: notified")
    assert running.stop() == 0


def test_a_config_broken_while_the_daemon_runs_shows_nothing_and_keeps_it_running(
    sh, sh_ok, notifications, start_daemon, home
):
    """A config.toml the daemon cannot read (broken by hand here; later, a vault that
    is locked) is a neutral notification, never a crashed job or a lost reminder."""
    sh_ok("promise", "add", "Tell you when I am late", "--every", "daily")
    (home / "config.toml").write_text('[notify]\nshow = "full"\n')
    running = start_daemon()
    running.wait_for_log("ready")
    (home / "config.toml").write_text('[notify\nshow = "full"\n')  # broken by hand
    add_once_ready(sh, running, "--kind", "promise", "--promise", "1", "-m", "Did you keep it?")
    assert notifications.wait_for(1) == [NEUTRAL]
    running.wait_for_log("reminder 1: notified")
    (home / "config.toml").write_text('[notify]\nshow = "loud"\n')  # not a value it knows
    assert sh("remind", "add", in_seconds(4), "-m", "Still here").code == 0
    assert notifications.wait_for(2)[1] == NEUTRAL
    running.wait_for_log("reminder 2: notified")
    assert running.stop() == 0
    log = running.text()
    assert "Traceback" not in log and "Did you keep it" not in log
    (problem,) = [line for line in log.splitlines() if "loud" in line]
    assert "config.toml" in problem and '"none", "generic" or "full"' in problem, problem
