"""`trustcli wipe`: every trace of a home gone, through the real CLI.

What must stay is checked byte for byte: a link's target, a couple folder, another
home's unit and runtime files, files written outside the home.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import pexpect_eof, snapshot, spawn_on_terminal, trustcli_executable

NOW = "2026-11-26T20:00:00+01:00"
ANSWERS = (
    "I was afraid\nthat you would leave\nby talking\nyes\na walk\nless\nmore\nweekly\nyes\nus\n"
)
UNIT = "trustcli-remind.service"
OTHER_UID = 65534  # nobody: the tests run as root, who may chown to anyone


@pytest.fixture(autouse=True)
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private $XDG_RUNTIME_DIR and config folder for every test here (subprocesses
    inherit them): wipe never even looks at the real ones."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return folder


def use_everything(cli, outside: Path) -> None:
    """The tour: every kind of file a home gets in ordinary use."""
    assert cli("init", "--me", "alex", "--partner", "sam").code == 0
    assert cli("promise", "add", "Text you when I'll be home", "--every", "daily").code == 0
    assert cli("promise", "kept", "1", "--note", "texted from the station").code == 0
    assert cli("checkin", "--rating", "6", "--note", "a calmer evening").code == 0
    assert cli("ask", "rebuild-trust", "--answers", "-", stdin=ANSWERS).code == 0
    assert cli("remind", "add", "daily 21:00", "-m", "Our weekly talk").code == 0
    assert cli("export", "-o", str(outside / "backup.json")).code == 0


def files_under(folder: Path) -> list[str]:
    """Every name under ``folder`` (links included, never followed)."""
    found = []
    for root, folders, names in os.walk(folder):
        found += [os.path.join(root, name) for name in folders + names]
    return found


def home_tag(home: Path) -> str:
    import zlib

    path = os.fsencode(home)
    return f"{zlib.crc32(path):08x}{zlib.adler32(path):08x}"


# --- the whole home ---------------------------------------------------------------------


def test_a_used_home_is_wiped_and_nothing_of_ours_remains(cli, home, runtime, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    use_everything(cli, outside)
    assert (home / "sessions").is_dir() and (home / "cache").is_dir()
    tag = home_tag(home)
    keys = runtime / "trustcli"
    keys.mkdir(mode=0o700)
    (keys / f"key-{tag}").write_bytes(b"k" * 32)
    (keys / f"edit-{tag}-worksheet.md").write_bytes(b"what I want to say")
    (keys / f".key-{tag}.a1b2c3d4.tmp").write_bytes(b"k" * 32)  # left by a crash
    (keys / "key-0123456789abcdef").write_bytes(b"another home's key")
    for path in keys.iterdir():
        path.chmod(0o600)
    backup = (outside / "backup.json").read_bytes()

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(home), files_under(home)
    assert [p.name for p in keys.iterdir()] == ["key-0123456789abcdef"]
    assert (outside / "backup.json").read_bytes() == backup
    assert "Traceback" not in result.text
    # counts, never contents
    assert "texted from the station" not in result.text and "calmer" not in result.text
    assert "overwritten" in result.err
    # what it cannot reach
    assert "HISTCONTROL=ignorespace" in result.err and "HIST_IGNORE_SPACE" in result.err
    assert "-o" in result.err and "sync" in result.err and "backup" in result.err


def names_in_the_readme_table() -> list[str]:
    """The files and folders README.md's *Where your data lives* table says a home holds."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Where your data lives", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([^`]+)`", line.split("|")[1])
    return names


def test_every_file_the_readme_names_goes_and_so_do_leftovers_of_them(cli, home):
    """Each file a home can hold (the README's table), a crash's temp file of one, an
    editor's backup and swap file beside one: nothing of it may stay behind."""
    names = names_in_the_readme_table()
    assert "promises.toml" in names and "sessions/" in names
    home.mkdir(mode=0o700)
    for name in names:
        if name.endswith("/"):
            (home / name).mkdir()
            (home / name / "inside.toml").write_text("words")
        else:
            (home / name).write_text("words")
    for leftover in (
        ".promises.toml.a1b2c3d4.tmp",
        "promises.toml~",
        ".checkins.toml.swp",
        ".lock",
    ):
        (home / leftover).write_text("words")

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(home), files_under(home)


def test_in_a_script_without_yes_nothing_is_removed(cli, sh, home, runtime, tmp_path):
    use_everything(cli, tmp_path)
    before = snapshot(home)

    result = sh("wipe")

    assert result.code == 2
    assert result.err.count("\n") == 1 and "--yes" in result.err, result.err
    assert snapshot(home) == before


