"""`trustcli pair`: two private homes, one couple folder, through the installed script.

Every test runs real processes with a different TRUSTCLI_HOME per person. A "sync" is
files copied between two copies of the folder, the way a sync tool moves them: late,
a last record half-copied, conflict copies and temp files left beside them.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Result, pexpect_eof, spawn_on_terminal, trustcli_executable
from tests.helpers.people import ALEX_NOW, SAM_NOW, Person


def one_line_refusal(result: Result, expected: str, code: int = 2) -> None:
    assert result.code == code, result
    assert result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("trustcli: "), result.err
    assert expected in result.err, result.err
    assert "Traceback" not in result.err


def sync(source: Path, target: Path, *, only: str = "", torn: bool = False) -> None:
    """Copy what ``source`` has and ``target`` lacks or has older, as a sync tool would.

    ``only``: copy just the paths starting with it (the rest arrives later). ``torn``:
    the last line of each records file arrives half-copied. Hidden files (temp files
    of writers) are not copied, as sync tools do not copy them either.
    """
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if only and not str(relative).startswith(only):
            continue
        data = path.read_bytes()
        if torn and path.name == "records":
            last = data.rstrip(b"\n").rfind(b"\n") + 1
            data = data[: last + (len(data) - last) // 2]
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists() or destination.read_bytes() != data:
            destination.write_bytes(data)


def status(run: Person) -> dict:
    result = run("pair", "status", "--json")
    assert result.code == 0, result
    return json.loads(result.out)


def pair_in_one_folder(alex: Person, sam: Person, folder: Path) -> str:
    """The one-computer set-up: two private homes, one local folder."""
    assert alex("pair", "create", str(folder)).code == 0
    joined = sam("pair", "join", str(folder), "--json")
    assert joined.code == 0, joined
    words = json.loads(joined.out)["fingerprint"]
    accepted = alex("pair", "accept", "--fingerprint", words)
    assert accepted.code == 0, accepted
    return str(words)


# --- pairing ----------------------------------------------------------------------------


def test_two_homes_pair_through_one_local_folder(alex, sam, tmp_path):
    folder = tmp_path / "us"
    created = alex("pair", "create", str(folder))
    assert created.code == 0, created
    assert "pair join" in created.err
    joined = sam("pair", "join", str(folder))
    assert joined.code == 0, joined
    words = joined.out.strip().splitlines()[-1].split()
    assert len(words) == 6 and all(word.isalpha() for word in words)
    assert status(sam)["state"] == "pending"

    accepted = alex("pair", "accept", "--fingerprint", " ".join(words))
    assert accepted.code == 0, accepted

    for run in (sam, alex):  # sam says hello when sam's trustcli next runs
        seen = status(run)
        assert seen["state"] == "member"
        assert sorted(m["name"] for m in seen["members"]) == ["Alexandrina", "Samwise"]
        assert {d["role"] for d in seen["devices"]} == {"first device", "accepted"}
        assert all(not d["refused"] for d in seen["devices"]) and seen["ignored"] == []
    shown = alex("pair", "status")
    assert shown.code == 0 and "members: Alexandrina, Samwise" in shown.out


def test_the_join_works_across_a_slow_untidy_sync(alex, sam, tmp_path):
    """Two copies of the folder, one per device, and a sync that is late, copies a last
    record half, and leaves conflict copies and temp files: the join still works."""
    alex_copy, sam_copy = tmp_path / "alex-sync" / "us", tmp_path / "sam-sync" / "us"
    assert alex("pair", "create", str(alex_copy)).code == 0

    sync(alex_copy, sam_copy, only="couple.toml")  # the device's folder comes later
    one_line_refusal(sam("pair", "join", str(sam_copy)), "no key from the first device yet")
    sync(alex_copy, sam_copy)
    joined = sam("pair", "join", str(sam_copy), "--json")
    assert joined.code == 0, joined
    words = json.loads(joined.out)["fingerprint"]

    one_line_refusal(alex("pair", "accept", "--fingerprint", words), "nobody is waiting")
    sync(sam_copy, alex_copy)
    assert alex("pair", "accept", "--fingerprint", words).code == 0

    # The accept record arrives half-copied and the grant not at all: still waiting,
    # no error, and the record still arriving is shown, not refused.
    creator = status(alex)["device"]
    sync(alex_copy, sam_copy, torn=True, only=f"{creator}/records")
    waiting = status(sam)
    assert waiting["state"] == "pending"
    assert next(d for d in waiting["devices"] if d["device"] == creator)["arriving"] == 1

    # Then everything, plus what sync tools and people leave behind.
    sync(alex_copy, sam_copy)
    (sam_copy / creator / "records.sync-conflict-20261130-101010-ABCDEFG").write_bytes(b"x")
    (sam_copy / creator / "records (conflicted copy 2026-11-30)").write_bytes(b"x")
    (sam_copy / ".syncthing.records.tmp").write_bytes(b"x")
    (sam_copy / ".git").mkdir()
    joined_state = status(sam)
    assert joined_state["state"] == "member"
    ignored = {item["name"]: item["why"] for item in joined_state["ignored"]}
    assert "sync tool" in ignored[f"{creator}/records.sync-conflict-20261130-101010-ABCDEFG"]
    assert "sync tool" in ignored[f"{creator}/records (conflicted copy 2026-11-30)"]
    assert "temp file" in ignored[".syncthing.records.tmp"]
    assert "git" in ignored[".git"]
    assert all(not d["refused"] for d in joined_state["devices"])
    shown = sam("pair", "status").out
    assert "ignored: .git: a git repository's own folder" in shown

    # Sam's hello (written with a clock days ahead) reaches alex and is shown as written.
    sync(sam_copy, alex_copy)
    seen = status(alex)
    assert sorted(m["name"] for m in seen["members"]) == ["Alexandrina", "Samwise"]
    sams = next(d for d in seen["devices"] if not d["this"])
    assert (sams["role"], sams["last_seq"]) == ("accepted", 1)
    assert sams["last_at"].startswith("2026-12-03T09:15")


def test_accept_on_a_terminal_asks_to_compare_the_words(alex, sam, tmp_path, monkeypatch):
    folder = tmp_path / "us"
    assert alex("pair", "create", str(folder)).code == 0
    words = json.loads(sam("pair", "join", str(folder), "--json").out)["fingerprint"]
    monkeypatch.setenv("TRUSTCLI_HOME", str(alex.home))

    child = spawn_on_terminal("pair", "accept")
    child.expect_exact(words)
    child.expect_exact("exactly these words?")
    child.sendline("n")
    child.expect_exact("Nothing was accepted")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 1
    assert status(sam)["state"] == "pending"

    child = spawn_on_terminal("pair", "accept")
    child.expect_exact("exactly these words?")
    child.sendline("y")
    child.expect_exact("Accepted")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0
    assert status(sam)["state"] == "member"


# --- what the folder holds, and what is refused --------------------------------------------


def test_a_folder_syncthing_just_shared_counts_as_empty(alex, sam, tmp_path):
    """Syncthing puts .stfolder in every folder it shares; a Mac adds .DS_Store."""
    folder = tmp_path / "Sync" / "us"
    (folder / ".stfolder").mkdir(parents=True)
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / "desktop.ini").write_text("[.ShellClassInfo]")
    assert alex("pair", "create", str(folder)).code == 0
    ignored = {item["name"]: item["why"] for item in status(alex)["ignored"]}
    assert ignored == {
        name: "a sync tool's or the system's own file"
        for name in (".DS_Store", ".stfolder", "desktop.ini")
    }


def test_after_the_words_match_a_key_swapped_in_the_folder_changes_nothing(alex, sam, tmp_path):
    """The joiner keeps the first device's keys as compared; a device.toml changed
    later (someone with the folder) is not used to open the grant or trust records."""
    folder = tmp_path / "us"
    assert alex("pair", "create", str(folder)).code == 0
    words = json.loads(sam("pair", "join", str(folder), "--json").out)["fingerprint"]
    alexs_device = status(alex)["device"]
    device_file = folder / alexs_device / "device.toml"
    other = base64.b64encode(os.urandom(64)).decode()
    device_file.write_text(f'device = "{alexs_device}"\npublic = "{other}"\n')
    assert alex("pair", "accept", "--fingerprint", words).code == 0
    seen = status(sam)
    assert seen["state"] == "member"
    mine = next(d for d in seen["devices"] if d["device"] == alexs_device)
    assert (mine["records"], mine["refused"]) == (2, [])


def test_the_folder_holds_no_names_or_texts(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    assert alex("promise", "add", "Phone home from the ferry terminal").code == 0
    assert status(alex)["state"] == status(sam)["state"] == "member"
    secrets = ["Alexandrina", "Samwise", "Phone home", "ferry", "alex-home", "sam-home"]
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert len(files) >= 6
    for path in files:
        data = path.read_bytes().lower()
        name = str(path.relative_to(folder)).lower().encode()  # its folders' names too
        for secret in secrets:
            assert secret.lower().encode() not in data, (secret, path)
            assert secret.lower().encode() not in name, (secret, path)
    # No private key and no couple key in the folder; both only in the private homes (0600).
    for home in (alex.home, sam.home):
        kept = tomllib.loads((home / "couple.toml").read_text())
        assert stat.S_IMODE((home / "couple.toml").stat().st_mode) == 0o600
        for key in (kept["secret"], kept["key"]):
            raw = base64.b64decode(key)
            for path in files:
                data = path.read_bytes()
                assert key.encode() not in data and raw not in data, path


def test_a_tampered_record_is_refused_and_named(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    sams_device = status(sam)["device"]
    records = folder / sams_device / "records"
    data = bytearray(records.read_bytes())
    middle = len(data) // 2
    data[middle] = ord("A") if data[middle] != ord("A") else ord("B")
    records.write_bytes(bytes(data))

    seen = status(alex)
    sams = next(d for d in seen["devices"] if d["device"] == sams_device)
    assert sams["records"] == 0
    assert sams["refused"] == [
        f"{sams_device}/records line 1: does not authenticate (changed, or not from this couple)"
    ]
    shown = alex("pair", "status")
    assert shown.code == 0
    assert f"refused: {sams_device}/records line 1: does not authenticate" in shown.out
    # The rest still works: alex's own records are read.
    assert next(d for d in seen["devices"] if d["this"])["records"] == 2


def test_broken_lines_and_links_in_a_device_folder_are_named_not_fatal(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    sams_device = status(sam)["device"]
    records = folder / sams_device / "records"
    good = records.read_bytes()
    records.write_bytes(good + b"2 abc def\n" + b"9 " + b"A" * 60 + b"== AAAA\n" + b"hello\n")
    seen = next(d for d in status(alex)["devices"] if d["device"] == sams_device)
    assert seen["records"] == 1
    assert [reason.split(": ", 1)[1] for reason in seen["refused"]] == [
        "does not authenticate (changed, or not from this couple)",
        "number 9 where 3 was next",
        "not a record trustcli writes",
    ]
    records.unlink()
    records.symlink_to(alex.home / "couple.toml")
    result = alex("pair", "status", "--json")
    assert result.code == 0, result
    found = json.loads(result.out)
    assert {
        "name": f"{sams_device}/records",
        "why": "not a plain file or folder (links are never followed)",
    } in found["ignored"]


def test_a_partner_cannot_write_a_record_in_the_other_devices_name(alex, sam, tmp_path):
    """Sam holds the couple key, so sam can seal a record; it must still not pass as
    alex's: every record is signed by its own device's key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    status(sam)  # sam takes the key
    kept = tomllib.loads((sam.home / "couple.toml").read_text())
    alexs_device = status(alex)["device"]
    ad = b"|".join(
        [b"trustcli couple v1", b"record", kept["couple"].encode(), alexs_device.encode(), b"3"]
    )
    nonce = os.urandom(12)
    plain = json.dumps({"kind": "leave", "at": "2026-11-30T21:00:00+01:00"}).encode()
    sealed = nonce + ChaCha20Poly1305(base64.b64decode(kept["key"])).encrypt(nonce, plain, ad)
    sams_signing = Ed25519PrivateKey.from_private_bytes(base64.b64decode(kept["secret"])[32:])
    signature = sams_signing.sign(ad + sealed)
    line = f"3 {base64.b64encode(sealed).decode()} {base64.b64encode(signature).decode()}\n"
    with open(folder / alexs_device / "records", "a") as file:
        file.write(line)

    for run in (alex, sam):
        mine = next(d for d in status(run)["devices"] if d["device"] == alexs_device)
        assert mine["records"] == 2 and mine["last_seq"] == 2
        assert mine["refused"] == [
            f"{alexs_device}/records line 3: does not authenticate "
            "(changed, or not from this couple)"
        ]


