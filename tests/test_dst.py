"""Daylight saving: every WHEN form keeps its local wall-clock time, in both hemispheres.

Clocks are pinned (TRUSTCLI_NOW) on both sides of each change, in three zones; expected
moments are computed here with zoneinfo directly, never with trustcli's own code. The
daemon is tested across a change as a real process under libfaketime.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from trustcli.remind import schedules

from .conftest import require_binary, trustcli_executable

# Every change of 2026 in each zone falls on a Sunday. "gap" is a wall-clock time that
# does not exist on the spring-forward night, "jump" the moment the clocks jump to, and
# "twice" a time that happens twice on the fall-back night.
ZONES = {
    "America/New_York": {
        "spring": date(2026, 3, 8),
        "fall": date(2026, 11, 1),
        "gap": "02:30",
        "jump": "03:00",
        "twice": "01:30",
    },
    "Europe/London": {
        "spring": date(2026, 3, 29),
        "fall": date(2026, 10, 25),
        "gap": "01:30",
        "jump": "02:00",
        "twice": "01:30",
    },
    "Australia/Sydney": {
        "spring": date(2026, 10, 4),
        "fall": date(2026, 4, 5),
        "gap": "02:30",
        "jump": "03:00",
        "twice": "02:30",
    },
}
CHANGES = [(zone, change) for zone in ZONES for change in ("spring", "fall")]


def at(zone: str, day: date, clock: str, fold: int = 0) -> datetime:
    """A local time as a fixed-offset moment (zoneinfo's own answer): moments in a zone
    compare unequal to any other zone's when they are ambiguous (PEP 495)."""
    hour, minute = map(int, clock.split(":"))
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold)
    return local.astimezone(timezone(local.utcoffset() or timedelta()))


def wall(moment: str, zone: str) -> str:
    """A stored moment as the wall-clock time someone in ``zone`` saw."""
    return f"{datetime.fromisoformat(moment).astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


