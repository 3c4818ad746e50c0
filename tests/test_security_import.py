"""`trustcli import` treats a backup as untrusted input (issue 10).

A backup may come from someone else, or be crafted: every record is checked with the
checks the commands use before anything is written, sizes are capped, and settings and
safety entries are the person's own. Whatever a backup holds, once it is imported every
reading command still works.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

NOW = "2026-11-26T20:00:00+01:00"
MADE = "2026-11-20T09:00:00+01:00"

OWN_SET = """\
title = "Our own questions"
audience = "both"

[[question]]
id = "best"
prompt = "What was the best moment this week?"
kind = "text"
"""


@pytest.fixture
def backup(cli, ok, home, monkeypatch) -> dict[str, Any]:
    """A backup of a home with one of everything, as a parsed document."""
    monkeypatch.setenv("TRUSTCLI_NOW", MADE)
    ok("init", "--me", "alex", "--partner", "sam")
    with (home / "config.toml").open("a") as handle:
        handle.write('\n[remind]\npromise_time = "19:30"\n')
    (home / "templates" / "questions").mkdir(parents=True)
    (home / "templates" / "questions" / "ours.toml").write_text(OWN_SET)
    (home / "safety.toml").write_text(
        '[[screen]]\nwho = "alex"\nshown = 2026-11-19T20:00:00+01:00\n'
    )
    assert cli("promise", "add", "Walk together", "--every", "daily").code == 0
    assert cli("promise", "add", "Book the counsellor", "--due", "2026-12-01").code == 0
    assert cli("remind", "add", "weekly sun 19:00", "-m", "Our weekly talk").code == 0
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    assert cli("promise", "kept", "1", "--note", "by the river").code == 0
    assert cli("checkin", "-r", "6", "--as", "sam").code == 0
    assert cli("ask", "weekly-checkin", "--answers", "-", stdin="good\n\nwalks\n7\n1\n").code == 0
    assert cli("ask", "ours", "--as", "sam", "--answers", "-", stdin="the walk\n").code == 0
    result = cli("export")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["safety"] == []  # exports hold nothing about it; earlier ones did:
    document["safety"] = [{"who": "alex", "shown": "2026-11-19T20:00:00+01:00"}]
    return document


def readers(cli, tmp_path: Path) -> list[tuple[str, ...]]:
    """Every command that reads the data home, with the ids the home holds."""
    commands: list[tuple[str, ...]] = [
        ("promise", "list", "--all"),
        ("promise", "list", "--json"),
        ("promise", "stats"),
        ("promise", "stats", "--json"),
        ("checkin", "list"),
        ("checkin", "list", "--json"),
        ("report",),
        ("report", "--json"),
        ("report", "-o", str(tmp_path / "report.md")),
        ("ask", "history"),
        ("ask", "history", "--json"),
        ("ask", "--list"),
        ("worksheet", "list"),
        ("export",),
        ("export", "--format", "markdown"),
        ("export", "--format", "ics"),
        ("remind", "list"),
        ("remind", "list", "--json"),
        ("remind", "due", "--json"),
    ]
    made = json.loads(cli("promise", "list", "--all", "--json").out)
    commands += [("promise", "show", str(p["id"])) for p in made]
    commands += [("promise", "show", str(p["id"]), "--json") for p in made]
    held = json.loads(cli("ask", "history", "--json").out)
    commands += [("ask", "show", str(s["id"])) for s in held]
    commands += [("ask", "show", str(s["id"]), "--json") for s in held]
    sheets = json.loads(cli("worksheet", "list", "--json").out)
    commands += [("worksheet", "new", sheet["name"], "-o", "-") for sheet in sheets]
    return commands


def _set(kind: str, key: str, value: Any, index: int = 0) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document[kind][index][key] = value

    return change


def _drop(kind: str, key: str, index: int = 0) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document[kind][index].pop(key, None)

    return change


def _config(value: Any) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["config"] = value

    return change


def _template(kind: str, name: str, text: str) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["templates"].setdefault(kind, {})[name] = text

    return change


# name → (change, the place an import must name when it refuses it; None: it may be taken)
HOSTILE: dict[str, tuple[Callable[[dict], None], str | None]] = {
    "answers-text": (_set("sessions", "answers", "abc"), "sessions[0].answers"),
    "answers-list": (_set("sessions", "answers", {"went-well": [1, 2]}), "sessions[0].answers"),
    "answer-unknown-id": (_set("sessions", "answers", {"nope": "x"}), "sessions[0].answers"),
    "answer-scale-text": (
        _set("sessions", "answers", {"trust-this-week": "very"}),
        "sessions[0].answers.trust-this-week",
    ),
    "answer-scale-99": (
        _set("sessions", "answers", {"trust-this-week": 99}),
        "sessions[0].answers.trust-this-week",
    ),
    "answer-choice-other": (
        _set("sessions", "answers", {"celebrate": "a surprise"}),
        "sessions[0].answers.celebrate",
    ),
    "answer-yesno-for-text": (
        _set("sessions", "answers", {"went-well": True}),
        "sessions[0].answers.went-well",
    ),
    "skipped-and-answered": (
        _set("sessions", "skipped", ["went-well"]),
        "sessions[0].skipped",
    ),
    "skipped-unknown-id": (_set("sessions", "skipped", ["nope"]), "sessions[0].skipped"),
    "session-who-number": (_set("sessions", "who", 5), "sessions[0].who"),
    "session-who-long": (_set("sessions", "who", "a" * 300), "sessions[0].who"),
    "session-set-long": (_set("sessions", "set", "s" * 300), "sessions[0].set"),
    "session-title-number": (_set("sessions", "title", 5), "sessions[0].title"),
    "session-finished-before": (
        _set("sessions", "finished", "2020-01-01T00:00:00+01:00"),
        "sessions[0].finished",
    ),
    "session-unknown-set": (_set("sessions", "set", "gone-set"), None),
    "checkin-who-number": (_set("checkins", "who", 5), "checkins[0].who"),
    "checkin-who-newline": (_set("checkins", "who", "sam\nalex"), "checkins[0].who"),
    "checkin-who-bidi": (_set("checkins", "who", "sam\u202e"), "checkins[0].who"),
    "checkin-note-escape": (_set("checkins", "note", "\x1b[2J\x1b]0;owned\x07"), None),
    "promise-by-number": (_set("promises", "by", 5), "promises[0].by"),
    "promise-text-blank": (_set("promises", "text", "   "), "promises[0]"),
    "promise-created-year-1": (
        _set("promises", "created", "0001-01-01T00:00:00+00:00"),
        "promises[0].created",
    ),
    "promise-created-future": (
        _set("promises", "created", "2099-01-01T00:00:00+00:00"),
        "promises[0].created",
    ),
    "promise-due-9999": (_set("promises", "due", "9999-12-31", index=1), "promises[1].due"),
    "promise-due-and-every": (_set("promises", "due", "2026-12-01"), "promises[0].due"),
    "promise-closed-how-number": (
        lambda d: d["promises"][0].update(closed=NOW, closed_how=5),
        "promises[0].closed_how",
    ),
    "promise-closed-how-word": (
        lambda d: d["promises"][0].update(closed=NOW, closed_how="<b>hidden</b>"),
        "promises[0].closed_how",
    ),
    "promise-tags-empty": (_set("promises", "tags", ["", "ok"]), "promises[0].tags"),
    "promise-text-escape": (_set("promises", "text", "walk\x1b[31m red\u202e"), None),
    "followup-note-number": (_set("followups", "note", 5), "followups[0].note"),
    "reminder-message-number": (_set("reminders", "message", 5), "reminders[0].message"),
    "reminder-created-year-1": (
        _set("reminders", "created", "0001-01-01T00:00:00+00:00"),
        "reminders[0].created",
    ),
    "config-names-not-table": (_config({"names": "alex"}), "config.names"),
    "config-name-newline": (_config({"names": {"me": "a\nb"}}), "config.names.me"),
    "config-promise-time": (
        _config({"remind": {"promise_time": "99:99"}}),
        "config.remind.promise_time",
    ),
    "config-show-details-text": (
        _config({"notify": {"show_details": "yes"}}),
        "config.notify.show_details",
    ),
    "config-notify-show-unknown": (_config({"notify": {"show": "loud"}}), "config.notify.show"),
    "config-notify-show-not-text": (_config({"notify": {"show": True}}), "config.notify.show"),
    "config-notify-show": (_config({"notify": {"show": "none", "show_details": True}}), None),
    "config-unlock-for": (_config({"vault": {"unlock_for": "30m"}}), None),
    "config-unlock-for-zero": (_config({"vault": {"unlock_for": "0m"}}), "config.vault.unlock_for"),
    "config-unlock-for-number": (_config({"vault": {"unlock_for": 30}}), "config.vault.unlock_for"),
    "config-unknown": (_config({"zone": "Mars/Olympus", "names": {"me": "alex"}}), None),
    "config-show-details": (_config({"notify": {"show_details": True}}), None),
    "safety-other-person": (
        lambda d: d["safety"].append({"who": "sam", "shown": NOW, "concern": True}),
        None,
    ),
    "question-set-broken": (
        _template("questions", "broken", "title = \n"),
        "templates.questions.broken",
    ),
    "worksheet-broken": (
        _template("worksheets", "progress", "{% for x in %}\n"),
        "templates.worksheets.progress",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_whatever_a_backup_holds_every_reading_command_still_works(
    cli, backup, home, tmp_path, monkeypatch, name
):
    change, place = HOSTILE[name]
    change(backup)
    source = tmp_path / "hostile.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    result = cli("import", str(source), "--with-config")  # the most taken: settings too
    if place is not None:
        assert result.code == 2, result.text
        assert place in result.err and "nothing was imported" in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1 and result.out == ""
        assert not new_home.exists()
        return
    assert result.code == 0, result.text
    for command in readers(cli, tmp_path):
        done = cli(*command)
        if name == "session-unknown-set" and command[:2] == ("ask", "show") and done.code:
            # As for any session whose set was removed: said in one line, and the
            # transcript the import wrote holds the answers.
            assert "no longer installed" in done.err and done.code == 1, done.text
            transcripts = list((new_home / "sessions").glob(f"{int(command[2]):04d}-*.md"))
            assert len(transcripts) == 1 and "good" in transcripts[0].read_text()
            continue
        assert done.code == 0, (command, done.text)
        assert "internal error" not in done.text and "Traceback" not in done.text
        if command[-1] != "--json" and command[0] != "export":
            assert "\x1b" not in done.out, (command, done.out)


def test_a_refused_answer_is_refused_after_nothing_was_written(cli, backup, tmp_path, monkeypatch):
    """The first record of a kind written last is bad: promises are not written first."""
    backup["sessions"][-1]["answers"] = "abc"
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(source))
    assert result.code == 2 and "sessions[1].answers" in result.err, result.text
    assert not (tmp_path / "new-home").exists()


# --- settings and safety are the person's own ----------------------------------------------


def test_settings_and_safety_are_taken_only_when_asked(cli, backup, tmp_path, monkeypatch):
    backup["config"]["notify"] = {"show_details": True}
    backup["safety"][0]["concern"] = True
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    result = cli("import", str(source))
    assert result.code == 0, result.text
    assert "settings (config.toml)" not in result.out and "safety" not in result.out
    assert "not taken" in result.err and "--with-config" in result.err
    assert not (new_home / "config.toml").exists() and not (new_home / "safety.toml").exists()
    # Asked: the settings come, and the person's own safety entry with its answer.
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "asked"))
    result = cli("import", str(source), "--with-config")
    assert result.code == 0, result.text
    assert "settings (config.toml)" in result.out and "1 safety entry" in result.out
    assert json.loads(cli("export").out)["config"]["notify"] == {"show_details": True}
    assert "concern = true" in (tmp_path / "asked" / "safety.toml").read_text()


def test_a_safety_entry_for_anyone_else_is_never_taken(cli, backup, tmp_path, monkeypatch):
    backup["safety"] += [
        {"who": "sam", "shown": NOW},
        {"who": "kim", "shown": NOW, "concern": True},
    ]
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    result = cli("import", str(source), "--with-config")
    assert result.code == 0, result.text
    assert "1 safety entry" in result.out
    assert "left out the safety entries of kim, sam" in result.err
    safety = (new_home / "safety.toml").read_text()
    assert 'who = "alex"' in safety and "sam" not in safety and "kim" not in safety


def test_unknown_settings_are_left_out_and_named(cli, backup, tmp_path, monkeypatch):
    backup["config"]["zone"] = "Mars/Olympus"
    backup["config"]["notify"] = {"show_details": False, "sound": "loud"}
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    result = cli("import", str(source), "--with-config")
    assert result.code == 0, result.text
    assert "left out settings trustcli does not know: zone, notify.sound" in result.err
    config = (new_home / "config.toml").read_text()
    assert "Mars" not in config and "sound" not in config and "show_details = false" in config


# --- sizes are capped ------------------------------------------------------------------------


def _refused_cleanly(result, new_home: Path, phrase: str) -> None:
    assert result.code == 2, result.text
    assert phrase in result.err and "nothing was imported" in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "internal error" not in result.err
    assert not new_home.exists()


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_a_deeply_nested_backup_is_refused_in_one_line(sh, tmp_path, how):
    source = tmp_path / "deep.json"
    source.write_text('{"format": "trustcli-export", "version": 2, "promises": ' + "[" * 100_000)
    new_home = tmp_path / "new-home"
    env = {"TRUSTCLI_HOME": str(new_home)}
    if how == "file":
        result = sh("import", str(source), env=env)
    else:
        result = sh("import", "-", stdin=source.read_text(), env=env)
    _refused_cleanly(result, new_home, "deeper than a trustcli export")


def test_nesting_json_can_read_is_refused_too(cli, backup, tmp_path, monkeypatch):
    backup["config"]["names"] = {"me": [[[[[["alex"]]]]]]}
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    _refused_cleanly(cli("import", str(source)), new_home, "deeper than a trustcli export")


def test_a_backup_larger_than_the_cap_is_refused_unread(sh, tmp_path):
    from trustcli import export

    source = tmp_path / "big.json"
    with source.open("w") as handle:  # valid JSON, one byte over the cap
        head = '{"format": "trustcli-export", "version": 2, "x": "'
        handle.write(head + "a" * (export.MAX_BYTES - len(head) - 1) + '"}')
    new_home = tmp_path / "new-home"
    result = sh("import", str(source), env={"TRUSTCLI_HOME": str(new_home)})
    _refused_cleanly(result, new_home, "larger than 32 MB")


@pytest.mark.parametrize(
    ("kind", "field", "limit"),
    [
        ("promises", "text", 1_000),
        ("followups", "note", 10_000),
        ("checkins", "note", 10_000),
        ("reminders", "message", 1_000),
        ("sessions", "title", 1_000),
    ],
)
def test_each_text_in_a_backup_is_capped(cli, backup, tmp_path, monkeypatch, kind, field, limit):
    backup[kind][0][field] = "x" * limit  # at the cap: taken
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "at-cap"))
    assert cli("import", str(source)).code == 0
    backup[kind][0][field] = "x" * (limit + 1)
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "over-cap"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    _refused_cleanly(cli("import", str(source)), new_home, f"{kind}[0].{field}")


@pytest.mark.parametrize(
    ("value", "place"),
    [("x" * 10_001, "promises[0].extra"), (["a"] * 1_001, "promises[0].tags")],
)
def test_a_value_trustcli_does_not_read_is_capped_too(
    cli, backup, tmp_path, monkeypatch, value, place
):
    """Every command reads a stored record again: a field of no use still costs."""
    backup["promises"][0][place.rsplit(".", 1)[1]] = value
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    _refused_cleanly(cli("import", str(source)), new_home, place)


def test_an_answer_in_a_backup_is_capped(cli, backup, tmp_path, monkeypatch):
    backup["sessions"][0]["answers"]["went-well"] = "x" * 50_001
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    _refused_cleanly(cli("import", str(source)), new_home, "sessions[0].answers.went-well")


def test_the_number_of_records_is_capped(cli, backup, tmp_path, monkeypatch):
    from trustcli import export

    backup["reminders"] = backup["reminders"] * (export.MAX_RECORDS["reminders"] + 1)
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    _refused_cleanly(cli("import", str(source)), new_home, "reminders: 1,001 records")


# --- the commands keep the same limits ----------------------------------------------------


def test_typed_text_is_capped_as_a_backup_is(cli, home, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    huge = "x" * 1_000_000
    cases = [
        ("promise", "add", huge),
        ("promise", "add", "walk", "--tag", "x" * 1_001),
        ("checkin", "-r", "5", "--note", "x" * 10_001),
        ("remind", "add", "daily 21:00", "-m", "x" * 1_001),
        ("init", "--me", "x" * 101),
        ("ask", "history", "--as", "x" * 101),
    ]
    for command in cases:
        result = cli(*command)
        assert result.code == 2, (command[:2], result.text[:300])
        assert len(result.err.strip().splitlines()) == 1 and "internal error" not in result.err
        assert len(result.err) < 400  # the line names the limit, it does not echo the text
    assert cli("promise", "add", "x" * 1_000).code == 0  # at the cap
    assert cli("promise", "kept", "1", "--note", "x" * 10_001).code == 2
    assert cli("promise", "kept", "1", "--note", "x" * 10_000).code == 0
    answers = "x" * 50_001 + "\n\n\n7\n1\n"
    result = cli("ask", "weekly-checkin", "--answers", "-", stdin=answers)
    assert result.code == 2 and "50,000" in result.err, result.text[:300]
    assert not (home / "sessions").exists()


def test_a_backup_replaces_a_built_in_template_only_when_asked(cli, backup, tmp_path, monkeypatch):
    """A joint set made one for "self" would skip the safety question: like settings, a
    backup's own version of a built-in changes trustcli itself."""
    builtin = Path(__file__).parent.parent / "templates" / "questions" / "rebuild-trust.toml"
    backup["templates"]["questions"]["rebuild-trust"] = builtin.read_text().replace(
        'audience = "both"', 'audience = "self"'
    )
    source = tmp_path / "b.json"
    source.write_text(json.dumps(backup))

    def audience() -> str:
        sets = json.loads(cli("ask", "--list", "--json").out)
        return next(s["audience"] for s in sets if s["name"] == "rebuild-trust")

    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "plain"))
    result = cli("import", str(source))
    assert result.code == 0, result.text
    assert "own versions of built-in templates (rebuild-trust)" in result.err
    assert "--with-config" in result.err and "1 template" in result.out  # ours only
    assert audience() == "both"
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "asked"))
    result = cli("import", str(source), "--with-config")
    assert result.code == 0 and "2 templates" in result.out, result.text
    assert audience() == "self"


