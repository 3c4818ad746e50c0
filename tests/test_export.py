"""`trustcli export` / `import`: JSON round trip, Markdown, iCalendar."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from markdown_it import MarkdownIt

from .conftest import snapshot

NOW = "2026-11-26T20:00:00+01:00"


@pytest.fixture
def filled(ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-20T09:00:00+01:00")
    ok("init", "--me", "alex", "--partner", "sam")
    ok("promise", "add", "Walk, together; at 7", "--every", "mon,thu")
    ok("promise", "add", "Book the counsellor", "--due", "2026-12-01")
    ok("promise", "add", "Weekly talk", "--every", "fortnightly")
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    ok("promise", "kept", "1", "--note", "around the lake")
    ok("promise", "missed", "1", "--on", "2026-11-23")
    ok("checkin", "-r", "6", "--note", "calmer")
    ok("ask", "weekly-checkin", "--answers", "-", stdin="good\n\nwalks\n7\n1\n")


def export_json(cli) -> dict:
    result = cli("export")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_export_import_export_is_identical(cli, filled, monkeypatch, tmp_path):
    first = export_json(cli)
    assert first["format"] == "trustcli-export" and first["version"] == 2
    assert len(first["promises"]) == 3 and len(first["followups"]) == 2
    backup = tmp_path / "backup.json"
    assert cli("export", "-o", str(backup)).code == 0
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(backup), "--with-config")
    assert result.code == 0, result.err
    assert "3 promises" in result.out and "2 follow-ups" in result.out
    assert export_json(cli) == first
    assert cli("promise", "kept", "2").code == 0  # the restored home works


def test_import_from_stdin(cli, filled, monkeypatch, tmp_path):
    backup = cli("export").out
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "fresh"))
    result = cli("import", "-", stdin=backup)
    assert result.code == 0 and "3 promises" in result.out


def test_import_refuses_a_home_with_data_unless_merging(cli, ok, filled, tmp_path):
    backup = tmp_path / "backup.json"
    ok("export", "-o", str(backup))
    refused = cli("import", str(backup))
    assert refused.code == 2 and "--merge" in refused.err
    merged = cli("import", str(backup), "--merge")
    assert merged.code == 0 and merged.out.strip() == "nothing new"  # no duplicates


def test_merge_adds_new_records_with_new_ids(cli, ok, filled, tmp_path, monkeypatch):
    other = tmp_path / "other"
    monkeypatch.setenv("TRUSTCLI_HOME", str(other))
    ok("promise", "add", "From the other laptop")
    ok("promise", "kept", "1")
    backup = tmp_path / "other.json"
    ok("export", "-o", str(backup))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "home"))
    assert cli("import", str(backup), "--merge").code == 0
    rows = json.loads(cli("promise", "list", "--all", "--json").out)
    assert [(r["id"], r["text"]) for r in rows][-1] == (4, "From the other laptop")
    assert rows[-1]["kept"] == 1


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("not json", "not a trustcli export"),
        ('{"hello": 1}', "not a trustcli export"),
        ('{"format": "trustcli-export", "version": 9}', "upgrade trustcli"),
        ('{"format": "trustcli-export", "version": 1, "promises": 5}', "not a list"),
    ],
)
def test_import_rejects_what_is_not_an_export(cli, tmp_path, home, content, phrase):
    source = tmp_path / "in.json"
    source.write_text(content)
    result = cli("import", str(source))
    assert result.code == 2 and phrase in result.err
    assert not home.exists() or not any(home.glob("*.toml"))


def test_export_refuses_to_overwrite(cli, filled, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("keep me")
    result = cli("export", "-o", str(target))
    assert result.code == 2 and "--force" in result.err
    assert target.read_text() == "keep me"
    assert cli("export", "-o", str(target), "--force").code == 0


def test_markdown_export_is_readable_commonmark(cli, filled):
    result = cli("export", "--format", "markdown")
    assert result.code == 0
    tokens = MarkdownIt("commonmark").enable("table").parse(result.out)
    assert sum(t.type == "heading_open" and t.tag == "h1" for t in tokens) == 1
    assert "around the lake" in result.out and "calmer" in result.out
    assert "What went well between us this week?" in result.out
    assert "## Reminders" in result.out and "No reminders of your own." in result.out


def test_markdown_export_lists_reminders(cli, ok, home, monkeypatch):
    make_everything(ok, home, monkeypatch)
    text = cli("export", "--format", "markdown").out
    assert "- every 2 weeks sat 10:00: Plan a day out (paused)" in text
    assert "- 2026-12-24T18:00: Call your mother" in text


def test_ics_export_parses_with_the_expected_rules(cli, filled, tmp_path):
    target = tmp_path / "promises.ics"
    assert cli("export", "--format", "ics", "-o", str(target)).code == 0
    raw = target.read_bytes()
    assert b"\r\n" in raw
    calendar = icalendar.Calendar.from_ical(raw)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    walk = events["Promise: Walk, together; at 7"]
    assert walk["RRULE"]["FREQ"] == ["WEEKLY"] and walk["RRULE"]["BYDAY"] == ["MO", "TH"]
    talk = events["Promise: Weekly talk"]
    assert talk["RRULE"]["FREQ"] == ["WEEKLY"] and talk["RRULE"]["INTERVAL"] == [2]
    book = events["Promise: Book the counsellor"]
    assert book["DTSTART"].dt.isoformat() == "2026-12-01" and "RRULE" not in book


def test_unknown_format(cli):
    result = cli("export", "--format", "pdf")
    assert result.code == 2 and "json, markdown or ics" in result.err


def test_the_json_backup_is_private(ok, filled, tmp_path):
    target = tmp_path / "b.json"
    ok("export", "-o", str(target))
    assert oct(Path(target).stat().st_mode & 0o777) == "0o600"


# --- import is all or nothing -------------------------------------------------------------


def full_backup(cli, tmp_path) -> dict:
    """The filled store plus a reminder of each kind, as a parsed export."""
    assert cli("remind", "add", "weekly sun 19:00", "-m", "Our weekly talk").code == 0
    assert cli("remind", "add", "daily 08:00", "--promise", "1").code == 0
    return export_json(cli)


def with_checkins(document: dict, count: int) -> dict:
    """The document with ``count`` more check-ins (the bad one goes last)."""
    for day in range(count):
        document["checkins"].append(
            {
                "on": f"2026-11-{day + 1:02d}",
                "who": "sam",
                "rating": 5,
                "at": f"2026-11-{day + 1:02d}T21:00:00+01:00",
            }
        )
    return document


def _spoil(document: dict, how: str) -> str:
    """Make the last record of one kind bad; return where the error must point."""
    if how == "rating":
        last = len(document["checkins"]) - 1
        document["checkins"][last]["rating"] = 42
        return f"checkins[{last}].rating"
    if how == "date":
        last = len(document["followups"]) - 1
        document["followups"][last]["on"] = "2026-02-30"
        return f"followups[{last}].on"
    if how == "duplicate-id":
        document["promises"][-1]["id"] = document["promises"][0]["id"]
        return f"promises[{len(document['promises']) - 1}].id"
    if how == "when":
        last = len(document["reminders"]) - 1
        document["reminders"][last]["when"] = "when the moon is blue"
        return f"reminders[{last}].when"
    if how == "orphan":
        document["followups"].append({**document["followups"][-1], "promise": 99})
        return f"followups[{len(document['followups']) - 1}].promise"
    if how == "nested":  # a table inside a log record would break the log's TOML
        document["followups"][-1]["extra"] = {"a": 1}
        return f"followups[{len(document['followups']) - 1}].extra"
    if how == "surrogate":  # not text that UTF-8 can hold
        document["checkins"][-1]["note"] = "\ud800"
        return f"checkins[{len(document['checkins']) - 1}].note"
    if how == "null-in-promise":
        document["promises"][-1]["tags"] = ["ok", None]
        return f"promises[{len(document['promises']) - 1}].tags[1]"
    # Days the CLI refuses (see `promise kept --on`): an import must refuse them too.
    if how in ("year-1", "next-year", "before-made"):
        last = len(document["followups"]) - 1
        made = next(
            p for p in document["promises"] if p["id"] == document["followups"][last]["promise"]
        )
        day = {"year-1": "0001-01-01", "next-year": "2027-11-01"}.get(how)
        document["followups"][last]["on"] = day or made["created"][:8] + "01"
        made.pop("since", None)
        return f"followups[{last}].on"
    if how == "huge-id":  # TOML integers are 64-bit; ids are typed by people
        document["promises"][-1]["id"] = 2**70
        return f"promises[{len(document['promises']) - 1}].id"
    if how == "huge-number":
        document["promises"][-1]["extra"] = -(2**64)
        return f"promises[{len(document['promises']) - 1}].extra"
    if how == "checkin-year-1":
        document["checkins"][-1]["on"] = "0001-01-01"
        return f"checkins[{len(document['checkins']) - 1}].on"
    raise AssertionError(how)


SPOILS = ("rating", "date", "duplicate-id", "when", "orphan", "nested", "surrogate")
SPOILS += ("null-in-promise", "year-1", "next-year", "before-made", "checkin-year-1")
SPOILS += ("huge-id", "huge-number")


@pytest.mark.parametrize("how", SPOILS)
def test_a_bad_last_record_imports_nothing_into_a_new_home(cli, filled, tmp_path, monkeypatch, how):
    document = with_checkins(full_backup(cli, tmp_path), 4)
    where = _spoil(document, how)
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(document))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    result = cli("import", str(source))
    assert result.code == 2, result.text
    assert where in result.err and "nothing was imported" in result.err
    assert len(result.err.strip().splitlines()) == 1 and result.out == ""
    assert not new_home.exists()


@pytest.mark.parametrize("how", SPOILS)
def test_a_bad_last_record_leaves_a_home_unchanged_when_merging(
    cli, ok, filled, tmp_path, monkeypatch, home, how
):
    other = tmp_path / "other"
    monkeypatch.setenv("TRUSTCLI_HOME", str(other))
    ok("promise", "add", "From the other laptop", "--every", "daily")
    ok("promise", "add", "And one more", "--due", "+3d")
    ok("promise", "kept", "1")
    ok("checkin", "-r", "7")
    document = with_checkins(full_backup(cli, tmp_path), 3)
    where = _spoil(document, how)
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(document))
    monkeypatch.setenv("TRUSTCLI_HOME", str(home))
    export_json(cli)  # the reading cache is warm, as any earlier command leaves it
    before = snapshot(home)
    result = cli("import", str(source), "--merge")
    assert result.code == 2 and where in result.err, result.text
    assert snapshot(home) == before


def test_a_refused_import_can_be_retried_once_fixed(cli, filled, tmp_path, monkeypatch):
    document = with_checkins(export_json(cli), 2)
    document["checkins"][-1]["rating"] = 42
    source = tmp_path / "backup.json"
    source.write_text(json.dumps(document))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    assert cli("import", str(source)).code == 2
    document["checkins"][-1]["rating"] = 4
    source.write_text(json.dumps(document))
    result = cli("import", str(source))
    assert result.code == 0, result.err
    assert "3 check-ins" in result.out


def test_the_counts_printed_are_the_records_written(cli, filled, tmp_path, monkeypatch):
    backup = full_backup(cli, tmp_path)
    source = tmp_path / "backup.json"
    source.write_text(json.dumps(backup))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(source), "--with-config")
    assert result.code == 0, result.err
    assert result.out.strip() == (
        "3 promises, 2 follow-ups, 1 check-in, 1 session, 2 reminders, settings (config.toml)"
    )
    stats = json.loads(cli("promise", "stats", "--json").out)["overall"]
    assert stats["kept"] + stats["missed"] == 2
    # The same backup again, merged: everything is already there, nothing is written.
    again = cli("import", str(source), "--merge")
    assert again.code == 0 and again.out.strip() == "nothing new"
    assert "already in this home, so not added again: 3 promises, 2 follow-ups" in again.err


def test_a_version_1_backup_still_imports(cli, filled, tmp_path, monkeypatch):
    document = export_json(cli)
    document["version"] = 1
    del document["reminders"], document["templates"]
    source = tmp_path / "old.json"
    source.write_text(json.dumps(document))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(source))
    assert result.code == 0, result.err
    assert result.out.startswith("3 promises, 2 follow-ups, 1 check-in, 1 session")


# --- export is everything ---------------------------------------------------------------------

QUESTION_SET = """\
title = "Our own questions"
audience = "both"