def test_the_record_cache_changes_nothing_but_speed(alex, sam, tmp_path):
    """Each device's checked records are cached in the private home; a change to a
    record the cache covers is still found."""
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    first = status(sam)  # checks every record, then caches them
    cache = sam.home / "cache"
    assert sorted(p.name for p in cache.glob("couple-*.json")) == sorted(
        f"couple-{d['device']}.json" for d in first["devices"]
    )
    assert status(sam) == first  # from the cache
    shutil.rmtree(cache)
    assert status(sam) == first  # checked again from scratch

    alexs_device = first["devices"][0]["device"]
    records = folder / alexs_device / "records"
    lines = records.read_bytes().split(b"\n")
    seq, sealed, signature = lines[0].split(b" ")
    sealed = sealed[:10] + (b"B" if sealed[10:11] != b"B" else b"C") + sealed[11:]
    records.write_bytes(b"\n".join([b" ".join([seq, sealed, signature]), *lines[1:]]))
    mine = next(d for d in status(sam)["devices"] if d["device"] == alexs_device)
    assert mine["refused"] == [
        f"{alexs_device}/records line 1: does not authenticate (changed, or not from this couple)"
    ]
    assert mine["records"] == 1


def write_records(home: Path, count: int) -> None:
    """Records of a kind the next commands will write, through folder.append_many, in
    the device's own process (no command writes such records yet)."""
    code = (
        "from trustcli.couple import folder; "
        f"folder.append_many([{{'kind': 'note', 'n': n}} for n in range({count})])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "TRUSTCLI_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_many_records_are_read_whole_and_in_order_with_the_cache(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    status(sam)  # sam's hello: record 1
    status(alex)  # the cache now covers sam's first record
    for added, total in ((300, 301), (1, 302), (200, 502)):  # long tails, then a short one
        write_records(sam.home, added)
        sams = next(d for d in status(alex)["devices"] if not d["this"])
        assert (sams["records"], sams["last_seq"], sams["refused"]) == (total, total, [])
    shutil.rmtree(alex.home / "cache")
    sams = next(d for d in status(alex)["devices"] if not d["this"])
    assert (sams["records"], sams["last_seq"], sams["refused"]) == (502, 502, [])


def test_both_devices_and_two_processes_of_one_device_writing_at_once(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    status(sam)  # sam's hello: record 1
    code = (
        "from trustcli.couple import folder\n"
        "for n in range(40): folder.append({'kind': 'note', 'n': n})"
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, "TRUSTCLI_HOME": str(tmp_path / home)},
            stderr=subprocess.PIPE,
        )
        for home in ("alex-home", "sam-home", "alex-home", "sam-home")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    for run in (alex, sam):
        devices = {d["this"]: d for d in status(run)["devices"]}
        # alex: hello + accept + 80; sam: hello + 80; every number once, in order
        totals = {True: 82, False: 81} if run is alex else {True: 81, False: 82}
        for this, device in devices.items():
            assert (device["records"], device["last_seq"]) == (totals[this],) * 2
            assert device["refused"] == [] and device["arriving"] == 0


def test_records_from_a_device_nobody_accepted_are_refused(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    stranger = "0123456789abcdef"
    shutil.copytree(folder / status(sam)["device"], folder / stranger)
    (folder / stranger / "device.toml").unlink()
    seen = status(alex)
    odd = next(d for d in seen["devices"] if d["device"] == stranger)
    assert odd["role"] == "asking to join" and odd["records"] == 0
    assert odd["refused"]  # sam's bytes under another device id do not authenticate


def test_leave_keeps_the_private_home(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    assert alex("promise", "add", "Walk together on Sundays", "--every", "weekly").code == 0
    assert alex("promise", "kept", "1").code == 0
    home = alex.home
    before = {
        path: path.read_bytes()
        for path in home.rglob("*")
        if path.is_file() and path.name != "couple.toml" and "cache" not in path.parts
    }

    left = alex("pair", "leave")
    assert left.code == 0, left
    for path, data in before.items():
        assert path.read_bytes() == data, path
    assert "Walk together on Sundays" in alex("promise", "list").out
    assert alex("pair", "status").out.startswith("Not sharing a couple folder.")
    assert "key" not in (home / "couple.toml").read_text().splitlines()[0]
    one_line_refusal(alex("pair", "leave"), "shares no couple folder")
    # The partner sees it.
    assert "members: Alexandrina (left), Samwise" in sam("pair", "status").out
    # After leaving, this home may start again.
    assert alex("pair", "create", str(tmp_path / "new")).code == 0


# --- bad input: one line, non-zero exit ----------------------------------------------------


def test_a_dir_that_is_a_file(alex, tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    one_line_refusal(alex("pair", "create", str(file)), "is a file, not a folder")
    one_line_refusal(alex("pair", "join", str(file)), "is a file, not a folder")
    assert file.read_text() == "mine"


def test_a_folder_that_is_not_empty_or_already_a_couple_folder(alex, sam, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "photo.jpg").write_bytes(b"x")
    one_line_refusal(alex("pair", "create", str(busy)), "is not empty")
    assert sorted(p.name for p in busy.iterdir()) == ["photo.jpg"]
    folder = tmp_path / "us"
    assert alex("pair", "create", str(folder)).code == 0
    one_line_refusal(sam("pair", "create", str(folder)), "already a couple folder")
    one_line_refusal(sam("pair", "join", str(busy)), "is not a couple folder")


def test_an_unwritable_dir():
    """Root may write anywhere, so as root the command runs as nobody (in a folder of
    /tmp that nobody can reach: pytest's own temp folders are private)."""
    base = Path(tempfile.mkdtemp(prefix="trustcli-pair-"))
    try:
        base.chmod(0o755)
        locked = base / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        home = base / "home"
        home.mkdir(mode=0o700)
        drop: list[str] = []
        if os.geteuid() == 0:
            os.chown(home, 65534, 65534)
            drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        script = str(Path(sys.executable).with_name("trustcli"))
        done = subprocess.run(
            [*drop, script, "pair", "create", str(locked)],
            env={**os.environ, "TRUSTCLI_HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        result = Result(done.returncode, done.stdout, done.stderr)
        one_line_refusal(result, "is not writable for you")
        assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_joining_another_couple_or_a_full_folder(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    # alex is paired already: another couple's folder is refused.
    other = Person(tmp_path / "other-home")
    assert other("pair", "create", str(tmp_path / "them")).code == 0
    one_line_refusal(
        alex("pair", "join", str(tmp_path / "them")), "already shares the couple folder"
    )
    # A third person: the folder already has two.
    third = Person(tmp_path / "third-home")
    one_line_refusal(third("pair", "join", str(folder)), "already has two people")
    # The folder this home shares now holds another couple's header: named, not used.
    shutil.copyfile(tmp_path / "them" / "couple.toml", folder / "couple.toml")
    one_line_refusal(alex("pair", "status"), "belongs to another couple")


def test_a_wrong_fingerprint_or_nothing_pending(alex, sam, tmp_path):
    folder = tmp_path / "us"
    assert alex("pair", "create", str(folder)).code == 0
    one_line_refusal(alex("pair", "accept", "--fingerprint", "a b c d e f"), "nobody is waiting")
    one_line_refusal(alex("pair", "accept"), "nobody is waiting")
    words = json.loads(sam("pair", "join", str(folder), "--json").out)["fingerprint"]
    wrong = " ".join(reversed(words.split()))
    one_line_refusal(alex("pair", "accept", "--fingerprint", wrong), "no join request has that")
    one_line_refusal(alex("pair", "accept"), 'pass --fingerprint "WORDS"')
    assert status(sam)["state"] == "pending"
    one_line_refusal(sam("pair", "accept", "--fingerprint", words), "only the device that created")
    # The same words in capitals or with dashes are the same words.
    assert alex("pair", "accept", "--fingerprint", words.upper().replace(" ", "-")).code == 0
    assert status(sam)["state"] == "member"


def test_status_and_leave_without_pairing(alex):
    result = alex("pair", "status")
    assert (result.code, result.out) == (0, "Not sharing a couple folder.\n")
    assert json.loads(alex("pair", "status", "--json").out) == {"paired": False, "state": "none"}
    one_line_refusal(alex("pair", "leave"), "shares no couple folder")
    one_line_refusal(alex("pair", "accept"), "shares no couple folder")


def test_a_joiner_learns_when_another_device_was_accepted(alex, sam, tmp_path):
    """Two requests cross in the sync: alex's copy has eve's, sam's copy has sam's."""
    alex_copy, sam_copy = tmp_path / "alex-sync" / "us", tmp_path / "sam-sync" / "us"
    assert alex("pair", "create", str(alex_copy)).code == 0
    sync(alex_copy, sam_copy)
    assert sam("pair", "join", str(sam_copy)).code == 0
    eve = Person(tmp_path / "eve-home")
    words = json.loads(eve("pair", "join", str(alex_copy), "--json").out)["fingerprint"]
    assert alex("pair", "accept", "--fingerprint", words).code == 0
    sync(alex_copy, sam_copy)
    seen = status(sam)
    assert seen["state"] == "pending"
    assert "accepted another device, not this one" in seen["note"]
    assert "note: the first device accepted another device" in sam("pair", "status").out


# --- help and start-up ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["create", "join", "accept", "status", "leave"])
def test_each_pair_command_has_help_with_examples(alex, command):
    result = alex("pair", command, "--help")
    assert result.code == 0
    assert "Examples:" in result.out and f"trustcli pair {command}" in result.out


@pytest.mark.parametrize("command", [("ask", "run"), ("checkin", "add")])
def test_as_says_it_gives_no_privacy_between_two_people(alex, command):
    text = " ".join(alex(*command, "--help").out.split())
    assert "it gives no privacy between two people" in text


def imported(*args: str, home: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "trustcli", *args],
        env={**os.environ, "TRUSTCLI_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-500:]
    return done.stderr


def test_only_pair_pays_for_cryptography(alex, sam, tmp_path):
    pair_in_one_folder(alex, sam, tmp_path / "us")
    home = alex.home
    # promise list and checkin list read the partner's records now; a check-in that is
    # not shared reads no folder
    assert "cryptography" not in imported("checkin", "--rating", "7", home=home)
    assert "cryptography" not in imported("pair", "--help", home=home)
    assert "cryptography" in imported("pair", "status", home=home)


# What a paired command that finds every record already checked must not import: the
# cipher and keys (~15 ms), and what only writing (tempfile) or making keys needs.
NOT_WHEN_CACHED = ("cryptography", "hmac", "secrets", "dataclasses", "tempfile")


def loaded(*args: str, home: Path) -> list[str]:
    """Which of NOT_WHEN_CACHED one command, run in-process, imported."""
    code = (
        "import sys\nfrom trustcli.cli import main\n"
        f"assert main({list(args)!r}) == 0\n"
        f"print(sorted(m for m in {NOT_WHEN_CACHED!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "TRUSTCLI_HOME": str(home), "TRUSTCLI_NOW": ALEX_NOW},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-500:]
    return json.loads(done.stdout.splitlines()[-1].replace("'", '"'))


def test_records_checked_before_are_read_without_the_cipher(alex, sam, tmp_path):
    """Every record is verified and opened once, then cached: looking again (pair
    status, promise list, today) on either device opens nothing, so it needs no
    cryptography; a new record from the partner is verified, so that run does."""
    pair_in_one_folder(alex, sam, tmp_path / "us")
    assert sam("promise", "add", "Call at lunch", "--to", "Alexandrina").code == 0
    assert "cryptography" in loaded("pair", "status", home=alex.home)  # sam's
    for home in (alex.home, sam.home):
        for command in (("pair", "status"), ("promise", "list"), ("today",)):
            loaded(*command, home=home)  # a first run may write its own caches
            assert loaded(*command, home=home) == [], (home.name, command)
    assert sam("promise", "kept", "1").code == 0
    assert "cryptography" in loaded("today", home=alex.home)


def test_a_folder_opened_twice_in_one_run_still_sees_what_changed_between(alex, sam, tmp_path):
    """A command that opens the folder twice reads each device's cache once; what the
    partner wrote in between, or a byte changed in between, is seen all the same."""
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    assert sam("promise", "add", "Call at lunch", "--to", "Alexandrina").code == 0
    assert alex("pair", "status").code == 0  # alex's cache now holds sam's records
    records = folder / status(sam)["device"] / "records"
    code = (
        "import json, subprocess, sys\n"
        "from trustcli.couple import folder\n"
        "def count():\n"
        "    current, seen = folder.open_folder()\n"
        "    found = seen.devices[sys.argv[1]]\n"
        "    return [len(found.records), found.refused]\n"
        "shown = [count()]\n"
        "subprocess.run(sys.argv[2:], check=True, capture_output=True)\n"
        "shown.append(count())\n"
        "print(json.dumps(shown))\n"
    )
    sams_device = records.parent.name
    env = {**os.environ, "TRUSTCLI_HOME": str(alex.home), "TRUSTCLI_NOW": ALEX_NOW}

    def run_between(*between: str) -> list:
        done = subprocess.run(
            [sys.executable, "-c", code, sams_device, *between],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr[-800:]
        return json.loads(done.stdout)

    sam_home = {"TRUSTCLI_HOME": str(sam.home), "TRUSTCLI_NOW": SAM_NOW}
    add = ["env", *(f"{k}={v}" for k, v in sam_home.items()), trustcli_executable()]
    first, second = run_between(*add, "promise", "add", "Walk on sunday", "--to", "Alexandrina")
    assert second[0] == first[0] + 1 and second[1] == []
    flip = (
        "import sys; p = sys.argv[1]; d = bytearray(open(p, 'rb').read()); "
        "d[40] = ord('A') if d[40] != ord('A') else ord('B'); open(p, 'wb').write(bytes(d))"
    )
    first, second = run_between(sys.executable, "-c", flip, str(records))
    assert first[1] == [] and second[1] and "does not authenticate" in second[1][0]
