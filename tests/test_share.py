"""Shared promises: two private homes, one couple folder, through the installed script.

Alex (first device, tag ``a``) and Sam (joiner, tag ``b``) each keep a private home; the
folder is one local directory, or two copies that a "sync" copies between.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.people import ALEX_NOW, Person
from tests.test_pair import imported, one_line_refusal, pair_in_one_folder, sync

ALEX_TEXT = "Phone before the night shift ends"
SAM_TEXT = "Walk the dog with Alexandrina"
NOTE = "the call came at half past six"
DISPUTE = "there was no call that evening"


def listed(run: Person, *extra: str) -> dict[str, dict]:
    result = run("promise", "list", "--all", "--json", *extra)
    assert result.code == 0, result
    return {str(row["id"]): row for row in json.loads(result.out)}


def test_pairing_shares_existing_promises_and_the_partner_confirms(alex, sam, tmp_path):
    alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise", "--every", "daily")
    alex.ok("promise", "kept", "1", "--note", NOTE)
    created = alex.ok("pair", "create", str(tmp_path / "us"))
    assert "shares your 1 promise and 1 follow-up with" in created.err
    assert "check-ins" in created.err
    joined = sam.ok("pair", "join", str(tmp_path / "us"), "--json")
    assert "Once accepted, pairing shares your 0 promises and 0 follow-ups" in joined.err
    words = json.loads(joined.out)["fingerprint"]
    alex.ok("pair", "accept", "--fingerprint", words)

    seen = listed(sam)
    assert list(seen) == ["a1"]
    assert seen["a1"]["text"] == ALEX_TEXT and seen["a1"]["kept"] == 1
    assert (seen["a1"]["by"], seen["a1"]["to"]) == ("Alexandrina", "Samwise")
    table = sam.ok("promise", "list").out
    assert "a1" in table and "Alexandrina → Samwise" in table

    confirmed = sam.ok("promise", "confirm", "a1", "--on", "2026-11-30", "--note", "yes")
    assert "a1 confirmed 2026-11-30" in confirmed.err
    assert listed(sam)["a1"]["confirmed"] == 1

    mine = listed(alex)
    assert list(mine) == ["1"] and mine["1"]["confirmed"] == 1 and mine["1"]["disputed"] == 0
    stats = json.loads(alex.ok("promise", "stats", "--json").out)
    assert stats["overall"]["kept"] == 1 and stats["overall"]["confirmed"] == 1
    assert stats["partner"]["name"] == "Samwise" and stats["partner"]["promises"] == []
    shown = alex.ok("promise", "show", "1").out
    assert "seen by Samwise:" in shown and "2026-11-30  confirmed  yes" in shown
    shown = sam.ok("promise", "show", "a1").out
    assert ALEX_TEXT in shown and NOTE in shown and "1 confirmed, 0 disputed by you" in shown
    assert "Yours: 0 kept" in sam.ok("promise", "stats").out


def test_only_the_person_a_promise_was_made_to_confirms_it(alex, sam, tmp_path):
    pair_in_one_folder(alex, sam, tmp_path / "us")
    sam.ok("promise", "add", SAM_TEXT)  # to Alexandrina, sam's partner
    alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise")
    assert list(listed(alex)) == ["1", "b1"]
    assert list(listed(sam)) == ["1", "a1"]

    # Nobody confirms their own promise, by its bare number or by their own tag.
    one_line_refusal(sam("promise", "confirm", "1"), "is your own")
    one_line_refusal(sam("promise", "confirm", "b1"), "is your own")
    one_line_refusal(alex("promise", "dispute", "a1", "--note", "no"), "is your own")
    # Nobody records follow-through for the partner's promise.
    one_line_refusal(alex("promise", "kept", "b1"), "b1 is Samwise's promise")
    one_line_refusal(alex("promise", "close", "b1"), "b1 is Samwise's promise")
    # A promise made to someone else is theirs to confirm.
    sam.ok("promise", "add", "Ring my mother on Sundays", "--to", "Rosie")
    one_line_refusal(alex("promise", "confirm", "b2"), "only Rosie can confirm")

    alex.ok("promise", "confirm", "b1", "--on", "2026-11-30")
    one_line_refusal(alex("promise", "dispute", "b1", "--on", "2026-11-30"), "needs --note")
    one_line_refusal(
        alex("promise", "dispute", "b1", "--on", "2026-11-30", "--note", DISPUTE),
        "already said confirmed for promise b1 on 2026-11-30",
    )
    alex.ok("promise", "dispute", "b1", "--on", "2026-11-30", "--note", DISPUTE, "--replace")
    sams = listed(sam)["1"]
    assert (sams["confirmed"], sams["disputed"]) == (0, 1)
    stats = sam.ok("promise", "stats").out
    assert "Yours: 0 kept, 0 missed, 0 confirmed, 1 disputed" in stats
    assert "0 confirmed, 1 disputed by Alexandrina" in stats
    assert "Alexandrina's: 0 kept, 0 missed, 0 confirmed, 0 disputed by you" in stats

    # Bare numbers and my own tag keep meaning my own promises.
    alex.ok("promise", "kept", "1")
    alex.ok("promise", "missed", "a1", "--on", "2026-11-30", "--replace")
    assert listed(sam)["a1"]["missed"] == 1 and listed(sam)["a1"]["kept"] == 0


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("c9", "no promise c9"),
        ("a0", "'a0' is not a promise id"),
        ("b0", "'b0' is not a promise id"),
        ("bb1", "'bb1' is not a promise id"),
        ("b99", "no promise b99"),
    ],
)
def test_bad_ids_are_one_line(alex, sam, tmp_path, typed, expected):
    pair_in_one_folder(alex, sam, tmp_path / "us")
    sam.ok("promise", "add", SAM_TEXT)
    for command in (("show", typed), ("confirm", typed)):
        one_line_refusal(alex("promise", *command), expected)
    if typed != "b99":
        one_line_refusal(alex("promise", "kept", typed), expected)


def test_the_folder_holds_no_promise_text_note_or_name(alex, sam, tmp_path):
    folder = tmp_path / "us"
    alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise", "--tag", "evenings")
    pair_in_one_folder(alex, sam, folder)
    alex.ok("promise", "kept", "1", "--note", NOTE)
    sam.ok("promise", "add", SAM_TEXT)
    sam.ok("promise", "dispute", "a1", "--on", "2026-11-30", "--note", DISPUTE)
    alex.ok("promise", "close", "1")
    assert listed(sam)["a1"]["status"] == "closed"
    everything = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    for secret in (ALEX_TEXT, SAM_TEXT, NOTE, DISPUTE, "evenings", "Alexandrina", "Samwise"):
        assert secret.encode() not in everything
        for word in secret.split():
            if len(word) > 4:
                assert word.encode() not in everything, word
    for kind in (b"promise", b"followup", b"confirm", b"disputed"):
        assert kind not in everything


def test_promises_reach_the_partner_across_a_sync(alex, sam, tmp_path):
    alex_copy, sam_copy = tmp_path / "alex-sync" / "us", tmp_path / "sam-sync" / "us"
    alex.ok("pair", "create", str(alex_copy))
    sync(alex_copy, sam_copy)
    words = json.loads(sam.ok("pair", "join", str(sam_copy), "--json").out)["fingerprint"]
    sync(sam_copy, alex_copy)
    alex.ok("pair", "accept", "--fingerprint", words)
    alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise")
    sync(alex_copy, sam_copy, torn=True)  # the promise is still arriving: not shown yet
    assert list(listed(sam)) == []
    sync(alex_copy, sam_copy)
    assert list(listed(sam)) == ["a1"]
    sam.ok("promise", "confirm", "a1", "--on", "2026-11-30")
    assert listed(alex)["1"]["confirmed"] == 0  # not synced yet
    sync(sam_copy, alex_copy)
    assert listed(alex)["1"]["confirmed"] == 1


def test_an_unpaired_home_is_unchanged(alex):
    alex.ok("promise", "add", ALEX_TEXT)
    row = listed(alex)["1"]
    assert "confirmed" not in row and "disputed" not in row
    assert "partner" not in json.loads(alex.ok("promise", "stats", "--json").out)
    assert "Overall: 0 kept, 0 missed;" in alex.ok("promise", "stats").out
    one_line_refusal(alex("promise", "kept", "a1"), "'a1' is not a promise id")
    one_line_refusal(alex("promise", "show", "a1"), "'a1' is not a promise id")
    one_line_refusal(alex("promise", "confirm", "1"), "shares no couple folder")
    shown = alex.ok("promise", "show", "1").out
    assert "seen" not in shown


def test_an_unpaired_home_never_loads_the_couple_code(alex, tmp_path):
    """Only ``couple.membership`` (is this home paired?) and the record shapes: never the
    couple folder's code, its keys or cryptography."""
    alex.ok("promise", "add", ALEX_TEXT)
    loaded = imported("promise", "list", home=alex.home)
    assert "trustcli.couple.membership" in loaded  # the test sees what it claims to see
    for heavy in ("folder", "log", "keys", "layout", "pairing", "sealed"):
        assert f"trustcli.couple.{heavy}" not in loaded
    assert "cryptography" not in loaded