def test_help_shows_examples(cli):
    result = cli("wipe", "--help")
    assert result.code == 0
    assert "Examples" in result.out and "trustcli wipe --yes" in result.out


def test_with_no_home_there_is_nothing_to_remove(sh, home, runtime):
    result = sh("wipe")
    assert result.code == 0
    assert result.err.count("\n") == 1 and "nothing to remove" in result.err.lower()
    assert not os.path.lexists(home)


# --- asking on a terminal ---------------------------------------------------------------


def test_on_a_terminal_it_asks_once_and_no_keeps_everything(cli, home, runtime, tmp_path):
    use_everything(cli, tmp_path)
    before = snapshot(home)

    child = spawn_on_terminal("wipe")
    child.expect_exact(str(home))
    child.expect_exact("[y/N]")
    child.sendline("n")
    child.expect_exact("Nothing was removed")
    child.expect(pexpect_eof())
    child.close()

    assert child.exitstatus == 1
    assert snapshot(home) == before


def test_on_a_terminal_yes_removes_after_one_question(cli, home, runtime, tmp_path):
    use_everything(cli, tmp_path)

    child = spawn_on_terminal("wipe")
    child.expect_exact("[y/N]")
    child.sendline("y")
    child.expect(pexpect_eof())
    child.close()

    assert child.exitstatus == 0, child.before
    assert not os.path.lexists(home)
    assert f"{child.before}".count("[y/N]") == 0  # asked once: nothing after the answer


def test_on_a_terminal_enter_means_no(cli, home, runtime):
    assert cli("init", "--me", "alex").code == 0
    child = spawn_on_terminal("wipe")
    child.expect_exact("[y/N]")
    child.sendline("")
    child.expect_exact("Nothing was removed")
    child.expect(pexpect_eof())
    child.close()
    assert (home / "config.toml").exists()


# --- links, and what is not ours ---------------------------------------------------------


def test_a_link_in_the_home_is_removed_as_a_link_and_its_target_kept(cli, home, tmp_path):
    assert cli("ask", "rebuild-trust", "--answers", "-", stdin=ANSWERS).code == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    letter = outside / "letter.md"
    letter.write_text("a letter I kept elsewhere")
    (outside / "folder").mkdir()
    (outside / "folder" / "inside.md").write_text("kept too")
    linked = outside / "hard.toml"
    linked.write_text("a second name for this file")
    (home / "sessions" / "letter.md").symlink_to(letter)
    (home / "cache").mkdir(mode=0o700, exist_ok=True)
    (home / "cache" / "folder").symlink_to(outside / "folder")
    (home / "today.toml").symlink_to(letter)
    os.link(linked, home / "sessions" / "hard.toml")
    before = snapshot(outside)

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(home)
    assert snapshot(outside) == before  # targets untouched, the hard link's bytes too
    assert "link" in result.err


def test_a_home_reached_through_a_link_is_wiped_with_its_link(cli, tmp_path, monkeypatch):
    real = tmp_path / "real-home"
    link = tmp_path / "home-link"
    real.mkdir(mode=0o700)
    link.symlink_to(real)
    monkeypatch.setenv("TRUSTCLI_HOME", str(link))
    assert cli("init", "--me", "alex").code == 0
    assert (real / "config.toml").exists()

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(link) and not os.path.lexists(real)


def test_files_trustcli_did_not_make_are_left_and_named(cli, home):
    """A home set to a folder that holds other things: only trustcli's files go."""
    assert cli("init", "--me", "alex").code == 0
    (home / "holiday-photos").mkdir()
    (home / "holiday-photos" / "beach.jpg").write_bytes(b"jpeg")
    (home / "notes.txt").write_text("mine, not trustcli's")

    result = cli("wipe", "--yes")

    assert result.code == 1
    assert (home / "notes.txt").read_text() == "mine, not trustcli's"
    assert (home / "holiday-photos" / "beach.jpg").read_bytes() == b"jpeg"
    assert not (home / "config.toml").exists()
    assert str(home / "notes.txt") in result.err and str(home / "holiday-photos") in result.err


