"""Issue 10, the data home and the filesystem: nothing escapes the home, temp files are
never predictable, a home others can write is refused or repaired, caches are checked,
and nothing in the home is written through a symbolic link.

Attackers kept in mind: another local user, a person who hands over a crafted backup,
and a partner whose device writes into a shared folder.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from trustcli import store
from trustcli.errors import TrustError

OTHER_UID = 65534  # nobody: the tests run as root, who may chown to anyone

HOSTILE_NAMES = [
    "../sentinel/x",
    "../../x",
    "a/b",
    "..",
    ".",
    ".hidden",
    "a\\b",
    "x\x01y",
    "line\nbreak",
    "a" * 300,
]


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A folder beside the data home: nothing may ever appear in it."""
    folder = tmp_path / "sentinel"
    folder.mkdir()
    return folder


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal" not in err
    return lines[0]


def everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --- 1. nothing escapes the data home --------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_typed_by_people_are_refused(cli, home, sentinel, name):
    attempts = [
        (("init", "--me", name), ""),
        (("init", "--partner", name), ""),
        (("ask", "--as", name, "--answers", "-"), "\n" * 10),
        (("checkin", "--rating", "5", "--as", name), ""),
        (("promise", "add", "Call at six", "--by", name), ""),
        (("promise", "add", "Call at six", "--to", name), ""),
        (("worksheet", "new", "repair-plan", "--me", name, "-o", "-"), ""),
    ]
    for args, stdin in attempts:
        result = cli(*args, stdin=stdin)
        assert result.code == 2, (args, result)
        assert "name" in one_line(result.err), result.err
    assert everything_under(sentinel) == []
    assert not (home / "sessions").exists()
    assert not (home / "promises.toml").exists()
    assert not (home / "checkins.toml").exists()


def test_ordinary_names_still_work(cli, home):
    for name in ("alex", "Sam O'Neil", "José", "A.J.", "x-y_z"):
        assert cli("checkin", "--rating", "5", "--as", name).code == 0
        assert cli("init", "--me", name).code == 0


def test_a_question_set_file_whose_name_is_not_plain_is_left_out(cli, home, sentinel):
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True, mode=0o700)
    for made in (home, home / "templates"):
        made.chmod(0o700)
    text = '[[question]]\nid = "one"\nprompt = "Anything?"\nkind = "text"\n'
    for name in ("..evil", ".hidden", "bad\x01name"):
        (folder / f"{name}.toml").write_text(f'title = "x"\n{text}')
    listed = cli("ask", "--list", "--json")
    assert listed.code == 0
    names = {entry["name"] for entry in json.loads(listed.out)}
    assert not names & {"..evil", ".hidden", "bad\x01name"}
    assert "rebuild-trust" in names
    result = cli("ask", "..evil", "--answers", "-", stdin="yes\n")
    assert result.code == 2
    one_line(result.err)
    assert not (home / "sessions").exists()
    assert everything_under(sentinel) == []


def test_a_worksheet_template_whose_name_is_not_plain_is_left_out(cli, home, tmp_path, monkeypatch):
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True, mode=0o700)
    for made in (home, home / "templates"):
        made.chmod(0o700)
    for name in ("a..b", "bad\x01name", ".hidden"):
        (folder / f"{name}.md").write_text("{# title: X #}\nHello {{ me }}\n")
    listed = cli("worksheet", "list", "--json")
    assert listed.code == 0
    names = {entry["name"] for entry in json.loads(listed.out)}
    assert not names & {"a..b", "bad\x01name", ".hidden"} and "repair-plan" in names
    assert "a..b" in listed.err and ".hidden" not in listed.err  # hidden: an editor's file
    monkeypatch.chdir(tmp_path)
    result = cli("worksheet", "new", "a..b")
    assert result.code == 2
    assert "plain name" in one_line(result.err)
    assert not list(tmp_path.glob("*.md"))


@pytest.mark.parametrize("ident", ["../1", "1/../2", "..", "1\x00", "²"])
def test_session_ids_are_numbers_only(cli, ident):
    result = cli("ask", "show", ident)
    assert result.code == 2
    one_line(result.err)


def test_a_session_file_with_a_hostile_set_is_named_not_followed(cli, home, sentinel):
    (home / "sessions").mkdir(parents=True, mode=0o700)
    home.chmod(0o700)
    (home / "sessions" / "0001-x-me.toml").write_text(
        'id = 1\nset = "../../sentinel/x"\nwho = "me"\n'
        "started = 2026-11-20T10:00:00+01:00\n[answers]\n"
    )
    for args in (("ask", "history"), ("ask", "--resume"), ("export", "-o", "-")):
        result = cli(*args)
        assert result.code == 2, (args, result)
        assert "0001-x-me.toml" in one_line(result.err)
    assert everything_under(sentinel) == []


