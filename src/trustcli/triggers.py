"""Hard moments: a quick private note (``trustcli trigger``), kept in triggers.toml, an
append-only log of the private home. Never exported and never in the couple folder:
with ``--share`` the partner gets only a bare "hard moment" record (no note, see
shared.moment_record). The report shows counts and a trend, never a note."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustcli import checkins, dates, limits, store

TRIGGERS = "triggers.toml"
Record = dict[str, Any]
BEFORE_WEEKS = 4  # the report compares this week with the four weeks before

GROUNDING = """\
Take this moment gently. One step at a time:
  1. Breathe in slowly through your nose for four counts, out for six. Do it five times.
  2. Name five things you can see, four you can hear, three you can touch.
  3. Put your feet flat on the floor and feel it hold you. You are here, now.
  4. When you are ready: a glass of water, a short walk, or a message to someone kind.
The feeling is real, and it will pass. You do not have to decide anything right now."""


def normalise_trigger(raw: Record) -> Record:
    on = dates.day_field(raw, "on")
    note = raw.get("note", "")
    checked: Record = {"on": on, "note": note if isinstance(note, str) else str(note)}
    if raw.get("shared") is True:  # the bare "hard moment" went to the couple folder
        checked["shared"] = True
    checked["at"] = dates.moment_field(raw, "at")
    return checked


LOG = store.Log(TRIGGERS, "trigger", normalise_trigger, version=1)


def add(note: str = "", shared: bool = False) -> Record:
    record: Record = {"on": dates.today()}
    if kept := limits.note(note):
        record["note"] = kept
    if shared:
        record["shared"] = True
    record["at"] = dates.now()
    store.append(LOG, record)
    return normalise_trigger(record)


def load() -> list[Record]:
    return sorted(store.read_log(LOG), key=lambda r: (r["on"], r["at"]))


def trend(records: list[Record], today: date) -> dict[str, Any] | None:
    """This week's count against the weekly average of the four weeks before; None
    when there is nothing in those five weeks."""
    monday = date.fromisoformat(checkins.week_of(today.isoformat()))
    start = (monday - timedelta(weeks=BEFORE_WEEKS)).isoformat()
    this_week = sum(1 for r in records if r["on"] >= monday.isoformat())
    before = sum(1 for r in records if start <= r["on"] < monday.isoformat())
    if not this_week and not before:
        return None
    return {"this_week": this_week, "weekly_before": round(before / BEFORE_WEEKS, 2)}


def report_line(records: list[Record], today: date) -> str | None:
    found = trend(records, today)
    if found is None:
        return None
    return (
        f"Hard moments noted: {found['this_week']} this week, "
        f"{found['weekly_before']:g} a week in the four weeks before"
    )
