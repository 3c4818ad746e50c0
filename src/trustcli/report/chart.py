"""The report's chart as SVG: one column per week, bars for follow-through, a line per
person for check-ins, badges for milestones. Drawn from the report's data alone, with
our own small SVG writer (a plotting library would cost more than the whole report)."""

from __future__ import annotations

import functools
import math
import re
from datetime import date, timedelta
from typing import Any

from trustcli import checkins

Record = dict[str, Any]

# The chart: one slot per week from the first week with records or a milestone (or
# --since) to this week, so a week without records is an empty slot. Bars: the share of
# recorded promise days kept (0-100 %, right axis); a dark stub on the baseline marks
# every week with records, so a week with none kept (0 %) still shows. Lines: each
# person's weekly average check-in (1-10, left axis), broken across a week with no
# records at all. Above the plot, badges mark the first promise (P), the first whole
# week kept (W) and weeks with a finished question session (Q). Everything sits on its
# own light card, so the chart reads the same on a light or a dark page; series differ by
# shape and pattern too, not only by colour.
WIDTH, HEIGHT = 720, 360  # taller only when the legend needs more than two rows
PLOT_LEFT, PLOT_RIGHT, BELOW_PLOT = 48, WIDTH - 52, 56
LEGEND_TEXT = 40  # characters of a name in the legend at most (the rest: "…")
CHAR_W = 7.0  # a generous width of one 11 px sans-serif character (DejaVu Sans: 3-10 px)
_NARROW, _WIDE = frozenset("fijlrtI1 .,:;'|!()[]"), frozenset("mwMWOQGCD@%&—…")


def text_width(text: str) -> float:
    """A generous estimate of ``text``'s width at 11 px, so labels never overlap."""
    return sum(
        4.0 if c in _NARROW else 10.5 if c in _WIDE or ord(c) > 0x2FF else CHAR_W for c in text
    )


INK, MUTED, CARD, FRAME = "#222222", "#555555", "#ffffff", "#c8c8c8"
KEPT, STUB = "#4e8a3e", "#555555"
_COLOURS = ("#2f5f9e", "#b0502f", "#7a4a8c", "#4a4a4a")  # none of them green, like the bars
_DASHES = ("", "6 3", "2 2", "8 3 2 3")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LABEL_EVERY = (1, 2, 4, 8, 13, 26, 52)
MARK_TEXT = {
    "first-promise": ("P", "first promise made"),
    "first-perfect-week": ("W", "first whole week with every day kept"),
    "session": ("Q", "question session finished"),
}


def chart_weeks(data: Record) -> list[str]:
    """Every Monday the chart shows, oldest first, with or without records."""
    found = {w["week"] for t in data["checkins"].values() for w in t["weeks"]}
    found |= {w["week"] for w in data["weekly_followthrough"]}
    if not found:
        return []
    found |= {mark["week"] for mark in data.get("marks", [])}  # the first promise, too
    first = checkins.week_of(data["since"]) if data["since"] else min(found)
    last = max(max(found), checkins.week_of(data["today"]))
    monday, end, weeks = date.fromisoformat(first), date.fromisoformat(last), []
    while monday <= end:
        weeks.append(monday.isoformat())
        monday += timedelta(weeks=1)
    return weeks


def _short(week: str) -> str:
    day = date.fromisoformat(week)
    return f"{day.day} {_MONTHS[day.month - 1]}"


