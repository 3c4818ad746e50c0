"""The report as a Markdown page: one title, sections and tables, drawn from the
report's data (``report.data.figures``), and linking its chart when there is one."""

from __future__ import annotations

from typing import Any

from trustcli.report.data import STUCK_ADVICE

Record = dict[str, Any]


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
    if chart_name:  # written whenever there is follow-through or a check-in to draw
        lines += [f"![Weekly check-ins and follow-through]({chart_name})", ""]

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
