"""The command line as a whole: welcome, version, help, errors, init, packaging."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest
import typer.main

import trustcli
from trustcli import templates
from trustcli.cli.app import app

from .conftest import spawn_on_terminal


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


def test_the_help_lists_every_group(cli):
    result = cli("--help")
    for group in ("ask", "checkin", "export", "import", "init", "promise", "report", "worksheet"):
        assert group in result.out


def test_shell_completion_is_offered(cli):
    assert "--install-completion" in cli("--help").out


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(sh, home):
    home.mkdir()
    (home / "promises.toml").write_text("promise = 5\n")
    result = sh("promise", "list")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err.splitlines()) == 1


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
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    names = tomllib.loads((home / "config.toml").read_text())["names"]
    assert names == {"me": "alex", "partner": "sam"}


def test_init_on_a_terminal_only_asks_what_was_not_given(home):
    child = spawn("init", "--me", "alex")
    child.expect("other person's name")
    child.sendline("sam")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_at_the_init_prompt_saves_nothing(home):
    child = spawn("init")
    child.expect("Your name")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before
    assert not (home / "config.toml").exists()


def test_colour_appears_only_on_a_terminal_without_no_color(sh, home):
    sh("promise", "add", "a")
    child = spawn("promise", "list", colour=True)
    child.expect(pexpect.EOF)
    assert "\x1b[1m" in child.before
    child = spawn("promise", "list")  # NO_COLOR=1 from the test environment
    child.expect(pexpect.EOF)
    assert "promise" in child.before and "\x1b[" not in child.before
    assert "\x1b[" not in sh("promise", "list", env={"NO_COLOR": ""}).out  # a pipe


# --- packaging -------------------------------------------------------------------------


def test_builtin_templates_are_found():
    assert (templates.builtin_dir() / "README.md").is_file()


def test_an_installed_package_carries_its_templates():
    """In a real (non-editable) install, as CI does it, templates live in the package."""
    package = Path(trustcli.__file__).resolve().parent
    if "site-packages" in package.parts:
        assert templates.builtin_dir() == package / "templates"
    assert (templates.builtin_dir() / "README.md").is_file()


def test_a_name_must_be_one_line(cli, home):
    result = cli("init", "--me", "alex\nsam")
    assert result.code == 2 and "one line" in result.err
    assert cli("promise", "add", "x", "--to", "sa\tm").code == 2
