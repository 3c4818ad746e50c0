"""The command line as a whole: welcome, version, help, errors, init, packaging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest
import typer.main

import trustcli
from trustcli.cli.app import app
from trustcli.store import template_files

from .conftest import READY, modules_loaded, spawn_on_terminal


def all_commands() -> list[list[str]]:
    """Every command path, e.g. ['promise', 'add'], walked from the real Typer app."""
    root = typer.main.get_command(app)
    found: list[list[str]] = []

    def walk(command, path: list[str]) -> None:
        if not hasattr(command, "list_commands"):
            return
        context = typer.Context(command)
        for name in command.list_commands(context):
            found.append([*path, name])
            walk(command.get_command(context, name), [*path, name])

    walk(root, [])
    return found


def test_no_arguments_shows_a_short_welcome_not_a_wall_of_help(sh):
    result = sh()
    assert result.code == 0
    assert "rebuild trust" in result.out
    assert result.out.count("trustcli ") >= 3
    assert len(result.out.splitlines()) <= 12


def test_version(sh):
    result = sh("--version")
    assert (result.code, result.out) == (0, f"trustcli {trustcli.__version__}\n")


def test_python_dash_m_runs_the_same_cli(home):
    completed = subprocess.run(
        [sys.executable, "-m", "trustcli", "promise", "add", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (completed.returncode, completed.stdout) == (0, "1\n")


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_every_command_has_help_with_examples(cli, path):
    result = cli(*path, "--help")
    assert result.code == 0, result.err
    if path in (["promise"], ["worksheet"]):
        return  # plain groups: their commands carry the examples
    assert "Examples" in result.out, f"'trustcli {' '.join(path)} --help' shows no examples"


@pytest.mark.parametrize(
    "group, options",
    [
        ("ask", ["[SET]", "--as", "--answers", "--resume", "--list", "--json"]),
        ("checkin", ["--rating", "--note", "--as", "--on", "--json"]),
    ],
)
def test_a_group_s_help_shows_its_default_command_s_options(cli, group, options):
    """`trustcli ask --help` is where people look for `--answers`, not `ask run --help`."""
    result = cli(group, "--help")
    assert result.code == 0
    for option in options:
        assert option in result.out, f"'trustcli {group} --help' does not show {option}"
    assert result.out.count("Show this message") == 1  # --help once, not twice


@pytest.mark.parametrize("group", ["promise", "worksheet"])
def test_a_group_without_its_command_shows_help_and_no_empty_error(cli, group):
    result = cli(group)
    assert result.code == 2
    assert "Usage" in result.out and result.err == ""


def test_the_help_lists_every_group(cli):
    result = cli("--help")
    for group in ("ask", "checkin", "export", "import", "init", "promise", "report", "worksheet"):
        assert group in result.out


def test_shell_completion_is_offered(cli):
    assert "--install-completion" in cli("--help").out


def test_a_broken_file_is_one_line_not_a_traceback(sh, home):
    home.mkdir()
    (home / "promises.toml").write_text("promise = 5\n")
    result = sh("promise", "list")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err.splitlines()) == 1


# A real process with a real bug in it (a function that divides by zero), run through
# the same entry point as the console script.
BUGGY = (
    "import trustcli.promises as p\n"
    "p.load_promises = lambda: 1 / 0\n"
    "from trustcli.cli import main\n"
    "raise SystemExit(main(['promise', 'list']))\n"
)


def test_a_bug_is_one_line_and_trustcli_debug_shows_the_traceback(home):
    plain = subprocess.run(
        [sys.executable, "-c", BUGGY], capture_output=True, text=True, timeout=60
    )
    assert plain.returncode == 1
    assert plain.stderr.splitlines() == [
        "trustcli: internal error (ZeroDivisionError: division by zero); "
        "run again with TRUSTCLI_DEBUG=1 to see where"
    ]
    debug = subprocess.run(
        [sys.executable, "-c", BUGGY],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TRUSTCLI_DEBUG": "1"},
    )
    assert debug.returncode == 1
    assert debug.stderr.startswith("Traceback (most recent call last):")
    assert "<lambda>" in debug.stderr and debug.stderr.endswith(
        "ZeroDivisionError: division by zero\n"
    )


def test_internal_errors_become_one_line_unless_debugging(cli, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("trustcli.promises.load_promises", explode)
    result = cli("promise", "list")
    assert result.code == 1
    assert result.err == (
        "trustcli: internal error (RuntimeError: boom); "
        "run again with TRUSTCLI_DEBUG=1 to see where\n"
    )
    monkeypatch.setenv("TRUSTCLI_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli("promise", "list")


# --- init ---------------------------------------------------------------------------


def test_init_with_flags_writes_config_and_keeps_other_settings(cli, home):
    assert cli("init", "--me", "alex", "--partner", "sam").code == 0
    config = home / "config.toml"
    config.write_text(config.read_text() + "\n[notify]\nshow_details = false\n")
    assert cli("init", "--partner", "robin").code == 0
    document = tomllib.loads(config.read_text())
    assert document["names"] == {"me": "alex", "partner": "robin"}
    assert document["notify"] == {"show_details": False}


def test_init_without_a_terminal_or_flags_names_the_flags(sh):
    result = sh("init")
    assert result.code == 2
    assert "--me" in result.err and "Traceback" not in result.err


def test_init_rejects_an_empty_name(cli):
    result = cli("init", "--me", "  ")
    assert result.code == 2 and "empty" in result.err


def spawn(*args: str, colour: bool = False) -> pexpect.spawn:
    return spawn_on_terminal(*args, colour=colour, size=(24, 100))


def test_init_on_a_terminal_asks_for_missing_names(home):
    child = spawn("init")
    child.expect("Your name")
    child.sendline("alex")
    child.expect("other person's name")
    child.sendline("sam")
    child.expect("Where do you stand")
    child.expect(READY)
    child.send("\r")  # the cursor starts on "not sure": a stray Enter claims no role
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    names = tomllib.loads((home / "config.toml").read_text())["names"]
    assert names == {"me": "alex", "partner": "sam", "role": "unsure"}


def test_init_on_a_terminal_takes_an_empty_partner_name(home):
    """The other person's name is optional, at the prompt as with flags."""
    child = spawn("init")
    child.expect("Your name")
    child.sendline("alex")
    child.expect("other person's name")
    child.expect("optional")
    child.sendline("")
    child.expect(READY)
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    names = tomllib.loads((home / "config.toml").read_text())["names"]
    assert names == {"me": "alex", "role": "unsure"}


