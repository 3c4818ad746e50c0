"""Schedules that cannot fire, reminders files with bad entries, and `remind due`."""

from __future__ import annotations

import json
import os
import subprocess
import time
import tomllib
from datetime import datetime, timedelta

import pytest

from .conftest import trustcli_executable

NOW = "2026-11-26T20:00:00+01:00"  # a Thursday, in Berlin (the tests' zone)


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)


# --- a schedule that cannot fire is refused before it is saved ---------------------------


@pytest.mark.parametrize(
    ("zone", "when", "phrase"),
    [
        ("Europe/Berlin", "every 600000 weeks sat 10:00", "every 1 to 52 weeks"),
        ("Europe/Berlin", "every 100000 days 10:00", "every 1 to 366 days"),
        ("America/New_York", "9999-12-31T23:59", "too far in the future"),
        ("Europe/Berlin", "9999-12-31T23:59-05:00", "too far in the future"),
        ("Europe/Berlin", "10000-01-01T10:00", "too far in the future"),
        ("Europe/Berlin", "0 0 31 2 *", "never happens"),
        ("Europe/Berlin", "0 0 30 2 *", "never happens"),
        ("Europe/Berlin", "every 2 weeks sat,sun 10:00", "takes one day"),
        ("Europe/Berlin", "fortnightly 25:00", "not a time of day"),
        # Unicode digits pass str.isdigit() but not int(): bad input, not a crash.
        ("Europe/Berlin", "every ² weeks sat 10:00", "can't read the schedule"),
        ("Europe/Berlin", "0 10 * * ²", "can't read the schedule"),
        ("Europe/Berlin", "0 10 * * 1-5/²", "can't read the schedule"),
    ],
)
def test_a_schedule_that_cannot_fire_is_refused_before_it_is_saved(
    cli, home, monkeypatch, zone, when, phrase
):
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    result = cli("remind", "add", when)
    assert result.code == 2, result
    assert phrase in result.err and len(result.err.splitlines()) == 1, result.err
    assert "Traceback" not in result.text and "internal error" not in result.text
    assert not (home / "reminders.toml").exists()


def test_the_largest_one_time_that_fits_is_kept_in_a_positive_offset_zone(cli):
    added = cli("remind", "add", "9999-12-31T23:59", "--json")  # Berlin: +01:00
    assert added.code == 0, added.err
    assert json.loads(added.out)["next"] == ["9999-12-31T23:59:00+01:00"]
    assert cli("remind", "list").code == 0 and cli("remind", "due").code == 0


@pytest.mark.parametrize(
    ("word", "when", "first"),
    [
        ("fortnightly", "fortnightly sat 10:00", "2026-11-28T10:00:00+01:00"),
        ("fortnightly", "fortnightly 10:00", "2026-12-10T10:00:00+01:00"),
        ("monthly", "monthly 10:00", "2026-12-26T10:00:00+01:00"),
        ("weekly", "weekly 19:00", "2026-12-03T19:00:00+01:00"),
        ("biweekly", "biweekly sat 10:00", "2026-11-28T10:00:00+01:00"),
        ("every day", "every day 21:00", "2026-11-26T21:00:00+01:00"),
        ("every week", "every week 19:00", "2026-12-03T19:00:00+01:00"),
    ],
)
def test_reminders_take_the_promise_schedule_words(cli, word, when, first):
    assert cli("promise", "add", "a promise", "--every", word).code == 0
    added = cli("remind", "add", when, "--json")
    assert added.code == 0, added.err
    assert json.loads(added.out)["next"][0] == first


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--every", ""], "--every needs a schedule"),
        (["--every", "  "], "--every needs a schedule"),
        (["--every", "daily", "--due", "fri"], "repeats (--every) or is due once"),
    ],
)
def test_promise_every_is_refused_when_empty_or_with_a_due_date(cli, home, args, phrase):
    result = cli("promise", "add", "Call at lunch", *args)
    assert result.code == 2, result
    assert phrase in result.err and len(result.err.splitlines()) == 1
    assert not (home / "promises.toml").exists()


# --- a reminders file that already holds a bad entry --------------------------------------


def _reminders(home, *entries: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "reminders.toml").write_text("\n".join(entries))


def entry(ident: str = "2", when: str = "daily 08:00", kind: str = "checkin", created=True):
    text = f'[[reminder]]\nid = {ident}\nwhen = "{when}"\nkind = "{kind}"\n'
    return text + ("created = 2026-11-20T09:00:00+01:00\n" if created else "")


