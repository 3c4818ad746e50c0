"""`trustcli ask`: question sets, sessions on a real terminal and from scripts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest

from trustcli import questions
from trustcli.store import template_files

from .conftest import READY, spawn_on_terminal

DOWN = "\x1b[B"
SUBMIT_MULTILINE = "\x1b\r"  # Esc then Enter ends a multi-line answer

ALL_KINDS = """
title = "Every kind"
description = "A set with one question of each kind."
audience = "self"

[[question]]
id = "name-it"
prompt = "Name one thing?"
kind = "text"

[[question]]
id = "tell-more"
prompt = "Tell me more?"
kind = "long"

[[question]]
id = "how-often"
prompt = "How often?"
kind = "choice"
choices = ["daily", "weekly", "monthly"]

[[question]]
id = "how-much"
prompt = "How much, from 1 to 10?"
kind = "scale"
low = "little"
high = "a lot"

[[question]]
id = "agree"
prompt = "Do you agree?"
kind = "yesno"
"""


@pytest.fixture
def all_kinds(home: Path) -> str:
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    (folder / "every-kind.toml").write_text(ALL_KINDS)
    return "every-kind"


def session_files(home: Path) -> list[Path]:
    return sorted((home / "sessions").glob("*.toml")) if (home / "sessions").exists() else []


spawn = spawn_on_terminal


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else -child.signalstatus)


# --- the shipped question sets -------------------------------------------------------


SHIPPED = sorted((template_files.builtin_dir() / "questions").glob("*.toml"))


def test_the_required_sets_ship():
    required = {"rebuild-trust", "after-a-lie", "weekly-checkin", "worth-fixing", "forgiveness"}
    assert required <= {path.stem for path in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_set_loads_and_has_the_right_shape(path: Path):
    qset = questions.load_file(path, path.stem, "built-in")
    assert qset.title and qset.description
    assert qset.audience in questions.AUDIENCES
    for question in qset.questions:
        assert question.kind in questions.KINDS
        assert question.prompt.strip()
        assert bool(question.choices) == (question.kind == "choice")


def test_the_default_set_is_the_ten_questions():
    qset = questions.load(questions.DEFAULT_SET)
    assert len(qset.questions) == 10
    assert qset.for_both


def test_shipped_sets_use_every_kind_of_question():
    kinds = {q.kind for path in SHIPPED for q in questions.load_file(path, path.stem, "").questions}
    assert kinds == set(questions.KINDS)


def test_list_shows_name_title_count_and_description(cli):
    result = cli("ask", "--list", "--json")
    assert result.code == 0
    sets = {s["name"]: s for s in json.loads(result.out)}
    assert sets["rebuild-trust"]["questions"] == 10
    assert sets["rebuild-trust"]["source"] == "built-in"
    assert all(s["description"] for s in sets.values())
    human = cli("ask", "--list")
    assert "Ten questions to rebuild trust" in human.out


def test_list_json_gives_each_set_s_question_ids(cli, all_kinds):
    sets = {s["name"]: s for s in json.loads(cli("ask", "--list", "--json").out)}
    assert sets[all_kinds]["question_ids"] == [
        "name-it",
        "tell-more",
        "how-often",
        "how-much",
        "agree",
    ]
    ten = questions.load("rebuild-trust")
    assert sets["rebuild-trust"]["question_ids"] == [q.id for q in ten.questions]


@pytest.mark.parametrize("as_json", [False, True])
def test_one_broken_set_is_named_and_every_other_set_still_listed(cli, home, all_kinds, as_json):
    folder = home / "templates" / "questions"
    (folder / "bad.toml").write_text('title = "Unfinished\n')
    result = cli("ask", "--list", *(["--json"] if as_json else []))
    assert result.code == 0
    (line,) = result.err.splitlines()
    assert "bad.toml" in line and "line 1" in line
    assert all_kinds in result.out and "rebuild-trust" in result.out and "bad" not in result.out
    assert cli("ask", all_kinds, "--answers", "-", stdin="a\n\n1\n2\nyes\n").code == 0


def test_a_user_set_overrides_a_built_in_one_by_name(cli, home):
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    (folder / "weekly-checkin.toml").write_text(ALL_KINDS)
    sets = {s["name"]: s for s in json.loads(cli("ask", "--list", "--json").out)}
    assert (sets["weekly-checkin"]["title"], sets["weekly-checkin"]["source"]) == (
        "Every kind",
        "user",
    )


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (lambda t: t.replace('kind = "text"', 'kind = "essay"'), "kind must be one of"),
        (lambda t: t.replace('id = "agree"', 'id = "name-it"'), "used twice"),
        (lambda t: t.replace('choices = ["daily", "weekly", "monthly"]', ""), "at least two"),
        (lambda t: t.replace('title = "Every kind"', 'titel = "Every kind"'), "unknown key"),
        (lambda t: t.replace('prompt = "Do you agree?"', 'prompt = "Do you agree?'), "line"),
        (lambda t: t.split("[[question]]")[0], "no [[question]]"),
    ],
)
def test_a_malformed_set_is_rejected_with_the_file_and_the_problem(cli, home, change, phrase):
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text(change(ALL_KINDS))
    result = cli("ask", "broken", "--answers", "-", stdin="")
    assert result.code == 2
    assert "broken.toml" in result.err and phrase in result.err
    assert "Traceback" not in result.err
    assert session_files(home) == []


# --- scripted sessions ---------------------------------------------------------------


def test_scripted_answers_from_stdin_through_the_installed_command(sh, home, all_kinds):
    stdin = "a walk\nline one\\nline two\n2\n8\nyes\n"
    result = sh("ask", all_kinds, "--answers", "-", stdin=stdin)
    assert result.code == 0, result.err
    assert "Saved session 1" in result.err
    (record,) = session_files(home)
    data = tomllib.loads(record.read_text())
    assert data["answers"] == {
        "name-it": "a walk",
        "tell-more": "line one\nline two",
        "how-often": "weekly",
        "how-much": 8,
        "agree": True,
    }
    assert data["finished"] >= data["started"]
    transcript = record.with_suffix(".md").read_text()
    assert transcript.startswith("# Every kind\n")
    assert "> line one\n> line two" in transcript
    assert "> 8 / 10" in transcript


def test_scripted_answers_from_a_file_and_skipping(sh, home, all_kinds, tmp_path):
    answers = tmp_path / "answers.txt"
    answers.write_text("\n\nmonthly\n\nno\n")
    result = sh("ask", all_kinds, "--answers", str(answers), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["answers"] == {"how-often": "monthly", "agree": False}
    assert data["skipped"] == ["name-it", "tell-more", "how-much"]


def test_scripted_answers_from_a_toml_file(sh, home, all_kinds, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('how-much = 3\nagree = "yes"\nname-it = "tea"\n')
    result = sh("ask", all_kinds, "--answers", str(answers), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["answers"] == {"name-it": "tea", "how-much": 3, "agree": True}


def test_scripted_default_set_for_both_does_not_ask_the_safety_question(sh, home):
    result = sh("ask", "--as", "sam", "--answers", "-", stdin="\n" * 10)
    assert result.code == 0, result.err
    assert not (home / "safety.toml").exists()


@pytest.mark.parametrize(
    ("stdin", "phrase"),
    [
        ("a\nb\n2\n8\n", "needs 5 lines"),
        ("a\nb\n2\n8\nyes\nextra\n", "got 6"),
        ("a\nb\n2\n11\nyes\n", "line 4 (how-much)"),
        ("a\nb\n2\nseven\nyes\n", "from 1 to 10"),
        ("a\nb\nyearly\n8\nyes\n", "line 3 (how-often)"),
        ("a\nb\n2\n8\nperhaps\n", "yes or no"),
    ],
)
def test_bad_scripted_answers_name_the_line_and_save_nothing(cli, home, all_kinds, stdin, phrase):
    result = cli("ask", all_kinds, "--answers", "-", stdin=stdin)
    assert result.code == 2
    assert phrase in result.err and len(result.err.splitlines()) == 1
    assert session_files(home) == []


def test_unknown_set_lists_the_known_ones(cli, home):
    result = cli("ask", "rebuild", "--answers", "-", stdin="")
    assert result.code == 2
    assert "no question set 'rebuild'" in result.err and "rebuild-trust" in result.err


@pytest.mark.parametrize("args", [["nosuchset"], ["nosuchset", "--resume"]])
def test_an_unknown_set_is_named_as_such_without_a_terminal_too(sh, home, args):
    result = sh("ask", *args)
    assert result.code == 2
    assert "no question set 'nosuchset'" in result.err and "terminal" not in result.err


def test_a_wrong_question_id_in_a_toml_file_lists_the_valid_ids(cli, home, all_kinds, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('name_it = "a walk"\n')
    result = cli("ask", all_kinds, "--answers", str(answers))
    assert result.code == 2
    assert result.err.splitlines() == [
        f"trustcli: {answers}: 'every-kind' has no question 'name_it'; its question ids are: "
        "name-it, tell-more, how-often, how-much, agree"
    ]
    assert session_files(home) == []


def test_without_a_terminal_or_answers_it_stops_at_once_naming_answers(sh, home):
    result = sh("ask")
    assert result.code == 2
    assert "--answers" in result.err and "Traceback" not in result.err
    assert session_files(home) == []


def test_list_and_scripted_sessions_do_not_import_questionary(home, all_kinds):
    code = (
        "import sys, io\n"
        "from trustcli.cli import main\n"
        "sys.stdin = io.StringIO('a\\nb\\n2\\n8\\nyes\\n')\n"
        f"assert main(['ask', '{all_kinds}', '--answers', '-']) == 0\n"
        "assert main(['ask', '--list']) == 0\n"
        "assert main(['ask', 'history']) == 0\n"
        "print('questionary' in sys.modules, 'prompt_toolkit' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False False"


# --- history, show, compare -------------------------------------------------------------


@pytest.mark.parametrize(
    "skipped", ["skipped = 5", 'skipped = "how-often"', "skipped = [1]"], ids=["int", "str", "ints"]
)
def test_a_hand_edited_session_is_named_with_what_to_fix(cli, home, all_kinds, skipped):
    assert cli("ask", all_kinds, "--answers", "-", stdin="a\n\n1\n2\nyes\n").code == 0
    (record,) = session_files(home)
    record.write_text(record.read_text().replace('skipped = [\n    "tell-more",\n]', skipped))
    assert skipped in record.read_text()
    for args in (["ask", "history"], ["ask", "show", "1"], ["report"], ["export"]):
        result = cli(*args)
        assert result.code == 2, (args, result.err)
        assert result.err.splitlines() == [
            f"trustcli: {record}: 'skipped' must be a list of question ids; fix it in an editor"
        ]


def test_a_toml_answer_must_be_one_value(cli, home, all_kinds, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('name-it = ["a", "b"]\n')
    result = cli("ask", all_kinds, "--answers", str(answers))
    assert result.code == 2 and "name-it: an answer is text" in result.err
    assert session_files(home) == []


def test_history_and_show(cli, ok, home, all_kinds):
    ok("ask", all_kinds, "--as", "alex", "--answers", "-", stdin="tea\n\n1\n5\nno\n")
    ok("ask", all_kinds, "--as", "sam", "--answers", "-", stdin="coffee\n\n1\n6\nyes\n")
    rows = json.loads(cli("ask", "history", "--json").out)
    assert [(r["id"], r["who"], r["answered"]) for r in rows] == [(1, "alex", 4), (2, "sam", 4)]
    assert [r["who"] for r in json.loads(cli("ask", "history", "--as", "sam", "--json").out)] == [
        "sam"
    ]
    # A set for one person: only that person's own (--as gives no privacy on one home).
    hidden = cli("ask", "show", "2")
    assert hidden.code == 0, hidden.err
    assert "coffee" not in hidden.text and "for sam alone" in hidden.text
    shown = cli("ask", "show", "2", "--as", "sam")
    assert shown.code == 0 and "> coffee" in shown.out
    shown = json.loads(cli("ask", "show", "1", "--as", "alex", "--json").out)
    assert shown["answers"]["name-it"] == "tea"
    for bad in ("9", "x"):
        result = cli("ask", "show", bad)
        assert result.code == 2 and "session" in result.err


def test_compare_waits_until_both_have_finished(cli, ok, home):
    ok("init", "--me", "alex", "--partner", "sam")
    ten = "\n".join(["honest answer"] * 3 + ["yes"] + ["x"] * 6) + "\n"
    ok("ask", "--as", "alex", "--answers", "-", stdin=ten)
    waiting = cli("ask", "compare", "rebuild-trust")
    assert waiting.code == 1
    assert "waiting for: sam" in waiting.err and "private" in waiting.err
    assert "honest answer" not in waiting.text
    ok("ask", "--as", "sam", "--answers", "-", stdin=ten.replace("yes", "no"))
    both = cli("ask", "compare", "rebuild-trust")
    assert both.code == 0
    assert "both finished" in both.out
    assert "alex: yes" in both.out and "sam: no" in both.out
    data = json.loads(cli("ask", "compare", "rebuild-trust", "--json").out)
    assert [s["who"] for s in data["sessions"]] == ["alex", "sam"]


def test_answers_cannot_be_combined_with_resume(sh, home):
    result = sh("ask", "--resume", "--answers", "-")
    assert result.code == 2 and "--resume" in result.err


def test_resume_without_a_terminal_and_nothing_to_resume_says_so(sh, home, all_kinds):
    result = sh("ask", "--resume", "--as", "alex")
    assert result.code == 1
    assert result.err.splitlines() == [
        "trustcli: nothing to resume for alex: every session is finished "
        "(start one with 'trustcli ask')"
    ]
    assert sh("ask", all_kinds, "--answers", "-", "--as", "alex", stdin="\n" * 5).code == 0
    result = sh("ask", "--resume", "--as", "alex")  # a finished session is not resumed
    assert result.code == 1 and "nothing to resume for alex" in result.err
    assert len(session_files(home)) == 1


# --- on a real terminal ------------------------------------------------------------------


def test_a_terminal_session_answers_every_kind_with_progress(home, all_kinds):
    child = spawn("ask", all_kinds, "--as", "alex")
    child.expect("1/5")
    child.expect("Name one thing")
    child.sendline("a walk")
    child.expect("2/5")
    child.send("first line\rsecond line")
    child.send(SUBMIT_MULTILINE)
    child.expect("3/5")
    child.expect(READY)
    child.send(DOWN + "\r")  # weekly
    child.expect("4/5")
    child.sendline("11")  # out of range: refused, asked again
    child.expect("from 1 to 10")
    child.send("\b\b7\r")
    child.expect("5/5")
    child.expect(READY)
    child.send("\r")  # yes
    child.expect("Saved session 1")
    assert finish(child) == 0
    data = tomllib.loads(session_files(home)[0].read_text())
    assert data["answers"] == {
        "name-it": "a walk",
        "tell-more": "first line\nsecond line",
        "how-often": "weekly",
        "how-much": 7,
        "agree": True,
    }


def test_ctrl_c_keeps_every_answer_and_resume_continues(home, all_kinds):
    child = spawn("ask", all_kinds)
    child.expect("1/5")
    child.sendline("tea")
    child.expect("2/5")
    child.send(SUBMIT_MULTILINE)  # empty: skipped
    child.expect("3/5")
    child.expect(READY)  # drawn by the prompt itself: Ctrl-C is a key now
    child.sendcontrol("c")
    child.expect("Everything you answered is saved")
    assert finish(child) == 130
    assert "Traceback" not in child.before
    (record,) = session_files(home)
    data = tomllib.loads(record.read_text())
    assert data["answers"] == {"name-it": "tea"}
    assert data["skipped"] == ["tell-more"]
    assert "finished" not in data

    child = spawn("ask", "--resume")
    child.expect("Continuing session 1")
    child.expect("3/5")
    child.expect(READY)
    child.send("\r")  # daily
    child.expect("4/5")
    child.sendline("")  # skip
    child.expect("5/5")
    child.expect(READY)
    child.send(DOWN + "\r")  # no
    assert finish(child) == 0
    data = tomllib.loads(record.read_text())
    assert data["answers"] == {"name-it": "tea", "how-often": "daily", "agree": False}
    assert data["skipped"] == ["tell-more", "how-much"]
    assert "finished" in data
    assert len(session_files(home)) == 1


def test_the_safety_question_comes_first_for_joint_sets_and_only_once(home):
    child = spawn("ask", "weekly-checkin")
    child.expect("afraid of your partner")
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send("\r")  # no (the first option)
    child.expect("1/5")
    child.expect(r"\(Esc then Enter to finish")  # drawn by the prompt: Ctrl-C is a key now
    child.sendcontrol("c")
    assert finish(child) == 130
    safety = tomllib.loads((home / "safety.toml").read_text())
    (entry,) = safety["screen"]
    assert entry["who"] == "me" and "concern" not in entry  # shown, answer not kept

    child = spawn("ask", "--resume")
    child.expect("1/5")  # not asked again
    child.expect(r"\(Esc then Enter to finish")  # drawn by the prompt: Ctrl-C is a key now
    child.sendcontrol("c")
    assert finish(child) == 130
    assert "afraid" not in child.before


def test_a_yes_to_the_safety_question_stops_joint_exercises_and_points_to_help(home):
    # The home's own person: only they have an answer kept (see test_privacy for --as).
    child = spawn("ask", "rebuild-trust")
    child.expect("afraid of your partner")
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send(DOWN + "\r")  # yes
    child.expect("emergency")
    child.expect("helpline")
    child.expect("remember this answer")
    child.expect(READY)
    child.send("\r")  # no: do not remember
    assert finish(child) == 0
    assert session_files(home) == []
    (entry,) = tomllib.loads((home / "safety.toml").read_text())["screen"]
    assert entry == {"who": "me", "shown": entry["shown"]}


def test_a_remembered_concern_pauses_joint_sets_but_not_individual_ones(home):
    child = spawn("ask")
    child.expect("afraid of your partner")
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send(DOWN + "\r")
    child.expect("remember this answer")
    child.expect(READY)
    child.send(DOWN + "\r")  # yes, remember
    assert finish(child) == 0

    child = spawn("ask", "after-a-lie")
    child.expect("paused")
    assert finish(child) == 0
    assert session_files(home) == []

    child = spawn("ask", "worth-fixing")
    child.expect("1/10")
    child.expect(r"\(Esc then Enter to finish")  # drawn by the prompt: Ctrl-C is a key now
    child.sendcontrol("c")
    assert finish(child) == 130

    child = spawn("ask", "after-a-lie", "--screen")  # asked again: no
    child.expect("afraid of your partner")
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send("\r")
    child.expect("1/7")
    child.expect(r"\(1-10, Enter to skip\)")  # drawn by the prompt: Ctrl-C is a key now
    child.sendcontrol("c")
    assert finish(child) == 130
    (entry,) = tomllib.loads((home / "safety.toml").read_text())["screen"]
    assert "concern" not in entry  # joint sets are open to this home's person again


def test_resume_on_a_terminal_with_nothing_to_resume(home):
    child = spawn("ask", "--resume", "--as", "alex")
    child.expect("nothing to resume for alex")
    assert finish(child) == 1
    assert session_files(home) == []


def test_a_closed_terminal_keeps_the_answers_given(home, all_kinds):
    child = spawn("ask", all_kinds)
    child.expect("1/5")
    child.sendline("given before the hang-up")
    child.expect("2/5")
    child.close(force=True)  # the terminal goes away: SIGHUP, then SIGKILL if needed
    (record,) = session_files(home)
    assert tomllib.loads(record.read_text())["answers"] == {"name-it": "given before the hang-up"}


# --- question sets are kept parsed (issue 14) ---------------------------------------------
# Parsing every set's TOML was most of 'ask --list'; each set's parsed document is kept in
# cache/ and used while the file's bytes are the same. Every check still runs on it.


def kept_sets(home: Path) -> list[Path]:
    return sorted((home / "cache").glob("questions-*.json"))


def test_the_parsed_sets_are_kept_privately_and_used_again_unchanged(cli, home, all_kinds):
    first = cli("ask", "--list", "--json")
    assert first.code == 0
    kept = kept_sets(home)
    assert len(kept) == len(json.loads(first.out))  # one per set
    before = [(path.stat().st_ino, path.stat().st_mtime_ns) for path in kept]
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in kept)
    again = cli("ask", "--list", "--json")
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert [(path.stat().st_ino, path.stat().st_mtime_ns) for path in kept] == before
    # The readable listing too: the same from the kept sets as from the files read afresh.
    from_kept = cli("ask", "--list")
    shutil.rmtree(home / "cache")
    afresh = cli("ask", "--list")
    assert from_kept.code == afresh.code == 0, (from_kept.err, afresh.err)
    assert all_kinds in from_kept.out and from_kept.out == afresh.out


def test_an_edited_set_is_read_again(cli, home, all_kinds):
    assert cli("ask", "--list").code == 0
    path = home / "templates" / "questions" / f"{all_kinds}.toml"
    path.write_text(ALL_KINDS.replace('title = "Every kind"', 'title = "Every sort"'))
    sets = {s["name"]: s for s in json.loads(cli("ask", "--list", "--json").out)}
    assert sets[all_kinds]["title"] == "Every sort"
    path.write_text(ALL_KINDS.replace('kind = "text"', 'kind = "essay"'))
    for _ in range(2):  # a set that fails its checks is named every time
        result = cli("ask", "--list")
        assert f"{all_kinds}.toml" in result.err and "kind must be one of" in result.err


def test_a_set_with_dates_in_it_is_checked_the_same_every_time(cli, home):
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    (folder / "dated.toml").write_text(ALL_KINDS.replace('"Every kind"', "2026-11-26"))
    errors = {cli("ask", "--list").err for _ in range(2)}
    (error,) = errors
    assert "dated.toml" in error


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw.replace(b"Every kind", b"Other kind"),  # no longer its checksum
        lambda raw: b"",
    ],
)
def test_a_damaged_kept_set_is_read_again(cli, home, all_kinds, damage):
    expected = cli("ask", "--list", "--json").out
    for path in kept_sets(home):
        path.write_bytes(damage(path.read_bytes()))
    assert cli("ask", "--list", "--json").out == expected
    assert cli("ask", "--list", "--json").out == expected


def test_listing_sets_makes_no_home(cli, home):
    assert cli("ask", "--list").code == 0
    assert not home.exists()