def svg_chart(data: Record) -> str:
    """Weekly follow-through (bars) and check-in averages (a line per person), as SVG
    text: deterministic, no fonts or scripts needed, one ``rect.bar`` per week with
    follow-ups and one ``.point`` per person-week."""
    weeks = chart_weeks(data)
    weekly = data["weekly_followthrough"]
    people = list(data["checkins"].items())
    paired = any("confirmed" in w for w in weekly)
    partner = (data.get("partner") or {}).get("name") or "your partner"

    legend: list[tuple[str, str]] = []  # (swatch kind, text) in the order drawn
    for index, (who, _) in enumerate(people):  # one person on their own: "your check-ins"
        legend.append((f"person:{index}", "your check-ins" if data.get("alone") else who))
    if paired and any(w["confirmed"] for w in weekly):
        legend.append(("solid", f"kept, confirmed by {partner}"))
    if paired and any(w["kept"] > w["confirmed"] for w in weekly):
        legend.append(("hatched", "kept, your own record"))
    if not paired and any(w["kept"] for w in weekly):
        legend.append(("solid", "share of recorded days kept"))
    if weekly:
        legend.append(("stub", "week with records"))
    in_range = set(weeks)
    marks = [m for m in data.get("marks", []) if m["week"] in in_range]
    for kind in MARK_TEXT:
        if any(m["kind"] == kind for m in marks):
            letter, text = MARK_TEXT[kind]
            legend.append((f"mark:{letter}", text))

    parts = [
        _element("title", "Weekly check-ins and follow-through", id="chart-title"),
        _element("desc", _describe(data, weeks, marks, paired), id="chart-desc"),
        _element(
            "defs",
            inner=_element(
                "pattern",
                inner=_element("rect", width=6, height=6, fill=CARD)
                + _element("line", x1=3, y1=0, x2=3, y2=6, stroke=KEPT, stroke_width=2.5),
                id="own-record",
                width=6,
                height=6,
                patternUnits="userSpaceOnUse",
                patternTransform="rotate(45)",
            ),
        ),
    ]
    drawn_legend: list[str] = []
    legend_bottom = _legend(drawn_legend, legend)
    height = HEIGHT + max(0, math.ceil(legend_bottom - 44))  # two rows fit in HEIGHT
    bottom = height - BELOW_PLOT
    parts.append(
        _element(
            "rect", x=0.5, y=0.5, width=WIDTH - 1, height=height - 1, rx=6, fill=CARD, stroke=FRAME
        )
    )
    parts += drawn_legend
    top = legend_bottom + 30  # room for the milestone badges
    plot_w, plot_h = PLOT_RIGHT - PLOT_LEFT, bottom - top
    inner_h = plot_h - 6  # 100 % and a rating of 10 stay inside the plot
    slot = plot_w / max(len(weeks), 1)
    x_of = {week: PLOT_LEFT + (i + 0.5) * slot for i, week in enumerate(weeks)}

    def y_of(share: float) -> float:
        return bottom - inner_h * share

    parts.append(
        _element(
            "rect", klass="plot-area", x=PLOT_LEFT, y=top, width=plot_w, height=plot_h, fill=CARD
        )
    )
    bar_w = max(0.8, min(28.0, slot * 0.7))
    for week in weekly:
        x = x_of[week["week"]] - bar_w / 2
        tip = f"week of {week['week']}: {week['kept']} kept, {week['missed']} missed"
        tip += f" ({week['rate']:.0%})"
        if paired:
            tip += f", {week['confirmed']} confirmed by {partner}"
        own = paired and week["kept"] > week["confirmed"]
        kept_h = inner_h * week["rate"]
        parts.append(
            _element(
                "rect",
                inner=_element("title", tip),
                klass="bar",
                data_week=week["week"],
                x=x,
                y=bottom - kept_h,
                width=bar_w,
                height=kept_h,
                fill="url(#own-record)" if own else KEPT,
                stroke=KEPT if own and kept_h else "none",
            )
        )
        if paired and week["confirmed"]:
            seen_h = inner_h * week["confirmed"] / (week["kept"] + week["missed"])
            parts.append(
                _element(
                    "rect",
                    klass="bar-confirmed",
                    data_week=week["week"],
                    x=x,
                    y=bottom - seen_h,
                    width=bar_w,
                    height=seen_h,
                    fill=KEPT,
                )
            )
        parts.append(
            _element(
                "rect",
                klass="stub",
                data_week=week["week"],
                x=x,
                y=bottom - 4,
                width=bar_w,
                height=4,
                fill=STUB,
            )
        )
    index_of = {week: i for i, week in enumerate(weeks)}
    point_size = min(1.0, max(0.55, slot / 12))
    recorded = {w["week"] for w in weekly}
    recorded |= {w["week"] for _, trend in people for w in trend["weeks"]}
    for index, (who, trend) in enumerate(people):
        colour, dash = _COLOURS[index % len(_COLOURS)], _DASHES[_style(index) % len(_DASHES)]
        runs: list[list[tuple[float, float]]] = []
        previous = -2
        for w in trend["weeks"]:
            point = (x_of[w["week"]], y_of(w["average"] / 10))
            here = index_of[w["week"]]
            if previous >= 0 and all(weeks[i] in recorded for i in range(previous + 1, here)):
                runs[-1].append(point)
            else:
                runs.append([point])  # a week with no records at all: the line breaks
            previous = here
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                # a halo of the card's colour keeps the line legible where it crosses a bar
                parts.append(
                    _element("polyline", fill="none", stroke=CARD, stroke_width=5, points=path)
                )
                parts.append(
                    _element(
                        "polyline",
                        fill="none",
                        stroke=colour,
                        stroke_width=2,
                        stroke_dasharray=dash or None,
                        points=path,
                    )
                )
        for w in trend["weeks"]:
            tip = _element("title", f"{who}, week of {w['week']}: {w['average']:g}")
            parts.append(
                _marker(
                    index,
                    x_of[w["week"]],
                    y_of(w["average"] / 10),
                    colour,
                    inner=tip,
                    size=point_size,
                    klass="point",
                    data_who=who,
                    data_week=w["week"],
                )
            )
    _axes(parts, top, bottom, people, weekly, y_of)
    _week_ticks(parts, weeks, x_of, slot, bottom)
    _marks(parts, marks, x_of, top)
    root = _element(
        "svg",
        inner="\n".join(parts),
        xmlns="http://www.w3.org/2000/svg",
        width=WIDTH,
        height=height,
        viewBox=f"0 0 {WIDTH} {height}",
        role="img",
        aria_labelledby="chart-title chart-desc",
        font_family="DejaVu Sans, Verdana, sans-serif",
        font_size=11,
    )
    return root + "\n"