[[question]]
id = "best"
prompt = "What was the best moment this week?"
kind = "text"
"""

WORKSHEET = "# Our own sheet\n\nMade for {{ me }}.\n"


def make_everything(ok, home, monkeypatch) -> None:
    """A home with every kind of thing a person makes."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-20T09:00:00+01:00")
    ok("init", "--me", "alex", "--partner", "sam")
    with (home / "config.toml").open("a") as handle:
        handle.write('\n[notify]\nshow_details = true\n\n[remind]\npromise_time = "19:30"\n')
    (home / "templates" / "questions").mkdir(parents=True)
    (home / "templates" / "questions" / "ours.toml").write_text(QUESTION_SET)
    (home / "templates" / "worksheets").mkdir(parents=True)
    (home / "templates" / "worksheets" / "our-sheet.md").write_text(WORKSHEET)
    (home / "safety.toml").write_text(
        '[[screen]]\nwho = "alex"\nshown = 2026-11-19T20:00:00+01:00\n\n'
        '[[screen]]\nwho = "sam"\nshown = 2026-11-19T20:05:00+01:00\nconcern = true\n'
    )
    ok("promise", "add", "Walk together", "--every", "mon,thu")
    ok("promise", "add", "One more", "--due", "2026-12-01")
    ok("promise", "close", "2")
    ok("remind", "add", "every 2 weeks sat 10:00", "-m", "Plan a day out")
    ok("remind", "add", "2026-12-24T18:00", "-m", "Call your mother", "--kind", "custom")
    ok("remind", "pause", "1")
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    ok("promise", "kept", "1", "--note", "by the river")
    ok("checkin", "-r", "6", "--as", "sam")
    ok("ask", "ours", "--answers", "-", stdin="the walk\n")
    ok("ask", "weekly-checkin", "--answers", "-", stdin="good\n\nwalks\n7\n1\n")