@pytest.mark.parametrize("hostile", ["../../sentinel/x", "a/b", "..", ".x"])
def test_import_of_a_backup_with_a_hostile_session_set_writes_nothing_outside(
    cli, home, tmp_path, sentinel, hostile
):
    backup = {
        "format": "trustcli-export",
        "version": 1,
        "sessions": [
            {
                "id": 1,
                "set": hostile,
                "title": "x",
                "who": "me",
                "started": "2026-11-20T10:00:00+01:00",
                "answers": {},
                "skipped": [],
            }
        ],
    }
    source = tmp_path / "backup.json"
    source.write_text(json.dumps(backup))
    result = cli("import", str(source))
    assert result.code == 2, result
    one_line(result.err)
    assert everything_under(sentinel) == []
    assert not (home / "sessions").exists()


@pytest.mark.parametrize(
    "name",
    ["../sentinel/x", "sessions/../../sentinel/x", "/tmp/x", "a//b", "sessions/./x", "x\x00"],
)
def test_the_store_refuses_any_path_outside_the_home_whatever_the_caller(home, sentinel, name):
    with pytest.raises(TrustError) as caught:
        store.write_text(name, "x")
    assert caught.value.exit_code == 2
    with pytest.raises(TrustError):
        store.read(name)
    assert everything_under(sentinel) == []


def test_a_symlinked_folder_inside_the_home_is_refused(cli, home, sentinel):
    home.mkdir(mode=0o700)
    (home / "sessions").symlink_to(sentinel)
    result = cli("ask", "weekly-checkin", "--answers", "-", stdin="\n" * 10)
    assert result.code == 1
    assert "sessions" in one_line(result.err)
    assert everything_under(sentinel) == []


# --- 2. temp files are random, exclusive, private -------------------------------------


def plant_pid_links(folder: Path, name: str, victim: Path) -> list[Path]:
    """Symlinks at the temp names the old code used: .<name>.<pid>.tmp."""
    links = []
    for pid in (os.getpid(), os.getpid() + 1):
        link = folder / f".{name}.{pid}.tmp"
        link.symlink_to(victim)
        links.append(link)
    return links


