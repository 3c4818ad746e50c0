"""Sealed joint answers across two devices (issue 11): two private homes and one couple
folder, through the installed script. Before both have finished a round, nothing on the
partner's side shows the other's answers (not even a grep of the folder or their home);
after both finish and each side runs a command, both see both."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers.people import SAM_NOW, Person
from tests.test_pair import pair_in_one_folder, sync

A_TEXT = "marigold-honesty-from-alex"
B_TEXT = "juniper-answer-from-sam"
SELF_TEXT = "quiet-reflection-kept-home"
TEN_A = "\n".join([A_TEXT] * 3 + ["yes"] + [A_TEXT] * 6) + "\n"
TEN_B = "\n".join([B_TEXT] * 3 + ["no"] + [B_TEXT] * 6) + "\n"
SELF = "\n".join([SELF_TEXT, "5", "5", "", SELF_TEXT, SELF_TEXT, SELF_TEXT, "yes", "", ""]) + "\n"


@pytest.fixture
def couple(tmp_path: Path) -> tuple[Person, Person, Path]:
    alex = Person(tmp_path / "alex-home")
    sam = Person(tmp_path / "sam-home", SAM_NOW)
    alex.ok("init", "--me", "Alexandrina", "--partner", "Samwise")
    sam.ok("init", "--me", "Samwise", "--partner", "Alexandrina")
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    assert sam("pair", "status").code == 0  # sam takes the grant
    return alex, sam, folder


def answer(run: Person, text: str, set_name: str = "rebuild-trust") -> int:
    result = run("ask", set_name, "--answers", "-", "--json", stdin=text)
    assert result.code == 0, result
    return int(json.loads(result.out)["id"])


def found_anywhere(text: str, *places: Path) -> list[str]:
    hits = []
    for place in places:
        for path in place.rglob("*"):
            if path.is_file() and text.encode() in path.read_bytes():
                hits.append(str(path))
    return hits


def test_answers_stay_sealed_until_both_finish_then_both_see_both(couple, tmp_path):
    alex, sam, folder = couple
    sam_home = sam.home
    alex_home = alex.home
    answer(alex, TEN_A)
    # Before sam has finished: nothing on sam's side holds alex's answers (each command
    # works: compare says it waits for sam, --json with the round's state).
    for args, code in (
        (("ask", "history"), 0),
        (("ask", "history", "--json"), 0),
        (("ask", "compare", "rebuild-trust"), 1),
        (("ask", "compare", "rebuild-trust", "--json"), 0),
        (("export",), 0),
        (("export", "--format", "markdown"), 0),
        (("pair", "status", "--json"), 0),
    ):
        result = sam(*args)
        assert result.code == code, (args, result)
        assert A_TEXT not in result.out + result.err, args
    waiting = alex("ask", "compare", "rebuild-trust")
    assert waiting.code == 1 and "Samwise has not finished round 1" in waiting.err
    assert found_anywhere(A_TEXT, folder, sam_home) == []

    answer(sam, TEN_B)  # sam finishes round 1: sam's key goes out at once (alex finished)
    told = sam("ask", "compare", "rebuild-trust")
    assert told.code == 1, told
    assert "Alexandrina finished round 1; their answers open when Alexandrina's trustcli" in (
        told.err
    )
    assert A_TEXT not in told.out + told.err
    assert found_anywhere(A_TEXT, folder, sam_home) == []
    for args in (("ask", "show", "1"), ("ask", "show", "1", "--json")):  # sam's own session
        own = sam(*args)
        assert own.code == 0 and B_TEXT in own.out, (args, own)
        assert A_TEXT not in own.text

    both = alex("ask", "compare", "rebuild-trust")  # alex's run shares alex's key
    assert both.code == 0, both
    assert A_TEXT in both.out and B_TEXT in both.out and "round 1" in both.out
    shown = sam("ask", "compare", "rebuild-trust")
    assert shown.code == 0, shown
    assert A_TEXT in shown.out and B_TEXT in shown.out
    data = json.loads(sam("ask", "compare", "rebuild-trust", "--json").out)
    assert data["round"] == 1 and [s["who"] for s in data["sessions"]] == ["Samwise", "Alexandrina"]
    # The folder never holds either text in the clear, nor names, nor the set.
    for text in (A_TEXT, B_TEXT, "Alexandrina", "Samwise", "rebuild-trust", "round"):
        assert found_anywhere(text, folder) == [], text
    # Each home keeps a copy of what was revealed: listed, shown, and kept after leave.
    assert found_anywhere(B_TEXT, alex_home / "sessions") != []
    rows = json.loads(sam("ask", "history", "--json").out)
    assert [(r["id"], r["who"]) for r in rows] == [(1, "Samwise"), (2, "Alexandrina")]
    assert A_TEXT in sam("ask", "show", "2").out
    assert sam("pair", "leave").code == 0
    kept = sam("ask", "compare", "rebuild-trust")
    assert kept.code == 0 and A_TEXT in kept.out and B_TEXT in kept.out


def test_pair_status_shares_a_due_key_and_a_new_round_is_sealed_again(couple, tmp_path):
    alex, sam, _ = couple
    answer(alex, TEN_A)
    answer(sam, TEN_B)
    assert alex("pair", "status").code == 0  # any command that reads the folder
    assert A_TEXT in sam("ask", "compare", "rebuild-trust").out
    later = TEN_A.replace(A_TEXT, "second-round-from-alex")
    answer(alex, later)
    result = sam("ask", "compare", "rebuild-trust")
    assert result.code == 0 and A_TEXT in result.out  # round 1 stays readable
    assert "second-round-from-alex" not in result.out + result.err
    assert "Round 2: Alexandrina has finished round 2" in result.out
    assert found_anywhere("second-round-from-alex", sam.home) == []
    history = sam("ask", "history", "--json")
    assert history.code == 0 and json.loads(history.out), history
    assert "second-round-from-alex" not in history.out


def test_sets_for_one_person_and_safety_answers_never_reach_the_folder(couple, tmp_path):
    alex, sam, folder = couple
    answer(alex, SELF, "worth-fixing")
    alex_home = alex.home
    answer(alex, TEN_A)
    (alex_home / "safety.toml").write_text(
        '[[screen]]\nwho = "Alexandrina"\nshown = 2026-11-19T20:00:00+01:00\nconcern = true\n'
    )
    assert alex("pair", "status").code == 0
    before = {p: p.read_bytes() for p in folder.rglob("records")}
    # A remembered pause holds for scripts too: nothing more is answered or shared.
    paused = alex("ask", "rebuild-trust", "--answers", "-", stdin=TEN_A)
    assert paused.code == 1 and "paused" in paused.err
    assert alex("ask", "compare", "worth-fixing").code == 2
    assert {p: p.read_bytes() for p in folder.rglob("records")} == before
    assert found_anywhere(SELF_TEXT, folder) == []
    for word in (b"concern", b"safety", b"2026-11-19"):
        assert all(word not in p.read_bytes() for p in folder.rglob("*") if p.is_file())
    refused = sam("ask", "compare", "worth-fixing")  # a set for one person: never compared
    assert refused.code == 2 and "for one person" in refused.err, refused
    assert SELF_TEXT not in refused.text and A_TEXT not in refused.text


def two_copies(tmp_path: Path) -> tuple[Person, Person, Path, Path]:
    """Each device with its own copy of the folder, moved by a late sync (test_pair.sync)."""
    alex = Person(tmp_path / "alex-home")
    sam = Person(tmp_path / "sam-home", SAM_NOW)  # days ahead
    alex.ok("init", "--me", "Alexandrina")
    sam.ok("init", "--me", "Samwise")
    alex_copy, sam_copy = tmp_path / "alex-sync" / "us", tmp_path / "sam-sync" / "us"
    assert alex("pair", "create", str(alex_copy)).code == 0
    sync(alex_copy, sam_copy)
    words = json.loads(sam("pair", "join", str(sam_copy), "--json").out)["fingerprint"]
    sync(sam_copy, alex_copy)
    assert alex("pair", "accept", "--fingerprint", words).code == 0
    sync(alex_copy, sam_copy)
    assert sam("pair", "status").code == 0
    sync(sam_copy, alex_copy)
    return alex, sam, alex_copy, sam_copy


def push(home: Path, source: Path, target: Path, torn: bool = False) -> None:
    """Sync the files of the device of ``home`` only (a sync tool never moves an older
    copy over a newer one; test_pair.sync compares contents only). Runs no command."""
    device = tomllib.loads((home / "couple.toml").read_text())["device"]
    sync(source, target, only=f"{device}/", torn=torn)


def test_both_finishing_before_either_sees_the_other_is_one_round(tmp_path):
    alex, sam, alex_copy, sam_copy = two_copies(tmp_path)
    answer(alex, TEN_A)  # neither has seen the other's: both open "round 1"
    answer(sam, TEN_B)
    # alex's record arrives half-copied first
    push(alex.home, alex_copy, sam_copy, torn=True)
    assert sam("ask", "compare", "rebuild-trust").code == 1
    push(alex.home, alex_copy, sam_copy)
    push(sam.home, sam_copy, alex_copy)
    assert alex("pair", "status").code == 0  # alex sees sam finished: alex's key goes out
    first = alex("ask", "compare", "rebuild-trust")
    assert first.code == 1 and "Samwise finished round 1; their answers open when" in first.err
    assert sam("pair", "status").code == 0  # now sam sees alex's: sam's key goes out
    push(alex.home, alex_copy, sam_copy)
    push(sam.home, sam_copy, alex_copy)
    for run in (alex, sam):
        both = run("ask", "compare", "rebuild-trust")
        assert both.code == 0, both
        assert A_TEXT in both.out and B_TEXT in both.out and "round 1" in both.out


def test_a_second_session_before_the_partner_finishes_takes_the_first_one_s_place(tmp_path):
    alex, sam, alex_copy, sam_copy = two_copies(tmp_path)
    answer(alex, TEN_A.replace(A_TEXT, "first-thoughts-of-alex"))
    push(alex.home, alex_copy, sam_copy)
    answer(alex, TEN_A)  # sam has not finished: this one counts for round 1
    push(alex.home, alex_copy, sam_copy)
    answer(sam, TEN_B)
    push(sam.home, sam_copy, alex_copy)
    assert alex("pair", "status").code == 0
    push(alex.home, alex_copy, sam_copy)
    shown = sam("ask", "compare", "rebuild-trust")
    assert shown.code == 0, shown
    assert A_TEXT in shown.out and "first-thoughts-of-alex" not in shown.out
    # The replaced session's key was never shared: sam's home holds only ciphertext of it.
    assert found_anywhere("first-thoughts-of-alex", sam.home, sam_copy) == []


def test_a_session_answered_with_as_is_never_shared(couple, tmp_path):
    alex, sam, folder = couple
    other = TEN_A.replace(A_TEXT, "typed-as-someone-else")
    result = alex("ask", "rebuild-trust", "--as", "Robin", "--answers", "-", stdin=other)
    assert result.code == 0, result
    assert alex("pair", "status").code == 0
    assert not (alex.home / "sealed.toml").exists()
    assert sam("ask", "compare", "rebuild-trust").code == 1
    assert found_anywhere("typed-as-someone-else", folder, sam.home) == []


def test_a_hand_broken_sealed_file_is_named_not_used(couple, tmp_path):
    alex, _, folder = couple
    answer(alex, TEN_A)
    sealed = alex.home / "sealed.toml"
    sealed.write_text(sealed.read_text().replace("key = ", 'key = "short"\nold = '))
    before = {p: p.read_bytes() for p in folder.rglob("records")}
    result = alex("ask", "compare", "rebuild-trust")
    assert result.code == 2, result
    assert "sealed.toml: [[sealed]] entry 1 is not as trustcli wrote it" in result.err
    assert "Traceback" not in result.err
    assert {p: p.read_bytes() for p in folder.rglob("records")} == before
    shown = alex("pair", "status")  # the status still works, and names the file
    assert shown.code == 0 and "sealed.toml: [[sealed]] entry 1" in shown.err


def test_a_session_finished_while_the_folder_is_away_is_shared_later(couple, tmp_path):
    alex, sam, folder = couple
    away = tmp_path / "away"
    folder.rename(away)  # the sync folder is not mounted
    result = alex("ask", "rebuild-trust", "--answers", "-", stdin=TEN_A)
    assert result.code == 0, result
    assert "couple folder cannot be read now" in result.err
    away.rename(folder)
    answer(sam, TEN_B)  # sam sees no finished record from alex yet: opens round 1 too
    assert alex("pair", "status").code == 0  # shared now, and alex's key with it
    assert sam("pair", "status").code == 0
    both = alex("ask", "compare", "rebuild-trust")
    assert both.code == 0, both
    assert A_TEXT in both.out and B_TEXT in both.out


def test_a_session_the_folder_cannot_take_now_is_shared_on_a_later_command(couple, tmp_path):
    alex, sam, folder = couple
    device = tomllib.loads((alex.home / "couple.toml").read_text())["device"]
    records = folder / device / "records"
    aside = tmp_path / "records-aside"
    records.rename(aside)
    records.symlink_to(aside)  # trustcli never writes through a link: the append fails
    result = alex("ask", "rebuild-trust", "--answers", "-", stdin=TEN_A)
    assert result.code == 0, result
    assert "nothing could be shared now" in result.err and "Traceback" not in result.err
    assert "round" not in (alex.home / "sealed.toml").read_text()
    records.unlink()
    aside.rename(records)
    assert alex("pair", "status").code == 0  # shared now
    answer(sam, TEN_B)
    assert alex("pair", "status").code == 0
    for run in (alex, sam):  # no record was lost to a gap in the numbers
        devices = json.loads(run("pair", "status", "--json").out)["devices"]
        assert all(not device["refused"] for device in devices), devices
    both = sam("ask", "compare", "rebuild-trust")
    assert both.code == 0, both
    assert A_TEXT in both.out and B_TEXT in both.out


def test_the_reminder_daemon_shares_a_due_key_when_it_starts(couple, tmp_path):
    import os
    import signal
    import subprocess
    import time

    from tests.conftest import trustcli_executable

    alex, sam, _ = couple
    answer(alex, TEN_A)
    answer(sam, TEN_B)  # sam's key goes out; alex's is due, and alex runs no command
    log = tmp_path / "daemon.log"
    with log.open("w") as handle:
        daemon = subprocess.Popen(
            [trustcli_executable(), "remind", "--daemon"],
            stderr=handle,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "TRUSTCLI_HOME": str(alex.home)},
        )
        try:
            deadline = time.monotonic() + 30
            while "ready" not in log.read_text():
                assert daemon.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
    assert "couple folder: shared what was due" in log.read_text(), log.read_text()
    assert A_TEXT not in log.read_text() and "Traceback" not in log.read_text()
    both = sam("ask", "compare", "rebuild-trust")
    assert both.code == 0, both
    assert A_TEXT in both.out


def test_today_says_a_joint_set_is_waiting_and_shows_nothing_of_it(couple, tmp_path):
    """The partner finished a round: today names the set and the round, no answer."""
    alex, sam, _ = couple
    quiet = sam("today")
    assert quiet.code == 0 and quiet.out.startswith("Today, "), quiet
    assert "rebuild-trust" not in quiet.out
    answer(alex, TEN_A)
    screen = sam("today")
    assert screen.code == 0, screen.err
    assert "Alexandrina finished round 1 of rebuild-trust" in screen.out
    assert "trustcli ask rebuild-trust" in screen.out
    assert A_TEXT not in screen.out + screen.err
    listed = json.loads(sam("today", "--json").out)
    assert listed["partner"]["sets_waiting"] == [{"set": "rebuild-trust", "round": 1}]
    answer(sam, TEN_B)
    assert json.loads(sam("today", "--json").out)["partner"]["sets_waiting"] == []
    assert json.loads(alex("today", "--json").out)["partner"]["sets_waiting"] == []