def test_export_holds_everything_a_person_made(cli, ok, home, monkeypatch):
    make_everything(ok, home, monkeypatch)
    document = export_json(cli)
    assert [r["when"] for r in document["reminders"]] == [
        "every 2 weeks sat 10:00",
        "2026-12-24T18:00",
    ]
    assert document["reminders"][0]["paused"] is True
    assert document["config"]["notify"] == {"show_details": True}
    assert document["templates"]["questions"] == {"ours": QUESTION_SET}
    assert document["templates"]["worksheets"] == {"our-sheet": WORKSHEET}
    assert [s["set"] for s in document["sessions"]] == ["ours", "weekly-checkin"]
    # Safety: nothing about it leaves this computer, not even whether it was asked.
    assert document["safety"] == []


def test_everything_round_trips_byte_identical(cli, ok, home, monkeypatch, tmp_path):
    make_everything(ok, home, monkeypatch)
    first = cli("export").out
    source = tmp_path / "backup.json"
    source.write_text(first)
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    result = cli("import", str(source), "--with-config")
    assert result.code == 0, result.err
    assert cli("export").out == first
    for name in ("templates/questions/ours.toml", "templates/worksheets/our-sheet.md"):
        assert (new_home / name).read_bytes() == (home / name).read_bytes()
    for name in sorted(p.name for p in (home / "sessions").iterdir()):
        assert (new_home / "sessions" / name).read_bytes() == (
            home / "sessions" / name
        ).read_bytes()
    listed = json.loads(cli("remind", "list", "--json").out)
    assert [r["id"] for r in listed] == [1, 2, "p1"]
    assert cli("ask", "compare", "ours").code != 0  # the restored set loads; sam has not answered