GOOD = entry("1", "daily 21:00")  # five lines: a second entry starts at line 7
BAD = {
    "cannot fire": entry(when="every 600000 weeks sat 10:00"),
    "no datetime can hold it": entry(when="10000-01-01T10:00"),
    "unreadable when": entry(when="every blursday"),
    "cron APScheduler cannot read": entry(when="99 * * * *"),
    "no created": entry(created=False),
    "bad kind": entry(kind="party"),
    "bad id": entry(ident='"two"'),
    "created without its offset": entry().replace("+01:00", ""),
}


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_a_bad_entry_is_named_and_the_rest_still_work(cli, home, monkeypatch, bad):
    _reminders(home, GOOD, bad)
    listed = cli("remind", "list", "--json")
    assert [r["id"] for r in json.loads(listed.out)] == [1]
    assert listed.code == 2
    assert f"{home / 'reminders.toml'}, line 7:" in listed.err, listed.err
    assert "Traceback" not in listed.err and "internal error" not in listed.err
    human = cli("remind", "list")
    assert "daily 21:00" in human.out and "line 7" in human.err
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-22T22:00:00+01:00")
    due = cli("remind", "due", "--json")
    assert len(json.loads(due.out)) == 3 and "line 7" in due.err  # 20, 21 and 22 Nov
    before = (home / "reminders.toml").read_text()
    for args in (["remind", "add", "daily 08:00"], ["remind", "pause", "1"]):
        refused = cli(*args)
        assert refused.code == 2 and "line 7" in refused.err, (args, refused)
    assert (home / "reminders.toml").read_text() == before
    # rm may go on (deleting is often the fix); the bad entry is kept exactly as it was.
    assert cli("remind", "rm", "1").code == 0
    (kept,) = tomllib.loads((home / "reminders.toml").read_text())["reminder"]
    assert kept == tomllib.loads(bad)["reminder"][0]


def test_duplicate_ids_are_named_with_both_lines_and_rm_never_deletes_both(cli, home):
    _reminders(home, GOOD, GOOD.replace("daily 21:00", "weekly sun 19:00"))
    listed = cli("remind", "list", "--json")
    assert listed.code == 2
    assert [r["when"] for r in json.loads(listed.out)] == ["daily 21:00"]
    assert "lines 1 and 7" in listed.err and "id 1" in listed.err, listed.err
    before = (home / "reminders.toml").read_text()
    refused = cli("remind", "rm", "1")
    assert refused.code == 2 and "lines 1 and 7" in refused.err
    assert (home / "reminders.toml").read_text() == before


# --- remind due -------------------------------------------------------------------------


