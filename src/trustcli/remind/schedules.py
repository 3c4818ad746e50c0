"""WHEN text → the local wall-clock times a reminder fires at, across daylight saving.

People write schedules the way they say them: ``daily 21:00``, ``weekdays 08:30``,
``weekly sun 19:00``, ``mon,thu 20:00``, ``every 2 weeks sat 10:00``, the promise words
(``fortnightly sat 10:00``, ``monthly 10:00``), a 5-field cron expression, or a one-time
``2026-12-01T19:00``. Reading the text is ours, and so is turning it into moments.

Every form is a list of **local wall-clock times** (the calendar, with no zone), and one
rule turns a wall-clock time into a moment in the current zone (``to_instant``):

* a time that exists once is that moment;
* a time that happens twice (01:30 on a fall-back night) is its **first** occurrence, so
  it fires once;
* a time that does not exist (02:30 on a spring-forward night) is the moment the clocks
  jump (03:00), so it fires once, at the next valid instant, never skipped.

``next_fire`` is the one fire-time function: ``remind add`` ("next"), ``remind list``,
``remind due`` (through its cache) and the daemon (through ``trigger``) all use it.

What we take from APScheduler 3, and what not (measured with 3.11):

* Our own forms (daily, weekdays, weekends, weekly, days of the week, monthly) are
  counted here, day by day: ``remind add`` and ``remind list`` need no APScheduler
  (an import of ~50 ms); only a 5-field cron expression is read by it.
* ``CronTrigger`` matches calendar fields correctly, but in a zone with daylight saving
  it fires a repeated time twice (01:30 EDT and 01:30 EST) and gives a missing 02:30 as
  "02:30-05:00". So it is used only in UTC, where there is no daylight saving, to list
  matching wall-clock times; ``to_instant`` then places them in the real zone.
* ``IntervalTrigger`` adds absolute time, so "every 2 weeks sat 10:00" drifts to 11:00
  or 09:00 after a change. It is not used: the interval form is computed here, as whole
  days on the calendar.
* ``DateTrigger`` is not needed: a one-time moment is fired by the same trigger class.
* The scheduler itself (BlockingScheduler: waiting, misfires, coalescing) is used as is,
  with ``trigger()``'s BaseTrigger subclass.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from trustcli import dates
from trustcli.errors import TrustError

FORMS = (
    "daily 21:00, weekdays 08:30, weekends 10:00, weekly sun 19:00, mon,thu 20:00, "
    "every 2 weeks sat 10:00, fortnightly sat 10:00, monthly 10:00, a cron expression "
    "like '30 8 * * 1-5', or a date and time like 2026-12-01T19:00"
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")
MAX_WEEKS = 52  # "every N weeks": at most once a year, so it fires again in a lifetime
MAX_DAYS = 366
# A zone's clocks move by at most a few hours (2 h in Antarctica/Troll); wall-clock times
# this far before a moment are enough to find the first one at or after it.
_LARGEST_SHIFT = timedelta(hours=3)


class Schedule:
    """A parsed WHEN: ``kind`` is cron, interval or date; ``spec`` its parameters.
    (A plain class: @dataclass costs ~0.4 ms at every start.)"""

    __slots__ = ("kind", "spec", "text")

    def __init__(self, text: str, kind: str, spec: dict[str, Any]) -> None:
        self.text, self.kind, self.spec = text, kind, spec

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return (self.text, self.kind, self.spec) == (other.text, other.kind, other.spec)

    __hash__ = None  # type: ignore[assignment]  # spec is a dict: as unhashable as before

    def __repr__(self) -> str:
        return f"Schedule({self.text!r}, {self.kind!r}, {self.spec!r})"

    @property
    def once(self) -> bool:
        return self.kind == "date"


def parse(text: str, created: datetime | None = None, check: bool = True) -> Schedule:
    """Read WHEN. ``created`` anchors 'every N weeks' (and the weekday or day of month of
    'weekly 19:00', 'fortnightly 10:00', 'monthly 10:00') so it stays put across restarts.
    ``check=False`` skips asking APScheduler whether it can read a cron expression (an
    import that costs ~50 ms) and placing a one-time moment in the zone, for `remind
    due` when its cache already has the times (and names what does not work)."""
    words = " ".join(text.strip().lower().split())
    if not words:
        raise TrustError(f"the schedule is empty: use {FORMS}")
    once = _one_time(text.strip(), check)
    if once is not None:
        return Schedule(text, "date", {"run_date": once})
    parts = words.split(" ")
    if len(parts) == 5 and all(_CRON_FIELD.match(p) for p in parts) and not _TIME.match(parts[-1]):
        crontab = " ".join([*parts[:4], _cron_weekdays(parts[4], text)])
        schedule = Schedule(text, "cron", {"crontab": crontab})
        if check:
            _calendar_trigger(schedule)  # one APScheduler cannot read is refused now
        return schedule
    *head, clock = parts
    anchor = (created or dates.now()).date()
    form = _form(head, text, anchor)
    if form is None:
        raise TrustError(f"can't read the schedule {text!r}: use {FORMS}")
    kind, spec = form
    hour, minute = _clock(clock, text)
    if kind == "cron":
        return Schedule(text, "cron", {**spec, "hour": hour, "minute": minute})
    weekday = spec.pop("weekday", None)
    if weekday is not None:
        anchor += timedelta(days=(weekday - anchor.weekday()) % 7)
    return Schedule(text, "interval", {**spec, "anchor": anchor, "hour": hour, "minute": minute})


def _form(head: list[str], text: str, anchor: date) -> tuple[str, dict[str, Any]] | None:
    """What comes before the time of day: which kind of schedule, with what spec."""
    if head in (["daily"], ["every", "day"]):
        return "cron", {}
    if head == ["weekdays"]:
        return "cron", {"day_of_week": "mon-fri"}
    if head == ["weekends"]:
        return "cron", {"day_of_week": "sat,sun"}
    if head in (["weekly"], ["every", "week"]):  # as for promises: on the day it was made
        return "cron", {"day_of_week": DAY_NAMES[anchor.weekday()]}
    if len(head) == 2 and head[0] == "weekly":
        return "cron", {"day_of_week": _days(head[1], text)}
    if head == ["monthly"]:  # as for promises: on the day of the month it was made, ≤ 28
        return "cron", {"day": min(anchor.day, 28)}
    if head and head[0] in ("fortnightly", "biweekly") and len(head) <= 2:
        head = ["every", "2", "weeks", *head[1:]]
    if len(head) == 1 and all(dates.weekday_number(p) is not None for p in head[0].split(",")):
        return "cron", {"day_of_week": _days(head[0], text)}
    if len(head) in (3, 4) and head[0] == "every" and _digits(head[1]) and int(head[1]) > 0:
        count, unit = int(head[1]), head[2].rstrip("s")
        if unit == "week" and len(head) in (3, 4):
            if count > MAX_WEEKS:
                raise TrustError(
                    f"{text!r} would hardly ever come: use every 1 to {MAX_WEEKS} weeks"
                )
            day = _days(head[3], text) if len(head) == 4 else DAY_NAMES[anchor.weekday()]
            if "," in day:
                raise TrustError(
                    f"{text!r}: 'every {count} weeks' takes one day; add one reminder per day"
                )
            return "interval", {"days": 7 * count, "weekday": DAY_NAMES.index(day)}
        if unit == "day" and len(head) == 3:
            if count > MAX_DAYS:
                raise TrustError(f"{text!r} would hardly ever come: use every 1 to {MAX_DAYS} days")
            return "interval", {"days": count}
    return None


def _cron_weekdays(field: str, text: str) -> str:
    """Cron's day-of-week numbers (0 or 7 = Sunday) as names: APScheduler 3 numbers
    days from Monday = 0, so '1-5' would otherwise mean Tuesday to Saturday."""
    if not re.search(r"\d", field):
        return field
    chosen: set[int] = set()
    for part in field.split(","):
        span, slash, step_text = part.partition("/")
        step = int(step_text) if _digits(step_text) else 0 if slash else 1
        if step < 1:
            raise TrustError(f"{text!r}: the step after '/' must be a whole number from 1")
        if span in ("*", "?"):
            low, high = 0, 6
        elif "-" in span:
            low_text, _, high_text = span.partition("-")
            low, high = _cron_day(low_text, text), _cron_day(high_text, text)
            if high == 0 and high_text.strip() == "7":
                high = 7  # 0-7/2 is Sunday, Tuesday, Thursday, Saturday
        else:
            low = high = _cron_day(span, text)
        if high < low:
            high += 7
        chosen.update(day % 7 for day in range(low, high + 1, step))
    names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    return ",".join(names[day] for day in (1, 2, 3, 4, 5, 6, 0) if day in chosen)


def _digits(word: str) -> bool:
    """Plain 0-9 digits only: '²'.isdigit() is true, yet int('²') fails."""
    return word.isascii() and word.isdigit()


def _cron_day(word: str, text: str) -> int:
    if _digits(word) and int(word) <= 7:
        return int(word) % 7
    number = dates.weekday_number(word)
    if number is None:
        raise TrustError(f"{text!r}: {word!r} is not a day of the week for cron (0-7 or mon-sun)")
    return (number + 1) % 7


def _one_time(text: str, check: bool = True) -> datetime | None:
    if not re.match(r"^\d{4,}-\d{1,2}-\d{1,2}[T ]\d", text):
        return None
    if not re.match(r"^\d{4}-", text):
        raise TrustError(f"{text!r} is too far in the future: pick a year up to 9998")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TrustError(f"{text!r} is not a real date and time (check month, day, hour)") from None
    if check and to_instant(moment, zone()) is None:
        when = "future: pick a year up to 9998" if moment.year > 1 else "past"
        raise TrustError(f"{text!r} is too far in the {when}")
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


# --- the zone, and wall-clock time → moment ------------------------------------------------


def zone() -> tzinfo:
    """The zone schedules run in: $TZ when it names a zone, else the system's.

    Read each time (not cached like tzlocal's), so a changed TZ is seen at once."""
    name = os.environ.get("TZ", "").removeprefix(":")
    if name:
        from zoneinfo import ZoneInfo

        try:
            return ZoneInfo(name)
        except (KeyError, ValueError, OSError):  # not a zone name (a POSIX rule): ask tzlocal
            pass
    try:
        from tzlocal import get_localzone  # comes with APScheduler

        found: tzinfo = get_localzone()
        return found
    except Exception:  # no zone database: a fixed offset still gives right times today
        now = dates.now()
        assert now.tzinfo is not None
        return now.tzinfo


_TZLOCAL_FILES = (  # what tzlocal reads on Linux and macOS when $TZ names no zone
    "/etc/timezone",
    "/var/db/zoneinfo",
    "/etc/sysconfig/clock",
    "/etc/conf.d/clock",
)


def zone_key() -> str:
    """Text that changes whenever ``zone()`` may give another zone, without building it:
    `remind due` keys its cache on it, and the zone database (zoneinfo, ~2 ms) and
    tzlocal (~5 ms, with logging) would otherwise be imported at every prompt.

    It holds what ``zone()`` reads: $TZ, where zoneinfo looks ($PYTHONTZPATH), the files
    tzlocal reads and where /etc/localtime leads, and the UTC offset now (for the
    fixed-offset fallback). More than the zone changes it (an offset at a daylight saving
    change): that costs one recomputation, never a stale time. Where tzlocal asks
    another program (Android) or the registry (Windows), the zone itself is the key."""
    import sys

    if sys.platform == "win32" or os.path.exists("/system/bin/getprop"):
        return str(zone())
    parts = [os.environ.get("TZ", "-"), os.environ.get("PYTHONTZPATH", "-")]
    for path in _TZLOCAL_FILES:
        try:
            with open(path, "rb") as file:
                parts.append(file.read(4096).decode("utf-8", "replace"))
        except OSError:
            parts.append("-")
    try:
        parts.append(os.path.realpath("/etc/localtime"))
        info = os.stat("/etc/localtime")
        parts.append(f"{info.st_ino} {info.st_size} {info.st_mtime_ns}")
    except (OSError, ValueError):
        parts.append("-")
    parts.append(str(dates.now().utcoffset()))
    return "\n".join(parts)


def to_instant(wall: datetime, tz: tzinfo) -> datetime | None:
    """The moment a wall-clock time means in ``tz`` (see the module's rule); a time that
    already has an offset is its own moment. None when it is past what datetime holds."""
    try:
        if wall.tzinfo is not None:
            return wall.astimezone(UTC).astimezone(wall.tzinfo)
        first = wall.replace(tzinfo=tz, fold=0)
        second = wall.replace(tzinfo=tz, fold=1)
        early, late = sorted((first.astimezone(UTC), second.astimezone(UTC)))
        for moment in (early, late):
            if moment.astimezone(tz).replace(tzinfo=None) == wall:
                return moment.astimezone(tz)  # exists; when twice, the first
        # In a gap: the first moment whose wall-clock time is at least ``wall``, that is,
        # the moment the clocks jump. Transitions fall on whole seconds.
        while (late - early) > timedelta(seconds=1):
            middle = early + (late - early) / 2
            if middle.astimezone(tz).replace(tzinfo=None) >= wall:
                late = middle
            else:
                early = middle
        return late.replace(microsecond=0).astimezone(tz)
    except (OverflowError, ValueError):
        return None


# --- when a schedule fires ----------------------------------------------------------------


def _wall_times(schedule: Schedule, start: datetime) -> Iterator[datetime]:
    """The schedule's wall-clock times (naive) from ``start`` (naive) on, in order."""
    spec = schedule.spec
    try:
        if schedule.kind == "interval":
            first = datetime.combine(spec["anchor"], time(spec["hour"], spec["minute"]))
            step = timedelta(days=spec["days"])
            count = max(0, -((first - start) // step)) if start > first else 0
            while True:
                yield first + count * step
                count += 1
        if "crontab" not in spec:  # our own forms: whole days on the calendar
            yield from _named_wall_times(spec, start)
            return
        fire = _calendar_trigger(schedule)
        previous = None
        now = start.replace(tzinfo=UTC)
        while True:
            moment = fire.get_next_fire_time(previous, now)
            if moment is None:
                return
            yield moment.replace(tzinfo=None)
            previous = now = moment
    except (OverflowError, ValueError):  # past what datetime holds: no more times
        return


def _named_wall_times(spec: dict[str, Any], start: datetime) -> Iterator[datetime]:
    """The wall-clock times of 'daily', 'weekdays', 'weekly sun', 'mon,thu', 'monthly'
    (days of the week and/or a day of the month, at one time of day), from ``start`` on.
    Counted here rather than by APScheduler, so only the daemon imports it (~50 ms)."""
    weekdays = set(range(7))
    if "day_of_week" in spec:
        weekdays = set()
        for part in str(spec["day_of_week"]).split(","):
            low, _, high = part.partition("-")
            first, last = DAY_NAMES.index(low), DAY_NAMES.index(high or low)
            weekdays.update(range(first, last + 1))
    clock = time(spec["hour"], spec["minute"])
    day = start.date()
    while True:
        if day.weekday() in weekdays and spec.get("day", day.day) == day.day:
            wall = datetime.combine(day, clock)
            if wall >= start:
                yield wall
        day += timedelta(days=1)  # past date.max: OverflowError, caught by the caller


def _calendar_trigger(schedule: Schedule) -> Any:
    """APScheduler's CronTrigger in UTC: calendar matching only, no daylight saving."""
    from apscheduler.triggers.cron import CronTrigger

    if "crontab" in schedule.spec:
        try:
            return CronTrigger.from_crontab(schedule.spec["crontab"], timezone=UTC)
        except ValueError as exc:
            raise TrustError(
                f"{schedule.text!r} is not a cron expression I can use: {exc}"
            ) from None
    return CronTrigger(**schedule.spec, timezone=UTC)


def _fires_from(schedule: Schedule, start: datetime, tz: tzinfo) -> Iterator[datetime]:
    """Every fire moment at or after ``start``, in order, each once."""
    if schedule.once:
        moment = to_instant(schedule.spec["run_date"], tz)
        if moment is not None and moment >= start:
            yield moment
        return
    try:
        wall_start = start.astimezone(tz).replace(tzinfo=None) - _LARGEST_SHIFT
    except OverflowError:
        return
    last: datetime | None = None
    for wall in _wall_times(schedule, wall_start):
        moment = to_instant(wall, tz)
        if moment is None:
            return
        if moment < start or (last is not None and moment <= last):
            continue  # before start, or a second wall-clock time in one gap
        last = moment
        yield moment


def next_fire(schedule: Schedule, start: datetime, tz: tzinfo | None = None) -> datetime | None:
    """The first moment at or after ``start`` the schedule fires: the one fire-time function."""
    return next(_fires_from(schedule, start, tz or zone()), None)


def fire_times(
    schedule: Schedule,
    after: datetime,
    until: datetime | None = None,
    limit: int = 3,
    tz: tzinfo | None = None,
) -> list[datetime]:
    """Up to ``limit`` fire moments after ``after`` (and not after ``until``)."""
    times: list[datetime] = []
    for moment in _fires_from(schedule, after, tz or zone()):
        if len(times) >= limit or (until is not None and moment > until):
            break
        if moment > after:
            times.append(moment)
    return times


def trigger(schedule: Schedule, tz: tzinfo | None = None) -> Any:
    """An APScheduler 3 trigger that fires at ``next_fire``'s moments (for the daemon)."""
    from apscheduler.triggers.base import BaseTrigger

    class WallClockTrigger(BaseTrigger):  # type: ignore[misc]
        __slots__ = ("schedule", "tz")

        def __init__(self, schedule: Schedule, tz: tzinfo) -> None:
            self.schedule = schedule
            self.tz = tz

        def get_next_fire_time(
            self, previous_fire_time: datetime | None, now: datetime
        ) -> datetime | None:
            if previous_fire_time is None:
                if self.schedule.once:  # like DateTrigger: a late one still runs (grace)
                    return to_instant(self.schedule.spec["run_date"], self.tz)
                return next_fire(self.schedule, now, self.tz)
            return next_fire(self.schedule, previous_fire_time + timedelta(microseconds=1), self.tz)

        def __str__(self) -> str:
            return f"wall clock [{self.schedule.text}]"

    return WallClockTrigger(schedule, tz or zone())


def run_moment(schedule: Schedule) -> datetime:
    """A one-time schedule's moment, in local time when written without an offset."""
    moment = to_instant(schedule.spec["run_date"], zone())
    if moment is None:
        raise TrustError(f"{schedule.text!r} is too far in the future: pick a year up to 9998")
    return moment


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