def test_merge_adds_reminders_and_templates_once_with_new_ids(cli, ok, home, monkeypatch, tmp_path):
    make_everything(ok, home, monkeypatch)
    source = tmp_path / "backup.json"
    assert cli("export", "-o", str(source)).code == 0
    other = tmp_path / "other"
    monkeypatch.setenv("TRUSTCLI_HOME", str(other))
    ok("remind", "add", "daily 21:00", "-m", "Check in")
    (other / "templates" / "worksheets").mkdir(parents=True)
    (other / "templates" / "worksheets" / "our-sheet.md").write_text("mine\n")
    result = cli("import", str(source), "--merge")
    assert result.code == 0, result.err
    assert "our-sheet" in result.err  # the home's own, different template is kept, and said so
    assert (other / "templates" / "worksheets" / "our-sheet.md").read_text() == "mine\n"
    assert (other / "templates" / "questions" / "ours.toml").read_text() == QUESTION_SET
    listed = json.loads(cli("remind", "list", "--json").out)
    assert [(r["id"], r["message"]) for r in listed if isinstance(r["id"], int)] == [
        (1, "Check in"),
        (2, "Plan a day out"),
        (3, "Call your mother"),
    ]
    once_more = cli("import", str(source), "--merge")
    assert once_more.code == 0 and once_more.out.strip() == "nothing new"
    assert len(json.loads(cli("remind", "list", "--json").out)) == len(listed)


