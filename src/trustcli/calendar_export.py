"""`trustcli export --format ics`: open promises as all-day events a calendar can carry.

Written with ``icalendar`` (a real iCalendar writer: folding, escaping and RRULE syntax
are its job), imported here only, so no other command pays for it at start-up.

RFC 5545 counts DTSTART as the first occurrence even when it does not match the
RRULE, so every event starts on the first day its own schedule names: a Sunday
promise made on a Monday starts on the Sunday, never with a stray Monday. The days are
trustcli's own: the days of a day schedule, the weekday it was made for weekly and
fortnightly, and for monthly the day of the month it was made (the 28th at most, as
its follow-through reminder).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from trustcli import dates, promises

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_SETS = {"daily": range(7), "weekdays": range(5), "weekends": (5, 6)}
_LAST_MONTH_DAY = 28  # every month has one: the promise reminders use it too


def ics() -> str:
    """Open promises with a due date or a schedule, as an iCalendar document."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//trustcli//trustcli//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "trustcli")
    stamp = dates.now().astimezone(UTC)
    for promise in promises.load_promises():
        if promise["closed"] or not (promise["due"] or promise["every"]):
            continue
        created = datetime.fromisoformat(promise["created"])
        if promise["every"]:
            start, rule = first_occurrence(promise["every"], created.date())
        else:
            start, rule = date.fromisoformat(promise["due"]), None
        event = icalendar.Event()
        event.add("uid", f"promise-{promise['id']}-{created:%Y%m%dT%H%M%S}@trustcli")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(days=1))
        event.add("summary", f"Promise: {promise['text']}")
        event.add("description", f"Mark it: trustcli promise kept {promise['id']}")
        if rule:
            event.add("rrule", rule)
        calendar.add_component(event)
    return str(calendar.to_ical().decode("utf-8"))


def first_occurrence(every: str, made: date) -> tuple[date, dict[str, Any]]:
    """The first day on or after ``made`` that the schedule names, and its RRULE."""
    if every == "daily":
        return made, {"freq": "daily"}
    if every in ("weekly", "fortnightly"):
        rule: dict[str, Any] = {"freq": "weekly"}
        if every == "fortnightly":
            rule["interval"] = 2
        return made, rule
    if every == "monthly":
        day = min(made.day, _LAST_MONTH_DAY)
        start = made.replace(day=day)
        if start < made:  # made on the 29th or later: the 28th of next month
            start = (start.replace(day=1) + timedelta(days=32)).replace(day=day)
        return start, {"freq": "monthly", "bymonthday": day}
    days = sorted(_days(every))
    start = made
    while start.weekday() not in days:
        start += timedelta(days=1)
    return start, {"freq": "weekly", "byday": [_DAY_CODES[day] for day in days]}


def _days(every: str) -> set[int]:
    if every in _DAY_SETS:
        return set(_DAY_SETS[every])
    found = {dates.weekday_number(part) for part in every.split(",")}
    if None in found or not found:
        raise ValueError(f"not a day schedule: {every!r}")
    return {day for day in found if day is not None}
