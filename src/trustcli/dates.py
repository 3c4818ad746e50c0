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
_OFFSET = re.compile(r"^([+-])(\d{1,4})([dw])$")


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

    A weekday name means the next such day after today, or with ``past`` the latest one
    before today: "due friday" looks ahead, "kept on friday" looks back.
    """
    word = text.strip().lower()
    base = today()
    if word == "today":
        return base
    if word == "tomorrow":
        return base + timedelta(days=1)
    if word == "yesterday":
        return base - timedelta(days=1)
    offset = _OFFSET.match(word)
    if offset:
        sign, count, unit = offset.groups()
        days = int(count) * (7 if unit == "w" else 1)
        return base + timedelta(days=days if sign == "+" else -days)
    weekday = weekday_number(word)
    if weekday is not None:
        if past:
            back = (base.weekday() - weekday) % 7 or 7
            return base - timedelta(days=back)
        ahead = (weekday - base.weekday()) % 7 or 7
        return base + timedelta(days=ahead)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise TrustError(f"{text!r} is not a real date (check the month and day)") from None
    raise TrustError(f"can't read the date {text!r}: use {DATE_FORMS}")


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
