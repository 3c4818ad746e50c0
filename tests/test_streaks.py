"""Streaks and unrecorded due days, against a plain reference.

``followthrough.tallies`` and ``followthrough.gaps`` are computed without walking every due day
one by one (three years of a daily promise are a thousand days each). Whatever the
schedules, records and closings, they must give exactly what the plain day-by-day
definition below gives: that definition is how trustcli counted before (issue 14).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustcli import checkins, followthrough, promises

TODAY = date(2026, 11, 30)
EVERY = ["", "daily", "weekdays", "weekends", "weekly", "fortnightly", "monthly", "mon,thu"]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# --- the reference: due days one by one, every gap an event --------------------------


def reference_unrecorded(promise: dict[str, Any], recorded: list[str], today: date) -> list[str]:
    start = followthrough.made_on(promise)
    end = today - timedelta(days=1)
    if promise["closed"]:
        end = min(end, date.fromisoformat(promise["closed"][:10]) - timedelta(days=1))
    if end <= start:
        return []
    every, seen = promise["every"], set(recorded)
    if not every:
        due = promise["due"]
        late = due and start.isoformat() <= due <= end.isoformat()
        return [due] if late and not any(day <= due for day in seen) else []
    days: list[str] = []
    intervals = {"weekly": 7, "fortnightly": 14, "monthly": 31}
    if every in intervals:
        interval = timedelta(days=intervals[every] + 1)
        reference = start
        for day in [*sorted(seen), None]:
            until = end if day is None else min(end, date.fromisoformat(day) - timedelta(1))
            probe = reference + interval
            while probe <= until:
                days.append(probe.isoformat())
                probe += timedelta(days=1)
            if day is not None:
                reference = max(reference, date.fromisoformat(day))
        return days
    weekdays = {
        "daily": set(range(7)),
        "weekdays": set(range(5)),
        "weekends": {5, 6},
        "mon,thu": {0, 3},
    }[every]
    probe = start + timedelta(days=1)
    while probe <= end:
        if probe.weekday() in weekdays and probe.isoformat() not in seen:
            days.append(probe.isoformat())
        probe += timedelta(days=1)
    return days


def reference_gaps(made: list[dict[str, Any]], followups: list[dict[str, Any]], today: date):
    days: dict[int, list[str]] = {}
    for followup in followups:
        days.setdefault(followup["promise"], []).append(followup["on"])
    return sorted(
        (day, promise["id"])
        for promise in made
        for day in reference_unrecorded(promise, days.get(promise["id"], []), today)
    )


def reference_chronological(followups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per promise and day, the last one recorded, by day (stable)."""
    latest: dict[tuple[int, str], dict[str, Any]] = {}
    for followup in followups:
        key = (followup["promise"], followup["on"])
        latest.pop(key, None)
        latest[key] = followup
    return sorted(latest.values(), key=lambda f: f["on"])


def reference_streaks(made, followups, today) -> dict[Any, tuple[int, int]]:
    """(current, longest) streak per promise id and overall ("all")."""
    events = [(f["on"], 0, i, f) for i, f in enumerate(reference_chronological(followups))]
    events += [(day, 1, ident, None) for day, ident in reference_gaps(made, followups, today)]
    streaks: dict[Any, list[int]] = {}
    for _, _, ident, followup in sorted(events, key=lambda event: event[:3]):
        keys = ["all", ident if followup is None else followup["promise"]]
        for key in keys:
            figures = streaks.setdefault(key, [0, 0])
            if followup is not None and followup["result"] == "kept":
                figures[0] += 1
                figures[1] = max(figures)
            else:
                figures[0] = 0
    return {key: (current, longest) for key, (current, longest) in streaks.items()}


# --- random homes ---------------------------------------------------------------------


