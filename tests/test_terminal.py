"""What goes in and out of the terminal: people's words shown safely, output that cannot
be written, no stdin, and no input at all that reaches "internal error"."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pexpect
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import READY, spawn_on_terminal, trustcli_executable
from .test_cli import all_commands

# Escape sequences (clear the screen, retitle the window, a CSI in its 8-bit form), a
# carriage return and a backspace that would overwrite what came before, and a
# right-to-left override that reorders what follows.
HOSTILE = "A\x1b[2JB\x1b]0;owned\x07C\rD\x08E\u202eF\x9b31mG"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def assert_shown_safely(text: str) -> None:
    """Not one raw control character, and the hostile text visible as escapes."""
    assert not RAW.findall(text), RAW.findall(text)


def escaped(text: str) -> bool:
    return "A\\x1b[2JB\\x1b]0;owned\\x07C\\x0dD\\x08E\\u202eF\\x9b31mG" in text


def toml_text(text: str) -> str:
    """A TOML string that reads back as ``text``, control characters and all."""
    return '"' + "".join(f"\\u{ord(c):04x}" if RAW.match(c) else c for c in text) + '"'


HOSTILE_SET = f"""
title = {toml_text("Set " + HOSTILE)}
description = {toml_text("About " + HOSTILE)}
audience = "both"

[[question]]
id = "q1"
prompt = {toml_text("Question " + HOSTILE)}
kind = "choice"
choices = [{toml_text("one " + HOSTILE)}, "two"]
"""


@pytest.fixture
def hostile_home(cli, home, monkeypatch):
    """A data home where every kind of text a person types holds the hostile text."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-20T09:00:00+01:00")
    assert cli("init", "--me", "alex", "--partner", "sam").code == 0
    assert cli("promise", "add", HOSTILE, "--tag", HOSTILE, "--every", "daily").code == 0
    assert cli("promise", "add", "second", "--by", "alex", "--to", "sam").code == 0
    assert cli("remind", "add", "daily 09:00", "-m", HOSTILE).code == 0  # due since then
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T20:00:00+01:00")
    assert cli("promise", "kept", "1", "--note", HOSTILE).code == 0
    assert cli("checkin", "--rating", "6", "--note", HOSTILE).code == 0
    # Names end up as keys of the report's data: rich markup in one must show as typed.
    assert cli("checkin", "--rating", "4", "--as", "[bold red]sam[on blue]").code == 0
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    (folder / "hostile.toml").write_text(HOSTILE_SET)
    for who in ("alex", "sam"):
        line = HOSTILE.replace("\r", "")  # a CR ends a line of an answers file
        answers = f"{line}\n" * 3 + "yes\n" + f"{line}\n" * 6
        assert cli("ask", "--answers", "-", "--as", who, stdin=answers).code == 0
        assert cli("ask", "hostile", "--answers", "-", "--as", who, stdin="1\n").code == 0
    return home


SHOWING = [
    ["promise", "list"],
    ["promise", "list", "--all"],
    ["promise", "show", "1"],
    ["promise", "stats"],
    ["checkin", "list"],
    ["ask", "--list"],
    ["ask", "history"],
    ["ask", "show", "1"],
    ["ask", "show", "3"],
    ["ask", "compare", "rebuild-trust"],
    ["ask", "compare", "hostile"],
    ["remind", "list"],
    ["remind", "due"],
    ["report"],
    ["report", "-o", "-"],
    ["worksheet", "new", "progress", "-o", "-"],
    ["worksheet", "new", "feel-safe", "-o", "-"],
    ["export", "--format", "markdown"],
]


@pytest.mark.parametrize("args", SHOWING, ids=" ".join)
def test_people_s_words_never_reach_the_terminal_raw(cli, hostile_home, args):
    result = cli(*args)
    assert result.code == 0, result.err
    assert_shown_safely(result.out + result.err)
    if args != ["ask", "history"]:  # it shows no free text
        assert "owned" in result.out + result.err, "the hostile text is not shown at all"


@pytest.mark.parametrize("args", [*SHOWING[:2], ["ask", "history"], ["ask", "show", "1"]])
def test_through_the_installed_script_too(sh, hostile_home, args):
    result = sh(*args)
    assert result.code == 0, result.err
    assert_shown_safely(result.out + result.err)
    assert "\\x1b[2JB\\x1b]0;owned\\x07" in result.out or args == ["ask", "history"]


