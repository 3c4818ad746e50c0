"""WHEN text → APScheduler 3 triggers, and the next times they fire.

People write schedules the way they say them: ``daily 21:00``, ``weekdays 08:30``,
``weekly sun 19:00``, ``mon,thu 20:00``, ``every 2 weeks sat 10:00``, a 5-field cron
expression, or a one-time ``2026-12-01T19:00``. Reading the text is ours; computing
fire times is APScheduler's (imported only when times are needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from trustcli import dates
from trustcli.errors import TrustError

FORMS = (
    "daily 21:00, weekdays 08:30, weekends 10:00, weekly sun 19:00, mon,thu 20:00, "
    "every 2 weeks sat 10:00, a cron expression like '30 8 * * 1-5', "
    "or a date and time like 2026-12-01T19:00"
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")


@dataclass(frozen=True)
class Schedule:
    """A parsed WHEN: ``kind`` is cron, interval or date; ``spec`` its parameters."""

    text: str
    kind: str
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def once(self) -> bool:
        return self.kind == "date"


def parse(text: str, created: datetime | None = None) -> Schedule:
    """Read WHEN; ``created`` anchors 'every N weeks' so it stays put across restarts."""
    words = " ".join(text.strip().lower().split())
    if not words:
        raise TrustError(f"the schedule is empty: use {FORMS}")
    once = _one_time(text.strip())
    if once is not None:
        return Schedule(text, "date", {"run_date": once})
    parts = words.split(" ")
    if len(parts) == 5 and all(_CRON_FIELD.match(p) for p in parts) and not _TIME.match(parts[-1]):
        crontab = " ".join([*parts[:4], _cron_weekdays(parts[4], text)])
        return Schedule(text, "cron", {"crontab": crontab})
    *head, clock = parts
    form = _form(head, text)
    if form is None:
        raise TrustError(f"can't read the schedule {text!r}: use {FORMS}")
    kind, spec = form
    hour, minute = _clock(clock, text)
    if kind == "cron":
        return Schedule(text, "cron", {**spec, "hour": hour, "minute": minute})
    start = (created or dates.now()).replace(hour=hour, minute=minute, second=0, microsecond=0)
    weekday = spec.pop("weekday", None)
    if weekday is not None:
        start += timedelta(days=(weekday - start.weekday()) % 7)
    return Schedule(text, "interval", {**spec, "start_date": start})


def _form(head: list[str], text: str) -> tuple[str, dict[str, Any]] | None:
    """What comes before the time of day: which kind of trigger, with what spec."""
    if head in (["daily"], ["every", "day"]):
        return "cron", {}
    if head == ["weekdays"]:
        return "cron", {"day_of_week": "mon-fri"}
    if head == ["weekends"]:
        return "cron", {"day_of_week": "sat,sun"}
    if len(head) == 2 and head[0] == "weekly":
        return "cron", {"day_of_week": _days(head[1], text)}
    if len(head) == 1 and all(dates.weekday_number(p) is not None for p in head[0].split(",")):
        return "cron", {"day_of_week": _days(head[0], text)}
    if len(head) in (3, 4) and head[0] == "every" and head[1].isdigit() and int(head[1]) > 0:
        count, unit = int(head[1]), head[2].rstrip("s")
        if unit == "week" and len(head) == 4:
            first_day = _days(head[3], text).split(",")[0]
            return "interval", {"weeks": count, "weekday": DAY_NAMES.index(first_day)}
        if unit == "day" and len(head) == 3:
            return "interval", {"days": count}
    return None


def _cron_weekdays(field: str, text: str) -> str:
    """Cron's day-of-week numbers (0 or 7 = Sunday) as names: APScheduler 3 numbers
    days from Monday = 0, so '1-5' would otherwise mean Tuesday to Saturday."""
    if not re.search(r"\d", field):
        return field
    chosen: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if span in ("*", "?"):
            low, high = 0, 6
        elif "-" in span:
            low_text, _, high_text = span.partition("-")
            low, high = _cron_day(low_text, text), _cron_day(high_text, text)
        else:
            low = high = _cron_day(span, text)
        if high < low:
            high += 7
        chosen.update(day % 7 for day in range(low, high + 1, step))
    names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    return ",".join(names[day] for day in (1, 2, 3, 4, 5, 6, 0) if day in chosen)


def _cron_day(word: str, text: str) -> int:
    if word.isdigit() and int(word) <= 7:
        return int(word) % 7
    number = dates.weekday_number(word)
    if number is None:
        raise TrustError(f"{text!r}: {word!r} is not a day of the week for cron (0-7 or mon-sun)")
    return (number + 1) % 7


def _one_time(text: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TrustError(f"{text!r} is not a real date and time (check month, day, hour)") from None
    return moment


def _clock(word: str, text: str) -> tuple[int, int]:
    match = _TIME.match(word)
    if not match:
        raise TrustError(f"can't read the schedule {text!r}: use {FORMS}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise TrustError(f"{word} is not a time of day (00:00 to 23:59) in {text!r}")
    return hour, minute


def _days(word: str, text: str) -> str:
    days = []
    for part in word.split(","):
        number = dates.weekday_number(part)
        if number is None:
            raise TrustError(f"{part!r} is not a day of the week in {text!r}: use mon … sun")
        days.append(DAY_NAMES[number])
    return ",".join(sorted(set(days), key=DAY_NAMES.index))


# --- APScheduler ------------------------------------------------------------------------


def zone() -> tzinfo:
    """The zone schedules run in: the system's (TZ honoured)."""
    now = dates.now()
    assert now.tzinfo is not None
    try:
        from tzlocal import get_localzone  # comes with APScheduler

        return get_localzone()
    except Exception:  # no zone database: a fixed offset still gives right times today
        return now.tzinfo


