"""What the record shows: follow-through, streaks, overdue and unrecorded days.

Pure functions over promises and follow-ups as ``trustcli.promises`` reads them: they
never touch a file, so a partner's records (``couple.incoming``) are figured exactly as
this home's own.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustcli import dates

Record = dict[str, Any]
INTERVALS = {"weekly": 7, "fortnightly": 14, "monthly": 31}
DAY_SETS = {"daily": range(7), "weekdays": range(5), "weekends": (5, 6)}


def made_on(promise: Record) -> date:
    """The day a promise was made: ``since`` if it was typed in later, else ``created``."""
    return date.fromisoformat(promise["since"] or promise["created"][:10])


class Tally:
    """Follow-through of one promise, or of all: kept and missed count recorded days; a
    streak counts kept days in a row, and a due day left unrecorded breaks it like a miss
    (see ``unrecorded_days``), so a long silence never shows as a streak."""

    __slots__ = (
        "current_streak",
        "kept",
        "kept_any",
        "last_on",
        "last_result",
        "longest_streak",
        "missed",
    )

    def __init__(self) -> None:  # a plain class: @dataclass costs ~0.5 ms at every start
        self.kept = 0
        self.missed = 0
        self.current_streak = 0
        self.longest_streak = 0
        self.last_on: str | None = None
        self.last_result: str | None = None
        self.kept_any = False

    def add(self, followup: Record) -> None:
        if followup["result"] == "kept":
            self.kept += 1
            self.current_streak += 1
            self.longest_streak = max(self.longest_streak, self.current_streak)
            self.kept_any = True
        else:
            self.missed += 1
            self.current_streak = 0
        self.last_on = followup["on"]
        self.last_result = followup["result"]

    def gap(self) -> None:
        """A due day passed with nothing recorded."""
        self.current_streak = 0

    @property
    def rate(self) -> float | None:
        """Follow-through: kept / (kept + missed); None before anything is recorded."""
        total = self.kept + self.missed
        return round(self.kept / total, 4) if total else None

    def figures(self) -> Record:
        return {
            "kept": self.kept,
            "missed": self.missed,
            "rate": self.rate,
            "current_streak": self.current_streak,
            "longest_streak": self.longest_streak,
            "last_followup": self.last_on,
            "last_result": self.last_result,
        }


def chronological(followups: list[Record]) -> list[Record]:
    """The follow-ups that count, by the day they happened: one per promise and day, the
    one recorded last (a later record for a day corrects an earlier one, see --replace)."""
    from operator import itemgetter

    latest = {(f["promise"], f["on"]): f for f in followups}
    if len(latest) < len(followups):  # a day recorded twice: the last record, in its place
        latest = {}
        for followup in followups:
            key = (followup["promise"], followup["on"])
            latest.pop(key, None)  # re-inserted: same-day entries keep the order recorded
            latest[key] = followup
    return sorted(latest.values(), key=itemgetter("on"))  # sort is stable


def unrecorded_days(promise: Record, recorded: list[str], today: date) -> list[str]:
    """The due days of a promise that passed with no kept or missed record: the days
    "in between" that a streak needs recorded. ``recorded`` holds its record days.

    A day schedule (daily, weekdays, mon,thu) is due on each of its days; an interval
    (weekly, fortnightly, monthly) on each day more than the interval after the last
    record (or the day it was made); a one-off on its due day, unless something was
    recorded by then. Counted from the day after it was made to yesterday (today is
    never missed yet), and not after the day it was closed.
    """
    return [date.fromordinal(day).isoformat() for day in _unrecorded(promise, recorded, today)]


def _unrecorded(promise: Record, recorded: list[str], today: date) -> list[int]:
    """``unrecorded_days`` as day numbers (``date.toordinal``), oldest first: three years
    of a daily promise are a thousand days, so they are counted as ranges of numbers,
    not walked one date at a time (issue 14)."""
    start = made_on(promise)
    end = today - timedelta(days=1)
    if promise["closed"]:
        end = min(end, date.fromisoformat(promise["closed"][:10]) - timedelta(days=1))
    if end <= start:
        return []
    every = promise["every"]
    if not every:
        due = promise["due"]
        late = due and start.isoformat() <= due <= end.isoformat()
        if late and not any(day <= due for day in recorded):
            return [date.fromisoformat(due).toordinal()]
        return []
    first, last = start.toordinal(), end.toordinal()
    seen = {_ordinal(day) for day in set(recorded)}
    if every in INTERVALS:
        step, reference = INTERVALS[every] + 1, first
        days: list[int] = []
        for day in sorted(seen):
            days += range(reference + step, min(last, day - 1) + 1)
            reference = max(reference, day)
        days += range(reference + step, last + 1)
        return days
    weekdays = _schedule_days(every)
    span = range(first + 1, last + 1)
    if len(weekdays) < 7:  # date.fromordinal(n).weekday() is (n - 1) % 7
        span = [day for day in span if (day - 1) % 7 in weekdays]  # type: ignore[assignment]
    if not seen:
        return list(span)
    return [day for day in span if day not in seen]


_ORDINALS: dict[str, int] = {}  # a log repeats its days: each one is parsed once


def _ordinal(day: str) -> int:
    number = _ORDINALS.get(day)
    if number is None:
        number = _ORDINALS[day] = date.fromisoformat(day).toordinal()
    return number


def unrecorded_by_promise(
    promises: list[Record], followups: list[Record], today: date
) -> dict[int, list[int]]:
    """Each promise's unrecorded due days (day numbers, oldest first); none: no entry."""
    days: dict[int, list[str]] = {}
    for followup in followups:
        days.setdefault(followup["promise"], []).append(followup["on"])
    found: dict[int, list[int]] = {}
    for promise in promises:
        numbers = _unrecorded(promise, days.get(promise["id"], []), today)
        if numbers:
            ident = promise["id"]
            found[ident] = sorted({*found[ident], *numbers}) if ident in found else numbers
    return found


