"""`trustcli shell-init`: the prompt marker, tested in real bash, zsh and fish.

The shell's clock is moved with faketime (libfaketime: EPOCHSECONDS, zsh/datetime and
fish's `path mtime -R` all read it), trustcli's with TRUSTCLI_NOW, so nothing waits."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from tests import test_remind
from tests.conftest import require_binary
from tests.test_remind import add_once_ready

T0 = "2030-01-10T08:00"  # Europe/Berlin (the pinned zone): a reminder is due at 09:00
BEFORE = "2030-01-10 07:30:00"  # UTC, for faketime: 08:30 in Berlin, not due yet
AFTER = "2030-01-10 08:30:00"  # UTC: 09:30 in Berlin, the reminder fell due
AT_NOW = "2026-11-26 19:30:00"  # UTC: half an hour after the at_now fixture's moment

start_daemon = test_remind.start_daemon  # the reminder daemon fixture, shared


def _status(runtime_dir: Path) -> Path:
    (found,) = (runtime_dir / "trustcli").glob("status-*")
    return found


def _snippet(sh, shell: str, tmp_path: Path, *options: str) -> Path:
    result = sh("shell-init", shell, *options, env={"TRUSTCLI_NOW": T0})
    assert result.code == 0, result.err
    path = tmp_path / f"snippet.{shell}"
    path.write_text(result.out)
    return path


def _shell_env(tmp_path: Path) -> dict[str, str]:
    """PATH starts with a trustcli, python3 and python that fail loudly and leave a mark:
    the prompt must never run them."""
    trap = tmp_path / "trap"
    trap.mkdir(exist_ok=True)
    for name in ("trustcli", "python3", "python"):
        script = trap / name
        script.write_text(f"#!/bin/sh\necho ran >> {tmp_path / 'ran'}\nexit 97\n")
        script.chmod(0o755)
    env = {**os.environ, "PATH": f"{trap}:{os.environ['PATH']}", "TZ": "UTC"}
    env.pop("PS1", None)
    return env


def _bash_prompt(snippet: Path, tmp_path: Path, at: str | None = None) -> str:
    """The prompt an interactive bash prints (on stderr) with the snippet in its rc file."""
    rc = tmp_path / "bashrc"
    rc.write_text(f"PS1='$ '\n. {snippet}\n")
    command = [require_binary("bash"), "--noprofile", "--rcfile", str(rc), "-i"]
    if at:
        command = [require_binary("faketime"), at, *command]
    done = subprocess.run(
        command, input="exit\n", capture_output=True, text=True, env=_shell_env(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "ran").exists()
    shown = re.search(r"^(.*\$ )exit$", done.stderr, re.MULTILINE)  # the prompt, then `exit`
    assert shown, done.stderr
    return shown.group(1)


def _prompt_at(shell: list[str], tmp_path: Path, at: str) -> str:
    """What ``shell`` (its command line) prints at the time ``at`` (faketime), having run
    no trustcli or python process (see _shell_env)."""
    done = subprocess.run(
        [require_binary("faketime"), at, *shell],
        capture_output=True,
        text=True,
        env=_shell_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "ran").exists()
    return done.stdout


def _zsh_prompt(snippet: Path, tmp_path: Path, at: str) -> str:
    script = f"PROMPT='%% '; . {snippet}; __trustcli_prompt; print -rn -- ${{(%)${{(e)PROMPT}}}}"
    return _prompt_at([require_binary("zsh"), "-f", "-c", script], tmp_path, at)


def _fish_prompt(snippet: Path, tmp_path: Path, at: str) -> str:
    script = f"function fish_prompt; printf '> '; end; source {snippet}; fish_prompt"
    return _prompt_at([require_binary("fish"), "--no-config", "-c", script], tmp_path, at)


def test_bash_shows_the_marker_once_a_reminder_falls_due(sh, runtime_dir, tmp_path):
    snippet = _snippet(sh, "bash", tmp_path)
    assert sh("remind", "add", "daily 09:00", env={"TRUSTCLI_NOW": T0}).code == 0
    assert _bash_prompt(snippet, tmp_path, BEFORE) == "$ "
    assert _bash_prompt(snippet, tmp_path, AFTER) == "• $ "


def test_zsh_shows_the_marker_once_a_reminder_falls_due(sh, runtime_dir, tmp_path):
    snippet = _snippet(sh, "zsh", tmp_path)
    assert sh("remind", "add", "daily 09:00", env={"TRUSTCLI_NOW": T0}).code == 0
    assert _zsh_prompt(snippet, tmp_path, BEFORE) == "% "
    assert _zsh_prompt(snippet, tmp_path, AFTER) == "• % "


def test_fish_shows_the_marker_once_a_reminder_falls_due(sh, runtime_dir, tmp_path):
    snippet = _snippet(sh, "fish", tmp_path)
    assert sh("remind", "add", "daily 09:00", env={"TRUSTCLI_NOW": T0}).code == 0
    assert _fish_prompt(snippet, tmp_path, BEFORE) == "> "
    assert _fish_prompt(snippet, tmp_path, AFTER) == "• > "


def test_a_promise_to_record_shows_until_it_is_recorded(sh, runtime_dir, tmp_path, at_now):
    """Both clocks pinned: on a new day a daily promise asks again, as it should."""
    snippet = _snippet(sh, "bash", tmp_path)
    assert _bash_prompt(snippet, tmp_path, AT_NOW) == "$ "
    assert sh("promise", "add", "Call if I'm late", "--every", "daily").code == 0
    assert _bash_prompt(snippet, tmp_path, AT_NOW) == "• $ "
    assert sh("promise", "kept", "1").code == 0
    assert _bash_prompt(snippet, tmp_path, AT_NOW) == "$ "


def test_a_paused_reminder_no_longer_counts(sh, runtime_dir, tmp_path):
    snippet = _snippet(sh, "bash", tmp_path)
    assert sh("remind", "add", "daily 09:00", env={"TRUSTCLI_NOW": T0}).code == 0
    assert sh("remind", "pause", "1", env={"TRUSTCLI_NOW": T0}).code == 0
    assert _bash_prompt(snippet, tmp_path, AFTER) == "$ "
    assert sh("remind", "resume", "1", env={"TRUSTCLI_NOW": T0}).code == 0
    assert _bash_prompt(snippet, tmp_path, AFTER) == "• $ "


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_prompt_starts_no_program(sh, runtime_dir, tmp_path, shell):
    """strace sees every execve: the shell's own, and nothing after it, with the marker
    shown (count > 0) and with the clock compared against the next time (count 0)."""
    strace = require_binary("strace")
    snippet = _snippet(sh, shell, tmp_path)
    status = _status(runtime_dir)
    for content in ("2 0\n", "0 1\n", "0 99999999999\n"):
        status.write_text(content)
        if shell == "bash":
            script = f"PS1='$ '; . {snippet}; for i in 1 2 3; do __trustcli_prompt; done"
            command = ["bash", "--noprofile", "--norc", "-c", script]
        elif shell == "zsh":
            script = f"PROMPT='%% '; . {snippet}; __trustcli_prompt; __trustcli_prompt"
            command = ["zsh", "-f", "-c", script]
        else:
            script = f"function fish_prompt; printf '> '; end; source {snippet}; fish_prompt"
            command = ["fish", "--no-config", "-c", script]
        log = tmp_path / "execve.log"
        done = subprocess.run(
            [strace, "-f", "-qq", "-e", "trace=execve", "-o", str(log), *command],
            capture_output=True,
            text=True,
            env=_shell_env(tmp_path),
        )
        assert done.returncode == 0, done.stderr
        calls = [line for line in log.read_text().splitlines() if "execve(" in line]
        assert len(calls) == 1, calls  # the shell itself
        assert calls[0].split()[1].startswith(f'execve("{require_binary(shell)}"')
        assert not (tmp_path / "ran").exists()


def test_the_status_file_is_private_and_only_numbers(sh, runtime_dir, tmp_path):
    _snippet(sh, "bash", tmp_path)
    assert sh("promise", "add", "Tell the truth about money", "--every", "daily").code == 0
    status = _status(runtime_dir)
    assert stat.S_IMODE(status.stat().st_mode) == 0o600
    assert re.fullmatch(rb"[0-9]+ [0-9]+\n", status.read_bytes())
    assert status.name.startswith("status-")


def test_with_the_vault_on_it_keeps_the_last_status_while_locked(
    sh, runtime_dir, tmp_path, turn_vault_on, at_now
):
    turn_vault_on()
    _snippet(sh, "bash", tmp_path)
    assert sh("promise", "add", "Call if I'm late", "--every", "daily").code == 0
    status = _status(runtime_dir)
    assert status.read_bytes().startswith(b"1 ")
    assert sh("lock").code == 0
    assert sh("shell-init", "bash").code == 0  # works locked; the last status stays
    assert status.read_bytes().startswith(b"1 ")
    assert b"Call" not in status.read_bytes()


def test_without_a_runtime_folder_the_status_is_in_the_cache(sh, home, tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    snippet = _snippet(sh, "bash", tmp_path)
    cached = home / "cache" / "prompt-status"
    assert f"__trustcli_status='{cached}'" in snippet.read_text()
    assert "cache/" in snippet.read_text()
    assert sh("promise", "add", "Call if I'm late", "--every", "daily").code == 0
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert _bash_prompt(snippet, tmp_path) == "• $ "


def test_the_marker_can_be_chosen(sh, runtime_dir, tmp_path, home):
    snippet = _snippet(sh, "bash", tmp_path, "--marker", "it's *")
    assert sh("promise", "add", "Call if I'm late", "--every", "daily").code == 0
    assert _bash_prompt(snippet, tmp_path) == "it's * $ "
    (home / "config.toml").write_text('[prompt]\nmarker = "50%"\n')
    zsh_snippet = _snippet(sh, "zsh", tmp_path)
    assert _zsh_prompt(zsh_snippet, tmp_path, AFTER) == "50% % "


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["tcsh"], "bash, zsh and fish"),
        (["bash", "--marker", "a\nb"], "control character"),
        (["bash", "--marker", "x" * 40], "longer than"),
        (["bash", "--marker", ""], "the marker is empty"),
        (["bash", "--marker", "  "], "the marker is empty"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(sh, runtime_dir, args, says):
    result = sh("shell-init", *args)
    assert result.code == 2
    assert says in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert result.out == ""


def test_the_daemon_counts_again_when_it_shows_a_reminder(
    sh, runtime_dir, tmp_path, notifications, start_daemon
):
    """With no trustcli command run after the reminder fired, the daemon's own count is
    what the prompt reads (and its minute tick keeps it exact)."""
    import time

    _snippet(sh, "bash", tmp_path)
    running = start_daemon()
    add_once_ready(sh, running, "-m", "Our talk", seconds=3)
    status = _status(runtime_dir)
    assert status.read_bytes().startswith(b"0 ")
    notifications.wait_for(1)
    running.wait_for_log("reminder 1: notified")
    deadline = time.monotonic() + 20
    while not status.read_bytes().startswith(b"1 ") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status.read_bytes().startswith(b"1 ")
    assert running.stop() == 0


def test_acknowledging_what_is_due_clears_the_marker(sh, runtime_dir, tmp_path):
    snippet = _snippet(sh, "bash", tmp_path)
    later = {"TRUSTCLI_NOW": "2030-01-10T09:30"}
    assert sh("remind", "add", "daily 09:00", env={"TRUSTCLI_NOW": T0}).code == 0
    assert sh("today", env=later).code == 0
    assert _status(runtime_dir).read_bytes().startswith(b"1 ")
    assert _bash_prompt(snippet, tmp_path, AFTER) == "• $ "
    assert sh("remind", "due", env=later).code == 0  # looking is not acknowledging
    shown = _status(runtime_dir).read_bytes()
    assert shown.startswith(b"1 ")
    assert sh("promise", "list", env=later).code == 0  # a refresh from the records agrees
    assert _status(runtime_dir).read_bytes() == shown
    assert sh("remind", "due", "--ack", env=later).code == 0
    acknowledged = _status(runtime_dir).read_bytes()
    assert acknowledged.startswith(b"0 ")
    assert sh("promise", "list", env=later).code == 0
    assert _status(runtime_dir).read_bytes() == acknowledged
    assert _bash_prompt(snippet, tmp_path, AFTER) == "$ "


def test_wipe_removes_the_status_file(sh, runtime_dir, tmp_path):
    _snippet(sh, "bash", tmp_path)
    status = _status(runtime_dir)
    assert sh("wipe", "--yes").code == 0
    assert not status.exists()


def test_news_from_the_partner_counts_until_today_shows_it(sh, runtime_dir, tmp_path):
    """The status `today` leaves is the one the next refresh would write: what it showed
    of the partner's is seen, so it no longer counts; news after that counts again."""
    alex_home, sam_home, folder = tmp_path / "alex", tmp_path / "sam", tmp_path / "us"
    now = {"TRUSTCLI_NOW": "2030-01-10T08:00:00+01:00"}
    alex = {**now, "TRUSTCLI_HOME": str(alex_home)}
    sam = {**now, "TRUSTCLI_HOME": str(sam_home)}
    assert sh("init", "--me", "alex", "--partner", "sam", env=alex).code == 0
    assert sh("init", "--me", "sam", "--partner", "alex", env=sam).code == 0
    assert sh("pair", "create", str(folder), env=alex).code == 0
    joined = sh("pair", "join", str(folder), "--json", env=sam)
    words = json.loads(joined.out)["fingerprint"]
    assert sh("pair", "accept", "--fingerprint", words, env=alex).code == 0
    assert sh("shell-init", "bash", env=alex).code == 0
    status = _status(runtime_dir)

    def counted() -> int:
        return int(status.read_text().split()[0])

    assert sh("promise", "add", "Call at lunch", "--to", "alex", env=sam).code == 0
    assert sh("pair", "status", env=alex).code == 0
    assert counted() == 1  # a new promise to alex
    assert "new promise b1 to you" in sh("today", env=alex).out
    assert counted() == 0
    assert sh("pair", "status", env=alex).code == 0  # a refresh from the records agrees
    assert counted() == 0
    assert sh("promise", "add", "Walk on Sunday", "--to", "alex", env=sam).code == 0
    assert sh("today", "--json", env=alex).code == 0
    assert counted() == 0
    assert sh("promise", "add", "Cook on Friday", "--to", "alex", env=sam).code == 0
    assert sh("pair", "status", env=alex).code == 0
    assert counted() == 1


def test_every_command_that_can_change_what_is_due_refreshes_the_status(
    cli, home, tmp_path, monkeypatch, at_now
):
    """Whatever its arguments: a backup named `stats` is imported all the same, and a
    `promise list` may be the first to see a partner's news (review of issue 14)."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli("shell-init", "bash").code == 0
    assert cli("promise", "add", "Call if I'm late", "--every", "daily").code == 0
    assert cli("export", "-o", "stats").code == 0
    cached = home / "cache" / "prompt-status"
    fresh = cached.read_text()
    assert fresh.split()[0] == "1", fresh
    for command in (("import", "stats", "--merge"), ("promise", "list")):
        cached.write_text("0 0\n")  # stale, as if something changed behind its back
        assert cli(*command).code == 0, command
        assert cached.read_text() == fresh, command