def _import_into_new_home(cli, document: dict, tmp_path: Path, monkeypatch, *flags: str):
    source = tmp_path / "backup.json"
    source.write_text(json.dumps(document))
    new_home = tmp_path / "new-home"
    monkeypatch.setenv("TRUSTCLI_HOME", str(new_home))
    return cli("import", str(source), *flags), new_home


def test_long_plain_names_import_whole(cli, home, tmp_path, monkeypatch):
    """A set and a person at the longest a name may be: the session's file name is longer
    than one name, and the whole backup still goes in (it stopped halfway before)."""
    long_set, long_who = "s" * 95, "Alexandra " + "x" * 80 + " Smith"
    (home / "templates" / "questions").mkdir(parents=True)
    (home / "templates" / "questions" / f"{long_set}.toml").write_text(OWN_SET)
    assert cli("init", "--me", long_who).code == 0
    assert cli("promise", "add", "Walk together").code == 0
    assert cli("remind", "add", "weekly sun 19:00", "-m", "Our weekly talk").code == 0
    for _ in range(2):
        assert cli("ask", long_set, "--answers", "-", stdin="the walk\n").code == 0
    assert [s["id"] for s in json.loads(cli("ask", "history", "--json").out)] == [1, 2]
    document = json.loads(cli("export").out)
    result, _ = _import_into_new_home(cli, document, tmp_path, monkeypatch, "--with-config")
    assert result.code == 0, result.err
    assert json.loads(cli("remind", "list", "--json").out)[0]["message"] == "Our weekly talk"
    assert [s["id"] for s in json.loads(cli("ask", "history", "--json").out)] == [1, 2]


def test_an_offset_toml_cannot_hold_is_refused_before_anything_is_written(
    cli, backup, tmp_path, monkeypatch
):
    """'+01:00:30' reads as a date-time in Python but not in TOML: it crashed halfway."""
    backup["checkins"][0]["at"] = "2026-11-26T20:00:00+01:00:30"
    result, new_home = _import_into_new_home(cli, backup, tmp_path, monkeypatch)
    _refused_cleanly(result, new_home, "checkins[0].at")