def gaps(promises: list[Record], followups: list[Record], today: date) -> list[tuple[str, int]]:
    """(day, promise id) for every due day left unrecorded, oldest first."""
    days: dict[int, list[str]] = {}
    for followup in followups:
        days.setdefault(followup["promise"], []).append(followup["on"])
    found = [
        (day, promise["id"])
        for promise in promises
        for day in unrecorded_days(promise, days.get(promise["id"], []), today)
    ]
    return sorted(found)


def unrecorded_weeks(
    promises: list[Record],
    followups: list[Record],
    today: date,
    start: str = "",
    unrecorded: dict[int, list[int]] | None = None,
) -> set[str]:
    """The weeks (their Monday, ISO text) with a due day left unrecorded, from ``start``
    (ISO text; empty: from the first): what the report's weekly figures need of
    ``gaps``, without a text per day. ``unrecorded``: ``unrecorded_by_promise`` of the
    same, if already known."""
    if unrecorded is None:
        unrecorded = unrecorded_by_promise(promises, followups, today)
    first = _ordinal(start) if start else 0
    mondays = {
        day - (day - 1) % 7 for numbers in unrecorded.values() for day in numbers if day >= first
    }
    return {date.fromordinal(monday).isoformat() for monday in mondays}


def tallies(
    followups: list[Record],
    promises: list[Record] | None = None,
    today: date | None = None,
    unrecorded: dict[int, list[int]] | None = None,
) -> tuple[dict[int, Tally], Tally]:
    """Per-promise and overall tallies, folded in chronological order.

    With ``promises`` and ``today``, due days left unrecorded break streaks too; within
    a day they come after the records, so a day with a gap never ends on a streak.

    A gap only sets a streak to 0, so what counts is whether there is one between two
    records (of one promise, for its own streak; of any, for the overall one), not each
    day of it: that is found by bisection in the sorted day numbers (see ``gaps``).
    """
    ordered = chronological(followups)
    if unrecorded is None:
        unrecorded = {}
        if promises is not None and today is not None:
            unrecorded = unrecorded_by_promise(promises, followups, today)
    per_promise: dict[int, Tally] = {}
    overall = Tally()
    if not unrecorded:
        for followup in ordered:
            ident = followup["promise"]
            tally = per_promise.get(ident)
            if tally is None:
                tally = per_promise[ident] = Tally()
            tally.add(followup)
            overall.add(followup)
        return per_promise, overall

    if ordered:  # a store with no records yet (each day a gap) never needs bisect
        from bisect import bisect_left

    every_gap = sorted({day for numbers in unrecorded.values() for day in numbers})
    passed = 0  # gaps (of any promise) before the day of the record in hand
    passed_of: dict[int, int] = {}  # the same, per promise: gaps before its last record
    first_event: dict[int, tuple[int, int, int]] = {}  # to keep the order of the entries
    previous_on, day = "", 0
    run = longest = kept = 0  # the overall tally, kept in locals: this loop runs per record
    for index, followup in enumerate(ordered):
        ident, on = followup["promise"], followup["on"]
        if on != previous_on:
            previous_on, day = on, _ordinal(on)
            now = bisect_left(every_gap, day, passed)
            if now > passed:
                run, passed = 0, now
        tally = per_promise.get(ident)
        if tally is None:
            tally = per_promise[ident] = Tally()
            first_event[ident] = (day, 0, index)
        own = unrecorded.get(ident)
        if own is not None:
            before = passed_of.get(ident, 0)
            now = bisect_left(own, day, before)
            if now > before:
                tally.current_streak = 0  # Tally.gap
                passed_of[ident] = now
        tally.add(followup)
        if followup["result"] == "kept":  # Tally.add
            kept += 1
            run += 1
            if run > longest:
                longest = run
        else:
            run = 0
    if ordered:
        overall.kept, overall.missed, overall.kept_any = kept, len(ordered) - kept, kept > 0
        overall.current_streak, overall.longest_streak = run, longest
        overall.last_on, overall.last_result = ordered[-1]["on"], ordered[-1]["result"]
    if len(every_gap) > passed:
        overall.gap()
    for ident, own in unrecorded.items():
        if len(own) > passed_of.get(ident, 0):
            tally = per_promise.get(ident)
            if tally is None:
                tally = per_promise[ident] = Tally()
            tally.gap()
        key = (own[0], 1, ident)
        if key < first_event.get(ident, key):
            first_event[ident] = key
        first_event.setdefault(ident, key)
    order = sorted(per_promise, key=lambda ident: first_event.get(ident, (0, 0, 0)))
    return {ident: per_promise[ident] for ident in order}, overall


