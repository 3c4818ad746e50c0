"""`trustcli report`: exact figures from back-dated records, Markdown, SVG, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from markdown_it import MarkdownIt

NOW = "2026-11-26T20:00:00+01:00"  # a Thursday


@pytest.fixture
def history(cli, ok, monkeypatch):
    """Four weeks of records: a perfect week, a streak, a rising trust rating."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-10-26T09:00:00+01:00")
    ok("init", "--me", "alex", "--partner", "sam")
    ok("promise", "add", "Walk together", "--every", "daily")
    ok("promise", "add", "Call the counsellor", "--due", "+2d")
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    day = date(2026, 11, 2)
    for offset in range(13):  # 11-02 … 11-14: kept, except 11-11
        result = "missed" if offset == 9 else "kept"
        on = (day + timedelta(days=offset)).isoformat()
        assert cli("promise", result, "1", "--on", on).code == 0
    ok("promise", "missed", "2", "--on", "2026-10-28")
    for on, rating in [
        ("2026-10-27", 3),
        ("2026-10-29", 4),
        ("2026-11-03", 5),
        ("2026-11-10", 6),
        ("2026-11-17", 7),
        ("2026-11-19", 6),
    ]:
        assert cli("checkin", "-r", str(rating), "--on", on).code == 0
    ok("checkin", "-r", "5", "--as", "sam", "--on", "2026-11-24")
    ok("checkin", "-r", "6", "--as", "sam", "--on", "2026-11-18")