def test_the_report_shows_both_peoples_promises_and_what_each_saw(alex, sam, tmp_path):
    alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise", "--every", "daily")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    alex.ok("promise", "kept", "1")
    sam.ok("promise", "add", SAM_TEXT)
    sam.ok("promise", "kept", "1")
    sam.ok("promise", "confirm", "a1", "--on", "2026-11-30")
    alex.ok("promise", "dispute", "b1", "--on", "2026-11-30", "--note", DISPUTE)

    data = json.loads(alex.ok("report", "--json").out)
    overall = data["followthrough"]["overall"]
    assert (overall["kept"], overall["confirmed"], overall["disputed"]) == (1, 1, 0)
    theirs = data["partner"]
    assert theirs["name"] == "Samwise"
    assert [row["id"] for row in theirs["promises"]] == ["b1"]
    assert (theirs["overall"]["kept"], theirs["overall"]["disputed"]) == (1, 1)

    text = alex.ok("report", "-o", "-").out
    assert "## Samwise's promises" in text and "| confirmed | disputed |" in text
    assert f"| b1 | {SAM_TEXT} | 1 | 0 | 0 | 1 |" in text
    shown = alex.ok("report").out
    assert "Samwise's promises" in shown and "you confirmed 0, disputed 1" in shown


def test_an_unpaired_report_is_unchanged(alex):
    alex.ok("promise", "add", ALEX_TEXT)
    data = json.loads(alex.ok("report", "--json").out)
    assert "partner" not in data and "confirmed" not in data["followthrough"]["overall"]
    assert "confirmed" not in alex.ok("report", "-o", "-").out