def is_overdue(promise: Record, tally: Tally, today: date) -> bool:
    """Open and behind: past its due date with nothing kept, or a repeat left unmarked.

    For day schedules (daily, weekdays, mon,thu) a scheduled day strictly between the
    last follow-up (or the day it was made) and today has passed with no entry; for
    intervals (weekly …) more than the interval has passed. Today is never missed yet.
    """
    if promise["closed"]:
        return False
    every = promise["every"]
    if every:
        reference = date.fromisoformat(tally.last_on) if tally.last_on else made_on(promise)
        if every in INTERVALS:
            return (today - reference).days > INTERVALS[every]
        days = _schedule_days(every)
        probe = reference + timedelta(days=1)
        while probe < today:
            if probe.weekday() in days:
                return True
            probe += timedelta(days=1)
        return False
    if promise["due"]:
        return date.fromisoformat(promise["due"]) < today and not tally.kept_any
    return False


def to_record_on(promise: Record, tally: Tally, day: date) -> bool:
    """Whether an open promise asks for a record on ``day``: a scheduled day of a repeat,
    an interval that has come round, or a one-off due by then and not kept yet."""
    if promise["closed"] or day < made_on(promise):
        return False
    every = promise["every"]
    if every in INTERVALS:
        reference = date.fromisoformat(tally.last_on) if tally.last_on else made_on(promise)
        return (day - reference).days >= INTERVALS[every]
    if every:
        return day.weekday() in _schedule_days(every)
    return bool(promise["due"]) and promise["due"] <= day.isoformat() and not tally.kept_any


def _schedule_days(every: str) -> set[int]:
    if every in DAY_SETS:
        return set(DAY_SETS[every])
    return {n for part in every.split(",") if (n := dates.weekday_number(part)) is not None}


def status_of(promise: Record, tally: Tally, today: date) -> str:
    if promise["closed"]:
        return "closed"
    return "overdue" if is_overdue(promise, tally, today) else "open"


def summaries(
    promises: list[Record],
    followups: list[Record],
    today: date,
    per_promise: dict[int, Tally] | None = None,
) -> list[Record]:
    """Each promise with its status and follow-through figures."""
    if per_promise is None:
        per_promise, _ = tallies(followups, promises, today)
    rows = []
    for promise in promises:
        tally = per_promise.get(promise["id"], Tally())
        rows.append({**promise, "status": status_of(promise, tally, today), **tally.figures()})
    return rows


def select(rows: list[Record], status: str) -> list[Record]:
    """'open' includes overdue promises: they are open, and late."""
    if status == "all":
        return rows
    if status == "open":
        return [row for row in rows if row["status"] in ("open", "overdue")]
    return [row for row in rows if row["status"] == status]


def stats(
    promises: list[Record],
    followups: list[Record],
    today: date,
    unrecorded: dict[int, list[int]] | None = None,
) -> Record:
    """Figures per promise and overall. Follow-ups whose promise is gone (see
    ``orphans``) count nowhere. ``unrecorded``: ``unrecorded_by_promise``, if known."""
    known = {promise["id"] for promise in promises}
    followups = [f for f in followups if f["promise"] in known]
    per_promise, overall = tallies(followups, promises, today, unrecorded)
    rows = summaries(promises, followups, today, per_promise)
    figures = overall.figures()
    figures.pop("last_result")
    return {
        "overall": {
            **figures,
            "promises": len(rows),
            "open": sum(row["status"] != "closed" for row in rows),
            "closed": sum(row["status"] == "closed" for row in rows),
            "overdue": [row["id"] for row in rows if row["status"] == "overdue"],
        },
        "promises": [
            {
                key: row[key]
                for key in (
                    "id",
                    "text",
                    "status",
                    "kept",
                    "missed",
                    "rate",
                    "current_streak",
                    "longest_streak",
                    "last_followup",
                )
            }
            for row in rows
        ],
    }