def test_due_is_sorted_by_time_not_by_text(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T12:00:00+01:00")
    ok("remind", "add", "2026-11-26T19:00+00:00", "-m", "later (20:00 here)")
    ok("remind", "add", "2026-11-26T19:30", "-m", "earlier (19:30 here)")
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T21:00:00+01:00")
    due = json.loads(cli("remind", "due", "--json").out)
    assert [d["message"] for d in due] == ["earlier (19:30 here)", "later (20:00 here)"]


def test_due_skips_days_already_recorded_for_the_promise(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-23T09:00:00+01:00")
    ok("promise", "add", "Text when I'm late", "--every", "daily")
    ok("remind", "add", "daily 21:00", "--promise", "1")  # a stored promise reminder
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T22:00:00+01:00")
    ok("promise", "kept", "1", "--on", "2026-11-24")
    ok("promise", "missed", "1", "--on", "2026-11-25", "--note", "forgot")
    due = json.loads(cli("remind", "due", "--json").out)
    assert [d["at"] for d in due] == ["2026-11-23T21:00:00+01:00", "2026-11-26T21:00:00+01:00"]


@pytest.mark.parametrize("args", [["remind", "due"], ["remind", "due", "--ack"]])
def test_due_never_creates_a_data_home(sh, home, args):
    result = sh(*args)
    assert result.code == 0 and result.out == "", result
    assert not home.exists()


def test_due_in_a_shell_prompt_is_silent_and_makes_nothing(tmp_path):
    """A fresh machine: no TRUSTCLI_HOME, nothing yet in ~/.local/share."""
    user = tmp_path / "user"
    user.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env.pop("TRUSTCLI_HOME")
    env["HOME"] = str(user)
    for args in (["remind", "due"], ["remind", "due", "--ack"], ["remind", "list"]):
        done = subprocess.run(
            [trustcli_executable(), *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0 and done.stdout == "", done
    assert list(user.iterdir()) == []


def test_the_daemon_runs_the_good_reminders_and_names_the_bad_one(notifications, home, tmp_path):
    soon = (datetime.now().astimezone() + timedelta(seconds=2)).isoformat(timespec="seconds")
    _reminders(
        home,
        entry("1", soon, "custom").replace("kind", 'message = "Still here"\nkind'),
        entry(when="every blursday"),
    )
    log = tmp_path / "daemon.log"
    with log.open("w") as stderr:
        daemon = subprocess.Popen(
            [trustcli_executable(), "remind", "--daemon"],
            stderr=stderr,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        try:
            assert notifications.wait_for(1)[0]["body"] == "Still here"
        finally:
            daemon.terminate()
            assert daemon.wait(timeout=10) == 0
    text = log.read_text()
    assert f"left out: {home / 'reminders.toml'}, line 8: reminder 2" in text, text
    assert "Traceback" not in text


def test_a_promise_with_a_schedule_no_one_can_read_does_not_break_the_reminders(cli, ok, home):
    ok("promise", "add", "Walk together", "--every", "mon,thu")
    ok("promise", "add", "Call at lunch", "--every", "daily")
    path = home / "promises.toml"
    path.write_text(path.read_text().replace('every = "daily"', 'every = "blursday"'))
    listed = cli("remind", "list", "--json")
    assert [r["id"] for r in json.loads(listed.out)] == ["p1"]
    assert listed.code == 2 and "promise 2" in listed.err and "blursday" in listed.err
    assert len(listed.err.splitlines()) == 1
    due = cli("remind", "due")
    assert due.code == 2 and "promise 2" in due.err


def test_a_bad_promise_time_is_named_and_promise_reminders_keep_20_00(cli, ok, home):
    ok("promise", "add", "Call at lunch", "--every", "weekdays")
    ok("remind", "add", "daily 21:00")
    (home / "config.toml").write_text('[remind]\npromise_time = "noon"\n')
    listed = cli("remind", "list", "--json")
    assert [r["when"] for r in json.loads(listed.out)] == ["daily 21:00", "weekdays 20:00"]
    assert listed.code == 2 and "promise_time must be a time" in listed.err
    assert cli("remind", "add", "daily 08:00").code == 0  # reminders.toml itself is fine


@pytest.mark.parametrize(
    ("when", "days"),
    [
        ("0 20 * * 0-7/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("0 20 * * 1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0 20 * * 7", ["Sun"]),
        ("0 20 * * */3", ["Sun", "Wed", "Sat"]),
    ],
)
def test_cron_days_of_the_week_count_from_sunday(cli, ok, monkeypatch, when, days):
    added = cli("remind", "add", when)
    assert added.code == 0, added.err
    ok("remind", "due", "--ack")
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-12-03T20:00:00+01:00")  # a week later
    week = json.loads(cli("remind", "due", "--json").out)
    shown = [f"{datetime.fromisoformat(d['at']).astimezone():%a}" for d in week]
    assert sorted(shown) == sorted(days)


@pytest.mark.parametrize("when", ["0 0 * * 1/0", "0 0 * * */0", "0 0 * * 1/"])
def test_a_cron_step_of_zero_is_one_clear_line(cli, home, when):
    result = cli("remind", "add", when)
    assert result.code == 2 and len(result.err.splitlines()) == 1, result
    assert "internal error" not in result.err
    assert not (home / "reminders.toml").exists()


def test_times_stored_without_an_offset_do_not_crash_remind(cli, ok, home):
    """A hand-edited remind-state.toml or promises.toml with a local date-time."""
    ok("remind", "add", "daily 21:00")
    ok("promise", "add", "Call at lunch", "--every", "daily")
    (home / "remind-state.toml").write_text("acknowledged = 2026-11-20T09:00:00\n")
    path = home / "promises.toml"
    path.write_text(path.read_text().replace("+01:00", ""))
    for args in (["remind", "due"], ["remind", "list"], ["remind", "due", "--ack"]):
        result = cli(*args)
        assert result.code == 0 and "internal error" not in result.err, (args, result)
