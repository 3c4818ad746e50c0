"""The report's data: follow-through, check-in trends, sessions, small victories, and
the signs that things are stuck.

``figures`` is pure: records in, one dict out, the same dict that ``--json`` prints and
the terminal, Markdown and SVG views draw. It describes what the records show and
never claims the tool caused it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustcli import checkins, followthrough

Record = dict[str, Any]
KEPT_MILESTONES = (10, 25, 50, 100, 250, 500, 1000)
STUCK_LOW = 4.0  # weekly average at or below this, for weeks, counts as low
STUCK_WEEKS = 6  # weeks in a row with nothing kept
RECENT_DAYS = 28


def figures(
    made: list[Record],
    followups: list[Record],
    checkin_records: list[Record],
    session_list: list[Record],
    today: date,
    since: date | None = None,
    who: str | None = None,
    confirmations: list[Record] | None = None,
    alone: bool = False,
) -> Record:
    """Everything the report shows, as plain data. ``confirmations`` (paired homes only):
    what the person each promise was made to confirmed or disputed, by promise and day.
    ``alone``: one person's records (see ``one_person``): lines speak to "you" rather
    than name people."""
    start = since.isoformat() if since else ""
    if who is not None:
        made = [p for p in made if p["by"] == who]
        checkin_records = [c for c in checkin_records if c["who"] == who]
        session_list = [s for s in session_list if s["who"] == who]
    ids = {p["id"] for p in made}
    followups = [f for f in followups if f["promise"] in ids and f["on"] >= start]
    checkin_records = [c for c in checkin_records if c["on"] >= start]
    finished = [
        s for s in session_list if "finished" in s and s["finished"].date() >= (since or date.min)
    ]

    # the due days left unrecorded, once for the streaks and the weekly figures
    gaps = followthrough.unrecorded_by_promise(made, followups, today)
    stats = followthrough.stats(made, followups, today, gaps)
    trends = checkins.trends_by_person(checkin_records)
    followups = followthrough.chronological(followups)  # one per promise and day
    weekly = weekly_followthrough(followups, confirmations)
    unrecorded = followthrough.unrecorded_weeks(made, followups, today, start, gaps)
    result: Record = {
        "today": today.isoformat(),
        "since": start or None,
        "who": who,
        "alone": alone,
        "followthrough": stats,
        "weekly_followthrough": weekly,
        "checkins": trends,
        "sessions": {
            "finished": len(finished),
            "by_set": _count_by(finished, "set"),
        },
    }
    perfect = first_perfect_week(followups, unrecorded, today)
    result["milestones"] = milestones(stats, perfect, trends, len(finished), alone)
    result["marks"] = chart_marks(made, finished, perfect, start)
    result["stuck"] = stuck_signs(followups, trends, today, unrecorded, alone)
    return result


def known_people(
    made: list[Record], checkin_records: list[Record], session_list: list[Record]
) -> set[str]:
    """Every name the records (and the configured names) know, for ``--as``."""
    from trustcli import config

    names = set(config.names().values()) | {config.me()}
    names |= {p["by"] for p in made} | {p["to"] for p in made if p["to"]}
    names |= {c["who"] for c in checkin_records} | {s["who"] for s in session_list}
    return names


def one_person(
    made: list[Record], checkin_records: list[Record], session_list: list[Record]
) -> bool:
    """No partner configured, and no one but this home's person in the records (no
    promise made to anyone, no one else's check-ins or sessions): someone on their own."""
    from trustcli import config

    if config.partner():
        return False
    return known_people(made, checkin_records, session_list) <= {config.me()}


def _whose(who: str, alone: bool) -> str:
    return "your" if alone else f"{who}'s"


def weekly_followthrough(
    followups: list[Record], confirmations: list[Record] | None = None
) -> list[Record]:
    """Kept and missed per week (Monday), oldest first, with the week's rate. With
    ``confirmations`` (paired), also how many of the kept days the person the promise
    was made to confirmed (their latest word on that day; a disputed day is not)."""
    seen = {
        (entry["promise"], entry["on"])
        for entry in followthrough.chronological(confirmations or [])
        if entry["result"] == "confirmed"
    }
    weeks: dict[str, list[int]] = {}
    for followup in followups:
        tally = weeks.setdefault(checkins.week_of(followup["on"]), [0, 0, 0])
        kept = followup["result"] == "kept"
        tally[0 if kept else 1] += 1
        if kept and (followup["promise"], followup["on"]) in seen:
            tally[2] += 1
    rows = []
    for week, (kept, missed, confirmed) in sorted(weeks.items()):
        row: Record = {
            "week": week,
            "kept": kept,
            "missed": missed,
            "rate": round(kept / (kept + missed), 4),
        }
        if confirmations is not None:
            row["confirmed"] = confirmed
        rows.append(row)
    return rows


