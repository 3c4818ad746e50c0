"""Where trustcli hands text to other programs: the systemd unit and launchd agent of
`remind install`, notification bodies (markup to the server), the daemon's log, the
editor of `worksheet new --edit`, and the Jinja2 sandbox of a person's own templates.

Each hostile value goes through the real CLI, and what it became is read back by the
program that will read it: systemd itself (``systemd --test`` dumps the unit as it
parsed it; ``systemd-analyze verify`` checks it), plistlib, a real notification
server on a real session bus, a notify-send and an editor that record their argv.
"""

from __future__ import annotations

import html
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .conftest import require_binary, trustcli_executable
from .test_remind import add_once_ready, start_daemon  # noqa: F401 (a fixture)

# Data homes and install folders an attacker (or an unlucky person) might give:
# specifiers, variables, quotes, backslashes, spaces, a would-be separator.
HOSTILE_HOMES = {
    "percent-h": "%h/x",
    "percent-percent": "100%% sure %n %i",
    "dollar": "$HOME/x",
    "dollar-braces": "${HOME}x$$y",
    "double-quote": 'say "hi"',
    "single-quote": "it's",
    "backslash": "back\\slash\\",
    "backslash-quote": 'a\\"b',
    "spaces": "  two  spaces  ",
    "semicolon": "a ; b",
    "hash": "#not-a-comment",
    "xml": "<dict>&amp;]]>",
    "unicode": "Zoë & Noé",
}

# Characters no unit file or plist line may carry: refused, never written.
CONTROL_HOMES = {
    "newline": "x\nExecStartPre=/bin/touch /tmp/trustcli-pwned",
    "carriage-return": "x\rExecStartPre=/bin/true",
    "tab": "a\tb",
    "escape": "a\x1b[31mb",
    "delete": "a\x7fb",
    "c1": "a\x85b",
}


# systemd starts no program whose path holds one of these (its string_is_safe()).
UNSTARTABLE = "\"'\\"


def _hostile_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, program: str | None = None
) -> tuple[str, str]:
    """A data home holding NAME and a trustcli script whose path holds PROGRAM (default:
    NAME too); returns both paths."""
    home = str(tmp_path / f"home {name}")
    monkeypatch.setenv("TRUSTCLI_HOME", home)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    prefix = tmp_path / f"venv {name if program is None else program}" / "bin"
    prefix.mkdir(parents=True)
    script = prefix / "trustcli"
    script.symlink_to(trustcli_executable())
    # `remind install` runs the console script beside the interpreter that runs it.
    monkeypatch.setattr(sys, "executable", str(prefix / "python3"))
    return home, str(script)


def _unit_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "systemd" / "user" / "trustcli-remind.service"


def _systemd() -> str:
    require_binary("systemd-analyze")  # Debian's systemd package: it has both programs
    for candidate in ("/usr/lib/systemd/systemd", "/lib/systemd/systemd"):
        if os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("systemd-analyze is installed but systemd itself is not")


