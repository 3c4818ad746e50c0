"""`trustcli export` / `import`: JSON round trip, Markdown, iCalendar."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest
from markdown_it import MarkdownIt

NOW = "2026-11-26T20:00:00+01:00"


@pytest.fixture
def filled(cli, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-20T09:00:00+01:00")
    cli("init", "--me", "alex", "--partner", "sam")
    cli("promise", "add", "Walk, together; at 7", "--every", "mon,thu")
    cli("promise", "add", "Book the counsellor", "--due", "2026-12-01")
    cli("promise", "add", "Weekly talk", "--every", "fortnightly")
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    cli("promise", "kept", "1", "--note", "around the lake")
    cli("promise", "missed", "1", "--on", "2026-11-23")
    cli("checkin", "-r", "6", "--note", "calmer")
    cli("ask", "weekly-checkin", "--answers", "-", stdin="good\n\nwalks\n7\n1\n")


def export_json(cli) -> dict:
    result = cli("export")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_export_import_export_is_identical(cli, filled, monkeypatch, tmp_path):
    first = export_json(cli)
    assert first["format"] == "trustcli-export" and first["version"] == 1
    assert len(first["promises"]) == 3 and len(first["followups"]) == 2
    backup = tmp_path / "backup.json"
    assert cli("export", "-o", str(backup)).code == 0
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "new-home"))
    result = cli("import", str(backup))
    assert result.code == 0, result.err
    assert "3 promises" in result.out and "2 followups" in result.out
    assert export_json(cli) == first
    assert cli("promise", "kept", "2").code == 0  # the restored home works


def test_import_from_stdin(cli, filled, monkeypatch, tmp_path):
    backup = cli("export").out
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "fresh"))
    result = cli("import", "-", stdin=backup)
    assert result.code == 0 and "3 promises" in result.out


def test_import_refuses_a_home_with_data_unless_merging(cli, filled, tmp_path):
    backup = tmp_path / "backup.json"
    cli("export", "-o", str(backup))
    refused = cli("import", str(backup))
    assert refused.code == 2 and "--merge" in refused.err
    merged = cli("import", str(backup), "--merge")
    assert merged.code == 0 and merged.out.strip() == "nothing new"  # no duplicates


def test_merge_adds_new_records_with_new_ids(cli, filled, tmp_path, monkeypatch):
    other = tmp_path / "other"
    monkeypatch.setenv("TRUSTCLI_HOME", str(other))
    cli("promise", "add", "From the other laptop")
    cli("promise", "kept", "1")
    backup = tmp_path / "other.json"
    cli("export", "-o", str(backup))
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


def test_the_json_backup_is_private(cli, filled, tmp_path):
    target = tmp_path / "b.json"
    cli("export", "-o", str(target))
    assert oct(Path(target).stat().st_mode & 0o777) == "0o600"
