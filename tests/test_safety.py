"""Safety at every low point: `help-now`, the private safety line, a remembered pause in
scripted runs, and `trigger`. Through the real CLI (in-process `cli`, installed `sh`)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from tests.conftest import run_installed
from tests.helpers.people import ALEX_NOW, Person
from tests.test_ask import DOWN, READY, finish, session_files, spawn
from tests.test_pair import pair_in_one_folder

LINE = "If you do not feel safe"
FEAR_NOTE = "scared of him tonight"


def everything_in(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.rglob("*") if p.is_file())


# --- help-now ------------------------------------------------------------------------


def test_help_now_prints_resources_and_a_plan_and_nothing_else(sh_ok, home):
    shown = sh_ok("help-now", env={"LANG": "en_GB.UTF-8", "LC_ALL": ""})
    assert "999" in shown.out and "0808 2000 247" in shown.out
    for step in ("danger", "call", "safe place", "take", "privately"):
        assert step in shown.out.lower(), step
    assert shown.err == ""
    assert not home.exists()  # it never makes a data home


def test_help_now_takes_the_country_from_config_before_the_locale(sh_ok, home):
    home.mkdir()
    (home / "config.toml").write_text('[safety]\ncountry = "AU"\n')
    shown = sh_ok("help-now", env={"LANG": "en_US.UTF-8", "LC_ALL": ""})
    assert "000" in shown.out and "1800RESPECT" in shown.out and "911" not in shown.out


def test_help_now_without_a_known_country_gives_the_generic_pointer(sh_ok):
    shown = sh_ok("help-now", env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": ""})
    assert "112" in shown.out and "911" in shown.out and "emergency number" in shown.out


def test_help_now_json(sh_ok):
    shown = sh_ok("help-now", "--json", env={"LC_ALL": "en_US.UTF-8"})
    data = json.loads(shown.out)
    assert data["country"] == "US"
    assert any("911" in line for line in data["emergency"])
    assert any("988" in line for line in data["helplines"])
    assert data["plan"]


@pytest.mark.parametrize("broken", ["toml", "file", "config-table"])
def test_help_now_works_with_a_broken_home(sh_ok, home, broken):
    if broken == "file":
        home.write_text("not a folder")
    else:
        home.mkdir()
        text = "[safety\ncountry = " if broken == "toml" else 'safety = "GB"\n'
        (home / "config.toml").write_text(text)
    shown = sh_ok("help-now", env={"LANG": "en_GB.UTF-8", "LC_ALL": ""})
    assert "999" in shown.out and shown.err == ""


def test_help_now_with_a_home_pointing_nowhere_creates_nothing(sh_ok, tmp_path):
    nowhere = tmp_path / "not" / "there"
    shown = sh_ok("help-now", env={"TRUSTCLI_HOME": str(nowhere), "LANG": "en_NZ.UTF-8"})
    assert "111" in shown.out
    assert not (tmp_path / "not").exists()


def test_help_now_works_on_a_locked_vault(sh, sh_ok, home, runtime_dir, tmp_path):
    sh_ok("checkin", "--rating", "6")
    secret = tmp_path / "passphrase"
    secret.write_text("a long passphrase only this test knows\n")
    secret.chmod(0o600)
    sh_ok("vault", "enable", "--passphrase-file", str(secret))
    sh_ok("lock")
    assert sh("checkin", "list").code != 0  # locked indeed
    shown = sh_ok("help-now", env={"LANG": "en_US.UTF-8", "LC_ALL": ""})
    assert "911" in shown.out and shown.err == ""
    refused = sh("trigger", "a hard evening")  # a hard moment gets more than a refusal
    assert refused.code == 1
    assert refused.err == (
        "trustcli: locked: run trustcli unlock to note it; help is there now too: "
        "trustcli help-now\n"
    )


# --- the safety line at every low point -------------------------------------------------


def test_a_checkin_at_three_shows_the_safety_line(ok):
    low = ok("checkin", "--rating", "3")
    assert LINE in low.err and "help-now" in low.err
    fine = ok("checkin", "--rating", "4")
    assert LINE not in fine.err


def test_a_frightened_note_shows_the_safety_line_after_the_thanks(ok):
    shown = ok("checkin", "-r", "8", "--note", FEAR_NOTE)
    assert LINE in shown.err
    assert shown.err.index("Thank you") < shown.err.index(LINE)
    # a word inside another word is not a match
    calm = ok("checkin", "-r", "8", "--note", "we hurtled down the hill, unhurried")
    assert LINE not in calm.err


def test_the_line_goes_to_stderr_never_into_checkin_json(ok):
    shown = ok("checkin", "-r", "2", "--note", "I feel unsafe", "--json")
    assert LINE in shown.err and LINE not in shown.out
    assert "help" not in json.loads(shown.out)


def test_a_followup_note_with_fear_shows_the_safety_line(ok):
    ok("promise", "add", "Call when late")
    shown = ok("promise", "missed", "1", "--note", "He threatened me when I asked")
    assert LINE in shown.err
    calm = ok("promise", "kept", "1", "--replace", "--note", "called at six")
    assert LINE not in calm.err


def test_an_answer_with_fear_shows_the_safety_line(ok, tmp_path):
    answers = tmp_path / "answers.txt"
    answers.write_text("I am afraid to speak up\n" + "\n" * 9)
    shown = ok("ask", "worth-fixing", "--answers", str(answers))
    assert LINE in shown.err
    answers.write_text("we walked by the river\n" + "\n" * 9)
    calm = ok("ask", "worth-fixing", "--answers", str(answers))
    assert LINE not in calm.err


def test_a_report_that_stays_low_shows_the_line_but_never_in_its_files(ok, tmp_path):
    for day in ("2026-11-09", "2026-11-16", "2026-11-23"):
        os.environ["TRUSTCLI_NOW"] = f"{day}T20:00:00+01:00"
        ok("checkin", "--rating", "4")
    os.environ["TRUSTCLI_NOW"] = "2026-11-25T20:00:00+01:00"
    try:
        shown = ok("report")
        assert LINE in shown.err
        as_json = ok("report", "--json")
        assert LINE not in as_json.out and "help-now" not in as_json.out
        written = ok("report", "-o", str(tmp_path / "r.md"))
        assert LINE in written.err
        for name in ("r.md", "r.svg"):
            text = (tmp_path / name).read_text()
            assert LINE not in text and "help-now" not in text
        printed = ok("report", "-o", "-")
        assert LINE not in printed.out
    finally:
        del os.environ["TRUSTCLI_NOW"]


def test_a_report_with_a_good_week_among_them_shows_no_line(ok):
    for day, rating in (("2026-11-09", "4"), ("2026-11-16", "8"), ("2026-11-23", "4")):
        os.environ["TRUSTCLI_NOW"] = f"{day}T20:00:00+01:00"
        ok("checkin", "--rating", rating)
    os.environ["TRUSTCLI_NOW"] = "2026-11-25T20:00:00+01:00"
    try:
        assert LINE not in ok("report").err
    finally:
        del os.environ["TRUSTCLI_NOW"]


def test_the_line_and_fear_notes_stay_out_of_export_and_the_couple_folder(tmp_path):
    alex = Person(tmp_path / "alex-home", ALEX_NOW)
    sam = Person(tmp_path / "sam-home", ALEX_NOW)
    alex.ok("init", "--me", "Alexandrina")
    sam.ok("init", "--me", "Samwise", "--partner", "Alexandrina")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    shared = sam.ok("checkin", "-r", "2", "--note", "a hard day", "--share", "--json")
    assert LINE in shared.err and LINE not in shared.out
    sam.ok("trigger", "the song in the shop", "--share")
    sam.ok("export", "-o", str(tmp_path / "backup.json"))
    backup = (tmp_path / "backup.json").read_bytes()
    folder = everything_in(tmp_path / "us")
    for text in (LINE, "help-now", "the song in the shop", "trigger"):
        assert text.encode() not in backup
        assert text.encode() not in folder
    partner_view = alex.ok("checkin", "list", "--json").out
    assert LINE not in partner_view


# --- a remembered pause holds for scripted runs ---------------------------------------


def test_a_remembered_pause_stops_scripted_answers(home, tmp_path):
    child = spawn("ask")
    child.expect("afraid of your partner")
    child.expect(READY)
    child.send(DOWN + "\r")  # yes
    child.expect("trustcli help-now")  # the screen's message points to it too
    child.expect("remember this answer")
    child.expect(READY)
    child.send(DOWN + "\r")  # yes, remember
    assert finish(child) == 0

    answers = tmp_path / "answers.txt"
    answers.write_text("one\n" + "\n" * 9)
    stopped = run_installed("ask", "after-a-lie", "--answers", str(answers))
    assert stopped.code == 1
    assert stopped.err.count("\n") == 1 and "paused" in stopped.err
    assert "help-now" in stopped.err and "ask --list" in stopped.err
    assert session_files(home) == []
    alone = run_installed("ask", "worth-fixing", "--answers", str(answers))
    assert alone.code == 0, alone


# --- trigger ------------------------------------------------------------------------------


def test_a_trigger_is_private_with_a_grounding_step(ok, home):
    noted = ok("trigger", "a car like his on the street")
    assert "breathe" in noted.out.lower() and "five things" in noted.out.lower()
    log = tomllib.loads((home / "triggers.toml").read_text())["trigger"]
    assert [t["note"] for t in log] == ["a car like his on the street"]
    assert "shared" not in log[0]
    ok("trigger")  # a note is optional
    listed = json.loads(ok("trigger", "list", "--json").out)
    assert [t["note"] for t in listed] == ["a car like his on the street", ""]
    table = ok("trigger", "list").out
    assert "a car like his on the street" in table


def test_an_unpaired_share_keeps_the_trigger_and_says_so(ok, home):
    shown = ok("trigger", "--share")
    assert "not shared" in shown.err
    assert len(tomllib.loads((home / "triggers.toml").read_text())["trigger"]) == 1


def test_a_shared_trigger_tells_the_partner_only_of_a_hard_moment(tmp_path):
    alex = Person(tmp_path / "alex-home", ALEX_NOW)
    sam = Person(tmp_path / "sam-home", ALEX_NOW)
    alex.ok("init", "--me", "Alexandrina")
    sam.ok("init", "--me", "Samwise", "--partner", "Alexandrina")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    sam.ok("trigger", "the hotel name on the receipt", "--share")
    sam.ok("trigger", "kept to myself")
    today = alex.ok("today").out
    assert "Samwise" in today and "hard moment" in today
    assert today.count("hard moment") == 1
    assert b"the hotel name" not in everything_in(tmp_path / "us")
    assert b"kept to myself" not in everything_in(tmp_path / "us")
    assert b"the hotel name" not in everything_in(tmp_path / "alex-home")


def test_the_report_counts_triggers_this_week_against_the_weeks_before(ok, tmp_path):
    for day in ("2026-11-03", "2026-11-10", "2026-11-24", "2026-11-25"):
        os.environ["TRUSTCLI_NOW"] = f"{day}T20:00:00+01:00"
        ok("trigger", "a secret note")
    os.environ["TRUSTCLI_NOW"] = "2026-11-26T20:00:00+01:00"
    try:
        shown = ok("report").out
        assert "Hard moments noted: 2 this week" in shown
        assert "0.5 a week in the four weeks before" in shown
        assert "a secret note" not in shown
        figures = ok("report", "--json").out
        assert "trigger" not in figures and "a secret note" not in figures
        assert "Hard moments" not in ok("report", "-o", "-").out
    finally:
        del os.environ["TRUSTCLI_NOW"]


def test_the_line_names_the_configured_countrys_numbers(ok, home):
    ok("init", "--me", "alex")
    with (home / "config.toml").open("a") as config:
        config.write('\n[safety]\ncountry = "IE"\n')
    shown = ok("checkin", "-r", "1")
    assert "call 112 in an emergency" in shown.err and "1800 341 900" in shown.err
    assert "help-now" in shown.err


def test_an_unknown_configured_country_falls_back_to_the_locale(sh_ok, home):
    home.mkdir()
    (home / "config.toml").write_text('[safety]\ncountry = "Atlantis"\n')
    shown = sh_ok("help-now", env={"LC_ALL": "en_AU.UTF-8"})
    assert "1800RESPECT" in shown.out


@pytest.mark.parametrize("command", [["trigger"], ["checkin", "-r", "5", "--note"]])
def test_a_note_too_long_is_one_line_and_nothing_is_kept(cli, home, command):
    refused = cli(*command, "a" * 10_001)
    assert refused.code == 2
    assert refused.err == (
        "trustcli: the note is 10,001 characters long; at most 10,000 are kept: shorten it\n"
    )
    assert not (home / "triggers.toml").exists() and not (home / "checkins.toml").exists()