def test_a_name_with_rich_markup_is_shown_as_typed_in_the_report(cli, hostile_home):
    result = cli("report")
    assert result.code == 0, result.err
    assert "[bold red]sam[on blue]" in result.out


def test_a_hand_edited_name_with_an_escape_is_named_not_stored(cli, home):
    home.mkdir(parents=True)
    (home / "config.toml").write_text('[names]\nme = "a\\u001b[2J"\n')
    for args in (["checkin", "--rating", "5"], ["promise", "add", "b"]):
        result = cli(*args)
        assert result.code == 2 and "config.toml: [names] me" in result.err, result.err
    assert not (home / "checkins.toml").exists() and not (home / "promises.toml").exists()


def test_escapes_are_shown_visibly_as_typed(cli, hostile_home):
    assert escaped(cli("promise", "show", "1").out)
    in_a_table = "A\\x1b[2JB\\x1b]0;owned\\x07C D\\x08E\\u202eF\\x9b31mG"  # CR: a space
    assert in_a_table in cli("checkin", "list").out
    assert in_a_table in cli("remind", "list").out


@pytest.mark.parametrize(
    "args",
    [
        ["promise", "list", "--json"],
        ["promise", "show", "1", "--json"],
        ["checkin", "list", "--json"],
        ["ask", "show", "2", "--json"],
        ["remind", "list", "--json"],
        ["export"],
    ],
    ids=" ".join,
)
def test_json_stays_exact(cli, hostile_home, args):
    text = json.dumps(json.loads(cli(*args).out), ensure_ascii=False)
    assert json.dumps(HOSTILE, ensure_ascii=False)[1:-1] in text


def test_error_messages_quote_people_s_words_safely(cli, hostile_home):
    for args in (
        ["promise", "show", HOSTILE],
        ["ask", HOSTILE, "--answers", "-"],
        ["worksheet", "new", HOSTILE],
        ["promise", "list", "--status", HOSTILE],
        ["remind", "add", HOSTILE],
        ["checkin", "--rating", HOSTILE],
        [HOSTILE],
        ["promise", "add", "x", "--due", HOSTILE],
    ):
        result = cli(*args)
        assert result.code == 2, (args, result.err)
        assert_shown_safely(result.err)
        assert "owned" in result.err, (args, result.err)


def test_colour_stays_but_escape_codes_people_typed_do_not(hostile_home):
    child = spawn_on_terminal("promise", "list", colour=True)
    child.expect(pexpect.EOF)
    assert "\x1b[1m" in child.before  # our own bold header
    assert "\x1b[2J" not in child.before and "\x1b]0;" not in child.before
    assert "\\x1b[2J" in child.before


def test_the_questions_of_a_custom_set_are_shown_safely_on_a_terminal(hostile_home):
    child = spawn_on_terminal("ask", "hostile", "--as", "robin")
    child.expect("afraid of your partner")  # the safety question comes first: a joint set
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send("\r")
    child.expect("1/1")
    child.expect("two")
    screen = child.before
    child.send("\r")
    child.expect(pexpect.EOF)
    assert "\x1b]0;owned" not in screen and "\x1b[2J" not in screen and "\u202e" not in screen


def test_a_nul_from_stdin_is_refused_with_one_line(cli, home, tmp_path):
    result = cli("ask", "--answers", "-", stdin="a\x00b\n" + "\n" * 9)
    assert result.code == 2 and "NUL" in result.err and len(result.err.splitlines()) == 1
    answers = tmp_path / "answers.toml"
    answers.write_text('what-led-here = "a\\u0000b"\n')
    result = cli("ask", "--answers", str(answers))
    assert result.code == 2 and "NUL" in result.err
    assert not (home / "sessions").exists()


def test_a_nul_in_an_import_is_refused_naming_where(cli, sh, home, tmp_path):
    assert cli("promise", "add", "call mum").code == 0
    backup = json.loads(cli("export").out)
    backup["promises"][0]["text"] = "call\x00mum"
    source = tmp_path / "backup.json"
    source.write_text(json.dumps(backup))
    target = {"TRUSTCLI_HOME": str(tmp_path / "new")}
    result = sh("import", str(source), env=target)
    assert result.code == 2
    assert result.err.splitlines() == [
        f"trustcli: {source}: promises[0].text holds a NUL character, which cannot be kept "
        "in a text record; nothing was written"
    ]
    assert not (tmp_path / "new" / "promises.toml").exists()