def _describe(data: Record, weeks: list[str], marks: list[Record], paired: bool) -> str:
    """The chart in words, for screen readers and anyone who cannot see it."""
    if not weeks:
        return "No records yet."
    weekly = data["weekly_followthrough"]
    with_records = {w["week"] for w in weekly}
    with_records |= {w["week"] for t in data["checkins"].values() for w in t["weeks"]}
    empty = len(weeks) - len(with_records)
    said = [
        f"{len(weeks)} week{'s' * (len(weeks) != 1)} from the week of {weeks[0]} "
        f"to the week of {weeks[-1]}; {empty} of them with no records, left empty."
    ]
    if weekly:
        kept = sum(w["kept"] for w in weekly)
        total = kept + sum(w["missed"] for w in weekly)
        line = f"Bars: share of recorded promise days kept each week, {kept} of {total} overall"
        if paired:
            line += f", {sum(w['confirmed'] for w in weekly)} of them confirmed"
        said.append(line + ".")
    for who, trend in data["checkins"].items():
        said.append(
            f"Line for {who}: weekly average check-in from {trend['first']:g} to "
            f"{trend['latest']:g} out of 10, {trend['direction']}."
        )
    for mark in marks:
        said.append(f"Marked: {MARK_TEXT[mark['kind']][1]}, week of {mark['week']}.")
    return " ".join(said)