def trigger(schedule: Schedule, tz: tzinfo | None = None) -> Any:
    """The APScheduler 3 trigger for a schedule."""
    tz = tz or zone()
    if schedule.kind == "date":
        from apscheduler.triggers.date import DateTrigger

        run_date = schedule.spec["run_date"]
        if run_date.tzinfo is None:
            run_date = run_date.replace(tzinfo=tz)
        return DateTrigger(run_date=run_date, timezone=tz)
    if schedule.kind == "interval":
        from apscheduler.triggers.interval import IntervalTrigger

        spec = dict(schedule.spec)
        start = spec.pop("start_date").astimezone(tz)
        return IntervalTrigger(**spec, start_date=start, timezone=tz)
    from apscheduler.triggers.cron import CronTrigger

    if "crontab" in schedule.spec:
        try:
            return CronTrigger.from_crontab(schedule.spec["crontab"], timezone=tz)
        except ValueError as exc:
            raise TrustError(
                f"{schedule.text!r} is not a cron expression I can use: {exc}"
            ) from None
    return CronTrigger(**schedule.spec, timezone=tz)


def fire_times(
    schedule: Schedule, after: datetime, until: datetime | None = None, limit: int = 3
) -> list[datetime]:
    """Up to ``limit`` fire times after ``after`` (and not after ``until``)."""
    fire = trigger(schedule)
    times: list[datetime] = []
    previous: datetime | None = None
    now = after
    while len(times) < limit:
        moment = fire.get_next_fire_time(previous, now)
        if moment is None or (until is not None and moment > until):
            break
        if moment > after:
            times.append(moment)
        previous = moment
        now = moment + timedelta(microseconds=1)
    return times


def run_moment(schedule: Schedule) -> datetime:
    """A one-time schedule's moment, in local time when written without an offset."""
    moment: datetime = schedule.spec["run_date"]
    return moment if moment.tzinfo else moment.replace(tzinfo=zone())


def is_over(schedule: Schedule, now: datetime) -> bool:
    """A one-time schedule whose moment has passed."""
    return schedule.once and run_moment(schedule) <= now


def check_fires(schedule: Schedule) -> None:
    """Refuse a schedule that will never fire (Feb 30 in cron, a past one-time)."""
    now = dates.now()
    if schedule.once:
        if is_over(schedule, now):
            raise TrustError(f"{schedule.text!r} is in the past: pick a later time")
        return
    if not fire_times(schedule, now, until=now + timedelta(days=366 * 4), limit=1):
        raise TrustError(f"{schedule.text!r} never happens (is there a 30 February in it?)")