# --- output that cannot be written ----------------------------------------------------


def run(command: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """``command`` in a real shell, with trustcli being the installed script."""
    return subprocess.run(
        ["sh", "-c", command.replace("trustcli", trustcli_executable())],
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


def saved_promises(sh) -> list[str]:
    return [p["text"] for p in json.loads(sh("promise", "list", "--json").out)]


@pytest.mark.parametrize("where", [">/dev/full", ">&-"], ids=["full", "closed"])
def test_a_saved_promise_is_reported_saved_when_its_output_fails(sh, where):
    completed = run(f"trustcli promise add 'call mum' {where}")
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        "trustcli: promise 1 was saved, but the output could not be written "
        + ("(No space left on device)" if "full" in where else "(stdout is closed)")
    ]
    assert saved_promises(sh) == ["call mum"]


@pytest.mark.parametrize(
    "command, saved",
    [
        ("trustcli remind add 'daily 21:00'", "reminder 1"),
        ("trustcli checkin --rating 5 --json", "the check-in for"),
        ("printf '\\n%.0s' 1 2 3 4 5 6 7 8 9 10 | trustcli ask --answers - --json", "session 1"),
    ],
)
def test_every_saving_command_says_what_it_saved_when_output_fails(command, saved):
    completed = run(command + " >/dev/full")
    assert completed.returncode == 1, completed.stderr
    (line,) = completed.stderr.splitlines()
    assert saved in line and "could not be written" in line
    assert "internal error" not in line and "Exception ignored" not in completed.stderr


@pytest.mark.parametrize(
    "args",
    [["promise", "list"], ["report"], ["--help"], ["promise", "stats"], ["ask", "--list"]],
    ids=" ".join,
)
def test_output_to_a_full_disk_is_one_line_exit_1(sh_ok, args):
    sh_ok("promise", "add", "one")
    completed = run(f"trustcli {' '.join(args)} >/dev/full")
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        "trustcli: the output could not be written (No space left on device)"
    ]