def chart_marks(
    made: list[Record], finished: list[Record], perfect: str | None, start: str
) -> list[Record]:
    """The weeks the chart marks, oldest first: the week the first promise was made, the
    first whole week with every due day kept, and each week with a finished question
    session (with how many). Only weeks from ``start`` on."""
    marks: list[Record] = []
    if made:
        first = min(followthrough.made_on(p) for p in made).isoformat()
        if first >= start:
            marks.append({"week": checkins.week_of(first), "kind": "first-promise"})
    if perfect:
        marks.append({"week": perfect, "kind": "first-perfect-week"})
    sessions_by_week = _count_by(
        [{"week": checkins.week_of(s["finished"].date().isoformat())} for s in finished], "week"
    )
    for week, count in sessions_by_week.items():
        marks.append({"week": week, "kind": "session", "count": count})
    return sorted(marks, key=lambda mark: mark["week"])


def milestones(
    stats: Record,
    perfect: str | None,
    trends: dict[str, Record],
    sessions_done: int,
    alone: bool = False,
) -> list[str]:
    """Small victories the records really show, to celebrate."""
    found = []
    overall = stats["overall"]
    if perfect:
        found.append(f"A whole week with every promise kept (the week of {perfect})")
    reached = [n for n in KEPT_MILESTONES if overall["kept"] >= n]
    if reached:
        found.append(f"{reached[-1]} times a promise was kept")
    if overall["longest_streak"] >= 5:
        found.append(f"{overall['longest_streak']} kept in a row at best")
    for who, trend in trends.items():
        gain = trend["latest"] - trend["first"]
        if trend["direction"] != "too little data" and gain >= 2:
            whose = _whose(who, alone)
            found.append(f"{whose} trust rating up {gain:g} points since the first week")
    if sessions_done:
        found.append(f"{sessions_done} question session{'s' * (sessions_done != 1)} finished")
    return found


def first_perfect_week(followups: list[Record], unrecorded: set[str], today: date) -> str | None:
    """The first whole week (Monday to Sunday, over by today) with at least three
    follow-ups, every one kept, and every due day of every promise recorded
    (``unrecorded``: the weeks with a due day left unrecorded)."""
    weeks: dict[str, list[int]] = {}
    for followup in followups:
        tally = weeks.setdefault(checkins.week_of(followup["on"]), [0, 0])
        tally[0 if followup["result"] == "kept" else 1] += 1
    this_week = checkins.week_of(today.isoformat())
    for week, (kept, missed) in sorted(weeks.items()):
        if week < this_week and kept >= 3 and not missed and week not in unrecorded:
            return week
    return None


def stuck_signs(
    followups: list[Record],
    trends: dict[str, Record],
    today: date,
    unrecorded: set[str],
    alone: bool = False,
) -> list[str]:
    """Signs that things are stuck, when the data shows them, kindly worded."""
    signs = []
    weeks = _weeks_without_kept(followups, unrecorded, today)
    if weeks >= STUCK_WEEKS:
        signs.append(f"no promise has been recorded as kept for {weeks} weeks")
    recent_start = (today - timedelta(days=RECENT_DAYS)).isoformat()
    before_start = (today - timedelta(days=2 * RECENT_DAYS)).isoformat()
    recent = [f for f in followups if f["on"] > recent_start]
    before = [f for f in followups if before_start < f["on"] <= recent_start]
    if len(recent) >= 4 and len(before) >= 4:
        now_rate, then_rate = _rate(recent), _rate(before)
        if then_rate - now_rate >= 0.15:
            signs.append(
                f"follow-through has fallen from {then_rate:.0%} to {now_rate:.0%} "
                "over the last four weeks"
            )
    for who, trend in trends.items():
        last = [week["average"] for week in trend["weeks"][-3:]]
        if len(last) == 3 and max(last) <= STUCK_LOW and trend["direction"] != "rising":
            whose = _whose(who, alone)
            signs.append(f"{whose} trust ratings have stayed low for three weeks or more")
    return signs


def _weeks_without_kept(followups: list[Record], unrecorded: set[str], today: date) -> int:
    """How many weeks in a row, up to now, had something due and nothing kept: every
    follow-up missed or left unrecorded (0 % follow-through, however it came about).
    This week counts once something in it was due."""
    kept: set[str] = set()
    due: set[str] = set()
    for followup in followups:
        (kept if followup["result"] == "kept" else due).add(checkins.week_of(followup["on"]))
    due |= unrecorded
    monday = date.fromisoformat(checkins.week_of(today.isoformat()))
    if monday.isoformat() not in due | kept:
        monday -= timedelta(weeks=1)
    count = 0
    while monday.isoformat() in due and monday.isoformat() not in kept:
        count += 1
        monday -= timedelta(weeks=1)
    return count


def _rate(followups: list[Record]) -> float:
    kept = sum(1 for f in followups if f["result"] == "kept")
    return kept / len(followups)


def _count_by(records: list[Record], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record[key]] = counts.get(record[key], 0) + 1
    return dict(sorted(counts.items()))


STUCK_ADVICE = (
    "Rebuilding trust is slow, and stalls are common. This may be a good moment to get "
    "help from a counsellor or therapist; to prepare, try: "
    "trustcli worksheet new counselling-prep"
)