@pytest.mark.parametrize(
    ("where", "name"),
    [
        ("sessions[0].set", "../../outside"),
        ("sessions[0].set", ".hidden"),
        ("sessions[0].who", "a/b"),
        ("templates.questions", "../evil"),
        ("templates.worksheets", "..\u0000x"),
        ("templates.worksheets", ".profile"),
        ("templates.worksheets", "\udcff"),
    ],
)
def test_names_from_a_backup_must_be_plain(cli, ok, home, monkeypatch, tmp_path, where, name):
    make_everything(ok, home, monkeypatch)
    document = export_json(cli)
    if where.startswith("sessions"):
        document["sessions"][0][where.rsplit(".", 1)[1]] = name
    else:
        kind = where.split(".")[1]
        document["templates"][kind][name] = "text\n"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(document))
    new_home = tmp_path / "deep" / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    result = cli("import", str(source))
    assert result.code == 2 and where in result.err, result.text
    assert not (tmp_path / "deep").exists()


# --- calendars ----------------------------------------------------------------------------

MONDAY = "2026-11-23T09:00:00+01:00"
SCHEDULES = (
    "daily",
    "weekdays",
    "weekends",
    "weekly",
    "fortnightly",
    "monthly",
    "sun",
    "mon,thu",
    "sat",
)


@pytest.mark.parametrize("made", [MONDAY, "2027-01-30T09:00:00+01:00"])
def test_calendar_events_start_on_the_first_real_occurrence(cli, monkeypatch, tmp_path, made):
    """Read by a second, independent parser (recurring-ical-events expands the RRULEs),
    the first occurrences of every schedule form are the days trustcli itself calls
    due: the follow-through reminders each repeating promise brings (remind list).
    Made on a Monday, and on a Saturday the 30th (monthly: February has no 30th)."""
    import recurring_ical_events

    monkeypatch.setenv("TRUSTCLI_NOW", made)
    for every in SCHEDULES:
        assert cli("promise", "add", f"Every {every}", "--every", every).code == 0
    assert cli("promise", "add", "Once, on Friday", "--due", "fri").code == 0
    assert cli("promise", "add", "Closed", "--every", "daily").code == 0
    assert cli("promise", "close", str(len(SCHEDULES) + 2)).code == 0
    ours: dict[str, list[str]] = {}
    for number, every in enumerate(SCHEDULES, start=1):
        clock = datetime.fromisoformat(made)
        for _ in range(3):  # `remind list` shows the next time: move the clock past it
            monkeypatch.setenv("TRUSTCLI_NOW", clock.isoformat())
            listed = json.loads(cli("remind", "list", "--json").out)
            moment = next(r for r in listed if r["id"] == f"p{number}")["next"][0]
            ours.setdefault(f"Promise: Every {every}", []).append(moment[:10])
            clock = datetime.fromisoformat(moment) + timedelta(minutes=1)
    friday = json.loads(cli("promise", "list", "--json").out)[len(SCHEDULES)]["due"]
    target = tmp_path / "promises.ics"
    assert cli("export", "--format", "ics", "-o", str(target)).code == 0
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    found: dict[str, list[str]] = {}
    for event in recurring_ical_events.of(calendar).between((2026, 11, 1), (2027, 6, 1)):
        found.setdefault(str(event["SUMMARY"]), []).append(event["DTSTART"].dt.isoformat())
    assert "Promise: Closed" not in found
    assert found.pop("Promise: Once, on Friday") == [friday]
    firsts = {summary: sorted(days)[:3] for summary, days in found.items()}
    assert firsts == ours
    if made == MONDAY:
        assert firsts["Promise: Every sun"] == ["2026-11-29", "2026-12-06", "2026-12-13"]


