"""Check-ins: how much do I trust / feel safe today, 1-10, and a note. Appended to
checkins.toml (it grows every day, so it is an append-only log like follow-ups).

The trend functions are pure: weekly averages per person, a sparkline, and an honest
word for the direction. They describe; they never claim the tool caused anything.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from trustcli import dates, limits, store
from trustcli.errors import TrustError

CHECKINS = "checkins.toml"
SPARKS = "▁▂▃▄▅▆▇█"
MIN_WEEKS = 3  # fewer weeks than this is too little data for a direction
Record = dict[str, Any]


def normalise_checkin(raw: Record) -> Record:
    """Check one [[checkin]] from disk; ``at`` is written last (see promises)."""
    on = dates.day_field(raw, "on")
    who = raw.get("who")
    if not isinstance(who, str) or not who:
        raise ValueError("has no 'who'")
    rating = raw.get("rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 10:
        raise ValueError("has no 'rating' from 1 to 10")
    note = raw.get("note", "")
    checked: Record = {
        "on": on,
        "who": who,
        "rating": rating,
        "note": note if isinstance(note, str) else str(note),
    }
    if raw.get("shared") is True:  # marked shared: it went to the couple folder too
        checked["shared"] = True
    checked["at"] = dates.moment_field(raw, "at")
    return checked


LOG = store.Log(CHECKINS, "checkin", normalise_checkin, version=1)


def parse_rating(text: str | int) -> int:
    raw = str(text).strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10:
        raise TrustError(f"the rating must be a whole number from 1 to 10, not {text!r}")
    return int(raw)


def add(
    rating: int, who: str, note: str = "", on: date | None = None, shared: bool = False
) -> Record:
    """Append a check-in; ``shared`` marks it for the couple folder (see shared.py)."""
    day = dates.past_day(on or dates.today(), "check in for today or a past day")
    record: Record = {"on": day, "who": who, "rating": parse_rating(rating)}
    if kept := limits.note(note):
        record["note"] = kept
    if shared:
        record["shared"] = True
    record["at"] = dates.now()
    store.append(LOG, record)
    return normalise_checkin(record)


def load(who: str | None = None, since: date | None = None) -> list[Record]:
    """Check-ins in the order they happened (by day, then as recorded)."""
    records = sorted(store.read_log(LOG), key=lambda r: r["on"])
    return [
        r
        for r in records
        if (who is None or r["who"] == who) and (since is None or r["on"] >= since.isoformat())
    ]


# --- the trend (pure) -----------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def week_of(day: str) -> str:
    """The Monday that starts the ISO week of ``day`` (cached: logs repeat their days)."""
    monday = _MONDAYS.get(day)
    if monday is None:
        parsed = date.fromisoformat(day)
        monday = _MONDAYS[day] = (parsed - timedelta(days=parsed.weekday())).isoformat()
    return monday


_MONDAYS: dict[str, str] = {}  # ISO day -> its week's Monday (a report asks 10,000 times)


def weekly_averages(records: list[Record]) -> list[tuple[str, float]]:
    """(week's Monday, average rating) for each week with a check-in, oldest first."""
    weeks: dict[str, list[int]] = {}
    for record in records:
        weeks.setdefault(week_of(record["on"]), []).append(record["rating"])
    return [(week, round(sum(r) / len(r), 2)) for week, r in sorted(weeks.items())]


def sparkline(values: list[float]) -> str:
    """One block per value on the fixed 1-10 scale, so lines compare across people."""
    return "".join(SPARKS[min(7, int((value - 1) / 9 * 8))] for value in values)


def direction(values: list[float]) -> str:
    """rising / steady / falling, from the least-squares slope over the weeks.

    The change the line implies from the first week to the last must be at least one
    point (of ten) to be called a rise or a fall.
    """
    if len(values) < MIN_WEEKS:
        return "too little data"
    count = len(values)
    mean_x = (count - 1) / 2
    mean_y = sum(values) / count
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sum(
        (x - mean_x) ** 2 for x in range(count)
    )
    change = slope * (count - 1)
    if change >= 1:
        return "rising"
    if change <= -1:
        return "falling"
    return "steady"


def trend(records: list[Record]) -> dict[str, Any] | None:
    """One person's check-ins as weekly figures; None when there are none."""
    weeks = weekly_averages(records)
    if not weeks:
        return None
    values = [value for _, value in weeks]
    return {
        "weeks": [{"week": week, "average": value} for week, value in weeks],
        "sparkline": sparkline(values),
        "first": values[0],
        "latest": values[-1],
        "direction": direction(values),
        "checkins": len(records),
    }


def trends_by_person(records: list[Record]) -> dict[str, dict[str, Any]]:
    people: dict[str, list[Record]] = {}
    for record in records:
        people.setdefault(record["who"], []).append(record)
    return {who: t for who, rs in sorted(people.items()) if (t := trend(rs)) is not None}