@st.composite
def homes(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    made = []
    for ident in range(1, draw(st.integers(1, 4)) + 1):
        since = TODAY - timedelta(days=draw(st.integers(0, 120)))
        every = draw(st.sampled_from(EVERY))
        due = None
        if not every:
            due = (since + timedelta(days=draw(st.integers(0, 130)))).isoformat()
        closed = None
        if draw(st.booleans()) and draw(st.booleans()):
            closed_on = since + timedelta(days=draw(st.integers(0, 130)))
            closed = f"{min(closed_on, TODAY).isoformat()}T12:00:00+01:00"
        made.append(
            {
                "id": ident,
                "text": f"promise {ident}",
                "created": f"{since.isoformat()}T09:00:00+01:00",
                "since": since.isoformat(),
                "due": due,
                "every": every or None,
                "closed": closed,
            }
        )
    followups = []
    for _ in range(draw(st.integers(0, 40))):
        promise = draw(st.sampled_from(made))
        start = followthrough.made_on(promise)
        on = start + timedelta(days=draw(st.integers(0, (TODAY - start).days)))
        result = draw(st.sampled_from(["kept", "kept", "missed"]))
        followups.append({"promise": promise["id"], "on": on.isoformat(), "result": result})
    return made, followups


def write_home(home: Path, made: list[dict[str, Any]], followups: list[dict[str, Any]]) -> None:
    """The two files as trustcli writes them (``promise add``, ``promise kept``)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o700)
    zone = timezone(timedelta(hours=1))
    documents = []
    for promise in made:
        record: dict[str, Any] = {
            "id": promise["id"],
            "text": promise["text"],
            "by": "me",
            "to": "",
            "created": datetime.fromisoformat(promise["created"]),
            "since": date.fromisoformat(promise["since"]),
        }
        if promise["due"]:
            record["due"] = date.fromisoformat(promise["due"])
        if promise["every"]:
            record["every"] = promise["every"]
        if promise["closed"]:
            record["closed"] = datetime.fromisoformat(promise["closed"])
            record["closed_how"] = "fulfilled"
        documents.append(record)
    text = tomli_w.dumps({"last_id": len(made), "promise": documents})
    (home / "promises.toml").write_text(text, encoding="utf-8")
    log = "".join(
        "\n[[followup]]\n"
        + tomli_w.dumps(
            {
                "promise": f["promise"],
                "on": date.fromisoformat(f["on"]),
                "result": f["result"],
                "at": datetime(2026, 11, 30, 9, 0, tzinfo=zone),
            }
        )
        for f in followups
    )
    (home / "followthrough.toml").write_text(log, encoding="utf-8")
    for path in home.iterdir():
        path.chmod(0o600)


@SETTINGS
@given(homes())
def test_streaks_match_the_day_by_day_definition(cli, home, monkeypatch, drawn) -> None:
    """Through the CLI: ``promise stats --json`` gives the reference's streaks for every
    promise and overall, with every schedule, record order and closing."""
    made, followups = drawn
    write_home(home, made, followups)
    monkeypatch.setenv("TRUSTCLI_NOW", f"{TODAY.isoformat()}T20:00")
    result = cli("promise", "stats", "--json")
    assert result.code == 0, result
    figures = json.loads(result.out)
    expected = reference_streaks(promises.load_promises(), promises.load_followups(), TODAY)
    overall = figures["overall"]
    got = {"all": (overall["current_streak"], overall["longest_streak"])}
    for row in figures["promises"]:
        got[row["id"]] = (row["current_streak"], row["longest_streak"])
    for key, value in got.items():
        assert value == expected.get(key, (0, 0)), key


@SETTINGS
@given(homes())
def test_unrecorded_days_match_the_day_by_day_definition(cli, home, monkeypatch, drawn) -> None:
    """The due days left unrecorded (what the report's weeks and "stuck" signs read),
    for the promises as ``promise`` commands load them."""
    made, followups = drawn
    write_home(home, made, followups)
    monkeypatch.setenv("TRUSTCLI_NOW", f"{TODAY.isoformat()}T20:00")
    assert cli("promise", "list").code == 0
    loaded, records = promises.load_promises(), promises.load_followups()
    assert followthrough.chronological(records) == reference_chronological(records)
    expected = reference_gaps(loaded, records, TODAY)
    assert followthrough.gaps(loaded, records, TODAY) == expected
    for start in ("", "2026-09-01", "2026-11-16"):
        weeks = {checkins.week_of(day) for day, _ in expected if day >= start}
        assert followthrough.unrecorded_weeks(loaded, records, TODAY, start) == weeks