def test_calendar_text_is_escaped_and_folded_by_the_library(cli, monkeypatch, tmp_path):
    text = "Walk, together; at 7 — " + "long words " * 12
    assert cli("promise", "add", text, "--every", "mon,thu").code == 0
    raw = cli("export", "--format", "ics").out.encode()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    event = next(iter(icalendar.Calendar.from_ical(raw).walk("VEVENT")))
    assert str(event["SUMMARY"]) == f"Promise: {text.strip()}"


def test_only_the_calendar_export_loads_the_calendar_library(home, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_HOME", str(home))
    code = (
        "import sys, io, contextlib\n"
        "from trustcli.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['promise', 'add', 'x', '--every', 'daily']) == 0\n"
        "    assert main(['export']) == 0\n"
        "    assert main(['export', '--format', 'markdown']) == 0\n"
        "print('icalendar' in sys.modules)\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['export', '--format', 'ics']) == 0\n"
        "print('icalendar' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


# --- output and input that are not there ------------------------------------------------------


def run_script(*args: str, stdin=None, stdout=None) -> subprocess.CompletedProcess[str]:
    from tests.conftest import trustcli_executable

    return subprocess.run(
        [trustcli_executable(), *args],
        stdin=stdin,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )


def test_import_from_a_closed_stdin_says_what_to_pass(cli, filled):
    done = run_script("import", "-", stdin=subprocess.DEVNULL)  # empty
    assert done.returncode == 2 and "standard input was empty" in done.stderr
    closed = subprocess.run(
        f"exec {trustcli_path()} import - <&-", shell=True, capture_output=True, text=True
    )
    assert closed.returncode == 2, closed.stderr
    assert closed.stderr.count("\n") == 1 and "import FILE" in closed.stderr


def trustcli_path() -> str:
    from tests.conftest import trustcli_executable

    return trustcli_executable()


@pytest.mark.parametrize("fmt", ["json", "markdown", "ics"])
def test_an_export_that_cannot_be_written_says_so_in_one_line(cli, filled, fmt):
    with open("/dev/full", "w") as full:
        done = run_script("export", "--format", fmt, stdout=full)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "-o FILE" in done.stderr
    assert "internal error" not in done.stderr


def test_an_export_into_a_closed_pipe_is_quiet(cli, filled):
    done = subprocess.run(
        f"{trustcli_path()} export | head -c 1", shell=True, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == "" and done.stdout == "{"


def test_an_import_whose_summary_cannot_be_shown_still_says_it_was_saved(
    cli, ok, filled, tmp_path, monkeypatch
):
    backup = tmp_path / "backup.json"
    ok("export", "-o", str(backup))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    with open("/dev/full", "w") as full:
        done = run_script("import", str(backup), stdout=full)
    assert done.returncode == 1, done.stderr
    assert "imported" in done.stderr.lower() and "internal error" not in done.stderr
    assert len(export_json(cli)["promises"]) == 3


def test_merge_never_drops_a_remembered_safety_answer_quietly(
    cli, ok, home, monkeypatch, tmp_path, at_now
):
    ok("init", "--me", "alex")
    (home / "safety.toml").write_text(
        '[[screen]]\nwho = "alex"\nshown = 2026-11-19T20:00:00+01:00\nconcern = true\n'
    )
    source = tmp_path / "backup.json"
    assert cli("export", "-o", str(source)).code == 0
    # A backup from an earlier trustcli held the person's own entry (exports no longer do).
    older = json.loads(source.read_text())
    older["safety"] = [{"who": "alex", "shown": "2026-11-19T20:00:00+01:00", "concern": True}]
    source.write_text(json.dumps(older))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "other"))
    ok("init", "--me", "alex")
    (tmp_path / "other" / "safety.toml").write_text(
        '[[screen]]\nwho = "alex"\nshown = 2026-11-25T20:00:00+01:00\n'
    )
    result = cli("import", str(source), "--merge", "--with-config")
    assert result.code == 0, result.err
    assert "kept this home's safety entry for alex" in result.err


def test_a_broken_reminders_file_is_named_before_anything_is_imported(cli, filled, home, tmp_path):
    assert cli("remind", "add", "weekly sun 19:00", "-m", "Our weekly talk").code == 0
    source = tmp_path / "backup.json"
    assert cli("export", "-o", str(source)).code == 0
    (home / "reminders.toml").write_text(
        '[[reminder]]\nid = "one"\nwhen = "daily 21:00"\ncreated = 2026-11-20T09:00:00+01:00\n'
    )
    before = snapshot(home)
    result = cli("import", str(source), "--merge")
    assert result.code == 2 and "reminders.toml" in result.err, result.text
    assert snapshot(home) == before


def test_a_restored_home_never_gives_a_deleted_promise_s_id_again(cli, home, monkeypatch, tmp_path):
    """promises.toml remembers the highest id given; the backup carries it across."""
    for text in ("first", "second"):
        assert cli("promise", "add", text).code == 0
    path = home / "promises.toml"
    text = path.read_text()
    path.write_text(text[: text.rindex("[[promise]]")])  # the second, deleted by hand
    source = tmp_path / "backup.json"
    assert cli("export", "-o", str(source)).code == 0
    assert json.loads(source.read_text())["last_promise_id"] == 2
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "restored"))
    assert cli("import", str(source)).code == 0
    added = cli("promise", "add", "third")
    assert added.out.strip() == "3", added.text


