"""Check-ins marked shared, and notes marked private: two private homes, one couple
folder, through the installed script (as tests/test_share.py).

A check-in reaches the partner only when marked shared (``--share``, or ``[share]
checkins = true`` in config.toml); a note marked ``--private`` never leaves its home,
while the follow-up or confirmation it belongs to still does.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.people import SAM_NOW, Person
from tests.test_pair import pair_in_one_folder, sync

SHARED_NOTE = "a calm evening walk by the canal"
UNSHARED_NOTE = "thinking about the letter again"
PRIVATE_NOTE = "told my counsellor about the argument"
PRIVATE_DISPUTE = "felt dismissed when the phone stayed off"


def everything_in(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.rglob("*") if p.is_file())


def checkins_of(run: Person) -> list[dict]:
    return json.loads(run.ok("checkin", "list", "--json").out)


def test_a_shared_checkin_reaches_the_partner_an_unshared_one_never(alex, sam, tmp_path):
    alex_copy, sam_copy = tmp_path / "alex-sync" / "us", tmp_path / "sam-sync" / "us"
    alex.ok("pair", "create", str(alex_copy))
    sync(alex_copy, sam_copy)
    words = json.loads(sam.ok("pair", "join", str(sam_copy), "--json").out)["fingerprint"]
    sync(sam_copy, alex_copy)
    alex.ok("pair", "accept", "--fingerprint", words)
    sync(alex_copy, sam_copy)

    sam.ok("checkin", "--rating", "7", "--note", SHARED_NOTE, "--share")
    sam.ok("checkin", "--rating", "3", "--note", UNSHARED_NOTE)
    sync(sam_copy, alex_copy)

    theirs = [c for c in checkins_of(alex) if c["who"] == "Samwise"]
    assert [(c["rating"], c["note"]) for c in theirs] == [(7, SHARED_NOTE)]
    table = alex.ok("checkin", "list").out
    assert "Samwise" in table and SHARED_NOTE in table and UNSHARED_NOTE not in table
    figures = json.loads(alex.ok("report", "--json").out)
    assert figures["checkins"]["Samwise"]["checkins"] == 1
    assert figures["checkins"]["Samwise"]["latest"] == 7
    assert "Samwise:" in alex.ok("report").out
    assert [c["who"] for c in checkins_of(alex) if c["who"] == "Samwise"] == ["Samwise"]
    assert checkins_of(alex)[-1]["who"] == "Samwise"
    assert [
        c["note"] for c in json.loads(alex.ok("checkin", "list", "--as", "Samwise", "--json").out)
    ] == [SHARED_NOTE]

    # The unshared check-in is nowhere outside Sam's home: not in either copy of the
    # folder, not in Alex's home (its cache of the folder included), not on Alex's screen.
    for place in (alex_copy, sam_copy, alex.home):
        assert UNSHARED_NOTE.encode() not in everything_in(place)
    assert UNSHARED_NOTE not in alex.ok("report", "-o", "-").out
    # Sam's own list is as before: both check-ins, under Sam's name.
    assert [c["note"] for c in checkins_of(sam)] == [SHARED_NOTE, UNSHARED_NOTE]
    assert all(c["who"] == "Samwise" for c in checkins_of(sam))


def test_the_config_default_shares_and_no_share_overrides_it(alex, sam, tmp_path):
    pair_in_one_folder(alex, sam, tmp_path / "us")
    with (sam.home / "config.toml").open("a", encoding="utf-8") as config:
        config.write("\n[share]\ncheckins = true\n")
    sam.ok("checkin", "--rating", "8", "--note", SHARED_NOTE)
    sam.ok("checkin", "--rating", "2", "--note", UNSHARED_NOTE, "--no-share")
    notes = [c["note"] for c in checkins_of(alex)]
    assert notes == [SHARED_NOTE]
    both = sam("checkin", "--rating", "5", "--share", "--no-share")
    assert both.code == 2 and "opposite things" in both.err and both.err.count("\n") == 1
    assert UNSHARED_NOTE.encode() not in everything_in(alex.home)

    (sam.home / "config.toml").write_text(
        '[names]\nme = "Samwise"\n\n[share]\ncheckins = "often"\n', encoding="utf-8"
    )
    refused = sam("checkin", "--rating", "5")
    assert refused.code == 2 and "[share] checkins must be true or false" in refused.err
    assert refused.err.count("\n") == 1 and "Traceback" not in refused.err


def test_an_unpaired_home_with_share_saves_at_home_and_says_so(alex, tmp_path):
    shared = alex.ok("checkin", "--rating", "6", "--note", SHARED_NOTE, "--share")
    assert "not shared" in shared.err and "no couple folder" in shared.err
    assert [c["note"] for c in checkins_of(alex)] == [SHARED_NOTE]
    assert "shared" not in checkins_of(alex)[0]
    # The config default on an unpaired home is quiet: nothing to share with.
    with (alex.home / "config.toml").open("a", encoding="utf-8") as config:
        config.write("\n[share]\ncheckins = true\n")
    quiet = alex.ok("checkin", "--rating", "7")
    assert "not shared" not in quiet.err
    # A check-in made before pairing is not shared when the home pairs.
    sam = Person(tmp_path / "sam-home", SAM_NOW)
    sam.ok("init", "--me", "Samwise")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    assert [c["who"] for c in checkins_of(sam)] == []


def test_a_private_note_stays_home_the_followup_goes(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    alex.ok("promise", "add", "Phone before the night shift ends", "--to", "Samwise")
    sam.ok("promise", "add", "Walk the dog", "--to", "Alexandrina")

    kept = alex.ok("promise", "kept", "1", "--note", PRIVATE_NOTE, "--private")
    assert "Recorded: promise 1 kept today" in kept.err
    shown = alex.ok("promise", "show", "1").out
    assert PRIVATE_NOTE in shown  # my own home keeps it

    # Sam sees the kept day, not the note.
    seen = json.loads(sam.ok("promise", "show", "a1", "--json").out)
    assert [(h["on"], h["result"], h["note"]) for h in seen["history"]] == [
        ("2026-11-30", "kept", "")
    ]
    assert PRIVATE_NOTE not in sam.ok("promise", "show", "a1").out

    # A dispute with a private note: Sam sees the dispute, never the note.
    disputed = alex.ok(
        "promise", "dispute", "b1", "--note", PRIVATE_DISPUTE, "--private", "--on", "2026-11-30"
    )
    assert "not your note" in disputed.err
    mine = json.loads(sam.ok("promise", "show", "1", "--json").out)
    assert [(s["result"], s["note"]) for s in mine["seen"]] == [("disputed", "")]
    assert PRIVATE_DISPUTE in alex.ok("promise", "show", "b1").out

    for secret in (PRIVATE_NOTE, PRIVATE_DISPUTE):
        assert secret.encode() not in everything_in(sam.home)
        assert secret not in sam.ok("report", "-o", "-").out
        assert secret not in sam.ok("export").out

    # --private is for a note; without one it is one clear line.
    refused = alex("promise", "missed", "1", "--on", "2026-11-29", "--private")
    assert refused.code == 2 and "add --note TEXT" in refused.err


def test_private_notes_stay_home_when_pairing_shares_what_a_home_has(alex, sam, tmp_path):
    alex.ok("promise", "add", "Phone before the night shift ends", "--to", "Samwise")
    alex.ok("promise", "kept", "1", "--note", PRIVATE_NOTE, "--private")
    alex.ok("checkin", "--rating", "5", "--note", UNSHARED_NOTE, "--share")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    seen = json.loads(sam.ok("promise", "show", "a1", "--json").out)
    assert [(h["result"], h["note"]) for h in seen["history"]] == [("kept", "")]
    assert checkins_of(sam) == []
    for secret in (PRIVATE_NOTE, UNSHARED_NOTE):
        assert secret.encode() not in everything_in(sam.home)


def test_a_checkin_shared_while_the_folder_is_away_arrives_once(alex, sam, tmp_path):
    folder, away = tmp_path / "us", tmp_path / "unmounted"
    pair_in_one_folder(alex, sam, folder)
    assert checkins_of(sam) == []  # sam takes the grant
    alex.ok("checkin", "--rating", "6", "--note", SHARED_NOTE, "--share")
    folder.rename(away)
    added = alex.ok("checkin", "--rating", "4", "--note", "the second one", "--share")
    assert "could not be written" in added.err and "next time" in added.err
    away.rename(folder)
    # The next change shares everything again: each check-in still counts once.
    alex.ok("promise", "add", "Phone before the night shift ends", "--to", "Samwise")
    theirs = checkins_of(sam)
    assert [(c["who"], c["rating"]) for c in theirs] == [("Alexandrina", 6), ("Alexandrina", 4)]
    figures = json.loads(sam.ok("report", "--json").out)
    assert figures["checkins"]["Alexandrina"]["checkins"] == 2