def test_init_on_a_terminal_only_asks_what_was_not_given(home):
    child = spawn("init", "--me", "alex")
    asked = child.expect(["Your name", "other person's name"])
    assert asked == 1, "asked for the name given with --me"
    child.sendline("sam")
    child.expect(READY)
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    names = tomllib.loads((home / "config.toml").read_text())["names"]
    assert names == {"me": "alex", "partner": "sam", "role": "unsure"}


def test_ctrl_c_at_the_init_prompt_saves_nothing(home):
    child = spawn("init")
    child.expect("Your name")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before
    assert not (home / "config.toml").exists()


def test_colour_appears_only_on_a_terminal_without_no_color(sh, sh_ok, home):
    sh_ok("promise", "add", "a")
    child = spawn("promise", "list", colour=True)
    child.expect(pexpect.EOF)
    assert "\x1b[1m" in child.before
    child = spawn("promise", "list")  # NO_COLOR=1 from the test environment
    child.expect(pexpect.EOF)
    assert "promise" in child.before and "\x1b[" not in child.before
    piped = sh("promise", "list", env={"NO_COLOR": ""})  # a pipe: no colour either
    assert piped.code == 0 and "promise" in piped.out, piped.err
    assert "\x1b[" not in piped.out


# --- packaging -------------------------------------------------------------------------


def test_builtin_templates_are_found():
    assert (template_files.builtin_dir() / "README.md").is_file()