def figures(cli, *args):
    result = cli("report", "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_report_figures_are_exact(cli, history):
    data = figures(cli)
    overall = data["followthrough"]["overall"]
    assert (overall["kept"], overall["missed"], overall["rate"]) == (12, 2, 0.8571)
    # nothing recorded since 11-14 for the daily one: no streak now, whatever came before
    assert (overall["current_streak"], overall["longest_streak"]) == (0, 9)
    assert overall["overdue"] == [1, 2]  # nothing since 11-14 for the daily one; 2 never kept
    walk = data["followthrough"]["promises"][0]
    assert (walk["kept"], walk["missed"], walk["current_streak"], walk["longest_streak"]) == (
        12,
        1,
        0,
        9,
    )
    alex = data["checkins"]["alex"]
    assert [w["average"] for w in alex["weeks"]] == [3.5, 5, 6, 6.5]
    assert (alex["first"], alex["latest"], alex["direction"]) == (3.5, 6.5, "rising")
    assert alex["sparkline"] == "▃▄▅▅"
    assert data["checkins"]["sam"]["direction"] == "too little data"
    assert data["milestones"] == [
        "A whole week with every promise kept (the week of 2026-11-02)",
        "10 times a promise was kept",
        "9 kept in a row at best",
        "alex's trust rating up 3 points since the first week",
    ]
    assert data["stuck"] == []


def test_since_and_as_narrow_the_report(cli, history):
    data = figures(cli, "--since", "2026-11-09")
    assert data["followthrough"]["overall"]["kept"] == 5
    assert [w["week"] for w in data["checkins"]["alex"]["weeks"]] == ["2026-11-09", "2026-11-16"]
    only_sam = figures(cli, "--as", "sam")
    assert list(only_sam["checkins"]) == ["sam"]
    assert only_sam["followthrough"]["promises"] == []


def test_terminal_summary_is_plain_when_piped(sh, history, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    result = sh("report")
    assert result.code == 0, result.err
    assert "12 kept" in result.out and "▃▄▅▅" in result.out and "rising" in result.out
    assert "A whole week with every promise kept" in result.out
    assert "\x1b[" not in result.out


def test_markdown_and_svg_files(cli, history, tmp_path):
    target = tmp_path / "report.md"
    result = cli("report", "-o", str(target))
    assert result.code == 0, result.err
    text = target.read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert sum(t.type == "heading_open" and t.tag == "h1" for t in tokens) == 1
    assert "![Weekly check-ins and follow-through](report.svg)" in text
    assert "| alex | 4 | ▃▄▅▅ | 3.5 | 6.5 | rising |" in text
    svg = ET.parse(tmp_path / "report.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    points = [c for c in svg.iter(f"{ns}circle") if c.get("class") == "point"]
    alex_weeks = [p.get("data-week") for p in points if p.get("data-who") == "alex"]
    assert alex_weeks == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
    bars = [r.get("data-week") for r in svg.iter(f"{ns}rect") if r.get("class") == "bar"]
    assert bars == ["2026-10-26", "2026-11-02", "2026-11-09"]
    again = cli("report", "-o", str(target))
    assert again.code == 2 and "--force" in again.err
    assert cli("report", "-o", str(target), "--force").code == 0


def test_markdown_on_stdout(cli, history):
    result = cli("report", "-o", "-")
    assert result.code == 0 and result.out.startswith("# Progress report")


def test_an_empty_home_reports_kindly(cli):
    result = cli("report", "-o", "-")
    assert result.code == 0
    assert "No promises yet" in result.out and "No check-ins yet" in result.out


def test_when_stuck_the_report_says_so_and_suggests_help(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-10-01T09:00:00+01:00")
    ok("promise", "add", "Be home by seven", "--every", "daily")
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    for offset in range(8):  # kept well five to eight weeks ago, missed lately
        before = (date(2026, 10, 5) + timedelta(days=offset)).isoformat()
        ok("promise", "kept", "1", "--on", before)
        recent = (date(2026, 11, 10) + timedelta(days=offset)).isoformat()
        ok("promise", "missed" if offset % 2 else "kept", "1", "--on", recent)
    for on, rating in [("2026-11-04", 3), ("2026-11-11", 2), ("2026-11-18", 3)]:
        ok("checkin", "-r", str(rating), "--on", on)
    data = figures(cli)
    assert data["stuck"] == [
        "follow-through has fallen from 100% to 50% over the last four weeks",
        # one person on their own: spoken to, not named ("me's")
        "your trust ratings have stayed low for three weeks or more",
    ]
    text = cli("report", "-o", "-").out
    assert "Feeling stuck?" in text and "counselling-prep" in text


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["report", "--since", "+2d"], "after today"),
        (["report", "--since", "someday"], "can't read the date"),
        (["report", "--as", "nobody"], "no one called 'nobody'"),
        (["report", "--as", "nobody", "--json"], "no one called 'nobody'"),
    ],
)
def test_bad_input(cli, ok, args, phrase, at_now):
    ok("init", "--me", "alex", "--partner", "sam")
    result = cli(*args)
    assert result.code == 2 and phrase in result.err
    assert result.out == "" and len(result.err.strip().splitlines()) == 1


def test_as_takes_any_name_the_records_know(cli, ok, history):
    ok("checkin", "-r", "5", "--as", "robin", "--on", "2026-11-20")
    assert figures(cli, "--as", "robin")["checkins"]["robin"]["checkins"] == 1
    assert figures(cli, "--as", "sam")["who"] == "sam"


def test_a_perfect_week_needs_every_due_day_recorded_kept(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-10-26T09:00:00+01:00")
    ok("promise", "add", "Walk together", "--every", "daily")
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    # week of 11-02: only mon, tue, wed and sun recorded (all kept); week of 11-09: every day
    for on in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-08"):
        assert cli("promise", "kept", "1", "--on", on).code == 0
    assert not any("whole week" in item for item in figures(cli)["milestones"])
    for offset in range(7):
        on = (date(2026, 11, 9) + timedelta(days=offset)).isoformat()
        assert cli("promise", "kept", "1", "--on", on).code == 0
    assert (
        "A whole week with every promise kept (the week of 2026-11-09)"
        in (figures(cli)["milestones"])
    )


def test_weeks_at_zero_follow_through_are_stuck(cli, ok, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-10-01T09:00:00+01:00")
    ok("promise", "add", "Be home by seven", "--every", "mon")
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-05T09:00:00+01:00")  # a thursday
    for monday in [date(2026, 10, 5) + timedelta(weeks=n) for n in range(5)]:  # … 11-02
        assert cli("promise", "missed", "1", "--on", monday.isoformat()).code == 0
    assert figures(cli)["stuck"] == []  # five weeks: not yet
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)  # thursday 11-26
    assert cli("promise", "missed", "1", "--on", "2026-11-09").code == 0
    # 11-16 and 11-23 were left unrecorded: weeks with nothing kept all the same
    assert figures(cli)["stuck"] == ["no promise has been recorded as kept for 8 weeks"]
    assert cli("promise", "kept", "1", "--on", "2026-11-23").code == 0
    assert figures(cli)["stuck"] == []


def test_counts_say_what_they_count_and_one_is_singular(sh, monkeypatch):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    assert sh("checkin", "-r", "6").code == 0
    result = sh("report")
    assert "(1 week)" in result.out and "1 weeks" not in result.out


def test_the_terminal_report_does_not_import_rich(ok):
    """rich costs ~20 ms of imports: the summary is drawn with output's table and paint."""
    ok("promise", "add", "Call if I'm running late", "--every", "daily")
    ok("promise", "kept", "1")
    ok("checkin", "--rating", "7")
    code = (
        "import sys\nfrom trustcli.cli import main\n"
        "assert main(['report']) == 0\n"
        "print('rich' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Follow-through: 1 kept" in done.stdout
    assert done.stdout.splitlines()[-1] == "False"