def test_export_holds_both_peoples_promises_and_import_takes_only_mine(alex, sam, tmp_path):
    alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    alex.ok("promise", "kept", "1", "--note", NOTE)
    sam.ok("promise", "add", SAM_TEXT)
    sam.ok("promise", "confirm", "a1", "--on", "2026-11-30")
    alex.ok("promise", "confirm", "b1", "--on", "2026-11-30", "--note", "saw it")

    backup = json.loads(alex.ok("export").out)
    assert [p["text"] for p in backup["promises"]] == [ALEX_TEXT]
    assert [p["id"] for p in backup["partner"]["promises"]] == ["b1"]
    assert backup["partner"]["name"] == "Samwise"
    assert [c["result"] for c in backup["confirmations"]] == ["confirmed"]
    assert [c["promise"] for c in backup["partner"]["seen_of_mine"]] == [1]

    text = alex.ok("export", "--format", "markdown").out
    assert "## Samwise's promises" in text and f"### b1. {SAM_TEXT}" in text
    assert "- 2026-11-30 confirmed by Samwise" in text
    assert "- 2026-11-30 confirmed by me: saw it" in text

    (tmp_path / "backup.json").write_text(json.dumps(backup))
    fresh = Person(tmp_path / "fresh-home", ALEX_NOW)
    fresh.ok("import", str(tmp_path / "backup.json"))
    assert list(listed(fresh)) == ["1"]


def test_an_unpaired_export_is_unchanged(alex):
    alex.ok("promise", "add", ALEX_TEXT)
    backup = json.loads(alex.ok("export").out)
    assert "partner" not in backup and "confirmations" not in backup
    assert " by me" not in alex.ok("export", "--format", "markdown").out


def test_a_change_made_while_the_folder_is_away_is_shared_when_it_is_back(alex, sam, tmp_path):
    folder, away = tmp_path / "us", tmp_path / "unmounted"
    pair_in_one_folder(alex, sam, folder)
    assert listed(sam) == {}  # sam takes the grant
    folder.rename(away)
    added = alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise")
    assert added.out.strip() == "1"
    assert "could not be written" in added.err and "next time" in added.err
    away.rename(folder)
    alex.ok("promise", "kept", "1")
    seen = listed(sam)
    assert list(seen) == ["a1"] and seen["a1"]["kept"] == 1
    for device in json.loads(sam.ok("pair", "status", "--json").out)["devices"]:
        assert device["refused"] == []
    alex.ok("promise", "missed", "1", "--on", "2026-11-30", "--replace")
    seen = listed(sam)["a1"]
    assert (seen["kept"], seen["missed"]) == (0, 1)