def test_templates_are_found_through_the_package_from_anywhere(sh, tmp_path, monkeypatch):
    """A real install (CI's `pip install .`) finds them inside the package; an editable
    one finds the source checkout's folder, which is the very folder the wheel ships
    (pyproject's force-include). Either way, not through the working directory."""
    package = Path(trustcli.__file__).resolve().parent
    builtin = template_files.builtin_dir()
    if (package / "templates").is_dir():
        assert builtin == package / "templates"
    else:
        checkout = package.parent.parent
        wheel = tomllib.loads((checkout / "pyproject.toml").read_text())["tool"]["hatch"]
        shipped = wheel["build"]["targets"]["wheel"]["force-include"]
        assert shipped == {"templates": "trustcli/templates"}
        assert builtin == checkout / "templates"
    monkeypatch.chdir(tmp_path)  # far from the checkout
    sets = {s["name"] for s in json.loads(sh("ask", "--list", "--json").out)}
    assert sets == {path.stem for path in (builtin / "questions").glob("*.toml")}
    assert {"rebuild-trust", "after-a-lie", "weekly-checkin"} <= sets
    sheets = {s["name"] for s in json.loads(sh("worksheet", "list", "--json").out)}
    assert sheets == {path.stem for path in (builtin / "worksheets").glob("*.md")}
    assert {"repair-plan", "apology", "progress"} <= sheets


def test_a_name_must_be_one_line(cli, home):
    result = cli("init", "--me", "alex\nsam")
    assert result.code == 2 and "one line" in result.err
    assert cli("promise", "add", "x", "--to", "sa\tm").code == 2


# --- remind install --------------------------------------------------------------------------


def test_remind_install_never_silently_moves_a_unit_to_another_data_home(
    cli, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    unit = tmp_path / "config" / "systemd" / "user" / "trustcli-remind.service"
    first, second = tmp_path / "first home", tmp_path / "second"
    monkeypatch.setenv("TRUSTCLI_HOME", str(first))
    assert cli("remind", "install").code == 0
    assert cli("remind", "install").code == 0  # the same home again: fine
    installed = unit.read_text()
    monkeypatch.setenv("TRUSTCLI_HOME", str(second))
    result = cli("remind", "install")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"trustcli: {unit} already runs the reminders of {first}, not of {second}: "
        f"pass --force to switch it to {second}"
    ]
    assert unit.read_text() == installed
    monkeypatch.delenv("TRUSTCLI_HOME")  # the platform's data folder is another home too
    assert cli("remind", "install").code == 2
    monkeypatch.setenv("TRUSTCLI_HOME", str(second))
    assert cli("remind", "install", "--force").code == 0
    assert f'Environment="TRUSTCLI_HOME={second}"' in unit.read_text()


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["promise", "add", "Call", "mum", "tonight"], 'put text that has spaces in quotes ("…")'),
        (["remind", "add", "daily", "21:00"], 'put text that has spaces in quotes ("…")'),
        (["promise", "add", "-5 min late"], "needs -- before it"),
    ],
)
def test_the_two_common_slips_get_a_hint(cli, args, hint):
    result = cli(*args)
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert hint in line


def test_a_reader_of_stdin_says_so_on_a_terminal_and_empty_stdin_is_named(cli, home):
    child = spawn_on_terminal("import", "-")
    child.expect("reading from the terminal; end with Ctrl-D")
    child.sendeof()
    child.expect("standard input was empty")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert not home.exists()


# --- the README's tour runs as written ------------------------------------------------------

REBUILD_TRUST_ANSWERS = "a\na\na\nyes\na\na\na\na\na\na\n"


def _tour() -> list[tuple[list[str], list[str]]]:
    """The README's tour: each `$ trustcli …` command, and the output lines shown under it."""
    import shlex

    text = (Path(__file__).parent.parent / "README.md").read_text()
    block = text.split("## A short tour", 1)[1].split("```console", 1)[1].split("```", 1)[0]
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.strip("\n").splitlines():
        if line.startswith("$ trustcli"):
            command = line[2:].split("  #", 1)[0]
            steps.append((shlex.split(command)[1:], []))
        elif steps and not line.startswith(" "):
            steps[-1][1].append(line.rstrip())
    return steps