def _legend(parts: list[str], items: list[tuple[str, str]]) -> float:
    """The legend, flowing left to right in rows; returns where its last row ends."""
    x, y, row_h, left, limit = 16.0, 22.0, 18.0, 16.0, WIDTH - 16
    for swatch, full in items:
        text = full if len(full) <= LEGEND_TEXT else full[: LEGEND_TEXT - 1] + "…"
        width = 30 + text_width(text)
        if x > left and x + width > limit:
            x, y = left, y + row_h
        kind, _, key = swatch.partition(":")
        if kind == "person":
            index = int(key)
            colour = _COLOURS[index % len(_COLOURS)]
            dash = _DASHES[_style(index) % len(_DASHES)]
            parts.append(
                _element(
                    "line",
                    x1=x,
                    x2=x + 22,
                    y1=y - 4,
                    y2=y - 4,
                    stroke=colour,
                    stroke_width=2,
                    stroke_dasharray=dash or None,
                )
            )
            parts.append(_marker(index, x + 11, y - 4, colour))
        elif kind == "mark":
            parts.append(_badge(x + 11, y - 4, key))
        else:
            fill = {"solid": KEPT, "hatched": "url(#own-record)", "stub": STUB}[kind]
            height = 4 if kind == "stub" else 10
            parts.append(
                _element(
                    "rect",
                    x=x + 5,
                    y=y + 1 - height,
                    width=12,
                    height=height,
                    fill=fill,
                    stroke=KEPT if kind == "hatched" else "none",
                )
            )
        parts.append(_element("text", text, klass="legend", x=x + 28, y=y, fill=INK))
        x += width + 14
    return y + 4


def _axes(
    parts: list[str],
    top: float,
    plot_bottom: float,
    people: list[Any],
    weekly: list[Record],
    y_of: Any,
) -> None:
    bottom = plot_bottom + 0.5
    parts.append(_element("line", x1=PLOT_LEFT, x2=PLOT_RIGHT, y1=bottom, y2=bottom, stroke=MUTED))
    middle = (top + plot_bottom) / 2
    if people:
        parts.append(
            _element(
                "line", x1=PLOT_LEFT - 0.5, x2=PLOT_LEFT - 0.5, y1=top, y2=bottom, stroke=MUTED
            )
        )
        for value in (1, 5, 10):
            y = y_of(value / 10)
            parts.append(_element("line", x1=PLOT_LEFT - 4, x2=PLOT_LEFT, y1=y, y2=y, stroke=MUTED))
            parts.append(
                _element("text", str(value), x=PLOT_LEFT - 7, y=y + 4, fill=INK, anchor="end")
            )
        parts.append(
            _element(
                "text",
                "check-in, 1-10",
                x=14,
                y=middle,
                fill=MUTED,
                anchor="middle",
                transform=f"rotate(-90 14 {middle:.1f})",
            )
        )
    if weekly:
        edge = PLOT_RIGHT + 0.5
        parts.append(_element("line", x1=edge, x2=edge, y1=top, y2=bottom, stroke=MUTED))
        for share in (0, 0.5, 1):
            y = y_of(share)
            parts.append(_element("line", x1=edge, x2=edge + 4, y1=y, y2=y, stroke=MUTED))
            parts.append(_element("text", f"{share:.0%}", x=edge + 7, y=y + 4, fill=INK))
        x = WIDTH - 10
        parts.append(
            _element(
                "text",
                "days kept",
                x=x,
                y=middle,
                fill=MUTED,
                anchor="middle",
                transform=f"rotate(90 {x} {middle:.1f})",
            )
        )


def _week_ticks(
    parts: list[str], weeks: list[str], x_of: dict[str, float], slot: float, plot_bottom: float
) -> None:
    """A tick per week; a label ("5 Oct", the year below it when it changes) on every
    Nth week, N the smallest step at which labels keep clear of each other."""
    room = text_width("25 Oct") + 10  # the widest label and a gap
    every = next((n for n in _LABEL_EVERY if n * slot >= room), 0)
    if not every:  # decades: whole years apart
        every = 52 * math.ceil(room / (52 * slot))
    shown_year = ""
    bottom = plot_bottom + 0.5
    for index, week in enumerate(weeks):
        x = x_of[week]
        labelled = index % every == 0
        parts.append(
            _element(
                "line",
                klass="tick",
                data_week=week,
                x1=x,
                x2=x,
                y1=bottom,
                y2=bottom + (6 if labelled else 3),
                stroke=MUTED,
            )
        )
        if labelled:
            parts.append(
                _element(
                    "text",
                    _short(week),
                    klass="week-label",
                    x=x,
                    y=plot_bottom + 19,
                    fill=INK,
                    anchor="middle",
                )
            )
            if week[:4] != shown_year:
                shown_year = week[:4]
                parts.append(
                    _element(
                        "text",
                        shown_year,
                        klass="year-label",
                        x=x,
                        y=plot_bottom + 33,
                        fill=MUTED,
                        anchor="middle",
                    )
                )