def test_a_pipe_closed_by_head_ends_quietly_with_0(home):
    home.mkdir()
    long = "x" * 400
    lines = []
    for number in range(1, 401):
        lines += [
            "[[promise]]",
            f"id = {number}",
            f'text = "{number} {long}"',
            'by = "me"',
            'to = ""',
            "created = 2026-11-01T09:00:00+01:00",
            "tags = []",
            "",
        ]
    (home / "promises.toml").write_text("\n".join(lines))
    for command in ("trustcli promise list", "trustcli promise list --json", "trustcli report"):
        completed = run(f'{command} | head -1; echo "status=$?"', env=os.environ)
        assert completed.stderr == "", completed.stderr
        assert len(completed.stdout.splitlines()) == 2
    # the status of trustcli itself, not of head (help is written by rich, which would
    # make a closed pipe exit 1):
    for args in (["promise", "list"], ["--help"], ["promise", "--help"], ["report"]):
        process = subprocess.Popen(
            [trustcli_executable(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # nobody reads: the first write finds the pipe closed
        assert process.wait(timeout=60) == 0, args
        assert process.stderr.read() == b"", args
    process = subprocess.Popen(
        [trustcli_executable(), "promise", "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""


# --- no stdin -------------------------------------------------------------------------------


NO_STDIN = [
    (["checkin"], "--rating"),
    (["ask"], "--answers"),
    (["ask", "--answers", "-"], "--answers FILE"),
    (["init"], "--me"),
    (["import", "-"], "file name"),
]


@pytest.mark.parametrize("args, hint", NO_STDIN, ids=[" ".join(args) for args, _ in NO_STDIN])
def test_with_stdin_closed_one_line_names_what_to_pass(args, hint):
    completed = run(f"trustcli {' '.join(args)} <&-")
    assert completed.returncode == 2, completed.stderr
    (line,) = completed.stderr.splitlines()
    assert hint in line and "Traceback" not in line and "internal error" not in line


@pytest.mark.parametrize("args, hint", NO_STDIN, ids=[" ".join(args) for args, _ in NO_STDIN])
def test_with_stdin_empty_one_line_too(args, hint):
    completed = subprocess.run(
        [trustcli_executable(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2, completed.stderr
    assert len(completed.stderr.splitlines()) == 1
    assert "internal error" not in completed.stderr


def test_a_scripted_command_with_every_value_given_needs_no_stdin(sh):
    completed = run("trustcli promise add 'no stdin needed' <&-")
    assert (completed.returncode, completed.stdout) == (0, "1\n")
    completed = run("trustcli checkin --rating 7 <&-")
    assert completed.returncode == 0, completed.stderr


# --- no input reaches "internal error" -------------------------------------------------------


# No NUL in arguments: execve cannot pass one, so no person can type it there (stdin and
# files can hold one, and do below).
HOSTILE_ARGUMENTS = st.one_of(
    st.text(max_size=20).map(lambda text: text.replace("\x00", "")),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "0",
            "1",
            "2",
            "p1",
            "99999999999999999999999999999",
            "1e999",
            "nan",
            "\udcff",
            "²",
            "-0",
            "\x1b[2J",
            "9999-12-31",
            "0001-01-01",
            "9999-12-31T23:59-12:00",
            "every 600000 weeks sat 10:00",
            "daily 25:61",
            "* * * * *",
            "--",
            "-",
            "+99999999d",
            "-99999999w",
            "fri",
            "../../etc/passwd",
            "rebuild-trust",
            "progress",
            "--json",
            "--all",
            "--force",
            "--on",
            "--due",
            "--every",
            "--rating",
            "--as",
            "--since",
            "--note",
        ]
    ),
)
# Commands that never end (the daemon) or open programs are left out; everything else
# is fair game, with stdin empty and no terminal.
COMMANDS = [path for path in all_commands() if path not in (["remind"],)]


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    derandomize=True,  # the same examples on every run: CI must never flake
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(COMMANDS),
    arguments=st.lists(HOSTILE_ARGUMENTS, max_size=4),
    stdin=st.sampled_from(["", "\x00", "7\n" * 10, "{}", "[1]", "x\x1b[2J\n"]),
)
def test_no_input_reaches_internal_error(
    cli, tmp_path, monkeypatch, command, arguments, stdin, at_now
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("EDITOR", "true")
    if "--daemon" in arguments:
        return
    result = cli(*command, *arguments, stdin=stdin)
    assert "internal error" not in result.err, (command, arguments, result.err)
    assert "Traceback" not in result.err
    assert result.code in (0, 1, 2), (command, arguments, result.code, result.err)
    assert_shown_safely(result.err)


# --- prompts that keep their word ------------------------------------------------------------


def test_checkin_on_a_terminal_never_offers_enter_to_skip_the_rating(home, at_now):
    """The rating is the check-in: the prompt does not offer a skip it would refuse."""
    child = spawn_on_terminal("checkin")
    child.expect("trust and feel safe today")
    child.expect(r"\(1-10\)")
    assert "skip" not in child.before + child.after
    child.send("\r")
    child.expect("An answer is needed here: a number from 1 to 10")
    child.send("7\r")
    child.expect("Anything you want to note")
    child.expect("Enter to skip")  # the note is optional, and Enter does skip it
    child.send("\r")
    child.expect("Checked in today: 7/10")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "note" not in (home / "checkins.toml").read_text()


# Digits that str.isdigit() accepts and int() refuses: superscripts, circled digits.
@pytest.mark.parametrize("digit", ["²", "⓪", "¹"])
def test_unicode_digits_are_bad_input_not_internal_errors(cli, digit):
    assert cli("promise", "add", "call mum").code == 0
    for args in (
        ["promise", "kept", digit],
        ["promise", "show", digit],
        ["checkin", "--rating", digit],
        ["ask", "show", digit],
    ):
        result = cli(*args)
        assert result.code == 2, (args, result.err)
        assert "internal error" not in result.err and len(result.err.splitlines()) == 1
    scale = cli("ask", "weekly-checkin", "--answers", "-", stdin=f"{digit}\n" * 5)
    assert scale.code == 2 and "internal error" not in scale.err


def test_every_character_is_shown_as_the_control_pattern_says() -> None:
    """``output.clean`` skips its pattern for text that is all printable: that shortcut
    must give, for every code point alone and amid text, what the pattern gives."""
    from trustcli import output

    pattern = re.compile(output._CONTROL)
    for code in range(0x110000):
        char = chr(code)
        expected = pattern.sub(output._escape, f"a{char}\u00e9\n")
        assert output.clean(f"a{char}\u00e9\n") == expected, hex(code)