def test_the_readme_tour_runs_as_written(cli, home, tmp_path, monkeypatch):
    """Every command of the tour succeeds, on the tour's own date, and prints what the
    README shows under it (the interactive `ask` steps get their answers from stdin)."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T20:00:00+01:00")  # the tour's Thursday
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    steps = _tour()
    assert len(steps) > 15
    for args, shown in steps:
        stdin = ""
        if args[:1] == ["ask"] and "compare" not in args:
            args, stdin = [*args, "--answers", "-"], REBUILD_TRUST_ANSWERS
        result = cli(*args, stdin=stdin)
        assert result.code == 0, (args, result.err)
        if shown:
            assert result.out.rstrip("\n").splitlines() == shown, args
    assert not (tmp_path / "config").exists()  # remind install --dry-run wrote nothing


EVERYDAY = (
    ("promise", "list"),
    ("today",),
    ("ask", "--list"),
    ("worksheet", "list"),
    ("remind", "due"),
    ("report",),
    ("checkin", "list"),
)
# What only some commands need: the daemon's scheduler, the template engine, prompts,
# ciphers and keys, tempfile (only to write), dataclasses. Each costs at every start.
NOT_EVERYDAY = (
    "apscheduler",
    "jinja2",
    "rich",
    "questionary",
    "cryptography",
    "hmac",
    "tempfile",
    "dataclasses",  # a convenience that costs ~0.5 ms per class at every start
    # trustcli's own rooms that a plain, unpaired home never needs: the couple folder
    # and its keys, the daemon, the vault's key and its conversion, wiping
    "trustcli.couple.folder",
    "trustcli.couple.keys",
    "trustcli.couple.log",
    "trustcli.remind.daemon",
    "trustcli.store.vault_key",
    "trustcli.store.conversion",
    "trustcli.store.removal",
    "trustcli.vault",
)


@pytest.mark.parametrize("command", EVERYDAY, ids=" ".join)
def test_everyday_commands_import_only_what_they_need(ok, command):
    ok("promise", "add", "Call if I'm running late", "--every", "daily")
    ok("remind", "add", "daily 21:00")
    ok(*command)  # a first run may write caches; the timed case is the next one
    assert modules_loaded([list(command)], NOT_EVERYDAY) == []


def test_a_command_builds_only_the_subcommand_it_runs(cli, ok) -> None:
    """Building a click command reads every parameter's signature: a run of `promise
    list` builds `list` alone, and `promise --help` still shows all eleven."""
    from trustcli.cli import app

    ok("promise", "add", "Call if I'm running late", "--every", "daily")
    group = app._RootGroup(name="trustcli").commands["promise"]
    assert len(list(group.commands)) == 11
    assert group.commands._built == {}
    group.main(["list"], standalone_mode=False)
    assert list(group.commands._built) == ["list"]
    shown = cli("promise", "--help").out
    assert all(name in shown for name in ("add", "kept", "stats", "reopen", "dispute"))


def test_the_script_ends_at_once_but_loses_no_output(ok, home, tmp_path) -> None:
    """The script skips Python's slow teardown (``cli.console``): everything written
    still arrives, through a pipe larger than its buffer as well as into a file."""
    from .conftest import trustcli_executable

    for number in range(1, 201):
        ok("promise", "add", f"Promise {number} " + "x" * 200, "--every", "daily")
    piped = subprocess.run(
        [trustcli_executable(), "export"], capture_output=True, timeout=60, check=True
    ).stdout
    with open(tmp_path / "out.json", "wb") as out:
        subprocess.run([trustcli_executable(), "export"], stdout=out, timeout=60, check=True)
    assert len(piped) > 65536  # more than a pipe holds: the reader had to keep up
    assert piped == (tmp_path / "out.json").read_bytes()
    assert json.loads(piped)["promises"][-1]["text"].startswith("Promise 200 ")


@pytest.mark.parametrize("with_thread", [False, True], ids=["alone", "a thread still runs"])
def test_the_quick_exit_runs_exit_handlers_and_waits_for_threads(home, with_thread) -> None:
    """Exit handlers (logging's flush, finalizers) still run; a thread still running
    gets Python's usual exit, which waits for it."""
    code = (
        "import atexit, sys, threading, time\n"
        "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
        "def late():\n    time.sleep(0.3)\n    print('thread done', flush=True)\n"
        f"if {with_thread}:\n    threading.Thread(target=late).start()\n"
        "sys.argv = ['trustcli', 'promise', 'kept', '99']\n"
        "from trustcli.cli import console\nconsole()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "trustcli: no promise 99 (ids: none yet; see 'trustcli promise list --all')",
        "handler ran",
    ]
    assert ("thread done" in done.stdout) is with_thread
