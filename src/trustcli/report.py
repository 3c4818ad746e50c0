"""The progress report: follow-through, check-in trends, sessions, small victories.

``figures`` is pure: records in, one dict out, the same dict that ``--json`` prints and
the terminal, Markdown and SVG views draw. It describes what the records show and
never claims the tool caused it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustcli import checkins, promises

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
    alone: bool = False,
) -> Record:
    """Everything the report shows, as plain data. ``alone``: one person's records
    (see ``one_person``): lines speak to "you" rather than name people."""
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

    stats = promises.stats(made, followups, today)
    trends = checkins.trends_by_person(checkin_records)
    followups = promises.chronological(followups)  # one per promise and day
    weekly = weekly_followthrough(followups)
    unrecorded = [gap for gap in promises.gaps(made, followups, today) if gap[0] >= start]
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


def weekly_followthrough(followups: list[Record]) -> list[Record]:
    """Kept and missed per week (Monday), oldest first, with the week's rate."""
    weeks: dict[str, list[int]] = {}
    for followup in followups:
        tally = weeks.setdefault(checkins.week_of(followup["on"]), [0, 0])
        tally[0 if followup["result"] == "kept" else 1] += 1
    return [
        {"week": week, "kept": kept, "missed": missed, "rate": round(kept / (kept + missed), 4)}
        for week, (kept, missed) in sorted(weeks.items())
    ]


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


def first_perfect_week(
    followups: list[Record], unrecorded: list[tuple[str, int]], today: date
) -> str | None:
    """The first whole week (Monday to Sunday, over by today) with at least three
    follow-ups, every one kept, and every due day of every promise recorded."""
    weeks: dict[str, list[int]] = {}
    for followup in followups:
        tally = weeks.setdefault(checkins.week_of(followup["on"]), [0, 0])
        tally[0 if followup["result"] == "kept" else 1] += 1
    blemished = {checkins.week_of(day) for day, _ in unrecorded}
    this_week = checkins.week_of(today.isoformat())
    for week, (kept, missed) in sorted(weeks.items()):
        if week < this_week and kept >= 3 and not missed and week not in blemished:
            return week
    return None