def today(run: Person) -> dict:
    return json.loads(run.ok("today", "--json").out)


def test_today_says_what_is_mine_to_record_and_what_is_new_from_my_partner(alex, sam, tmp_path):
    alex.ok("promise", "add", ALEX_TEXT, "--to", "Samwise", "--every", "daily")
    alex.ok("promise", "add", "Book the counsellor", "--due", "today")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    assert [row["id"] for row in today(alex)["to_record"]] == [1, 2]
    alex.ok("promise", "kept", "1", "--note", NOTE)
    mine = today(alex)
    assert [row["id"] for row in mine["to_record"]] == [2]
    assert mine["partner"] == {
        "name": "",
        "new_promises": [],
        "to_confirm": [],
        "hard_moments": [],
        "sets_waiting": [],
    }  # no hello yet

    first = today(sam)
    assert first["to_record"] == [] and first["reminders"] == []
    assert [p["id"] for p in first["partner"]["new_promises"]] == ["a1", "a2"]
    assert first["partner"]["to_confirm"] == [
        {"promise": "a1", "text": ALEX_TEXT, "on": "2026-11-30", "note": NOTE, "new": True}
    ]
    again = today(sam)  # looking once is enough: nothing is new any more
    assert again["partner"]["new_promises"] == []
    assert [d["new"] for d in again["partner"]["to_confirm"]] == [False]
    shown = sam.ok("today").out
    assert "From Alexandrina:" in shown
    assert "trustcli promise confirm a1 --on 2026-11-30" in shown
    sam.ok("promise", "confirm", "a1", "--on", "2026-11-30")
    assert today(sam)["partner"]["to_confirm"] == []
    assert "Nothing new from Alexandrina." in sam.ok("today").out


def test_today_on_an_unpaired_home(alex):
    alex.ok("promise", "add", ALEX_TEXT, "--every", "mon,tue")
    found = today(alex)
    assert found["partner"] is None and [row["id"] for row in found["to_record"]] == [1]
    shown = alex.ok("today").out
    assert "Yours to record today:" in shown and "From" not in shown
    alex.ok("promise", "kept", "1")
    assert "Nothing of yours to record today." in alex.ok("today").out


def test_a_day_from_a_clock_running_ahead_is_offered_once_it_comes(alex, sam, tmp_path):
    pair_in_one_folder(alex, sam, tmp_path / "us")
    sam.ok("promise", "add", SAM_TEXT, "--every", "daily")
    sam.ok("promise", "kept", "1")  # 2026-12-03 on sam's clock; alex's today is 11-30
    assert listed(alex)["b1"]["kept"] == 1
    assert today(alex)["partner"]["to_confirm"] == []
    later = alex.at("2026-12-03T21:00:00+01:00")
    offered = json.loads(later.ok("today", "--json").out)["partner"]["to_confirm"]
    assert [(d["promise"], d["on"]) for d in offered] == [("b1", "2026-12-03")]
    later.ok("promise", "confirm", "b1")


def test_a_tampered_partner_record_is_refused_and_the_rest_still_work(alex, sam, tmp_path):
    folder = tmp_path / "us"
    pair_in_one_folder(alex, sam, folder)
    sam.ok("promise", "add", SAM_TEXT)
    sam.ok("promise", "add", "Cook on Fridays")
    devices = json.loads(sam.ok("pair", "status", "--json").out)["devices"]
    sams = next(d for d in devices if d["this"])
    records = folder / sams["device"] / "records"
    lines = records.read_bytes().split(b"\n")
    seq, sealed, signature = lines[-2].split(b" ")  # the last promise: "Cook on Fridays"
    flipped = bytearray(sealed)
    flipped[20] = ord("A") if flipped[20] != ord("A") else ord("B")
    lines[-2] = b" ".join([seq, bytes(flipped), signature])
    records.write_bytes(b"\n".join(lines))
    alex.ok("promise", "add", ALEX_TEXT)
    assert list(listed(alex)) == ["1", "b1"]
    devices = json.loads(alex.ok("pair", "status", "--json").out)["devices"]
    partner = next(d for d in devices if not d["this"])
    assert any("does not authenticate" in reason for reason in partner["refused"])