def test_what_could_not_be_removed_is_named(cli, monkeypatch):
    """A folder made read-only holding a file. Root may remove anything, so as root
    wipe runs as nobody, on a home of nobody's in a folder of /tmp nobody can reach
    (pytest's own temp folders are private)."""
    base = Path(tempfile.mkdtemp(prefix="trustcli-wipe-"))
    try:
        base.chmod(0o755)
        home = base / "home"
        monkeypatch.setenv("TRUSTCLI_HOME", str(home))
        assert cli("promise", "add", "Call on Sundays", "--every", "weekly").code == 0
        assert cli("ask", "rebuild-trust", "--answers", "-", stdin=ANSWERS).code == 0
        sessions = home / "sessions"
        (session,) = sessions.glob("*.toml")
        drop: list[str] = []
        if os.geteuid() == 0:
            for path in [home, *home.rglob("*")]:
                os.chown(path, OTHER_UID, OTHER_UID, follow_symlinks=False)
            drop = ["setpriv", f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", "--clear-groups"]
        sessions.chmod(0o500)
        done = subprocess.run(
            [*drop, trustcli_executable(), "wipe", "--yes"],
            env={**os.environ, "XDG_CONFIG_HOME": str(base / "config")},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert f"{session}: " in done.stderr  # named, with the reason
        assert set(session.read_bytes()) == {0}  # its words are gone all the same
        assert not (home / "promises.toml").exists()  # the rest went
    finally:
        with contextlib.suppress(OSError):
            (base / "home" / "sessions").chmod(0o700)
        shutil.rmtree(base, ignore_errors=True)


def test_a_file_of_another_user_is_left_untouched_and_named(cli, home):
    """The tests run as root, who may give a file to another user (nobody)."""
    assert cli("checkin", "--rating", "5", "--note", "a quiet day").code == 0
    assert cli("promise", "add", "Call on Sundays", "--every", "weekly").code == 0
    theirs = home / "checkins.toml"
    before = theirs.read_bytes()
    os.chown(theirs, OTHER_UID, -1)

    result = cli("wipe", "--yes")

    assert result.code == 1
    assert theirs.read_bytes() == before  # neither overwritten nor removed
    assert f"{theirs}: " in result.err and "another user" in result.err
    assert not (home / "promises.toml").exists()


def test_a_damaged_or_locked_home_is_wiped_without_reading_it(cli, home):
    """A vault that is on (locked: nothing here can be read), a couple.toml that is not
    TOML, a broken log, a FIFO where a file should be: none of it stops the wipe."""
    home.mkdir(mode=0o700)
    (home / "vault.toml").write_bytes(b"\x00sealed\xff")
    (home / "couple.toml").write_bytes(os.urandom(200))
    (home / "promises.toml").write_text("[[promise]\nid = ")
    (home / "cache").mkdir()
    os.mkfifo(home / "cache" / "stuck.json")
    (home / "checkins.toml").mkdir()  # a folder where a file should be
    (home / "checkins.toml" / "odd").write_text("x")

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(home)
    assert "couple folder" in result.err  # said generically: its place could not be read


# --- the reminder daemon and its unit ------------------------------------------------------


@pytest.fixture
def daemon_process(tmp_path: Path) -> Iterator:
    started: list[subprocess.Popen] = []

    def start() -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"daemon-{len(started)}.log"
        with log.open("w") as handle:
            process = subprocess.Popen(
                [trustcli_executable(), "remind", "--daemon"],
                stderr=handle,
                stdout=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
        started.append(process)
        deadline = time.monotonic() + 20
        while "ready" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        return process, log

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()


def test_a_running_daemon_is_stopped_before_the_home_goes(
    sh, home, runtime, notifications, daemon_process
):
    assert sh("remind", "add", "daily 21:00", "-m", "Our talk").code == 0
    process, log = daemon_process()
    assert (home / "daemon.pid").exists()

    result = sh("wipe", "--yes")

    assert result.code == 0, result.err
    assert process.wait(timeout=10) == 0
    assert "stopped" in log.read_text()
    assert not os.path.lexists(home)  # its pid file, and no deliveries written back
    assert f"pid {process.pid}" in result.err


def test_the_unit_of_this_home_is_removed_and_another_home_s_kept(cli, home, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    units = tmp_path / "config" / "systemd" / "user"
    assert cli("remind", "install").code == 0
    wants = units / "default.target.wants"
    wants.mkdir()
    (wants / UNIT).symlink_to(units / UNIT)  # what `systemctl --user enable` makes

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(units / UNIT) and not os.path.lexists(wants / UNIT)
    assert "systemctl --user daemon-reload" in result.err
    assert not os.path.lexists(home)

    other = tmp_path / "other-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(other))
    assert cli("remind", "install").code == 0
    unit = (units / UNIT).read_bytes()
    monkeypatch.setenv("TRUSTCLI_HOME", str(home))
    assert cli("init", "--me", "alex").code == 0

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert (units / UNIT).read_bytes() == unit
    assert "systemctl" not in result.err


def test_only_a_unit_left_behind_is_still_removed(cli, home, tmp_path, monkeypatch):
    """The home is gone already (deleted by hand), its unit is not: wipe takes it."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert cli("remind", "install").code == 0
    unit = tmp_path / "config" / "systemd" / "user" / UNIT
    assert not os.path.lexists(home)

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(unit)


# --- the couple folder ------------------------------------------------------------------


def test_a_couple_folder_stays_byte_for_byte(cli, home, tmp_path):
    assert cli("init", "--me", "alex").code == 0
    assert cli("promise", "add", "Call on Sundays", "--every", "weekly").code == 0
    folder = tmp_path / "us"
    assert cli("pair", "create", str(folder)).code == 0
    (device,) = [p for p in folder.iterdir() if p.is_dir()]
    before = snapshot(folder)
    modes = {str(p): stat.S_IMODE(p.lstat().st_mode) for p in folder.rglob("*")}

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(home)
    assert snapshot(folder) == before
    assert {str(p): stat.S_IMODE(p.lstat().st_mode) for p in folder.rglob("*")} == modes
    text = " ".join(result.err.split())
    assert str(folder) in text and "pair leave" in text
    assert str(device) in text  # the only part of it that is this device's


def test_on_a_terminal_the_couple_folder_is_spoken_of_before_the_question(cli, home, tmp_path):
    """So a person can still say no and leave the folder properly first."""
    folder = tmp_path / "us"
    assert cli("pair", "create", str(folder)).code == 0

    child = spawn_on_terminal("wipe")
    child.expect_exact("pair leave")
    child.expect_exact("[y/N]")
    child.sendline("n")
    child.expect_exact("Nothing was removed")
    child.expect(pexpect_eof())
    child.close()

    assert (home / "couple.toml").exists()


def test_a_couple_folder_left_earlier_is_named_and_kept(cli, home, tmp_path):
    folder = tmp_path / "us"
    assert cli("pair", "create", str(folder)).code == 0
    assert cli("pair", "leave").code == 0
    (device,) = [p for p in folder.iterdir() if p.is_dir()]
    before = snapshot(folder)

    result = cli("wipe", "--yes")

    assert result.code == 0, result.err
    assert snapshot(folder) == before
    text = " ".join(result.err.split())
    assert "left the couple folder" in text and str(device) in text


STUBBORN = """
import fcntl, os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, f"{os.getpid()}\\n".encode())
print("ready", flush=True)
time.sleep(120)
"""


def test_a_daemon_that_does_not_stop_is_named_with_what_to_do(cli, home):
    """A process holding this home's pid file that ignores SIGTERM (as a daemon stuck
    in a delivery would): the rest is removed, and the person is told how to stop it."""
    assert cli("init", "--me", "alex").code == 0
    stubborn = subprocess.Popen(
        [sys.executable, "-c", STUBBORN, str(home / "daemon.pid")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"

        result = cli("wipe", "--yes")

        assert result.code == 1
        assert f"pid {stubborn.pid}" in result.err and f"kill {stubborn.pid}" in result.err
        assert not (home / "config.toml").exists()
    finally:
        stubborn.kill()
        stubborn.wait()


# --- with the vault (needs the vault from main) --------------------------------------


@pytest.mark.parametrize("locked", [True, False])
def test_a_home_with_the_vault_on_is_wiped_locked_or_not(cli, sh, home, runtime, tmp_path, locked):
    secret = tmp_path / "passphrase"
    secret.write_text("a long and private passphrase\n")
    secret.chmod(0o600)
    use_everything(cli, tmp_path)
    folder = tmp_path / "us"
    assert sh("pair", "create", str(folder)).code == 0
    assert sh("vault", "enable", "--passphrase-file", str(secret)).code == 0
    if locked:
        assert sh("lock").code == 0
        assert sh("promise", "list").code == 1  # locked indeed
    before = snapshot(folder)

    result = sh("wipe", "--yes")

    assert result.code == 0, result.err
    assert not os.path.lexists(home), files_under(home)
    assert not [p for p in runtime.rglob("*") if home_tag(home) in p.name]
    assert snapshot(folder) == before
    assert "couple folder" in result.err
    assert (str(folder) in result.err) is not locked  # named only when it could be read