def test_a_bad_last_promise_id_imports_nothing(cli, tmp_path, monkeypatch):
    source = tmp_path / "backup.json"
    assert cli("promise", "add", "first").code == 0
    document = json.loads(cli("export").out)
    source.write_text(json.dumps({**document, "last_promise_id": "two"}))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "restored"))
    result = cli("import", str(source))
    assert result.code == 2 and "last_promise_id" in result.err
    assert not (tmp_path / "restored").exists()


@pytest.mark.parametrize(
    ("day", "taken"),
    [("2026-11-27", True), ("2026-11-28", False), ("2016-11-26", True), ("2016-11-25", False)],
)
def test_an_imported_day_is_judged_as_the_commands_judge_it(
    cli, filled, monkeypatch, tmp_path, day, taken
):
    """A day something happened: up to ten years back, and not in the future (a day of
    slack for a backup made in a zone already in tomorrow); every record of one import
    against the same today."""
    document = export_json(cli)
    document["checkins"].append(
        {"on": day, "who": "sam", "rating": 5, "at": "2026-11-26T19:00:00+01:00"}
    )
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    result = cli("import", "-", stdin=json.dumps(document))
    if taken:
        assert result.code == 0, result.err
        assert "2 check-ins" in result.out
    else:
        assert result.code == 2
        assert result.err.strip() == (
            f"trustcli: checkins[1].on: {day} cannot be the day it happened (in the future, "
            "or more than 10 years ago); nothing was imported"
        )