def _parsed_by_systemd(unit: Path) -> tuple[list[str], list[str]]:
    """(ExecStart's argv, Environment's entries) as systemd's own parser reads the unit.

    ``systemd --test`` loads units and dumps them as parsed: specifiers resolved,
    quotes and C escapes removed. It refuses to run as root, so as root it runs as
    nobody, with the unit copied to a folder nobody can read. The dump shows the
    command line before systemd's last step at exec time, variable substitution in the
    arguments: that step is done here as systemd.service(5) says ("$$" is one "$";
    "$NAME" and "${NAME}" are replaced), so any variable left in means the unit is
    wrong. The program itself is run from its path as written (no substitution there);
    ``systemd-analyze verify`` proves a file is executable at that path.
    """
    systemd = _systemd()
    folder = Path(tempfile.mkdtemp(prefix="trustcli-unit-"))
    try:
        folder.chmod(0o755)
        copy = folder / unit.name
        shutil.copyfile(unit, copy)
        copy.chmod(0o644)
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        done = subprocess.run(
            [
                *(drop if os.geteuid() == 0 else []),
                systemd,
                "--test",
                "--system",
                f"--unit={unit.name}",
                "--log-target=console",
                "--no-pager",
            ],
            env={**os.environ, "SYSTEMD_UNIT_PATH": f"{folder}:", "HOME": str(folder)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    dump = done.stdout.split(f"-> Unit {unit.name}:\n", 1)[1]
    dump = re.split(r"\n\t-> Unit ", dump, maxsplit=1)[0]
    commands = re.findall(r"^\t\t-> ExecStart:\n\t\t\tCommand Line: (.*)$", dump, re.M)
    environment = re.findall(r"^\t\tEnvironment: (.*)$", dump, re.M)
    assert len(commands) == 1, dump
    program, *args = _shell_words(commands[0])
    for arg in args:
        assert not re.search(r"(?<!\$)(\$\$)*\$(?!\$)", arg), f"a variable is left in {arg!r}"
    return [program, *(arg.replace("$$", "$") for arg in args)], environment


def _shell_words(line: str) -> list[str]:
    """The words of the dump's command line: systemd writes a word that needs it in
    double quotes, with a backslash before each of ``\\ " $ `` and backquote (as a
    shell reads them; shlex does not know ``\\$``), and other words bare."""
    words = re.findall(r'"((?:[^"\\]|\\.)*)"(?=\s|$)|(\S+)', line)
    assert " ".join(f'"{q}"' if q else b for q, b in words) == line, line
    return [re.sub(r"\\(.)", r"\1", quoted) if quoted else bare for quoted, bare in words]


@pytest.mark.parametrize("name", HOSTILE_HOMES.values(), ids=HOSTILE_HOMES.keys())
def test_a_unit_holds_any_home_and_program_path_exactly(cli, tmp_path, monkeypatch, name):
    startable = not any(char in name for char in UNSTARTABLE)
    home, script = _hostile_setup(tmp_path, monkeypatch, name, None if startable else "plain")
    result = cli("remind", "install")
    assert result.code == 0, result.err
    unit = _unit_path(tmp_path)
    verified = subprocess.run(
        [require_binary("systemd-analyze"), "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
    argv, environment = _parsed_by_systemd(unit)
    assert argv == [script, "remind", "--daemon"]
    assert environment == [f"TRUSTCLI_HOME={home}"]
    # Installing again for the same home reads the unit back as that home: no --force.
    again = cli("remind", "install")
    assert again.code == 0, again.err


@pytest.mark.parametrize("char", UNSTARTABLE)
def test_a_program_path_systemd_cannot_start_is_refused(cli, tmp_path, monkeypatch, char):
    _hostile_setup(tmp_path, monkeypatch, "plain", f"o{char}brien")
    result = cli("remind", "install")
    assert result.code == 2 and result.out == "", result
    (line,) = result.err.splitlines()
    assert "systemd cannot start a program whose path holds a quote or a backslash" in line
    assert not (tmp_path / "config").exists()


@pytest.mark.parametrize("bad", CONTROL_HOMES.values(), ids=CONTROL_HOMES.keys())
@pytest.mark.parametrize("where", ["data home", "program path"])
def test_a_control_character_is_refused_and_nothing_is_written(
    cli, tmp_path, monkeypatch, bad, where
):
    home, _script = _hostile_setup(tmp_path, monkeypatch, "plain")
    if where == "data home":
        monkeypatch.setenv("TRUSTCLI_HOME", home + bad)
    else:
        prefix = tmp_path / f"venv{bad}" / "bin"
        prefix.mkdir(parents=True)
        (prefix / "trustcli").symlink_to(trustcli_executable())
        monkeypatch.setattr(sys, "executable", str(prefix / "python3"))
    for args in (["remind", "install"], ["remind", "install", "--dry-run"]):
        result = cli(*args)
        assert result.code == 2, result
        assert result.out == ""
        (line,) = result.err.splitlines()
        assert "control character" in line and "\x1b" not in line
        assert "Traceback" not in line
    assert not (tmp_path / "config").exists()


@pytest.mark.parametrize("name", HOSTILE_HOMES.values(), ids=HOSTILE_HOMES.keys())
def test_a_launchd_agent_holds_any_home_and_program_path_exactly(cli, tmp_path, monkeypatch, name):
    home, script = _hostile_setup(tmp_path, monkeypatch, name)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setattr(sys, "platform", "darwin")
    result = cli("remind", "install")
    assert result.code == 0, result.err
    agent = tmp_path / "user" / "Library" / "LaunchAgents" / "org.trustcli.remind.plist"
    parsed = plistlib.loads(agent.read_bytes())
    assert parsed["ProgramArguments"] == [script, "remind", "--daemon"]
    assert parsed["EnvironmentVariables"] == {"TRUSTCLI_HOME": home}
    assert parsed["Label"] == "org.trustcli.remind"
    again = cli("remind", "install")
    assert again.code == 0, again.err


@pytest.mark.parametrize("bad", CONTROL_HOMES.values(), ids=CONTROL_HOMES.keys())
def test_a_launchd_agent_refuses_a_control_character(cli, tmp_path, monkeypatch, bad):
    home, _script = _hostile_setup(tmp_path, monkeypatch, "plain")
    monkeypatch.setenv("TRUSTCLI_HOME", home + bad)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setattr(sys, "platform", "darwin")
    result = cli("remind", "install")
    assert result.code == 2 and len(result.err.splitlines()) == 1, result
    assert "control character" in result.err
    assert not (tmp_path / "user").exists()


# --- notification bodies are text, not markup ------------------------------------------

# freedesktop servers render <a>, <img>, <b>... in a body; "&amp;" written by a person
# must reach the screen as those five characters.
MARKUP = '<a href="https://example.com/x">open</a> <img src="file:///etc/passwd"/> Tom &amp; me'
ESCAPED = (
    '&lt;a href="https://example.com/x"&gt;open&lt;/a&gt; '
    '&lt;img src="file:///etc/passwd"/&gt; Tom &amp;amp; me'
)


def test_a_message_reaches_the_notification_server_as_text(sh, notifications, start_daemon):
    running = start_daemon()
    add_once_ready(sh, running, "-m", MARKUP)
    (got,) = notifications.wait_for(1)
    assert got["body"] == ESCAPED
    assert html.unescape(got["body"]) == MARKUP  # what is shown is what was written
    assert running.stop() == 0


def test_promise_text_reaches_the_notification_server_as_text(
    sh, notifications, start_daemon, home
):
    assert sh("promise", "add", f"Call at 6 {MARKUP}", "--every", "daily").code == 0
    (home / "config.toml").write_text("[notify]\nshow_details = true\n")
    running = start_daemon()
    add_once_ready(sh, running, "--kind", "promise", "--promise", "1", "-m", "Kept <it>?")
    (got,) = notifications.wait_for(1)
    assert got["body"] == f"Kept &lt;it&gt;?\n“Call at 6 {ESCAPED}”"
    assert running.stop() == 0


def _notify_send_stand_in(tmp_path: Path, status: int = 0) -> tuple[Path, Path]:
    """A real notify-send on PATH that records its argv; returns (bin folder, record)."""
    bin_dir, record = tmp_path / "bin", tmp_path / "notify-send.args"
    bin_dir.mkdir()
    script = bin_dir / "notify-send"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\necho "failed: $*" >&2\nexit {status}\n'
    )
    script.chmod(0o755)
    return bin_dir, record


def test_notify_send_gets_the_body_as_text(sh, session_bus, start_daemon, tmp_path):
    bin_dir, record = _notify_send_stand_in(tmp_path)
    running = start_daemon({"DBUS_SESSION_BUS_ADDRESS": session_bus, "PATH": str(bin_dir)})
    add_once_ready(sh, running, "-m", MARKUP)
    running.wait_for_log("reminder 1: notified")
    assert running.stop() == 0
    assert record.read_text().splitlines() == ["--app-name=trustcli", "--", "trustcli", ESCAPED]


# --- the daemon's log: ids, not texts; one line per event --------------------------------

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S")
SECRET = "I lied about the money\n2026-01-01 00:00:00 reminder 9: notified"


def test_a_failed_delivery_is_logged_by_id_on_one_line(sh, session_bus, start_daemon, tmp_path):
    """No server on the bus and a notify-send that fails (echoing what it was given)."""
    bin_dir, _record = _notify_send_stand_in(tmp_path, status=3)
    running = start_daemon({"DBUS_SESSION_BUS_ADDRESS": session_bus, "PATH": str(bin_dir)})
    add_once_ready(sh, running, "-m", SECRET)
    running.wait_for_log("reminder 1: not shown (dbus: ")
    assert running.stop() == 0
    text = running.text()
    assert "money" not in text and "reminder 9" not in text
    for line in text.splitlines():
        assert LOG_LINE.match(line), text
    (line,) = [line for line in text.splitlines() if "reminder 1:" in line]
    assert "ServiceUnknown" in line
    assert line.endswith("; notify-send: exited with status 3)"), line


def test_a_data_home_with_a_newline_stays_on_one_log_line(start_daemon, tmp_path):
    home = tmp_path / "two\nlines"
    running = start_daemon({"TRUSTCLI_HOME": str(home), "PATH": "/nonexistent"})
    running.wait_for_log("ready")
    assert running.stop() == 0
    text = running.text()
    assert "data home " + str(tmp_path) + "/two\\nlines)" in text
    for line in text.splitlines():
        assert LOG_LINE.match(line), text


# --- the editor gets a path, never something it could read as a command or option --------


def _recording_editor(tmp_path: Path) -> tuple[str, Path]:
    """A real editor stand-in on PATH, run as `vim -es` would be; records its argv."""
    bin_dir, record = tmp_path / "editor-bin", tmp_path / "editor.args"
    bin_dir.mkdir()
    script = bin_dir / "fake-vim"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    script.chmod(0o755)
    return f"{script} -es", record


@pytest.mark.parametrize("name", ["+!touch pwned", "-c", "--cmd=!touch pwned"])
def test_edit_passes_an_absolute_path_for_a_name_an_editor_would_run(
    sh, tmp_path, monkeypatch, runtime_dir, name
):
    """The editor gets the runtime copy's absolute path (``edit-<tag>-<pid>-<random>.md``),
    which no file or template name ever enters (see test_edit.py)."""
    editor, record = _recording_editor(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = sh("worksheet", "new", "empathy", "-o", f"{name}.md", "--edit", env={
        "EDITOR": editor, "VISUAL": ""})  # fmt: skip
    assert result.code == 0, result.err
    option, copy = record.read_text().splitlines()
    assert option == "-es" and Path(copy).parent == runtime_dir / "trustcli"
    assert Path(copy).name.startswith("edit-")
    assert (work / f"{name}.md").read_text().startswith("# ")


def test_edit_passes_an_absolute_path_for_a_template_named_like_a_command(
    sh, home, tmp_path, monkeypatch, runtime_dir
):
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    (folder / "+!touch pwned.md").write_text("# Mine\n")
    editor, record = _recording_editor(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = sh("worksheet", "new", "+!touch pwned", "--edit", env={"EDITOR": editor, "VISUAL": ""})
    assert result.code == 0, result.err
    (written,) = work.glob("*.md")
    option, copy = record.read_text().splitlines()
    assert option == "-es" and Path(copy).parent == runtime_dir / "trustcli"
    assert Path(copy).name.startswith("edit-")
    assert written.name.startswith("+!touch pwned-")


# --- a person's own templates run in Jinja2's sandbox, on a release that holds -----------


def test_the_jinja2_floor_is_the_release_whose_sandbox_holds():
    from importlib.metadata import requires

    floors = [r for r in requires("trustcli") or [] if r.lower().startswith("jinja2")]
    assert floors == ["jinja2>=3.1.6"]


@pytest.mark.parametrize(
    "escape",
    [
        # 3.1.5 (CVE-2025-27516): |attr('format') handed out str.format unsandboxed.
        "{{ '{0.__class__.__base__.__subclasses__}'|attr('format')(me) }}",
        "{{ ('{0.__globals__}'|attr('format'))(cycler.__init__) }}",
        "{{ '{0.__class__}'.format(me) }}",
        "{{ '{x.__class__}'|attr('format_map')({'x': me}) }}",
    ],
)
def test_the_sandbox_refuses_an_escape_in_a_user_template(cli, home, tmp_path, escape):
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    (folder / "x.md").write_text(f"# X\n{escape}\n")
    target = tmp_path / "x-out.md"
    result = cli("worksheet", "new", "x", "-o", str(target))
    assert result.code == 2, result
    (line,) = result.err.splitlines()
    assert "x.md" in line and "unsafe" in line, line
    assert "<class" not in result.text and "subclasses" not in result.out
    assert not target.exists()


@pytest.mark.parametrize(
    ("template", "phrase"),
    [
        ("{{ 'x' * 10**10 }}", "too long"),
        ("{{ 10 ** 100000 }}", "power above 100"),
        ("{% for i in range(100000) %}{{ 'y' * 100 }}{% endfor %}", "grew past"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            "too much memory",
        ),
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
            "ran for more than",
        ),
        ("{% include '../../config.toml' %}", "no template"),
    ],
    ids=["repeat", "power", "output", "memory", "time", "include-outside"],
)
def test_a_template_cannot_exhaust_the_machine(cli, home, template, phrase):
    """A template is code from the person or a backup: it gets one line, not the machine."""
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heavy.md").write_text(template + "\n")
    result = cli("worksheet", "new", "heavy", "-o", "-")
    assert result.code == 2, result.text
    (line,) = result.err.strip().splitlines()
    assert phrase in line and "heavy.md" in line