def stuck_signs(
    followups: list[Record],
    trends: dict[str, Record],
    today: date,
    unrecorded: list[tuple[str, int]],
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


def _weeks_without_kept(
    followups: list[Record], unrecorded: list[tuple[str, int]], today: date
) -> int:
    """How many weeks in a row, up to now, had something due and nothing kept: every
    follow-up missed or left unrecorded (0 % follow-through, however it came about).
    This week counts once something in it was due."""
    kept: set[str] = set()
    due: set[str] = set()
    for followup in followups:
        (kept if followup["result"] == "kept" else due).add(checkins.week_of(followup["on"]))
    due |= {checkins.week_of(day) for day, _ in unrecorded}
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


# --- views -------------------------------------------------------------------------------


def _followthrough(figures: Record, paired: bool) -> list[str]:
    """The follow-through table; ``paired`` adds the days confirmed and disputed by the
    person each promise was made to."""
    overall = figures["overall"]
    seen = (
        f" {overall['confirmed']} confirmed, {overall['disputed']} disputed by the person "
        "each promise was made to."
        if paired
        else ""
    )
    lines = [
        f"Overall: {overall['kept']} kept, {overall['missed']} missed"
        + (f" ({overall['rate']:.0%})" if overall["rate"] is not None else "")
        + f"; current streak {overall['current_streak']}, longest {overall['longest_streak']}."
        + seen,
        "",
        "| # | promise | kept | missed | "
        + ("confirmed | disputed | " if paired else "")
        + "follow-through | streak | best | status |",
        "|---|---|---|---|" + ("---|---|" if paired else "") + "---|---|---|---|",
    ]
    for row in figures["promises"]:
        rate = "" if row["rate"] is None else f"{row['rate']:.0%}"
        confirmed = f"{row['confirmed']} | {row['disputed']} | " if paired else ""
        lines.append(
            f"| {row['id']} | {_cell(row['text'])} | {row['kept']} | {row['missed']} | "
            f"{confirmed}{rate} "
            f"| {row['current_streak']} | {row['longest_streak']} | {row['status']} |"
        )
    if overall["overdue"]:
        late = ", ".join(str(i) for i in overall["overdue"])
        lines += ["", f"Overdue: {late}."]
    return lines


def markdown(data: Record, chart_name: str | None = None) -> str:
    """The report as CommonMark: one title, sections, tables."""
    lines = ["# Progress report", ""]
    scope = (
        f"From {data['since']} to {data['today']}" if data["since"] else f"Up to {data['today']}"
    )
    if data["who"]:
        scope += f", for {data['who']}"
    lines += [f"{scope}. These are the records you kept; they describe, they do not judge.", ""]

    lines += ["## Follow-through", ""]
    if data["followthrough"]["promises"]:
        lines += _followthrough(data["followthrough"], "partner" in data)
    else:
        lines.append("No promises yet.")
    lines.append("")
    partner = data.get("partner")
    if partner and partner["promises"]:
        name = partner["name"] or "your partner"
        lines += [f"## {_cell(name)}'s promises", ""]
        lines += [*_followthrough(partner, True), ""]

    lines += ["## Check-ins", ""]
    if data["checkins"] and data.get("alone"):
        (trend,) = data["checkins"].values()
        lines.append(
            f"Your weekly averages (1-10): {trend['sparkline']}, {trend['first']:g} in the "
            f"first week, {trend['latest']:g} in the latest; {trend['direction']} "
            f"({len(trend['weeks'])} week{'s' * (len(trend['weeks']) != 1)})."
        )
        if chart_name:
            lines += ["", f"![Weekly check-ins and follow-through]({chart_name})"]
    elif data["checkins"]:
        lines += [
            "| who | weeks | trend | first | latest | direction |",
            "|---|---|---|---|---|---|",
        ]
        for who, trend in data["checkins"].items():
            lines.append(
                f"| {_cell(who)} | {len(trend['weeks'])} | {trend['sparkline']} | "
                f"{trend['first']:g} | {trend['latest']:g} | {trend['direction']} |"
            )
        if chart_name:
            lines += ["", f"![Weekly check-ins and follow-through]({chart_name})"]
    else:
        lines.append("No check-ins yet.")
    lines.append("")

    lines += ["## Question sessions", ""]
    sessions = data["sessions"]
    if sessions["finished"]:
        by_set = ", ".join(f"{name} ({n})" for name, n in sessions["by_set"].items())
        lines.append(f"{sessions['finished']} finished: {by_set}.")
    else:
        lines.append("No finished sessions yet.")
    lines.append("")

    lines += ["## Small victories", ""]
    lines += [f"- {item}" for item in data["milestones"]] or ["None yet; they will come."]
    if data["stuck"]:
        lines += ["", "## Feeling stuck?", ""]
        lines += [f"- {sign.capitalize()}." for sign in data["stuck"]]
        lines += ["", STUCK_ADVICE + "."]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def svg_chart(data: Record) -> str:
    """Weekly check-in averages (a line per person) over weekly follow-through (bars).

    Plain SVG text: one ``circle.point`` per person-week, one ``rect.bar`` per week.
    """
    weeks = sorted(
        {w["week"] for t in data["checkins"].values() for w in t["weeks"]}
        | {w["week"] for w in data["weekly_followthrough"]}
    )
    width, height, left, right, top, bottom = 640, 300, 40, 20, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / (len(weeks) - 1) if len(weeks) > 1 else 0.0
    x_of = {week: left + (i * step if step else plot_w / 2) for i, week in enumerate(weeks)}

    def y_of(rating: float) -> float:
        return top + plot_h * (1 - (rating - 1) / 9)

    parts = [
        _element("title", "Weekly check-ins and follow-through"),
        _element("rect", x=0, y=0, width=width, height=height, fill="#ffffff"),
    ]
    for value in (1, 5, 10):
        y = y_of(value)
        parts.append(_element("line", x1=left, x2=width - right, y1=y, y2=y, stroke="#e5e5e5"))
        parts.append(_element("text", str(value), x=left - 6, y=y + 4, fill="#777", anchor="end"))
    bar_w = max(4.0, min(24.0, step * 0.6 if step else 24.0))
    for week in data["weekly_followthrough"]:
        bar_h = plot_h * week["rate"]
        tip = _element("title", f"week of {week['week']}: {week['rate']:.0%} kept")
        parts.append(
            _element(
                "rect",
                inner=tip,
                klass="bar",
                data_week=week["week"],
                x=x_of[week["week"]] - bar_w / 2,
                y=top + plot_h - bar_h,
                width=bar_w,
                height=bar_h,
                fill="#d9e6d4",
            )
        )
    for index, (who, trend) in enumerate(data["checkins"].items()):
        colour = _COLOURS[index % len(_COLOURS)]
        points = [(x_of[w["week"]], y_of(w["average"]), w) for w in trend["weeks"]]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(_element("polyline", fill="none", stroke=colour, stroke_width=2, points=path))
        for x, y, week in points:
            tip = _element("title", f"{who}, week of {week['week']}: {week['average']:g}")
            parts.append(
                _element(
                    "circle",
                    inner=tip,
                    klass="point",
                    data_who=who,
                    data_week=week["week"],
                    cx=x,
                    cy=y,
                    r=3.5,
                    fill=colour,
                )
            )
        parts.append(
            _element("text", f"● {who}", x=left + 8 + 110 * index, y=top - 12, fill=colour)
        )
    if weeks:
        parts.append(_element("text", weeks[0], x=left, y=height - 12, fill="#777"))
        last_x = width - right
        parts.append(
            _element("text", weeks[-1], x=last_x, y=height - 12, fill="#777", anchor="end")
        )
    caption = "bars: share of promises kept"
    parts.append(
        _element("text", caption, x=width - right, y=top - 12, fill="#6a8f5e", anchor="end")
    )
    root = _element(
        "svg",
        inner="\n".join(parts),
        xmlns="http://www.w3.org/2000/svg",
        width=width,
        height=height,
        viewBox=f"0 0 {width} {height}",
        font_family="sans-serif",
        font_size=11,
    )
    return root + "\n"


_COLOURS = ("#3b6ea8", "#b3573b", "#4f8a4c", "#8a4f86")


def _element(tag: str, text: str = "", *, inner: str = "", **attributes: object) -> str:
    """One SVG element. Keyword names map to attributes: klass → class, anchor →
    text-anchor, other underscores → hyphens; text is escaped, ``inner`` is markup."""
    from xml.sax.saxutils import escape, quoteattr

    names = {"klass": "class", "anchor": "text-anchor"}
    rendered = []
    for key, value in attributes.items():
        name = names.get(key, key.replace("_", "-"))
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        rendered.append(f"{name}={quoteattr(shown)}")
    opening = " ".join([tag, *rendered])
    body = inner or escape(text)
    return f"<{opening}>{body}</{tag}>" if body else f"<{opening}/>"