@pytest.fixture
def in_zone(monkeypatch):
    def switch(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    return switch


@pytest.fixture
def pin(monkeypatch):
    def to(moment: datetime) -> None:
        monkeypatch.setenv("TRUSTCLI_NOW", moment.isoformat())

    return to


# --- every form keeps its wall-clock time ----------------------------------------------

# (WHEN, the time of day it fires); one-time forms are dated the day after the change.
FORMS = [
    ("daily 21:00", "21:00"),
    ("weekdays 08:30", "08:30"),
    ("weekends 10:00", "10:00"),
    ("weekly sun 19:00", "19:00"),
    ("mon,thu 20:00", "20:00"),
    ("every 2 weeks sat 10:00", "10:00"),
    ("every 3 days 07:15", "07:15"),
    ("fortnightly sun 09:00", "09:00"),
    ("monthly 10:00", "10:00"),
    ("30 8 * * 1-5", "08:30"),
    ("ONE-TIMET09:00", "09:00"),
]


@pytest.mark.parametrize(("when", "clock"), FORMS, ids=[f[0] for f in FORMS])
@pytest.mark.parametrize(("zone", "change"), CHANGES, ids=[f"{z}-{c}" for z, c in CHANGES])
def test_every_form_keeps_its_wall_clock_time_across_the_change(
    cli, in_zone, pin, zone, change, when, clock
):
    in_zone(zone)
    sunday = ZONES[zone][change]
    when = when.replace("ONE-TIME", (sunday + timedelta(days=1)).isoformat())
    before = at(zone, sunday - timedelta(days=1), "12:00")  # the Saturday before
    pin(before)
    added = cli("remind", "add", when, "--json")
    assert added.code == 0, added.err
    upcoming = json.loads(added.out)["next"]
    assert upcoming and all(wall(t, zone).endswith(clock) for t in upcoming), upcoming
    assert datetime.fromisoformat(upcoming[-1]) > at(zone, sunday, "12:00")  # crosses it
    assert len({wall(t, zone)[:10] for t in upcoming}) == len(upcoming)
    assert cli("remind", "due", "--ack").code == 0  # `remind due` counts from here

    for day in (sunday, sunday + timedelta(days=1), sunday + timedelta(days=15)):
        pin(at(zone, day, "12:00"))
        (row,) = json.loads(cli("remind", "list", "--json").out)
        assert all(wall(t, zone).endswith(clock) for t in row["next"]), (day, row["next"])

    pin(at(zone, sunday + timedelta(days=30), "11:59"))  # within due's 31 days back
    due = [item["at"] for item in json.loads(cli("remind", "due", "--json").out)]
    assert all(wall(t, zone).endswith(clock) for t in due), due
    # `remind add`'s "next" and `remind due` come from one fire-time function
    shared = min(len(due), len(upcoming))
    assert shared and due[:shared] == upcoming[:shared]


# --- a time that happens twice, a time that does not exist -----------------------------

# Forms that fire on the Sunday of a change at CLOCK.
SUNDAY_FORMS = [
    "daily CLOCK",
    "weekends CLOCK",
    "weekly sun CLOCK",
    "sun,wed CLOCK",
    "every 1 weeks sun CLOCK",
    "fortnightly sun CLOCK",
    "cron",
    "DAYTCLOCK",
]


def _form(template: str, day: date, clock: str) -> str:
    if template == "cron":
        hour, minute = clock.split(":")
        return f"{int(minute)} {int(hour)} * * 0"
    return template.replace("DAY", day.isoformat()).replace("CLOCK", clock)


@pytest.mark.parametrize("template", SUNDAY_FORMS)
@pytest.mark.parametrize("zone", list(ZONES))
def test_a_time_that_happens_twice_fires_once_at_its_first(cli, in_zone, pin, zone, template):
    in_zone(zone)
    sunday, clock = ZONES[zone]["fall"], ZONES[zone]["twice"]
    when = _form(template, sunday, clock)
    first, second = at(zone, sunday, clock, fold=0), at(zone, sunday, clock, fold=1)
    assert first.utcoffset() != second.utcoffset()  # the zone data agrees: it is twice
    pin(at(zone, sunday - timedelta(days=1), "12:00"))
    added = cli("remind", "add", when, "--json")
    assert added.code == 0, added.err
    upcoming = [datetime.fromisoformat(t) for t in json.loads(added.out)["next"]]
    assert upcoming[0] == first and upcoming[0].utcoffset() == first.utcoffset()
    assert all(t.date() > sunday for t in upcoming[1:])

    pin(at(zone, sunday, "12:00"))
    (row,) = json.loads(cli("remind", "list", "--json").out)
    assert not row["next"] or datetime.fromisoformat(row["next"][0]).date() > sunday
    due = [datetime.fromisoformat(d["at"]) for d in json.loads(cli("remind", "due", "--json").out)]
    assert due == [first]


@pytest.mark.parametrize("template", SUNDAY_FORMS)
@pytest.mark.parametrize("zone", list(ZONES))
def test_a_time_that_does_not_exist_fires_once_when_the_clocks_jump(
    cli, in_zone, pin, zone, template
):
    in_zone(zone)
    sunday, clock, jump = ZONES[zone]["spring"], ZONES[zone]["gap"], ZONES[zone]["jump"]
    when = _form(template, sunday, clock)
    moment = at(zone, sunday, jump)
    pin(at(zone, sunday - timedelta(days=1), "12:00"))
    added = cli("remind", "add", when, "--json")
    assert added.code == 0, added.err
    upcoming = [datetime.fromisoformat(t) for t in json.loads(added.out)["next"]]
    assert upcoming[0] == moment, upcoming
    assert all(t.date() > sunday for t in upcoming[1:])
    pin(at(zone, sunday, "12:00"))
    due = [datetime.fromisoformat(d["at"]) for d in json.loads(cli("remind", "due", "--json").out)]
    assert due == [moment]


def test_a_cron_every_half_hour_through_both_changes(cli, ok, in_zone, pin):
    """Each wall-clock time once: the missing hour's times come once, at the jump, and the
    repeated hour is not repeated."""
    zone = "America/New_York"
    in_zone(zone)
    pin(at(zone, date(2026, 3, 8), "00:45"))
    assert cli("remind", "add", "*/30 * * * *").code == 0
    pin(at(zone, date(2026, 3, 8), "03:45"))
    due = [item["at"] for item in json.loads(cli("remind", "due", "--json", "--ack").out)]
    assert due == [
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T01:30:00-05:00",
        "2026-03-08T03:00:00-04:00",
        "2026-03-08T03:30:00-04:00",
    ]
    pin(at(zone, date(2026, 11, 1), "00:45"))
    ok("remind", "due", "--ack")
    pin(at(zone, date(2026, 11, 1), "02:45"))
    due = [item["at"] for item in json.loads(cli("remind", "due", "--json").out)]
    assert due == [
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T02:00:00-05:00",
        "2026-11-01T02:30:00-05:00",
    ]


@pytest.mark.parametrize(("zone", "change"), CHANGES, ids=[f"{z}-{c}" for z, c in CHANGES])
def test_the_daemons_trigger_agrees_with_remind_add(cli, in_zone, pin, zone, change):
    """The daemon's trigger, stepped as APScheduler steps it (previous fire time, now),
    gives the times `remind add` printed, for the forms that meet the change."""
    in_zone(zone)
    sunday = ZONES[zone][change]
    clock = ZONES[zone]["gap" if change == "spring" else "twice"]
    created = at(zone, sunday - timedelta(days=1), "12:00")
    pin(created)
    for template in SUNDAY_FORMS:
        when = _form(template, sunday, clock)
        printed = json.loads(cli("remind", "add", when, "--json").out)["next"]
        fire = schedules.trigger(schedules.parse(when, created), ZoneInfo(zone))
        stepped, previous = [], None
        while len(stepped) < len(printed):
            moment = fire.get_next_fire_time(previous, previous or created)
            if moment is None:
                break
            stepped.append(moment.isoformat())
            previous = moment
        assert stepped == printed, when


def test_a_reminder_made_before_a_change_is_listed_after_it_at_its_time(cli, ok, in_zone, pin):
    """The issue's example: 'every 2 weeks sat 10:00' made in summer stays 10:00 in winter."""
    zone = "Europe/London"
    in_zone(zone)
    pin(at(zone, date(2026, 10, 10), "12:00"))
    ok("remind", "add", "every 2 weeks sat 10:00")
    pin(at(zone, date(2026, 10, 30), "12:00"))
    human = cli("remind", "list").out
    assert "Sat 2026-11-07 10:00" in human


def test_a_one_time_reminder_with_an_offset_is_that_moment(cli, in_zone, pin):
    zone = "America/New_York"
    in_zone(zone)
    pin(at(zone, date(2026, 3, 7), "12:00"))
    added = json.loads(cli("remind", "add", "2026-03-08T03:30-04:00", "--json").out)
    assert added["next"] == ["2026-03-08T03:30:00-04:00"]


# --- the daemon across a change, as a real process under libfaketime ----------------------


class FakeClockDaemon:
    """`trustcli remind --daemon` whose wall clock the test sets (libfaketime).

    libfaketime is preloaded directly (the ``faketime`` program forks and waits, so a
    signal to it would not reach the daemon). Only the wall clock is faked, at normal
    speed: Python's timed waits use CLOCK_MONOTONIC with absolute deadlines, and a faked
    monotonic clock makes them hang (measured; so does time.sleep with a changed offset).
    The clock is an offset from the real one, in a file read at every call; after moving
    it, a SIGHUP wakes the scheduler so it measures its next wait on the new clock."""

    def __init__(self, tmp_path: Path, zone: str, start: datetime) -> None:
        faketime = Path(require_binary("faketime")).resolve()
        libraries = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
        libraries += sorted(faketime.parent.parent.glob("lib*/faketime/libfaketime.so.1"))
        assert libraries, f"{faketime} is installed but libfaketime.so.1 is not found"
        self.clock, self.log = tmp_path / "faketime", tmp_path / "daemon.log"
        self.set_clock(start)
        env = {
            **os.environ,
            "TZ": zone,
            "LD_PRELOAD": str(libraries[0]),
            "FAKETIME_TIMESTAMP_FILE": str(self.clock),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }
        self.process = subprocess.Popen(
            [trustcli_executable(), "remind", "--daemon"],
            stderr=self.log.open("w"),
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    def set_clock(self, moment: datetime) -> None:
        offset = round((moment - datetime.now(UTC)).total_seconds())
        draft = self.clock.with_suffix(".new")  # replaced whole: never read half-written
        draft.write_text(f"{offset:+d}\n")
        draft.replace(self.clock)

    def move_clock(self, moment: datetime) -> None:
        self.set_clock(moment)
        self.process.send_signal(signal.SIGHUP)
        self.wait_for_log("reloading")

    def wait_for_log(self, phrase: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while phrase not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {phrase!r} in the daemon log:\n{self.log.read_text()}")
            time.sleep(0.05)

    def expect(self, waiting: Callable[[], object]) -> None:
        """Run a wait; if it fails, say what the daemon logged (the clue on a loaded CI)."""
        try:
            waiting()
        except AssertionError as error:
            raise AssertionError(f"{error}\ndaemon log:\n{self.log.read_text()}") from None

    def stop(self) -> int:
        self.process.terminate()
        return self.process.wait(timeout=10)


@pytest.fixture
def fake_clock_daemon(tmp_path):
    started: list[FakeClockDaemon] = []

    def start(zone: str, moment: datetime) -> FakeClockDaemon:
        started.append(FakeClockDaemon(tmp_path, zone, moment))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def _write_reminders(home: Path, created: str, entries: list[tuple[int, str, str]]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "reminders.toml").write_text(
        "".join(
            f'[[reminder]]\nid = {ident}\nwhen = "{when}"\nkind = "custom"\n'
            f'message = "{message}"\ncreated = {created}\n\n'
            for ident, when, message in entries
        )
    )


def test_the_daemon_fires_a_missing_time_once_when_the_clocks_jump(
    notifications, home, fake_clock_daemon
):
    """New York, 8 March 2026: after 01:59:59 EST comes 03:00:00 EDT. 'daily 02:30' fires
    once, at 03:00, with 'daily 03:00' (APScheduler's own trigger said 03:30)."""
    zone = "America/New_York"
    _write_reminders(
        home,
        "2026-03-07T12:00:00-05:00",
        [
            (1, "daily 02:30", "Missing time"),
            (2, "daily 03:00", "At the jump"),
            (3, "2026-03-08T03:00:02-04:00", "Marker"),
        ],
    )
    running = fake_clock_daemon(zone, at(zone, date(2026, 3, 8), "01:00"))
    running.wait_for_log("scheduled 3 reminders")
    running.move_clock(at(zone, date(2026, 3, 8), "01:59") + timedelta(seconds=57))
    running.expect(lambda: notifications.wait_for(3))
    assert running.stop() == 0
    bodies = sorted(n["body"] for n in notifications.received())
    assert bodies == ["At the jump", "Marker", "Missing time"], running.log.read_text()
    records = tomllib.loads((home / "deliveries.toml").read_text())["delivery"]
    assert sorted(r["reminder"] for r in records) == ["1", "2", "3"]
    assert {wall(r["scheduled"].isoformat(), zone) for r in records} == {"2026-03-08 03:00"}
    assert {r["status"] for r in records} == {"sent"}


def test_the_daemon_does_not_repeat_a_time_when_the_clocks_go_back(
    notifications, home, fake_clock_daemon
):
    """New York, 1 November 2026: after 01:59:59 EDT comes 01:00:00 EST. 'daily 01:00'
    already came at 01:00 EDT (recorded): it must not come again at 01:00 EST."""
    zone = "America/New_York"
    _write_reminders(
        home,
        "2026-10-30T12:00:00-04:00",
        [(1, "daily 01:00", "Once a night"), (2, "2026-11-01T01:00:02-05:00", "Marker")],
    )
    (home / "deliveries.toml").write_text(
        '[[delivery]]\nreminder = "1"\nscheduled = 2026-11-01T01:00:00-04:00\n'
        'status = "sent"\nat = 2026-11-01T01:00:00-04:00\n'
    )
    running = fake_clock_daemon(zone, at(zone, date(2026, 11, 1), "01:30"))
    running.wait_for_log("scheduled 2 reminders")
    running.move_clock(at(zone, date(2026, 11, 1), "01:59") + timedelta(seconds=57))
    running.expect(lambda: notifications.wait_for(1))
    assert running.stop() == 0
    assert [n["body"] for n in notifications.received()] == ["Marker"], running.log.read_text()
    records = tomllib.loads((home / "deliveries.toml").read_text())["delivery"]
    assert [r["reminder"] for r in records] == ["1", "2"]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-01T01:15:00-04:00", "2026-11-01T01:30:00-04:00"),  # first pass: still to come
        ("2026-11-01T01:15:00-05:00", "2026-11-02T01:30:00-05:00"),  # second pass: it came
        ("2026-11-01T01:45:00-05:00", "2026-11-02T01:30:00-05:00"),
    ],
)
def test_inside_the_repeated_hour_the_next_time_is_not_the_repeat(
    cli, ok, in_zone, pin, now, expected
):
    in_zone("America/New_York")
    pin(datetime.fromisoformat("2026-10-30T12:00:00-04:00"))
    ok("remind", "add", "daily 01:30")
    pin(datetime.fromisoformat(now))
    (row,) = json.loads(cli("remind", "list", "--json").out)
    assert row["next"] == [expected]
    created = datetime.fromisoformat("2026-10-30T12:00:00-04:00")
    fire = schedules.trigger(schedules.parse("daily 01:30", created), ZoneInfo("America/New_York"))
    assert fire.get_next_fire_time(None, datetime.fromisoformat(now)).isoformat() == expected