def test_output_files_never_write_through_a_planted_temp_name(cli, home, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    assert cli("checkin", "--rating", "4").code == 0
    for name in ("backup.json", "report.md", "report.svg", "sheet.md"):
        plant_pid_links(out, name, victim)
    assert cli("export", "-o", str(out / "backup.json")).code == 0
    assert cli("report", "-o", str(out / "report.md")).code == 0
    assert cli("worksheet", "new", "repair-plan", "-o", str(out / "sheet.md")).code == 0
    assert victim.read_text() == "keep me\n"
    for name in ("backup.json", "report.md", "report.svg", "sheet.md"):
        written = out / name
        assert not written.is_symlink() and written.stat().st_size > 0
        assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_data_home_files_never_write_through_a_planted_temp_name(cli, home, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    home.mkdir(mode=0o700)
    plant_pid_links(home, "promises.toml", victim)
    plant_pid_links(home, "config.toml", victim)
    assert cli("promise", "add", "Call at six").code == 0
    assert cli("init", "--me", "alex").code == 0
    assert victim.read_text() == "keep me\n"
    assert "Call at six" in (home / "promises.toml").read_text()


def test_a_symlink_at_the_output_target_is_replaced_not_followed(cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    target = tmp_path / "backup.json"
    target.symlink_to(victim)
    assert cli("export", "-o", str(target), "--force").code == 0
    assert victim.read_text() == "keep me\n"
    assert not target.is_symlink()


def test_an_old_leftover_temp_file_is_cleaned_and_does_not_get_in_the_way(cli, home):
    assert cli("promise", "add", "Call at six").code == 0
    old = home / ".promises.toml.k2j4h5g6.tmp"
    old.write_text("half a file")
    a_day_ago = time.time() - 86400
    os.utime(old, (a_day_ago, a_day_ago))
    fresh = home / ".promises.toml.abcdefgh.tmp"  # perhaps another process's, right now
    fresh.write_text("being written")
    assert cli("promise", "add", "Walk after dinner").code == 0
    assert not old.exists()
    assert fresh.exists()
    assert cli("promise", "list", "--json").code == 0


# --- 3. a data home others can write to -----------------------------------------------


def test_a_home_owned_by_someone_else_is_refused(cli, home, sentinel):
    home.mkdir(mode=0o700)
    os.chown(home, OTHER_UID, -1)
    for args in (("promise", "add", "Call at six"), ("promise", "list"), ("checkin", "list")):
        result = cli(*args)
        assert result.code == 1, (args, result)
        line = one_line(result.err)
        assert str(home) in line and "another user" in line
    assert everything_under(home) == []


@pytest.mark.parametrize("folder", ["sessions", "cache", "templates"])
def test_a_subfolder_owned_by_someone_else_is_refused(cli, home, folder):
    assert cli("checkin", "--rating", "5").code == 0
    assert cli("checkin", "list").code == 0
    (home / folder).mkdir(exist_ok=True)
    os.chown(home / folder, OTHER_UID, -1)
    commands = {
        "sessions": ("ask", "history"),
        "cache": ("checkin", "list"),
        "templates": ("ask", "--list"),
    }
    result = cli(*commands[folder])
    assert result.code == 1, result
    assert folder in one_line(result.err)


def test_a_file_owned_by_someone_else_is_refused(cli, home, at_now):
    assert cli("checkin", "--rating", "5").code == 0
    os.chown(home / "checkins.toml", OTHER_UID, -1)
    for args in (("checkin", "--rating", "6", "--on", "yesterday"), ("checkin", "list")):
        result = cli(*args)
        assert result.code == 1, result
        assert "checkins.toml" in one_line(result.err)


def test_an_open_home_and_its_folders_are_made_private_with_a_notice(cli, home, at_now):
    assert cli("checkin", "--rating", "5").code == 0
    assert cli("checkin", "list").code == 0  # makes cache/
    for folder in (home, home / "cache"):
        os.chmod(folder, 0o777)
    result = cli("checkin", "--rating", "6", "--on", "yesterday")
    assert result.code == 0, result
    notices = [line for line in result.err.splitlines() if "0700" in line]
    assert len(notices) == 2 and "Checked in" in result.err  # one line per folder
    for folder in (home, home / "cache"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    again = cli("checkin", "list")
    assert again.code == 0 and "0700" not in again.err


def test_files_written_in_the_home_are_private(cli, home, at_now):
    assert cli("checkin", "--rating", "5").code == 0
    os.chmod(home / "checkins.toml", 0o666)
    assert cli("checkin", "--rating", "6", "--on", "yesterday").code == 0
    assert cli("promise", "add", "Call at six").code == 0
    for path in home.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# --- 4. caches are verifiable or dropped ----------------------------------------------


def test_no_template_bytecode_cache_is_kept(cli, home):
    """A compiled template is code: kept in the home, whatever was planted in its place
    would run outside the sandbox. Only data caches (a JSON header line) are kept."""
    assert cli("init", "--me", "alex", "--partner", "sam").code == 0
    assert cli("checkin", "--rating", "7").code == 0 and cli("checkin", "list").code == 0
    for _ in range(2):
        assert cli("worksheet", "new", "repair-plan", "-o", "-").code == 0
        assert cli("worksheet", "new", "progress", "-o", "-").code == 0
    assert not (home / "cache" / "templates").exists()
    kept_files = list((home / "cache").iterdir())
    assert kept_files  # the check-ins' cache, at least: the loop below looks at something
    for kept in kept_files:
        assert not kept.name.startswith("compiled"), kept.name
        assert isinstance(json.loads(kept.read_bytes().partition(b"\n")[0]), dict), kept.name


def test_an_edited_log_cache_is_not_believed(cli, home):
    assert cli("checkin", "--rating", "3", "--note", "a hard day").code == 0
    assert cli("checkin", "list", "--json").code == 0
    cache = home / "cache" / "checkins.toml.json"
    text = cache.read_text()
    assert '"rating": 3' in text
    cache.write_text(text.replace('"rating": 3', '"rating": 10'))
    shown = json.loads(cli("checkin", "list", "--json").out)
    assert [entry["rating"] for entry in shown] == [3]
    report = json.loads(cli("report", "--json").out)
    assert "10" not in json.dumps(report["checkins"])


def test_an_edited_reminder_times_cache_is_not_believed(cli, home, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T20:00:00+01:00")
    assert cli("remind", "add", "daily 21:00", "-m", "Our talk").code == 0
    assert cli("remind", "due", "--json").code == 0
    cache = home / "cache" / "reminder-times.json"
    text = cache.read_text()
    assert "2026-11-26T21:00:00+01:00" in text
    cache.write_text(text.replace("2026-11-26T21:00:00+01:00", "2026-11-26T20:30:00+01:00"))
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-26T20:45:00+01:00")
    result = cli("remind", "due", "--json")
    assert result.code == 0
    assert json.loads(result.out) == []


# --- 5. nothing in the home is written through a symbolic link ------------------------


@pytest.mark.parametrize(
    ("name", "setup", "args"),
    [
        ("followthrough.toml", (("promise", "add", "Call at six"),), ("promise", "kept", "1")),
        ("checkins.toml", (), ("checkin", "--rating", "5")),
        (".lock", (), ("promise", "add", "Call at six")),
        ("config.toml", (), ("init", "--me", "alex")),
        ("promises.toml", (), ("promise", "list")),
    ],
)
def test_a_symlinked_file_in_the_home_is_refused(cli, home, tmp_path, name, setup, args):
    for command in setup:
        assert cli(*command).code == 0
    home.mkdir(exist_ok=True, mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (home / name).unlink(missing_ok=True)
    (home / name).symlink_to(victim)
    result = cli(*args)
    assert result.code == 1, result
    line = one_line(result.err)
    assert name in line and "link" in line
    assert victim.read_text() == "keep me\n"


def test_a_lock_link_to_a_missing_file_creates_nothing(cli, home, tmp_path):
    home.mkdir(mode=0o700)
    (home / ".lock").symlink_to(tmp_path / "created-elsewhere")
    result = cli("promise", "add", "Call at six")
    assert result.code == 1
    assert not (tmp_path / "created-elsewhere").exists()


def test_a_symlinked_daemon_pid_file_is_refused(sh, home, tmp_path):
    home.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (home / "daemon.pid").symlink_to(victim)
    result = sh("remind", "--daemon")
    assert result.code == 1, result
    assert "daemon.pid" in result.err and "link" in result.err
    assert victim.read_text() == "keep me\n"


def test_a_symlinked_cache_folder_is_refused(cli, home, sentinel):
    assert cli("checkin", "--rating", "5").code == 0
    (home / "cache").symlink_to(sentinel)
    result = cli("checkin", "list")
    assert result.code == 1
    assert "cache" in one_line(result.err)
    assert everything_under(sentinel) == []


@pytest.mark.parametrize("mark", ["\u202e", "\u2066", "\u200f", "\u061c"])
def test_a_mark_that_reorders_text_is_not_part_of_a_plain_name(cli, home, mark):
    """A name shown reversed is not the name it seems: refused where it is typed, and a
    template file named with one is left out."""
    result = cli("init", "--me", f"ev{mark}il")
    assert result.code == 2, result.text
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    (folder / f"w{mark}x.md").write_text("# hello\n")
    listed = cli("worksheet", "list", "--json")
    assert f"w{mark}x" not in [sheet["name"] for sheet in json.loads(listed.out)]


def test_a_relative_data_home_is_made_absolute(cli, tmp_path, monkeypatch):
    """The daemon's unit runs from another folder: a relative home must not move."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRUSTCLI_HOME", "rel/h")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    dry = cli("remind", "install", "--dry-run")
    assert dry.code == 0, dry.err
    assert f"TRUSTCLI_HOME={tmp_path}/rel/h" in dry.out


def test_a_template_of_one_s_own_is_read_as_any_file_of_the_home(cli, home, tmp_path):
    """A link, or a file another user put there, is not trusted as a template: it is
    named, never rendered or exported."""
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the backup\n")
    (folder / "linked.md").symlink_to(secret)
    planted = folder / "apology.md"
    planted.write_text("planted {{ 6 * 7 }}\n")
    os.chown(planted, 65534, 65534)
    for name in ("linked", "apology"):
        result = cli("worksheet", "new", name, "-o", "-")
        assert result.code != 0 and "planted" not in result.out, result.text
        assert len(result.err.strip().splitlines()) == 1
    # A backup is refused whole rather than take either, each named in one line (exit
    # 1, as the README says of such files): the other user's, then, moved away, the link.
    for named in (planted, folder / "linked.md"):
        exported = cli("export")
        assert (exported.code, exported.out) == (1, ""), exported
        (line,) = exported.err.strip().splitlines()
        assert str(named) in line and "not for the backup" not in line
        named.rename(tmp_path / named.name)
    assert cli("export").code == 0
