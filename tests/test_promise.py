"""The promise log, as a person uses it: given a data home, when they run a command,
then they see this, and the files hold that."""

from __future__ import annotations

import json
import stat
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import NOW, snapshot  # NOW: a Thursday; the at_now fixture pins it


def travel(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("TRUSTCLI_NOW", when)


def listing(cli, *args: str) -> list[dict]:
    result = cli("promise", "list", "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


# --- add ---------------------------------------------------------------------------


def test_add_prints_small_increasing_ids_and_stores_readable_toml(cli, home: Path, at_now):
    first = cli("promise", "add", "Call if I'm running late", "--to", "sam", "--every", "daily")
    second = cli("promise", "add", "Book the counsellor", "--due", "friday", "-t", "help")
    assert (first.code, first.out) == (0, "1\n")
    assert (second.code, second.out) == (0, "2\n")
    assert "promise kept 1" in first.err

    document = tomllib.loads((home / "promises.toml").read_text())
    one, two = document["promise"]
    assert one["text"] == "Call if I'm running late"
    assert (one["by"], one["to"], one["every"]) == ("me", "sam", "daily")
    assert one["created"].isoformat() == NOW
    assert two["due"].isoformat() == "2026-11-27"  # the next friday
    assert two["tags"] == ["help"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("today", "2026-11-26"),
        ("tomorrow", "2026-11-27"),
        ("+3d", "2026-11-29"),
        ("+2w", "2026-12-10"),
        ("thursday", "2026-11-26"),  # a weekday name on that weekday means today
        ("fri", "2026-11-27"),  # …and otherwise looks ahead
        ("mon", "2026-11-30"),
        ("2026-12-24", "2026-12-24"),
    ],
)
def test_due_accepts_the_date_words_people_type(cli, at_now, word, expected):
    assert cli("promise", "add", "x", "--due", word).code == 0
    assert listing(cli)[0]["due"] == expected


def test_by_and_to_default_to_the_configured_names(cli, ok, at_now):
    assert cli("init", "--me", "alex", "--partner", "sam").code == 0
    ok("promise", "add", "Share my calendar")
    row = listing(cli)[0]
    assert (row["by"], row["to"]) == ("alex", "sam")


def test_without_config_the_promiser_is_me(cli, ok, at_now):
    ok("promise", "add", "Share my calendar")
    row = listing(cli)[0]
    assert (row["by"], row["to"]) == ("me", "")


def test_every_is_stored_in_one_spelling(cli, ok, at_now):
    ok("promise", "add", "a", "--every", "Thursday, mon")
    ok("promise", "add", "b", "--every", "every day")
    assert [row["every"] for row in listing(cli)] == ["mon,thu", "daily"]


# --- list ----------------------------------------------------------------------------


def test_list_json_has_the_fields_scripts_rely_on(cli, ok, at_now):
    ok("promise", "add", "Be home by 7", "--to", "sam")
    ok("promise", "kept", "1")
    (row,) = listing(cli)
    for key in ("id", "text", "by", "to", "created", "due", "closed", "kept", "missed"):
        assert key in row
    assert (row["kept"], row["missed"], row["last_followup"]) == (1, 0, "2026-11-26")


def test_list_table_shows_who_counts_and_last_followup(cli, ok, at_now):
    ok("promise", "add", "Be home by 7", "--to", "sam")
    ok("promise", "missed", "1", "--note", "traffic")
    result = cli("promise", "list")
    assert result.code == 0
    header, row = result.out.splitlines()
    assert header.split() == ["id", "promise", "who", "due", "kept", "missed", "last"]
    assert "me → sam" in row and "2026-11-26 missed" in row
    assert "\x1b[" not in result.out  # no escape codes when not a terminal


def test_list_filters_by_status(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-11-20T09:00:00+01:00")
    ok("promise", "add", "late one", "--due", "+2d")
    ok("promise", "add", "on time", "--due", "2026-12-31")
    ok("promise", "add", "done")
    ok("promise", "close", "3")
    travel(monkeypatch, NOW)
    assert [r["id"] for r in listing(cli)] == [1, 2]
    assert [r["id"] for r in listing(cli, "--status", "overdue")] == [1]
    assert [r["id"] for r in listing(cli, "--status", "closed")] == [3]
    assert [r["id"] for r in listing(cli, "--all")] == [1, 2, 3]


def test_list_on_an_empty_home_says_how_to_start(cli):
    result = cli("promise", "list")
    assert result.code == 0 and result.out == ""
    assert "promise add" in result.err


def test_a_daily_promise_left_unmarked_becomes_overdue(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-11-23T09:00:00+01:00")  # monday
    ok("promise", "add", "walk together", "--every", "daily")
    travel(monkeypatch, "2026-11-24T21:00:00+01:00")  # tuesday: nothing missed yet
    assert listing(cli)[0]["status"] == "open"
    travel(monkeypatch, "2026-11-25T21:00:00+01:00")  # wednesday: tuesday went unmarked
    assert listing(cli)[0]["status"] == "overdue"
    ok("promise", "kept", "1")
    assert listing(cli)[0]["status"] == "open"


def test_a_weekday_schedule_does_not_expect_weekends(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-11-27T09:00:00+01:00")  # friday
    ok("promise", "add", "lunch call", "--every", "weekdays")
    ok("promise", "kept", "1")
    travel(monkeypatch, "2026-11-30T09:00:00+01:00")  # monday
    assert listing(cli)[0]["status"] == "open"


def test_a_kept_one_off_promise_past_its_due_date_is_not_overdue(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-11-20T09:00:00+01:00")
    ok("promise", "add", "fix the shelf", "--due", "tomorrow")
    ok("promise", "add", "call the bank", "--due", "tomorrow")
    ok("promise", "kept", "1", "--on", "today")
    travel(monkeypatch, NOW)
    statuses = {row["id"]: row["status"] for row in listing(cli)}
    assert statuses == {1: "open", 2: "overdue"}


# --- kept / missed / show -------------------------------------------------------------


def test_followups_append_records_with_date_note_and_offset(cli, ok, home: Path, at_now):
    ok("promise", "add", "Phone before 9", "--since", "-3d")
    assert cli("promise", "kept", "1", "--note", "called at 8:40").code == 0
    assert cli("promise", "missed", "1", "--on", "yesterday").code == 0
    text = (home / "followthrough.toml").read_text()
    assert text.count("[[followup]]") == 2
    one, two = tomllib.loads(text)["followup"]
    assert (one["result"], one["on"].isoformat(), one["note"]) == (
        "kept",
        "2026-11-26",
        "called at 8:40",
    )
    assert (two["result"], two["on"].isoformat()) == ("missed", "2026-11-25")
    assert one["at"].utcoffset() is not None
    assert list(one)[-1] == "at"  # written last: a torn record is always detectable


def test_show_lists_the_history_in_the_order_things_happened(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-11-20T09:00:00+01:00")
    ok("promise", "add", "No phone at dinner", "--to", "sam")
    travel(monkeypatch, NOW)
    ok("promise", "kept", "1", "--on", "2026-11-25", "--note", "second")
    ok("promise", "missed", "1", "--on", "2026-11-21", "--note", "first")
    human = cli("promise", "show", "1")
    assert human.code == 0
    assert human.out.index("first") < human.out.index("second")
    assert "me → sam" in human.out
    data = json.loads(cli("promise", "show", "#1", "--json").out)
    assert [h["note"] for h in data["history"]] == ["first", "second"]
    assert (data["kept"], data["missed"], data["current_streak"]) == (1, 1, 1)


def test_a_weekday_for_on_looks_back(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-11-16T09:00:00+01:00")
    ok("promise", "add", "x")
    travel(monkeypatch, NOW)  # thursday
    ok("promise", "kept", "1", "--on", "fri")
    assert listing(cli)[0]["last_followup"] == "2026-11-20"
    ok("promise", "kept", "1", "--on", "thu")  # on a thursday, 'thu' is today
    assert listing(cli)[0]["last_followup"] == "2026-11-26"


def test_help_says_a_weekday_name_can_be_today(cli):
    for command in ("add", "kept", "missed"):
        text = " ".join(cli("promise", command, "--help").out.replace("│", " ").split())
        assert "on that day itself, today" in text, command


# --- close / reopen ---------------------------------------------------------------------


def test_close_keeps_the_promise_in_history(cli, ok, at_now):
    ok("promise", "add", "a")
    ok("promise", "add", "b")
    assert cli("promise", "close", "1").code == 0
    assert cli("promise", "close", "2", "--released").code == 0
    rows = listing(cli, "--all")
    assert [(r["status"], r["closed_how"]) for r in rows] == [
        ("closed", "fulfilled"),
        ("closed", "released"),
    ]
    assert rows[0]["closed"].startswith("2026-11-26T20:00:00")
    assert "released" in cli("promise", "show", "2").out


def test_a_reopened_promise_takes_followups_again(cli, ok, home, at_now):
    ok("promise", "add", "a")
    ok("promise", "close", "1")
    closed = snapshot(home)
    assert_refused(cli("promise", "kept", "1"), "is closed", "promise reopen 1")
    assert snapshot(home) == closed
    reopened = cli("promise", "reopen", "1")
    assert (reopened.code, reopened.out, reopened.err) == (0, "", "Promise 1 is open again.\n")
    (row,) = listing(cli)
    assert (row["status"], row["closed"], row["closed_how"]) == ("open", None, None)
    opened = snapshot(home)
    assert_refused(cli("promise", "reopen", "1"), "already open")
    assert snapshot(home) == opened
    kept = cli("promise", "kept", "1")
    assert (kept.code, kept.err) == (0, "Recorded: promise 1 kept today.\n")
    (row,) = listing(cli)
    assert (row["kept"], row["last_followup"], row["last_result"]) == (1, NOW[:10], "kept")


# --- stats ------------------------------------------------------------------------------


def test_stats_counts_rates_and_streaks_in_date_order(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-11-01T09:00:00+01:00")
    ok("promise", "add", "a", "--every", "daily")
    ok("promise", "add", "b", "--due", "+1d")
    travel(monkeypatch, NOW)
    # promise 1, by day: 4 kept, 1 missed, 3 kept (recorded out of order)
    for day, result in [
        ("2026-11-18", "kept"),
        ("2026-11-19", "kept"),
        ("2026-11-20", "kept"),
        ("2026-11-21", "kept"),
        ("2026-11-23", "kept"),
        ("2026-11-22", "missed"),
        ("2026-11-24", "kept"),
        ("2026-11-25", "kept"),
    ]:
        assert cli("promise", result, "1", "--on", day).code == 0
    ok("promise", "missed", "2", "--on", "2026-11-02")
    figures = json.loads(cli("promise", "stats", "--json").out)
    one, two = figures["promises"]
    assert (one["kept"], one["missed"], one["rate"]) == (7, 1, 0.875)
    assert (one["current_streak"], one["longest_streak"]) == (3, 4)
    assert (two["kept"], two["missed"], two["rate"], two["status"]) == (0, 1, 0.0, "overdue")
    overall = figures["overall"]
    assert (overall["kept"], overall["missed"]) == (7, 2)
    assert (overall["current_streak"], overall["longest_streak"]) == (3, 4)
    assert overall["overdue"] == [2]
    human = cli("promise", "stats")
    assert "88%" in human.out and "overdue: 2" in human.out


def test_stats_stay_right_after_the_log_is_edited_by_hand(cli, ok, home: Path, at_now):
    ok("promise", "add", "a", "--since", "yesterday")
    ok("promise", "kept", "1")
    ok("promise", "kept", "1", "--on", "yesterday")
    assert json.loads(cli("promise", "stats", "--json").out)["overall"]["kept"] == 2
    log = home / "followthrough.toml"
    log.write_text(log.read_text().replace('"kept"', '"missed"', 1))
    overall = json.loads(cli("promise", "stats", "--json").out)["overall"]
    assert (overall["kept"], overall["missed"]) == (1, 1)


def test_stats_on_an_empty_home(cli):
    result = cli("promise", "stats", "--json")
    assert result.code == 0
    assert json.loads(result.out)["overall"]["rate"] is None


# --- bad input: one clear line, exit 2, nothing changed -----------------------------------


def assert_refused(result, *phrases: str, code: int = 2) -> None:
    assert result.code == code, result
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "Traceback" not in result.err
    for phrase in phrases:
        assert phrase in result.err


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["promise", "kept", "7"], "no promise 7"),
        (["promise", "kept", "abc"], "not a promise id"),
        (["promise", "kept", "0"], "not a promise id"),
        (["promise", "kept", "-1"], "No such option"),
        (["promise", "show", "2.5"], "not a promise id"),
        (["promise", "close", "9"], "no promise 9"),
        (["promise", "add", "   "], "empty"),
        (["promise", "add", ""], "empty"),
        (["promise", "add", "x", "--due", "2026-02-30"], "not a real date"),
        (["promise", "add", "x", "--due", "tomorrowish"], "can't read the date"),
        (["promise", "add", "x", "--due", "2020-01-01"], "in the past"),
        (["promise", "add", "x", "--due", "2999-01-01"], "years away"),
        (["promise", "add", "x", "--every", "blursday"], "can't read the schedule"),
        (["promise", "add", "x", "--tag", " "], "--tag is empty: give a word"),
        (["promise", "add", "x", "--by", " "], "--by is empty"),
        (["promise", "kept", "1", "--on", "+2d"], "in the future"),
        (["promise", "kept", "1", "--on", "2026-13-01"], "not a real date"),
        (["promise", "list", "--status", "late"], "unknown status"),
        (["promise", "add"], "Missing argument"),
        (["promise", "frobnicate"], "No such command"),
    ],
)
def test_bad_input_gets_one_clear_line_and_changes_nothing(cli, ok, home, at_now, args, phrase):
    ok("promise", "add", "the one promise")
    before = {p.name: p.read_bytes() for p in home.glob("*.toml")}
    assert_refused(cli(*args), phrase)
    assert {p.name: p.read_bytes() for p in home.glob("*.toml")} == before


def test_a_closed_promise_cannot_be_marked(cli, ok, home, at_now):
    ok("promise", "add", "a")
    ok("promise", "close", "1")
    assert_refused(cli("promise", "kept", "1"), "closed", "reopen")
    assert_refused(cli("promise", "close", "1"), "already closed")
    assert not (home / "followthrough.toml").exists()


def test_a_hand_broken_promises_file_is_named_and_never_overwritten(cli, ok, home, at_now):
    ok("promise", "add", "a")
    path = home / "promises.toml"
    broken = path.read_text().replace('text = "a"', 'text = "a')
    path.write_text(broken)
    line = broken.splitlines().index('text = "a') + 1
    for args in (["promise", "list"], ["promise", "add", "b"], ["promise", "close", "1"]):
        result = cli(*args)
        assert_refused(result, str(path), f"line {line}", "column")
    assert path.read_text() == broken


def test_a_hand_edited_last_followup_is_named_not_called_cut_off(cli, ok, home, at_now):
    ok("promise", "add", "a")
    ok("promise", "kept", "1")
    log = home / "followthrough.toml"
    log.write_text(log.read_text().replace('result = "kept"', 'result = "kpt"'))
    result = cli("promise", "list")
    assert_refused(result, "the record at line 2", "neither kept nor missed")
    assert "cut off" not in result.err


def test_a_promise_with_a_missing_field_is_named(cli, ok, home, at_now):
    ok("promise", "add", "a")
    path = home / "promises.toml"
    path.write_text(path.read_text().replace('text = "a"\n', ""))
    assert_refused(cli("promise", "add", "b"), "promise 1 has no 'text'")
    assert_refused(cli("promise", "list"), "promise 1 has no 'text'")


def test_an_unwritable_data_home_is_a_runtime_failure(sh, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = sh("promise", "add", "x", env={"TRUSTCLI_HOME": str(blocker / "home")})
    assert_refused(result, "is not a folder", code=1)


def test_files_are_private(ok, home: Path, at_now):
    ok("promise", "add", "a")
    ok("promise", "kept", "1")
    ok("promise", "list")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in home.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


# --- the installed script --------------------------------------------------------------


def test_the_installed_script_round_trip_without_a_terminal(sh, home):
    assert sh("promise", "add", "Tell you where I am", "--every", "daily").out == "1\n"
    assert sh("promise", "kept", "1", "--note", "texted from the station").code == 0
    result = sh("promise", "list", "--json")
    assert result.code == 0
    (row,) = json.loads(result.out)
    assert (row["text"], row["kept"]) == ("Tell you where I am", 1)
    refused = sh("promise", "kept", "no-such-id")
    assert refused.code == 2 and "Traceback" not in refused.err


# --- an id is never given twice ------------------------------------------------------------


def promise_blocks(path: Path) -> list[str]:
    """The file's text split before each [[promise]] header (the first part: the rest)."""
    return path.read_text().split("[[promise]]")


def test_an_emptied_promises_file_never_gives_an_old_id_again(cli, ok, home: Path, at_now):
    ok("promise", "add", "Call at lunch")
    ok("promise", "kept", "1", "--note", "called")
    (home / "promises.toml").write_text("")  # emptied by hand
    result = cli("promise", "add", "A new promise")
    assert result.out == "2\n"
    (row,) = listing(cli)
    assert (row["id"], row["kept"], row["last_followup"]) == (2, 0, None)
    assert "followthrough.toml" in result.err  # the orphaned follow-up is named


def test_a_hand_deleted_last_promise_never_gives_its_id_again(cli, ok, home: Path, at_now):
    ok("promise", "add", "a")
    ok("promise", "add", "b")
    path = home / "promises.toml"
    path.write_text("[[promise]]".join(promise_blocks(path)[:-1]).rstrip() + "\n")
    assert [row["id"] for row in listing(cli)] == [1]
    assert cli("promise", "add", "c").out == "3\n"
    assert [row["id"] for row in listing(cli)] == [1, 3]


def test_followups_whose_promise_is_gone_are_named_with_their_line(cli, ok, home: Path, at_now):
    ok("promise", "add", "a")
    ok("promise", "add", "b")
    ok("promise", "kept", "1")
    ok("promise", "kept", "2")
    path = home / "promises.toml"
    blocks = promise_blocks(path)
    path.write_text(blocks[0] + "[[promise]]" + blocks[2])  # promise 1 deleted by hand
    log_lines = (home / "followthrough.toml").read_text().splitlines()
    line = log_lines.index("promise = 1")  # the header is the line before: 1-based, equal
    for args in (["promise", "list"], ["promise", "stats"], ["report"]):
        result = cli(*args)
        assert result.code == 0, result.err
        assert f"followthrough.toml: line {line}" in result.err, args
        assert "promise 1" in result.err and len(result.err.strip().splitlines()) == 1
    overall = json.loads(cli("promise", "stats", "--json").out)["overall"]
    assert (overall["kept"], overall["current_streak"]) == (1, 1)
    assert cli("promise", "add", "c").out == "3\n"


def test_duplicate_ids_are_named_with_both_lines_and_nothing_acts_on_them(
    cli, ok, home: Path, at_now
):
    ok("promise", "add", "a")
    ok("promise", "add", "b")
    path = home / "promises.toml"
    path.write_text(path.read_text().replace("id = 2", "id = 1"))
    edited = path.read_text()
    first, second = [n for n, t in enumerate(edited.splitlines(), 1) if t == "[[promise]]"]
    for args in (
        ["promise", "close", "1"],
        ["promise", "kept", "1"],
        ["promise", "reopen", "1"],
        ["promise", "list"],
        ["promise", "add", "c"],
    ):
        refused = cli(*args)
        lines = f"lines {first} and {second}"
        assert_refused(refused, "two promises have id 1", lines, str(path))
    assert path.read_text() == edited
    assert not (home / "followthrough.toml").exists()


# --- one day, one record ---------------------------------------------------------------------


def test_one_day_holds_one_record_per_promise(cli, ok, home: Path, at_now):
    ok("promise", "add", "a", "--every", "daily", "--since", "-1w")
    assert cli("promise", "kept", "1").code == 0
    log = home / "followthrough.toml"
    before = log.read_bytes()
    assert_refused(cli("promise", "kept", "1"), "already", "--replace")
    assert_refused(cli("promise", "missed", "1", "--on", "today"), "already", "--replace")
    assert log.read_bytes() == before
    fixed = cli("promise", "missed", "1", "--replace", "--note", "I was late after all")
    assert fixed.code == 0, fixed.err
    data = json.loads(cli("promise", "show", "1", "--json").out)
    assert (data["kept"], data["missed"], data["current_streak"]) == (0, 1, 0)
    assert [(h["result"], h["note"]) for h in data["history"]] == [
        ("missed", "I was late after all")
    ]
    overall = json.loads(cli("promise", "stats", "--json").out)["overall"]
    assert (overall["kept"], overall["missed"]) == (0, 1)
    # another day is free, and --replace on a day with no record just records it
    assert cli("promise", "kept", "1", "--on", "yesterday", "--replace").code == 0
    assert json.loads(cli("promise", "show", "1", "--json").out)["missed"] == 1


def test_parallel_kept_of_one_promise_leaves_exactly_one_record(sh, home: Path, at_now):
    import subprocess

    from .conftest import trustcli_executable

    assert sh("promise", "add", "Walk together", "--every", "daily").code == 0
    script = f'for i in $(seq 25); do "{trustcli_executable()}" promise kept 1 & done; wait'
    subprocess.run(["sh", "-c", script], capture_output=True, timeout=120, check=True)
    records = tomllib.loads((home / "followthrough.toml").read_text())["followup"]
    assert len(records) == 1
    overall = json.loads(sh("promise", "stats", "--json").out)["overall"]
    assert (overall["kept"], overall["current_streak"], overall["longest_streak"]) == (1, 1, 1)


# --- dates that cannot be ------------------------------------------------------------------


def test_a_followup_before_the_promise_was_made_is_refused(cli, ok, home: Path, at_now):
    ok("promise", "add", "a")
    for day in ("0001-01-01", "2026-11-25", "yesterday"):
        assert_refused(
            cli("promise", "kept", "1", "--on", day), "made on 2026-11-26", "edit 1 --since"
        )
    assert not (home / "followthrough.toml").exists()


def test_since_backfills_a_promise_made_before_it_was_typed_in(cli, ok, home: Path, at_now):
    assert cli("promise", "add", "a", "--every", "daily", "--since", "2026-11-20").code == 0
    assert cli("promise", "kept", "1", "--on", "2026-11-21").code == 0
    row = listing(cli)[0]
    assert (row["since"], row["created"][:10]) == ("2026-11-20", "2026-11-26")
    assert "made     2026-11-20" in cli("promise", "show", "1").out
    # corrected later
    ok("promise", "add", "b")
    assert_refused(cli("promise", "kept", "2", "--on", "2026-11-02"), "made on 2026-11-26")
    edited = cli("promise", "edit", "2", "--since", "2026-11-01")
    assert edited.code == 0, edited.err
    assert cli("promise", "kept", "2", "--on", "2026-11-02").code == 0
    # never after its own follow-ups, never in the future, never in year 1
    assert_refused(cli("promise", "edit", "1", "--since", "2026-11-22"), "2026-11-21")
    assert_refused(cli("promise", "edit", "1", "--since", "tomorrow"), "in the future")
    assert_refused(cli("promise", "add", "c", "--since", "+1d"), "in the future")
    assert_refused(cli("promise", "add", "c", "--since", "0001-01-01"), "0001-01-01")
    assert_refused(cli("promise", "edit", "7", "--since", "2026-11-01"), "no promise 7")
    assert [row["id"] for row in listing(cli)] == [1, 2]


# --- numbers that don't flatter -------------------------------------------------------------


def test_a_streak_needs_every_scheduled_day_in_between_recorded(cli, ok, monkeypatch):
    travel(monkeypatch, "2026-10-01T09:00:00+01:00")
    ok("promise", "add", "daily", "--every", "daily")
    ok("promise", "add", "weekdays", "--every", "weekdays")
    ok("promise", "add", "weekly", "--every", "weekly")
    travel(monkeypatch, NOW)  # thursday 2026-11-26
    for offset in range(11):  # 10-20 … 10-30 kept, then 27 days with nothing recorded
        ok("promise", "kept", "1", "--on", (date(2026, 10, 20) + timedelta(offset)).isoformat())
    for day in ("2026-11-13", "2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25"):
        ok("promise", "kept", "2", "--on", day)  # fri, then mon-wed: the weekend is no gap
    for day in ("2026-11-02", "2026-11-09", "2026-11-23"):
        ok("promise", "kept", "3", "--on", day)  # two weeks between 11-09 and 11-23
    rows = json.loads(cli("promise", "stats", "--json").out)["promises"]
    streaks = [(row["current_streak"], row["longest_streak"]) for row in rows]
    assert streaks == [(0, 11), (4, 4), (1, 2)]
    overall = json.loads(cli("promise", "stats", "--json").out)["overall"]
    assert overall["current_streak"] == 0  # the daily promise has been left unrecorded


def test_since_survives_export_and_import(cli, ok, home: Path, at_now, monkeypatch, tmp_path):
    ok("promise", "add", "a", "--every", "daily", "--since", "2026-11-20")
    ok("promise", "kept", "1", "--on", "2026-11-21")
    backup = tmp_path / "backup.json"
    assert cli("export", "-o", str(backup)).code == 0
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "restored"))
    result = cli("import", str(backup))
    assert result.code == 0, result.err
    (row,) = listing(cli)
    assert (row["since"], row["kept"]) == ("2026-11-20", 1)
