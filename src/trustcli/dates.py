"""Local time and the date words people type: today, tomorrow, +3d, friday, 2026-12-01.

Stored timestamps carry their UTC offset; plain dates are local dates. The clock can be
pinned with ``TRUSTCLI_NOW`` (an ISO date-time) so tests and demos can travel in time.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta

from trustcli.errors import TrustError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DATE_FORMS = "YYYY-MM-DD, today, tomorrow, yesterday, +3d, -2w or a weekday (mon…sun)"
EARLIEST_YEARS = 10  # a recorded day further back than this is taken for a typo
_OFFSET = r"^([+-])(\d{1,4})([dw])$"  # compiled on first use (re caches it)


def now() -> datetime:
    """The current local time with its UTC offset, to the second."""
    pinned = os.environ.get("TRUSTCLI_NOW")
    if pinned:
        try:
            moment = datetime.fromisoformat(pinned)
        except ValueError:
            raise TrustError(f"TRUSTCLI_NOW={pinned!r} is not an ISO date-time") from None
        return moment.astimezone().replace(microsecond=0)
    return datetime.now().astimezone().replace(microsecond=0)


def today() -> date:
    return now().date()


def parse_date(text: str, *, past: bool = False) -> date:
    """Read a date as a person types it.

    A weekday name means the next such day, or with ``past`` the latest one: "due
    friday" looks ahead, "kept on friday" looks back, and on a Friday both mean today.
    """
    word = text.strip().lower()
    base = today()
    if word == "today":
        return base
    if word == "tomorrow":
        return base + timedelta(days=1)
    if word == "yesterday":
        return base - timedelta(days=1)
    offset = re.match(_OFFSET, word)
    if offset:
        sign, count, unit = offset.groups()
        days = int(count) * (7 if unit == "w" else 1)
        return base + timedelta(days=days if sign == "+" else -days)
    weekday = weekday_number(word)
    if weekday is not None:
        if past:
            return base - timedelta(days=(base.weekday() - weekday) % 7)
        return base + timedelta(days=(weekday - base.weekday()) % 7)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise TrustError(f"{text!r} is not a real date (check the month and day)") from None
    raise TrustError(f"can't read the date {text!r}: use {DATE_FORMS}")


def shift_years(day: date, years: int) -> date:
    """The same day ``years`` later (or earlier): 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def past_day(day: date, future_hint: str) -> date:
    """A day something happened: not in the future, and not so long ago that it must be
    a slip of the year (0001-01-01 would stretch every chart back two thousand years)."""
    today_ = today()
    if day > today_:
        raise TrustError(f"{day.isoformat()} is in the future: {future_hint}")
    if day < shift_years(today_, -EARLIEST_YEARS):
        raise TrustError(
            f"{day.isoformat()} is more than {EARLIEST_YEARS} years ago: check the year"
        )
    return day


def day_field(record: dict[str, object], key: str) -> str:
    """A stored plain date (ISO text); ValueError if missing or not a date."""
    value = record.get(key)
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"has no '{key}' date")
    return value.isoformat()


def moment_field(record: dict[str, object], key: str) -> str:
    """A stored date-time with its UTC offset (ISO text). A log record's last field is
    one of these: cut off mid-write it loses its offset or its line, so it never passes."""
    value = record.get(key)
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"has no '{key}' date-time with its UTC offset")
    return value.isoformat()


def weekday_number(word: str) -> int | None:
    """0 for monday … 6 for sunday, from a full name or its first three letters."""
    word = word.strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return number
    return None
