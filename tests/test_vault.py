"""The vault (issue 12) through the real CLI: enable, use, lock, unlock; bad input; expiry;
kills during enable and disable; commands at once; passwd; any text round-trips sealed.

One home is built and its vault enabled once per module (scrypt costs ~0.3 s a
derivation); each test gets a copy of it at its own data home and, when it should start
unlocked, the data key kept for that home by ``vault_key.keep`` (the runtime key is bound to
the home's path, so it is written for the copy, not copied).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustcli import store, vault
from trustcli.errors import Locked
from trustcli.store import conversion, sealing, vault_key

from .conftest import (
    PINNED_TZ,
    Result,
    modules_loaded,
    pexpect_eof,
    run_in_process,
    snapshot,
    spawn_on_terminal,
    start_held,
    trustcli_executable,
)

PASSPHRASE = "correct horse, battery staple ✓"
NOW = "2026-11-20T12:00:00+01:00"
LOCKED = "trustcli: locked: run trustcli unlock\n"
ME, PARTNER = "Wilhelmina", "Bartholomew"
# Every text the template home holds: none may be found in any byte on disk.
TEXTS = [
    ME,
    PARTNER,
    "PROMISE-marigold call when I am late",
    "PROMISE-larkspur book the counsellor",
    "NOTE-hollyhock kept it",
    "NOTE-Vergißmeinnicht später",
    "CHECKIN-snapdragon calmer evening",
    "REMIND-periwinkle our weekly talk",
    "ANSWER-columbine what led here",
    "ANSWER-delphinium my fears",
]
ANSWERS = (
    'what-led-here = "ANSWER-columbine what led here"\n'
    'fears = "ANSWER-delphinium my fears"\n'
    'commit-truth = "yes"\n'
)


def _plain_home_commands(folder: Path) -> list[tuple[str, ...]]:
    answers = folder / "answers.toml"
    answers.write_text(ANSWERS, encoding="utf-8")
    return [
        ("init", "--me", ME, "--partner", PARTNER),
        ("promise", "add", TEXTS[2], "--every", "daily", "--since", "2026-11-01"),
        ("promise", "add", TEXTS[3], "--due", "2026-11-25"),
        ("promise", "kept", "1", "--on", "2026-11-18", "--note", TEXTS[4]),
        ("promise", "missed", "1", "--on", "2026-11-19", "--note", TEXTS[5]),
        ("checkin", "add", "--rating", "6", "--note", TEXTS[6], "--on", "2026-11-19"),
        ("remind", "add", "daily 21:00", "-m", TEXTS[7]),
        ("ask", "rebuild-trust", "--answers", str(answers)),
    ]


class Template:
    """The enabled home every test copies, with its data key."""

    def __init__(self, folder: Path, plain: Path, key: bytes) -> None:
        self.folder = folder
        self.plain = plain  # the same home before its vault was turned on
        self.key = key


def _private_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _passphrase_file(path: Path, text: str = PASSPHRASE) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    base = tmp_path_factory.mktemp("vault-template")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRUSTCLI_HOME", str(base / "home"))
        patch.setenv("XDG_RUNTIME_DIR", str(_private_folder(base / "run")))
        patch.setenv("TRUSTCLI_NOW", NOW)
        patch.setenv("TZ", PINNED_TZ)
        patch.setenv("NO_COLOR", "1")
        patch.delenv(vault.PASSPHRASE_ENV, raising=False)
        time.tzset()
        for command in _plain_home_commands(base):
            done = run_in_process(*command)
            assert done.code == 0, (command, done.text)
        assert run_in_process("promise", "list").code == 0  # a cache to convert too
        shutil.copytree(base / "home", base / "plain")
        secret = _passphrase_file(base / "pass")
        enabled = run_in_process("vault", "enable", "--passphrase-file", str(secret))
        assert enabled.code == 0, enabled.text
        key = vault_key.data_key()
        assert key is not None
        vault.lock()
    time.tzset()
    yield Template(base / "home", base / "plain", key)


@pytest.fixture(autouse=True)
def _no_key_in_memory() -> Iterator[None]:
    """Each test (and each command run in this process) starts as a new process would."""
    vault_key.forget_in_memory()
    yield
    vault_key.forget_in_memory()


class Env:
    """A test's vault home, runtime folder, temp folder and passphrase file."""

    def __init__(self, home: Path, tmp: Path, template: Template) -> None:
        self.home = home
        self.tmp = tmp
        self.template = template
        self.runtime = _private_folder(tmp / "run")
        self.tmpdir = _private_folder(tmp / "tmpdir")
        self.passfile = _passphrase_file(tmp / "pass")

    def unlock(self, idle: int = vault_key.DEFAULT_IDLE) -> None:
        """Keep the data key for this home, as ``trustcli unlock`` does (no KDF)."""
        vault_key.keep(self.template.key, idle)
        vault_key.forget_in_memory()

    def key_file(self) -> Path:
        return self.runtime / "trustcli" / f"key-{store.home_tag()}"

    def run(self, *args: str, stdin: str = "") -> Result:
        """A command in this process, starting with no key in memory (as a new process)."""
        vault_key.forget_in_memory()
        try:
            return run_in_process(*args, stdin=stdin)
        finally:
            vault_key.forget_in_memory()

    def sh(self, *args: str, env: dict[str, str] | None = None) -> Result:
        completed = subprocess.run(
            [trustcli_executable(), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=60,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def env(home: Path, tmp_path: Path, template: Template, monkeypatch: pytest.MonkeyPatch) -> Env:
    shutil.copytree(template.folder, home)
    made = Env(home, tmp_path, template)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(made.runtime))
    monkeypatch.setenv("TMPDIR", str(made.tmpdir))
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    monkeypatch.delenv(vault.PASSPHRASE_ENV, raising=False)
    return made


def _found(folder: Path, texts: list[str]) -> list[tuple[str, str]]:
    """(file, text) for every text found in the bytes of a file under ``folder``: as
    written, in lower case (names in file names are) and its ASCII start (a JSON-escaped
    copy of a unicode text still holds it)."""
    forms = {form for text in texts for form in (text, text.lower(), text[:12])}
    hits = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            hits += [(str(path), form) for form in sorted(forms) if form.encode() in data]
    return hits


def _named(folder: Path, texts: list[str]) -> list[str]:
    """Paths under ``folder`` whose names hold one of ``texts``."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if any(text.lower() in path.name.lower() for text in texts)
    )


def _plain_files_on_disk(home: Path) -> list[str]:
    """Files of the home that are not sealed (vault.toml and the lock aside)."""
    plain = []
    for path in sorted(home.rglob("*")):
        name = str(path.relative_to(home))
        if not path.is_file() or name in (".lock", "vault.toml"):
            continue
        data = path.read_bytes()
        if name in store.LOG_TABLES:
            table = store.LOG_TABLES[name].encode()
            blocks = data.removeprefix(b"[[").split(b"\n[[")
            sealed = rb"\A" + table + rb'\]\]\nsealed = "[A-Za-z0-9+/=]+"\n?\Z'
            if not all(re.match(sealed, block) for block in blocks if block.strip()):
                plain.append(name)
        elif not data.startswith(sealing.SEALED_MAGIC):
            plain.append(name)
    return plain


# --- 1. enable → every command → lock → every command refused → unlock → the same ----------

READS = [
    ("promise", "list"),
    ("promise", "list", "--all", "--json"),
    ("promise", "stats"),
    ("promise", "show", "1"),
    ("checkin", "list"),
    ("remind", "list"),
    ("remind", "due"),
    ("report",),
    ("report", "--json"),
    ("today",),
    ("export",),
    ("export", "--format", "markdown"),
    ("ask", "history"),
    ("ask", "show", "1"),
    ("worksheet", "new", "repair-plan", "-o", "-"),
]
NEW_TEXTS = [
    "PROMISE-zinnia text back within the hour",
    "NOTE-anemone on time",
    "NOTE-begonia forgot",
    "CHECKIN-camellia a good talk",
    "ANSWER-edelweiss more walks",
    "REMIND-gardenia sunday talk",
]


def _writes(out: Path, answers: Path) -> list[tuple[str, ...]]:
    """Every command that writes, in an order that works once on the template home."""
    return [
        ("init", "--me", ME, "--partner", PARTNER),
        ("promise", "add", NEW_TEXTS[0], "--every", "daily"),
        ("promise", "edit", "3", "--since", "2026-11-10"),
        ("promise", "kept", "3", "--note", NEW_TEXTS[1]),
        ("promise", "missed", "2", "--note", NEW_TEXTS[2]),
        ("promise", "close", "2"),
        ("checkin", "add", "--rating", "7", "--note", NEW_TEXTS[3]),
        ("ask", "rebuild-trust", "--answers", str(answers)),
        ("report", "-o", str(out / "report.md")),
        ("worksheet", "new", "repair-plan", "-o", str(out / "sheet.md")),
        ("remind", "add", "weekly sun 19:00", "-m", NEW_TEXTS[5]),
        ("remind", "rm", "1"),
        ("remind", "due", "--ack"),
        ("export", "-o", str(out / "backup.json")),
    ]


def test_every_command_works_unlocked_is_refused_locked_and_leaves_no_text(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(f'celebrate = "{NEW_TEXTS[4]}"\n', encoding="utf-8")
    out = _private_folder(tmp_path / "out")
    env.unlock()
    for command in _writes(out, answers):  # the installed script, TMPDIR pointed at ours
        done = env.sh(*command)
        assert done.code == 0, (command, done.text)
    assert {p.name for p in out.iterdir()} == {"report.md", "report.svg", "sheet.md", "backup.json"}
    before = {command: env.run(*command) for command in READS}
    for command, done in before.items():
        assert done.code == 0, (command, done.text)
    assert NEW_TEXTS[0] in before[("promise", "list")].out
    assert NEW_TEXTS[3] in before[("checkin", "list")].out

    # import into a second home whose vault is on
    second = tmp_path / "second"
    _private_folder(second)
    shutil.copy2(env.home / "vault.toml", second / "vault.toml")
    with monkeypatch.context() as patch:
        patch.setenv("TRUSTCLI_HOME", str(second))
        env.unlock()
        imported = env.run("import", str(out / "backup.json"))
        assert imported.code == 0, imported.text
        assert env.run("promise", "list").out == before[("promise", "list")].out
        assert env.run("checkin", "list").out == before[("checkin", "list")].out
        assert _plain_files_on_disk(second) == []
        assert vault.lock()

    assert env.sh("lock").code == 0
    assert not env.key_file().exists()
    locked_out = _private_folder(tmp_path / "locked-out")
    home_before = snapshot(env.home)
    attempts = [
        *READS,
        *_writes(locked_out, answers),
        ("import", "--merge", str(out / "backup.json")),
        ("ask", "--list"),
        ("worksheet", "list"),
    ]
    for command in attempts:
        refused = env.run(*command)
        assert (refused.code, refused.out, refused.err) == (1, "", LOCKED), command
    assert env.sh("promise", "list").err == LOCKED  # the installed script says the same
    assert snapshot(env.home) == home_before
    assert list(locked_out.iterdir()) == []

    unlocked = env.sh("unlock", "--passphrase-file", str(env.passfile))
    assert unlocked.code == 0, unlocked.text
    for command, done in before.items():
        again = env.run(*command)
        assert (again.code, again.out) == (0, done.out), command
    more = env.run("promise", "kept", "1", "--note", "NOTE-hyacinth after unlock")
    assert more.code == 0, more.text
    assert "NOTE-hyacinth" in env.run("promise", "show", "1").out
    assert env.sh("lock").code == 0

    texts = [*TEXTS, *NEW_TEXTS, "NOTE-hyacinth after unlock"]
    for folder in (env.home, second, env.tmpdir, env.runtime):
        assert _found(folder, texts) == [], folder
    assert _plain_files_on_disk(env.home) == []
    # With the vault on, no file name holds a name or a text either (sessions are named
    # by their id alone).
    assert _named(env.home, texts) + _named(second, texts) == []


def test_a_record_added_after_the_log_was_cached_opens(env: Env) -> None:
    """The cache covers the start of a sealed log; a record appended after it must open
    at its own byte offset (it was looked for at twice that offset)."""
    env.unlock()
    assert env.run("promise", "list").code == 0  # the follow-up log is read and cached
    assert (env.home / "cache" / "followthrough.toml.json").exists()
    for day in ("2026-11-13", "2026-11-14"):
        added = env.run("promise", "kept", "1", "--on", day, "--note", f"NOTE-{day}")
        assert added.code == 0, added.text
    shown = env.run("promise", "show", "1")
    assert shown.code == 0, shown.text
    assert "NOTE-2026-11-13" in shown.out and "NOTE-2026-11-14" in shown.out


def test_an_unlocked_home_is_read_without_tomllib(env: Env) -> None:
    """vault.toml (two comment lines on top) and the sealed documents, as trustcli wrote
    them, are read by logscan: the vault adds the cipher to a start, not tomllib."""
    env.unlock()
    assert env.run("promise", "list").code == 0  # caches warm
    assert modules_loaded([["promise", "list"]], ("tomllib", "unicodedata")) == []


# --- 2. bad input ---------------------------------------------------------------------------


def _one_line(result: Result, code: int) -> str:
    assert result.code == code, result.text
    assert result.out == ""
    assert result.err.startswith("trustcli: ") and result.err.count("\n") == 1, result.err
    assert "internal error" not in result.err and "Traceback" not in result.err
    return result.err


def test_a_wrong_passphrase_is_one_line_and_changes_nothing(env: Env, tmp_path: Path) -> None:
    wrong = _passphrase_file(tmp_path / "wrong", "correct horse, battery staple")
    before = snapshot(env.home)
    for command in (
        ("unlock", "--passphrase-file", str(wrong)),
        ("vault", "disable", "--passphrase-file", str(wrong)),
        ("vault", "passwd", "--passphrase-file", str(wrong), "--new-passphrase-file", str(wrong)),
    ):
        err = _one_line(env.run(*command), 1)
        assert "passphrase does not open this vault" in err, command
    err = _one_line(env.run("promise", "list", stdin=""), 1)
    assert err == LOCKED
    opened = env.sh("promise", "list", env={vault.PASSPHRASE_ENV: str(wrong)})
    assert "passphrase does not open this vault" in _one_line(opened, 1)
    assert snapshot(env.home) == before
    assert not env.key_file().exists()


def test_an_empty_passphrase_is_refused(env: Env, home: Path, tmp_path: Path) -> None:
    empty = _passphrase_file(tmp_path / "empty", "")
    assert "empty" in _one_line(env.run("unlock", "--passphrase-file", str(empty)), 2)
    assert not env.key_file().exists()
    shutil.rmtree(home)  # a plain home
    assert env.run("promise", "add", "plain one").code == 0
    before = snapshot(home)
    assert "empty" in _one_line(env.run("vault", "enable", "--passphrase-file", str(empty)), 2)
    assert snapshot(home) == before


def test_a_passphrase_file_others_can_read_is_refused(env: Env) -> None:
    env.passfile.chmod(0o644)
    err = _one_line(env.run("unlock", "--passphrase-file", str(env.passfile)), 2)
    assert "can be read by others" in err
    shown = env.sh("promise", "list", env={vault.PASSPHRASE_ENV: str(env.passfile)})
    assert "can be read by others" in _one_line(shown, 2)
    assert not env.key_file().exists()


def test_passphrases_that_differ_on_a_terminal_change_nothing(env: Env, home: Path) -> None:
    shutil.rmtree(home)
    assert env.run("promise", "add", "plain one").code == 0
    before = snapshot(home)
    child = spawn_on_terminal("vault", "enable")
    child.expect("Passphrase: ")
    child.sendline("first words")
    child.expect("Again, to be sure: ")
    child.sendline("other words")
    child.expect("the two passphrases differ; nothing was changed")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 2
    assert snapshot(home) == before
    assert env.run("vault", "status").out.startswith("The vault is off")
    child = spawn_on_terminal("vault", "enable")
    child.expect("Passphrase: ")
    child.sendline("the same words")
    child.expect("Again, to be sure: ")
    child.sendline("the same words")
    child.expect("The vault is on: 1 file encrypted")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0
    assert _plain_files_on_disk(home) == []
    assert "plain one" in env.run("promise", "list").out


VAULT_DAMAGE = {
    "bad base64": ('salt = "', 'salt = "!'),
    "missing field": ("wrapped = ", "wrapper = "),
    "log2_n = 40": ("log2_n = 17", "log2_n = 40"),
    "log2_n not a number": ("log2_n = 17", 'log2_n = "17"'),
    "not TOML": ("version = 1", "version = = 1"),
    "unknown version": ("version = 1", "version = 2"),
    "unknown state": ('state = "on"', 'state = "maybe"'),
}


@pytest.mark.parametrize("damage", [*VAULT_DAMAGE, "not UTF-8", "empty", "a sealed file"])
def test_a_damaged_vault_file_is_named_and_lock_still_forgets_the_key(
    env: Env, damage: str
) -> None:
    env.unlock()
    path = env.home / "vault.toml"
    text = path.read_text(encoding="utf-8")
    if damage == "not UTF-8":
        path.write_bytes(b"\xff\xfe" + text.encode())
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "a sealed file":  # copied over it: never opened as one (it held the key)
        path.write_bytes((env.home / "promises.toml").read_bytes())
    else:
        old, new = VAULT_DAMAGE[damage]
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    for command in (
        ("promise", "list"),
        ("unlock", "--passphrase-file", str(env.passfile)),
        ("vault", "status"),
        ("vault", "disable", "--passphrase-file", str(env.passfile)),
    ):
        err = _one_line(env.run(*command), 1)
        assert str(path) in err, (command, err)
    assert env.key_file().exists()
    locked = env.run("lock")  # forgetting the key never needs the vault file
    assert locked.code == 0, locked.text
    assert not env.key_file().exists()


def _flip(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] = ord("A") if changed[at] != ord("A") else ord("B")
    return bytes(changed)


def test_a_sealed_record_or_file_changed_by_one_byte_is_named(env: Env) -> None:
    env.unlock()
    log = env.home / "followthrough.toml"
    data = log.read_bytes()
    second = data.index(b"\n[[followup]]") + 1
    line = data.count(b"\n", 0, second) + 1
    at = data.index(b'sealed = "', second) + 30
    log.write_bytes(_flip(data, at))
    err = _one_line(env.run("promise", "list"), 1)
    assert f"{log}: the record at line {line}" in err
    log.write_bytes(data)
    assert env.run("promise", "list").code == 0

    promises = env.home / "promises.toml"
    whole = promises.read_bytes()
    promises.write_bytes(_flip(whole, len(whole) - 10))
    assert str(promises) in _one_line(env.run("promise", "list"), 1)
    promises.write_bytes(env.home.joinpath("reminders.toml").read_bytes())  # another file's
    assert str(promises) in _one_line(env.run("promise", "list"), 1)


def test_a_sealed_record_copied_to_the_end_of_its_log_is_refused(env: Env) -> None:
    env.unlock()
    assert env.run("promise", "list").code == 0  # cached: the copy is read as new
    log = env.home / "followthrough.toml"
    data = log.read_bytes()
    first = data[: data.index(b"\n[[followup]]") + 1]
    log.write_bytes(data + b"\n" + first)
    line = (data + b"\n").count(b"\n") + 1
    err = _one_line(env.run("promise", "list"), 1)
    assert f"{log}: the record at line {line}" in err
    shutil.rmtree(env.home / "cache")  # and read from the start
    err = _one_line(env.run("promise", "list"), 1)
    assert f"{log}: the record at line {line}" in err


def test_unlock_without_a_runtime_folder_is_one_line(env: Env, monkeypatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    err = _one_line(env.run("unlock", "--passphrase-file", str(env.passfile)), 1)
    assert "XDG_RUNTIME_DIR" in err
    assert env.run("promise", "list").err == LOCKED


@pytest.mark.parametrize("kind", ["0644", "symlink", "another home's"])
def test_a_runtime_key_file_not_ours_alone_is_refused(env: Env, tmp_path: Path, kind: str) -> None:
    env.unlock()
    key = env.key_file()
    if kind == "0644":
        key.chmod(0o644)
    elif kind == "symlink":
        elsewhere = tmp_path / "elsewhere"
        key.rename(elsewhere)
        key.symlink_to(elsewhere)
    else:
        saved = json.loads(key.read_text())
        key.write_text(json.dumps({**saved, "home": "/somewhere/else"}))
    shown = env.run("promise", "list")
    if kind == "another home's":
        assert shown.err == LOCKED and shown.code == 1
        assert not key.exists()
        return
    assert str(key) in _one_line(shown, 1)
    assert env.run("lock").code == 0
    assert not os.path.lexists(key)
    assert env.run("promise", "list").err == LOCKED


def test_vault_commands_said_twice_or_on_a_plain_home_are_one_line(env: Env, home: Path) -> None:
    env.unlock()
    again = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    assert "already on" in _one_line(again, 2)
    for period in ("0", "10y", "-5m", "", "1.5h"):
        refused = env.run("unlock", "--for", period, "--passphrase-file", str(env.passfile))
        assert "--for" in _one_line(refused, 2), period
    shutil.rmtree(home)
    assert env.run("promise", "add", "plain one").code == 0
    for command in (
        ("vault", "disable", "--passphrase-file", str(env.passfile)),
        ("vault", "passwd", "--passphrase-file", str(env.passfile)),
        ("unlock", "--passphrase-file", str(env.passfile)),
        ("lock",),
    ):
        assert "vault is off" in _one_line(env.run(*command), 2), command


# --- 3. the key is forgotten after its idle time; use keeps it -----------------------------


def test_an_unused_key_expires_and_a_used_one_stays(env: Env) -> None:
    env.unlock(idle=600)
    key = env.key_file()
    a_while_ago = time.time() - 300
    os.utime(key, (a_while_ago, a_while_ago))
    assert env.run("promise", "list").code == 0
    assert key.stat().st_mtime > a_while_ago + 200  # use counts: the window starts again
    assert env.run("vault", "status", "--json").code == 0
    too_long = time.time() - 601
    os.utime(key, (too_long, too_long))
    status = json.loads(env.run("vault", "status", "--json").out)
    assert status["unlocked"] is False
    assert (env.run("promise", "list").code, env.run("promise", "list").err) == (1, LOCKED)
    assert not key.exists()


def test_remind_due_in_a_shell_prompt_never_asks_and_never_keeps_the_vault_open(
    env: Env,
) -> None:
    """A prompt runs `remind due` at every Enter: were that use, the key would never
    expire; were it to ask, every prompt would wait for a passphrase."""
    env.unlock(idle=600)
    key = env.key_file()
    a_while_ago = time.time() - 300
    os.utime(key, (a_while_ago, a_while_ago))
    assert env.sh("remind", "due").code == 0
    assert key.stat().st_mtime == a_while_ago
    assert env.run("lock").code == 0
    child = spawn_on_terminal("remind", "due")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 1
    assert "Passphrase" not in child.before
    assert child.before.strip().splitlines() == [LOCKED.strip()]


# --- 4. a locked command on a terminal asks for the passphrase ------------------------------


def test_a_locked_command_on_a_terminal_asks_and_goes_on(env: Env) -> None:
    child = spawn_on_terminal("promise", "list")
    child.expect("Passphrase: ")
    child.sendline(PASSPHRASE)
    child.expect(TEXTS[2][:20])
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0
    assert env.key_file().exists()  # and it stays open for the session
    assert env.run("promise", "list").code == 0

    assert env.run("lock").code == 0
    child = spawn_on_terminal("checkin", "list")
    child.expect("Passphrase: ")
    child.sendline("not it")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 1
    lines = [line for line in child.before.splitlines() if line.strip()]
    assert lines[-1] == "trustcli: that passphrase does not open this vault; nothing was changed"
    assert not env.key_file().exists()


# --- 7. passwd -----------------------------------------------------------------------------


def test_passwd_changes_only_the_wrapped_key(env: Env, tmp_path: Path) -> None:
    new = _passphrase_file(tmp_path / "new", "a new passphrase, longer")
    before = snapshot(env.home)
    changed = env.run(
        "vault", "passwd", "--passphrase-file", str(env.passfile), "--new-passphrase-file", str(new)
    )
    assert changed.code == 0, changed.text
    after = snapshot(env.home)
    assert before is not None and after is not None
    assert {name for name in after if after[name] != before.get(name)} == {"vault.toml"}
    old = env.run("unlock", "--passphrase-file", str(env.passfile))
    assert "does not open" in _one_line(old, 1)
    assert env.run("unlock", "--passphrase-file", str(new)).code == 0
    assert TEXTS[2] in env.run("promise", "list").out


def test_passwd_never_takes_the_new_passphrase_from_the_environment(env: Env) -> None:
    """TRUSTCLI_PASSPHRASE_FILE is the current passphrase: read as the new one too, passwd
    said 'changed' and the old one still opened the vault."""
    before = snapshot(env.home)
    changed = env.sh("vault", "passwd", env={vault.PASSPHRASE_ENV: str(env.passfile)})
    assert changed.code != 0
    assert "new passphrase" in _one_line(changed, changed.code)
    assert snapshot(env.home) == before
    same = env.run(
        "vault",
        "passwd",
        "--passphrase-file",
        str(env.passfile),
        "--new-passphrase-file",
        str(env.passfile),
    )
    assert "the same" in _one_line(same, 2)
    assert snapshot(env.home) == before


# --- 9. a log half plain, half sealed (an interrupted enable) --------------------------------


def test_a_mixed_log_reads_and_vault_enable_finishes_it(env: Env, home: Path) -> None:
    vault_file = (home / "vault.toml").read_bytes()
    shutil.rmtree(home)
    for rating, note in ((3, "CHECKIN-plain-one"), (4, "CHECKIN-plain-two")):
        added = env.run("checkin", "add", "--rating", str(rating), "--note", note)
        assert added.code == 0, added.text
    # as if enable stopped before it reached the log
    (home / "vault.toml").write_bytes(vault_file.replace(b'state = "on"', b'state = "enabling"'))
    env.unlock()
    assert env.run("checkin", "add", "--rating", "5", "--note", "CHECKIN-sealed").code == 0
    log = (home / "checkins.toml").read_bytes()
    assert b"CHECKIN-plain-two" in log and b"CHECKIN-sealed" not in log
    listed = env.run("checkin", "list", "--json")
    notes = [c["note"] for c in json.loads(listed.out)]
    assert notes == ["CHECKIN-plain-one", "CHECKIN-plain-two", "CHECKIN-sealed"]
    status = json.loads(env.run("vault", "status", "--json").out)
    assert "checkins.toml" in status["plain_files"]
    assert env.run("lock").code == 0  # enable finishes it with the passphrase alone
    finished = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    assert finished.code == 0, finished.text
    assert _plain_files_on_disk(home) == []
    assert _found(home, ["CHECKIN-plain"]) == []
    assert [c["note"] for c in json.loads(env.run("checkin", "list", "--json").out)] == notes


def test_a_plain_file_in_a_vault_that_is_on_is_not_trusted_until_enable_seals_it(
    env: Env, home: Path
) -> None:
    """With the vault on, trustcli writes nothing plain: a plain file or record was put
    there by someone else (a planted record, a file restored by hand). It is named, and
    `vault enable` seals it if it is the person's own; templates may stay plain."""
    env.unlock()
    planted = (
        '[[followup]]\npromise = 1\non = 2026-11-20\nresult = "kept"\n'
        "at = 2026-11-20T20:00:00+01:00\n"
    )
    log = home / "followthrough.toml"
    log.write_bytes(log.read_bytes() + b"\n" + planted.encode())
    refused = env.run("promise", "list")
    assert "not encrypted, though the vault is on" in _one_line(refused, 1)
    (home / "config.toml").write_text('[names]\nme = "someone else"\n')
    made = env.run("promise", "add", "PROMISE-aster a planted name")
    assert "config.toml: not encrypted" in _one_line(made, 1)
    finished = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    assert finished.code == 0, finished.text
    assert _plain_files_on_disk(home) == []
    assert env.run("promise", "list").code == 0
    own = home / "templates" / "questions"
    own.mkdir(parents=True, exist_ok=True)
    (own / "mine.toml").write_text(
        'title = "Mine"\n[[question]]\nid = "one"\nkind = "text"\nprompt = "How are you?"\n',
        encoding="utf-8",
    )
    listed = env.run("ask", "--list")
    assert listed.code == 0, listed.text
    assert "mine" in listed.out


def test_enable_leaves_no_plain_temp_file_a_crash_left_behind(env: Env, home: Path) -> None:
    """A write killed before its rename leaves `.NAME.XXXXXXXX.tmp` with plain text: the
    vault must not leave it (nor any other plain copy) in the home."""
    shutil.rmtree(home)
    assert env.run("promise", "add", "PROMISE-crocus before the vault").code == 0
    stale = home / ".promises.toml.abcd1234.tmp"
    stale.write_bytes((home / "promises.toml").read_bytes())
    enabled = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    assert enabled.code == 0, enabled.text
    assert _found(home, ["PROMISE-crocus"]) == []


# --- 5. a kill at any moment of enable or disable -------------------------------------------

LISTS = [("promise", "list", "--all", "--json"), ("checkin", "list", "--json")]


def _killed(tmp_path: Path, at: tuple[str, str, int] | float, *args: str) -> subprocess.Popen[str]:
    """Run trustcli ARGS and SIGKILL it at the n-th audit event (event, match, n), or
    after a delay in seconds; return the finished process."""
    folder = tmp_path / f"hold-{time.monotonic_ns()}"
    if isinstance(at, float):
        process = subprocess.Popen(
            [trustcli_executable(), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(at)
    else:
        event, match, nth = at
        match = match.replace("HOME", str(store.home()))  # this test's home, nothing else
        held = start_held(folder, event, match, *args, env={**os.environ, "PAUSE_AT_NTH": str(nth)})
        deadline = time.monotonic() + 30
        while not held.ready.exists():
            assert held.process.poll() is None, f"ended before {at}: {held.process.communicate()}"
            assert time.monotonic() < deadline, f"never reached {at}"
            time.sleep(0.005)
        process = held.process
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    return process


def _everything(env: Env) -> list[str]:
    outs = []
    for command in LISTS:
        done = env.run(*command)
        assert done.code == 0, (command, done.text)
        outs.append(done.out)
    return outs


def _status(env: Env) -> str:
    done = env.run("vault", "status", "--json")
    assert done.code == 0, done.text
    return str(json.loads(done.out)["vault"])


def _opens_after_a_kill(env: Env, expected: list[str], where: object) -> str:
    """The home as the kill left it opens with the passphrase and holds everything."""
    state = _status(env)
    if state != "off":
        unlocked = env.run("unlock", "--passphrase-file", str(env.passfile))
        assert unlocked.code == 0, (where, unlocked.text)
    assert _everything(env) == expected, where
    return state


ENABLE_POINTS: list[tuple[str, str, int] | float] = [
    ("os.rename", "HOME/.vault.toml.", 1),  # before vault.toml is written
    ("os.rename", "/.key-", 1),  # vault.toml written (enabling), the key not kept yet
    ("os.rename", "HOME/.", 2),  # before the first file is converted
    ("os.rename", "HOME/", 5),  # halfway
    ("os.remove", "HOME/cache/", 1),  # every file converted; a cache zeroed, not removed
    ("os.rename", "HOME/.vault.toml.", 2),  # before vault.toml says on
    *(round(random.Random(seed).uniform(0.2, 0.9), 3) for seed in (1, 2, 3)),
]


@pytest.mark.parametrize("at", ENABLE_POINTS, ids=str)
def test_a_kill_during_enable_leaves_a_home_that_opens(
    env: Env, home: Path, tmp_path: Path, at: tuple[str, str, int] | float
) -> None:
    shutil.rmtree(home)
    shutil.copytree(env.template.plain, home)
    expected = _everything(env)
    _killed(tmp_path, at, "vault", "enable", "--passphrase-file", str(env.passfile))
    state = _opens_after_a_kill(env, expected, at)
    again = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    if state == "on" and _plain_files_on_disk(home) == []:  # the kill came after the end
        assert "already on" in _one_line(again, 2)
    else:
        assert again.code == 0, (at, again.text)
    assert _status(env) == "on"
    assert _plain_files_on_disk(home) == [], at
    assert _found(home, TEXTS) == [], at
    assert _everything(env) == expected, at


DISABLE_POINTS: list[tuple[str, str, int] | float] = [
    ("os.rename", "HOME/.vault.toml.", 1),  # before vault.toml says disabling
    ("os.rename", "HOME/", 3),  # halfway
    ("os.remove", "/key-", 1),  # every file plain; the key being forgotten
    ("os.rename", "=HOME/vault.toml", 1),  # vault.toml about to be removed
    ("os.remove", "HOME/.vault.toml.", 1),  # vault.toml overwritten, not yet removed
    *(round(random.Random(seed).uniform(0.2, 0.9), 3) for seed in (4, 5, 6)),
]


@pytest.mark.parametrize("at", DISABLE_POINTS, ids=str)
def test_a_kill_during_disable_leaves_a_home_that_opens(
    env: Env, home: Path, tmp_path: Path, at: tuple[str, str, int] | float
) -> None:
    env.unlock()
    expected = _everything(env)
    _killed(tmp_path, at, "vault", "disable", "--passphrase-file", str(env.passfile))
    if _opens_after_a_kill(env, expected, at) != "off":
        again = env.run("vault", "disable", "--passphrase-file", str(env.passfile))
        assert again.code == 0, (at, again.text)
    assert _status(env) == "off"
    assert not (home / "vault.toml").exists()
    sealed = [p for p in home.rglob("*") if p.is_file() and b"sealed = " in p.read_bytes()]
    assert sealed == [], at
    assert _everything(env) == expected, at


# --- 6. commands at once while unlocking ------------------------------------------------------


@pytest.mark.parametrize("start", ["unlocked", "locked"])
def test_commands_at_once_while_unlocking_lose_nothing(env: Env, start: str) -> None:
    if start == "unlocked":
        env.unlock(idle=600)
    days = [f"2026-11-0{day}" for day in range(2, 6)]
    writers = [
        ("promise", "kept", "1", "--on", day, "--note", f"NOTE-at-once-{day}") for day in days
    ]
    writers += [
        ("checkin", "add", "--rating", str(n), "--note", f"CHECKIN-at-once-{n}")
        for n in range(1, 5)
    ]
    unlocks = [("unlock", "--for", "1h", "--passphrase-file", str(env.passfile))] * 2
    commands = [*unlocks, *writers]
    processes = [
        subprocess.Popen(
            [trustcli_executable(), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    results = dict(zip(commands[2:], outputs[2:], strict=True))
    codes = {command: p.returncode for command, p in zip(commands, processes, strict=True)}
    assert codes[unlocks[0]] == 0
    done = []
    for command, (_, err) in results.items():
        if start == "unlocked" or codes[command] == 0:
            assert codes[command] == 0, (command, err)
            done.append(command[-1])
        else:
            assert (codes[command], err) == (1, LOCKED), command
    assert start == "locked" or len(done) == len(writers)
    shown = env.run("promise", "show", "1", "--json").out + env.run("checkin", "list").out
    assert all(note in shown for note in done), (done, shown)
    assert _plain_files_on_disk(env.home) == []
    assert _found(env.home, [w[-1] for w in writers]) == []


# --- 8. any text round-trips sealed -------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000)


@pytest.fixture
def sealing_store(env: Env) -> Iterator[bytes]:
    """The store of a vault home, in this process, with the data key at hand."""
    vault_key.use(env.template.key)
    yield env.template.key
    vault_key.forget_in_memory()


def _any_log() -> store.Log:
    def normalise(raw: dict[str, object]) -> dict[str, object]:
        at = raw["at"]
        assert isinstance(at, datetime)
        return {"note": raw["note"], "at": at.isoformat()}

    return store.Log("checkins.toml", "checkin", normalise, version=99)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT)
def test_any_text_round_trips_through_the_sealed_store(sealing_store: bytes, text: str) -> None:
    for name in ("checkins.toml", "cache/checkins.toml.json"):  # each example on its own
        store.path_of(name).unlink(missing_ok=True)
    store.write_text("notes/any.txt", text)
    raw = store.path_of("notes/any.txt").read_bytes()
    assert raw.startswith(sealing.SEALED_MAGIC)
    assert store.read_bytes("notes/any.txt") == text.encode("utf-8")
    at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    log = _any_log()
    store.append(log, {"note": text, "at": at})
    records = store.read_log(log)
    assert records == [{"note": text, "at": at.isoformat()}]
    assert store.read_log(log) == records  # again, from the (sealed) cache
    assert conversion.is_sealed("checkins.toml")


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=32),
    plain=st.binary(max_size=2000),
    ad=st.binary(max_size=64),
    data=st.data(),
)
def test_seal_and_open_round_trip_and_any_change_fails(
    key: bytes, plain: bytes, ad: bytes, data: st.DataObject
) -> None:
    sealed = vault_key.seal_bytes(key, plain, ad)
    assert vault_key.open_bytes(key, sealed, ad) == plain
    at = data.draw(st.integers(0, len(sealed) - 1))
    bit = data.draw(st.integers(0, 7))
    changed = bytearray(sealed)
    changed[at] ^= 1 << bit
    assert vault_key.open_bytes(key, bytes(changed), ad) is None
    other_ad = data.draw(st.binary(max_size=64).filter(lambda other: other != ad))
    assert vault_key.open_bytes(key, sealed, other_ad) is None
    cut = data.draw(st.integers(0, len(sealed) - 1))
    assert vault_key.open_bytes(key, sealed[:cut], ad) is None


def test_vault_status_says_locked_when_the_kept_key_is_not_this_vaults(env: Env) -> None:
    env.unlock()
    key = env.key_file()
    saved = json.loads(key.read_text())
    key.write_text(json.dumps({**saved, "vault": "AAAAAAAAAAAAAAAAAAAAAA=="}))
    status = json.loads(env.run("vault", "status", "--json").out)
    assert status["unlocked"] is False
    assert env.run("promise", "list").err == LOCKED


def test_enable_refuses_before_changing_anything_when_a_file_cannot_be_read(
    env: Env, home: Path, tmp_path: Path
) -> None:
    shutil.rmtree(home)
    assert env.run("promise", "add", "plain one").code == 0
    (tmp_path / "elsewhere.txt").write_text("not ours")
    (home / "notes.txt").symlink_to(tmp_path / "elsewhere.txt")
    before = snapshot(home)
    refused = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    assert "notes.txt" in _one_line(refused, 1)
    assert snapshot(home) == before
    assert env.run("vault", "status").out.startswith("The vault is off")


def test_disable_refuses_before_changing_anything_when_a_file_cannot_be_read(
    env: Env, home: Path, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere.txt").write_text("not ours")
    (home / "notes.txt").symlink_to(tmp_path / "elsewhere.txt")
    before = snapshot(home)
    refused = env.run("vault", "disable", "--passphrase-file", str(env.passfile))
    assert "notes.txt" in _one_line(refused, 1)
    assert snapshot(home) == before


def test_enable_with_a_runtime_folder_open_to_others_changes_nothing(env: Env, home: Path) -> None:
    shutil.rmtree(home)
    assert env.run("promise", "add", "plain one").code == 0
    before = snapshot(home)
    env.runtime.chmod(0o755)
    refused = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    assert "XDG_RUNTIME_DIR" in _one_line(refused, 1)
    assert snapshot(home) == before


@pytest.mark.parametrize("cut", [3, 20, -3])
def test_a_sealed_record_cut_off_by_a_crash_is_named_and_can_be_removed(env: Env, cut: int) -> None:
    env.unlock()
    log = env.home / "followthrough.toml"
    whole = log.read_bytes()
    assert env.run("promise", "kept", "1", "--on", "2026-11-15").code == 0
    grown = log.read_bytes()
    log.write_bytes(grown[: len(whole) + cut] if cut > 0 else grown[:cut])
    line = whole.count(b"\n") + 2  # the blank line, then the header
    err = _one_line(env.run("promise", "list"), 2)  # as on a plain home
    assert f"{log}: the last record, from line {line}, is incomplete" in err
    assert f"delete line {line} to the end" in err
    kept = log.read_bytes().split(b"\n")[: line - 1]
    log.write_bytes(b"\n".join(kept))
    shown = env.run("promise", "list", "--json")
    assert shown.code == 0, shown.text
    assert json.loads(shown.out)[0]["kept"] == 1


def test_passwd_on_a_terminal_with_new_passphrases_that_differ_changes_nothing(env: Env) -> None:
    before = snapshot(env.home)
    child = spawn_on_terminal("vault", "passwd")
    child.expect("Current passphrase: ")
    child.sendline(PASSPHRASE)
    child.expect("New passphrase: ")
    child.sendline("new words")
    child.expect("Again, to be sure: ")
    child.sendline("new word")
    child.expect("the two passphrases differ; nothing was changed")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 2
    assert snapshot(env.home) == before


def test_a_locked_read_raises_store_locked(env: Env) -> None:
    """Code that must work on a locked home (wipe, notifications) catches Locked."""
    with pytest.raises(Locked) as raised:
        store.read("promises.toml")
    assert raised.value.message == "locked: run trustcli unlock"
    assert raised.value.exit_code == 1


def test_lock_never_says_locked_while_the_key_is_still_there(env: Env) -> None:
    env.unlock()
    folder = env.runtime / "trustcli"
    folder.chmod(0o755)
    assert str(folder) in _one_line(env.run("promise", "list"), 1)
    refused = env.run("lock")
    assert str(folder) in _one_line(refused, 1)  # not "It was locked already."
    assert env.key_file().exists()
    folder.chmod(0o700)
    assert env.run("lock").err == "Locked.\n"
    assert not env.key_file().exists()


@pytest.mark.parametrize("damage", ["a byte changed", "cut short", "another cache's"])
def test_a_damaged_sealed_cache_is_rebuilt(env: Env, damage: str) -> None:
    env.unlock()
    assert env.run("promise", "list").code == 0
    assert env.run("remind", "due").code == 0
    caches = env.home / "cache"
    cache = caches / "followthrough.toml.json"
    data = cache.read_bytes()
    assert data.startswith(sealing.SEALED_MAGIC)
    if damage == "a byte changed":
        cache.write_bytes(_flip(data, len(data) - 10))
    elif damage == "cut short":
        cache.write_bytes(data[: len(data) // 2])
    else:
        cache.write_bytes((caches / "reminder-times.json").read_bytes())
    shown = env.run("promise", "list", "--all", "--json")
    assert shown.code == 0, shown.text
    assert len(json.loads(shown.out)) == 2
    assert cache.read_bytes().startswith(sealing.SEALED_MAGIC)


def test_finishing_enable_refuses_a_plain_file_that_does_not_read(env: Env, home: Path) -> None:
    """Once sealed, a broken file could not be fixed by hand: enable checks every file
    first, also when it finishes an interrupted run."""
    vault_file = (home / "vault.toml").read_bytes()
    shutil.rmtree(home)
    assert env.run("promise", "add", "plain one").code == 0
    (home / "config.toml").write_text("me = 'unclosed\n", encoding="utf-8")
    (home / "vault.toml").write_bytes(vault_file)
    before = snapshot(home)
    refused = env.run("vault", "enable", "--passphrase-file", str(env.passfile))
    assert "config.toml" in _one_line(refused, 2)
    assert snapshot(home) == before


def test_help_version_status_and_lock_work_on_a_locked_home(env: Env) -> None:
    for command in (
        ("--version",),
        ("--help",),
        ("promise", "list", "--help"),
        ("checkin", "-h"),
        ("vault", "status"),
        ("lock",),
        ("unlock", "--help"),
    ):
        done = env.run(*command)
        assert done.code == 0 and "locked: run" not in done.err, (command, done.text)
    assert "locked    trustcli unlock opens it" in env.run("vault", "status").out


def test_disable_refuses_before_changing_anything_when_a_sealed_file_is_damaged(
    env: Env, home: Path
) -> None:
    transcript = next((home / "sessions").glob("*.md"))
    transcript.write_bytes(_flip(transcript.read_bytes(), 200))
    before = snapshot(home)
    refused = env.run("vault", "disable", "--passphrase-file", str(env.passfile))
    assert transcript.name in _one_line(refused, 1)
    assert snapshot(home) == before


def test_the_couple_keys_are_inside_the_vault(env: Env, tmp_path: Path) -> None:
    env.unlock()
    created = env.run("pair", "create", str(tmp_path / "couple"))
    assert created.code == 0, created.text
    couple = (env.home / "couple.toml").read_bytes()
    assert couple.startswith(sealing.SEALED_MAGIC)
    assert _plain_files_on_disk(env.home) == []
    assert _found(tmp_path / "couple", TEXTS) == []
    assert env.run("lock").code == 0
    assert env.run("pair", "status").err == LOCKED


def test_what_is_written_outside_the_home_says_it_is_not_encrypted(
    env: Env, tmp_path: Path
) -> None:
    """The vault seals the data home only: an export or a report the person writes
    elsewhere is plain, and with the vault on they are told so, once."""
    env.unlock()
    out = _private_folder(tmp_path / "out")
    exported = env.run("export", "-o", str(out / "backup.json"))
    assert exported.code == 0, exported.text
    assert "backup.json is not encrypted" in exported.err
    reported = env.run("report", "-o", str(out / "report.md"))
    assert reported.code == 0, reported.text
    written = f"{out / 'report.md'} and {out / 'report.svg'} are not encrypted"
    assert written in reported.err, reported.err
    shown = env.run("export")  # to stdout: the person sees where it goes
    assert shown.code == 0 and json.loads(shown.out), shown.err
    assert "not encrypted" not in shown.err


def test_the_interrupted_notice_never_lands_in_stdout_when_stderr_is_closed(
    env: Env, home: Path
) -> None:
    """A script reading `promise list` must get the list alone, even with 2>&-."""
    env.unlock()
    vault_file = home / "vault.toml"
    vault_file.write_bytes(vault_file.read_bytes().replace(b'state = "on"', b'state = "enabling"'))
    closed = subprocess.run(
        ["bash", "-c", 'exec "$0" promise list --json 2>&-', trustcli_executable()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert closed.returncode == 0
    assert "interrupted" not in closed.stdout
    json.loads(closed.stdout)  # the list, and only the list
    shown = env.sh("promise", "list")
    assert "turning the vault on was interrupted" in shown.err