def _marks(parts: list[str], marks: list[Record], x_of: dict[str, float], top: float) -> None:
    """Milestone badges above the plot, at their week; badges that would touch move right."""
    placed = -100.0
    for mark in marks:
        letter = MARK_TEXT[mark["kind"]][0]
        x = max(x_of[mark["week"]], placed + 14)
        x = min(x, WIDTH - 12)
        placed = x
        text = MARK_TEXT[mark["kind"]][1]
        if mark.get("count", 1) > 1:
            text += f" ({mark['count']})"
        parts.append(
            _element(
                "g",
                inner=_element("title", f"{text}, week of {mark['week']}")
                + _badge(x, top - 12, letter),
                klass="mark",
                data_week=mark["week"],
                data_kind=mark["kind"],
            )
        )


def _badge(x: float, y: float, letter: str) -> str:
    """A letter in a small rounded square, centred on (x, y)."""
    box = _element("rect", x=x - 6, y=y - 6, width=12, height=12, rx=2, fill=CARD, stroke=INK)
    return box + _element(
        "text", letter, x=x, y=y + 3.5, fill=INK, anchor="middle", font_size=9, font_weight="bold"
    )


def _style(index: int) -> int:
    """Shape and dash of person ``index``: they shift each time the four colours repeat,
    so up to sixteen people differ in colour, shape or dash."""
    return index + index // 4


def _marker(
    index: int,
    x: float,
    y: float,
    colour: str,
    inner: str = "",
    size: float = 1.0,
    **extra: Any,
) -> str:
    """A person's point: circle, square, triangle or diamond, so lines differ by shape too.
    ``size`` shrinks it where weeks are narrow (years of them)."""
    shape, k = _style(index) % 4, size
    common: dict[str, Any] = {"fill": colour, "stroke": CARD, "stroke_width": k, **extra}
    if shape == 0:
        return _element("circle", inner=inner, cx=x, cy=y, r=4.0 * k, **common)
    if shape == 1:
        half = 3.5 * k
        return _element(
            "rect", inner=inner, x=x - half, y=y - half, width=2 * half, height=2 * half, **common
        )
    if shape == 2:
        corners = [(x, y - 4.5 * k), (x + 4.5 * k, y + 3.5 * k), (x - 4.5 * k, y + 3.5 * k)]
    else:
        corners = [(x, y - 5 * k), (x + 5 * k, y), (x, y + 5 * k), (x - 5 * k, y)]
    points = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
    return _element("polygon", inner=inner, points=points, **common)


def _element(tag: str, text: str = "", *, inner: str = "", **attributes: object) -> str:
    """One SVG element. Keyword names map to attributes: klass → class, anchor →
    text-anchor, other underscores → hyphens; text is escaped, ``inner`` is markup."""
    from xml.sax.saxutils import escape, quoteattr

    names = {"klass": "class", "anchor": "text-anchor"}
    rendered = []
    for key, value in attributes.items():
        if value is None:
            continue
        name = names.get(key, key.replace("_", "-"))
        shown = f"{value:.1f}" if isinstance(value, float) else _xml_text(str(value))
        rendered.append(f"{name}={quoteattr(shown)}")
    opening = " ".join([tag, *rendered])
    body = inner or escape(_xml_text(text))
    return f"<{opening}>{body}</{tag}>" if body else f"<{opening}/>"


def _xml_text(text: str) -> str:
    """Text as XML can hold it: control characters (a hand-edited name may have them)
    shown visibly, as everywhere else (``\\x07``), and anything else XML 1.0 refuses
    (surrogates, U+FFFE, U+FFFF) as U+FFFD."""
    from trustcli.output import clean

    return _not_xml().sub("\ufffd", clean(text))


@functools.cache
def _not_xml() -> re.Pattern[str]:
    """Compiled on first use: this class of nearly all of Unicode takes ~3.5 ms to
    compile, which the terminal report (no SVG) would pay for nothing."""
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
