"""`trustcli checkin`: a 1-10 rating and a note, appended; listing; bad input."""

from __future__ import annotations

import json
import tomllib

import pexpect
import pytest

from .conftest import spawn_on_terminal

NOW = "2026-11-26T20:00:00+01:00"


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)


def test_checkin_appends_a_record(cli, home):
    assert cli("checkin", "--rating", "7", "--note", "we walked").code == 0
    assert cli("checkin", "-r", "4", "--as", "sam", "--on", "yesterday").code == 0
    text = (home / "checkins.toml").read_text()
    one, two = tomllib.loads(text)["checkin"]
    assert (one["rating"], one["who"], one["note"], one["on"].isoformat()) == (
        7,
        "me",
        "we walked",
        "2026-11-26",
    )
    assert (two["who"], two["on"].isoformat()) == ("sam", "2026-11-25")
    assert list(one)[-1] == "at"


def test_list_filters_by_person_and_date(cli, ok):
    ok("checkin", "-r", "5", "--on", "2026-11-01")
    ok("checkin", "-r", "6", "--on", "2026-11-20", "--as", "sam")
    ok("checkin", "-r", "8")
    rows = json.loads(cli("checkin", "list", "--json").out)
    assert [r["rating"] for r in rows] == [5, 6, 8]
    assert [
        r["rating"] for r in json.loads(cli("checkin", "list", "--as", "sam", "--json").out)
    ] == [6]
    since = json.loads(cli("checkin", "list", "--since", "2026-11-15", "--json").out)
    assert [r["rating"] for r in since] == [6, 8]
    human = cli("checkin", "list")
    assert "8/10" in human.out


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["checkin", "--rating", "11"], "from 1 to 10"),
        (["checkin", "--rating", "0"], "from 1 to 10"),
        (["checkin", "--rating", "seven"], "from 1 to 10"),
        (["checkin", "--rating", "5", "--on", "tomorrow"], "in the future"),
        (["checkin", "--rating", "5", "--on", "2026-02-30"], "not a real date"),
        (["checkin", "--rating", "5", "--on", "0001-01-01"], "0001-01-01"),
        (["checkin", "--rating", "5", "--on", "-600w"], "years ago"),
        (["checkin"], "--rating"),
        (["checkin", "list", "--since", "+3d"], "after today"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, home, args, phrase):
    result = cli(*args)
    assert result.code == 2
    assert phrase in result.err and len(result.err.splitlines()) == 1
    assert not (home / "checkins.toml").exists()


def test_on_a_terminal_it_asks_for_the_rating_then_a_note(home):
    child = spawn_on_terminal("checkin")
    child.expect("trust and feel safe today")
    child.sendline("12")
    child.expect("from 1 to 10")
    child.send("\b\b8\r")
    child.expect("Anything you want to note")
    child.sendline("a good talk")
    child.expect("Checked in today: 8/10")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (entry,) = tomllib.loads((home / "checkins.toml").read_text())["checkin"]
    assert (entry["rating"], entry["note"]) == (8, "a good talk")


def test_ctrl_c_at_the_prompt_saves_nothing(home):
    child = spawn_on_terminal("checkin")
    child.expect("trust and feel safe today")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (home / "checkins.toml").exists()
