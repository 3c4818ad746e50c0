"""`trustcli report`: progress over weeks, in the terminal, as Markdown + SVG, or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from trustcli import (
    checkins,
    dates,
    helpnow,
    output,
    promises,
    report,
    sessions,
    store,
    triggers,
)
from trustcli.cli.written import say_written
from trustcli.couple import incoming
from trustcli.errors import TrustError
from trustcli.output import emit, emit_json, say

SPARK_WEEKS = 26  # the terminal shows the last half year; -o and --json have it all

app = typer.Typer(add_completion=False)


@app.command(name="report")
def report_command(
    output: str = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE|-",
        help="Write Markdown (and an SVG chart beside it); '-': Markdown on stdout.",
    ),
    since: str = typer.Option(None, "--since", metavar="DATE", help="Only from this day on."),
    who: str = typer.Option(None, "--as", metavar="NAME", help="Only this person's records."),
    force: bool = typer.Option(False, "--force", help="Replace existing report files."),
    as_json: bool = typer.Option(False, "--json", help="The same figures as JSON on stdout."),
) -> None:
    """Show progress: follow-through, check-in trends, sessions and small victories.

    \b
    Examples:
      trustcli report
      trustcli report --since -8w
      trustcli report -o report.md          also writes report.svg beside it
      trustcli report --json | jq .followthrough.overall.rate
    """
    today = dates.today()
    start = dates.parse_date(since, past=True) if since else None
    if start and start > today:
        raise TrustError(f"--since {start.isoformat()} is after today")
    made, followups = promises.load_promises(), promises.load_followups()
    checkin_records, session_list = checkins.load(), sessions.load_all()
    seen = incoming.view()
    if seen is not None:  # the check-ins my partner shared: their own weekly line
        checkin_records = sorted(checkin_records + seen.partner_checkins, key=lambda r: r["on"])
    if who is not None and who not in report.known_people(made, checkin_records, session_list):
        raise TrustError(
            f"no one called {who!r} in these records: --as takes a name from "
            "'trustcli init', your promises or check-ins"
        )
    lost = promises.orphans(made, followups)
    if lost:
        say(lost)
    confirmations = None if seen is None else seen.about_mine  # my promises, as they saw them
    alone = seen is None and report.one_person(made, checkin_records, session_list)
    data = report.figures(
        made,
        followups,
        checkin_records,
        session_list,
        today,
        since=start,
        who=who,
        confirmations=confirmations,
        alone=alone,
    )
    _add_partner(seen, data, today, start, who)
    if as_json:
        emit_json(data)
    elif output == "-":
        emit(report.markdown(data).rstrip("\n"))
    elif output:
        _write_files(Path(output), data, force)
    else:
        _show(data)
        # Hard moments: counts and a trend, on this terminal only (never -o or --json).
        line = triggers.report_line(triggers.load(), today)
        if line:
            emit(f"\n{line}")
    # The private safety line: on stderr only, never in a file or in JSON.
    helpnow.offer(low=helpnow.stays_low(data["checkins"], checkins.week_of(today.isoformat())))


def _add_partner(
    seen: incoming.View | None, data: dict[str, Any], today: Any, start: Any, who: str | None
) -> None:
    """Paired: what the partner saw of my promises, and the partner's own promises
    (from the couple folder) with what I saw of them. Unpaired: nothing changes."""
    if seen is None:
        return
    since = start.isoformat() if start else ""
    about_mine = [v for v in seen.about_mine if v["on"] >= since]
    incoming.confirmed_figures(data["followthrough"], about_mine)
    partner = incoming.partner_stats(seen, today, since)
    if who is not None:
        partner["promises"] = [
            row
            for row, promise in zip(partner["promises"], seen.partner_promises, strict=True)
            if promise["by"] == who
        ]
    data["partner"] = partner


def _write_files(path: Path, data: dict[str, Any], force: bool) -> None:
    chart = path.with_suffix(".svg")
    store.refuse_to_replace([path, chart], force, "pass --force to replace it")
    has_chart = bool(data["checkins"] or data["weekly_followthrough"])
    if has_chart:
        store.write_atomic(chart, report.svg_chart(data))
    store.write_atomic(path, report.markdown(data, chart.name if has_chart else None))
    say_written(*((path, chart) if has_chart else (path,)))


def _show(data: dict[str, Any]) -> None:
    """A compact summary: colour on a terminal unless NO_COLOR; plain in pipes. Drawn
    with output's own table and paint (rich cost ~20 ms of imports on every report)."""
    bold = paint = output.paint
    overall = data["followthrough"]["overall"]
    emit(bold("Progress", "bold") + (f" since {data['since']}" if data["since"] else ""))
    if data["followthrough"]["promises"]:
        rate = "" if overall["rate"] is None else f" ({overall['rate']:.0%})"
        seen = (
            f"; {overall['confirmed']} confirmed, {overall['disputed']} disputed"
            if "partner" in data
            else ""
        )
        emit(
            f"Follow-through: {paint(str(overall['kept']) + ' kept', 'green')}, "
            f"{overall['missed']} missed{rate}{seen}; streak {overall['current_streak']}, "
            f"best {overall['longest_streak']}"
        )
        emit(_promise_table(data["followthrough"]["promises"], "partner" in data))
    else:
        emit('No promises yet: trustcli promise add "…"')
    partner = data.get("partner")
    if partner and partner["promises"]:
        name = partner["name"] or "your partner"
        theirs = partner["overall"]
        heading = bold(f"{name}'s promises", "bold")
        emit(
            f"\n{heading}: {theirs['kept']} kept, "
            f"{theirs['missed']} missed; you confirmed {theirs['confirmed']}, "
            f"disputed {theirs['disputed']}"
        )
        emit(_promise_table(partner["promises"], True))
    if data["checkins"]:
        emit("\n" + bold("Check-ins", "bold") + " (weekly averages, 1-10)")
        for who, trend in data["checkins"].items():
            spark = trend["sparkline"]
            shown = spark if len(spark) <= SPARK_WEEKS else "…" + spark[-SPARK_WEEKS:]
            name = "" if data.get("alone") else f"{who}: "
            emit(
                f"  {name}{shown}  {trend['first']:g} → {trend['latest']:g}, "
                f"{trend['direction']} ({_count(len(trend['weeks']), 'week')})"
            )
    else:
        emit("\nNo check-ins yet: trustcli checkin --rating 7")
    if data["sessions"]["finished"]:
        emit(f"\nQuestion sessions finished: {data['sessions']['finished']}")
    if data["milestones"]:
        emit("\n" + bold("Small victories", "bold"))
        for item in data["milestones"]:
            emit(f"  {paint('✓', 'green')} {item}")
    if data["stuck"]:
        emit("\n" + bold("Feeling stuck?", "bold"))
        for sign in data["stuck"]:
            emit(f"  - {sign}")
        emit(report.STUCK_ADVICE)


def _promise_table(rows: list[dict[str, Any]], paired: bool) -> str:
    seen = ("confirmed", "disputed") if paired else ()
    headers = ("#", "promise", "kept", "missed", *seen, "rate", "streak", "status")
    cells = [
        (
            str(row["id"]),
            row["text"],
            str(row["kept"]),
            str(row["missed"]),
            *(str(row[key]) for key in seen),
            "" if row["rate"] is None else f"{row['rate']:.0%}",
            str(row["current_streak"]),
            row["status"],
        )
        for row in rows
    ]
    lines = output.table(headers, cells, wide_column=1).split("\n")
    for index, row in enumerate(rows, start=1):  # status is the last column
        if row["status"] == "overdue" and lines[index].endswith("overdue"):
            lines[index] = lines[index][: -len("overdue")] + output.paint("overdue", "yellow")
    return "\n".join(lines)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
