"""`trustcli promise …`: the promise log on the command line."""

from __future__ import annotations

from typing import Any

import typer

from trustcli import config, dates, followthrough, promises
from trustcli.couple import incoming, membership, outgoing, sharing
from trustcli.errors import TrustError
from trustcli.output import emit, emit_json, paint, saved, say, table

app = typer.Typer(
    add_completion=False,
    help="Keep promises and record their follow-through: words and actions that align.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON on stdout instead of a table.")
ID_ARGUMENT = typer.Argument(
    ..., metavar="ID", help="The promise's id, as shown by 'promise list'."
)
NOTE_OPTION = typer.Option("", "--note", "-n", metavar="TEXT", help="A few words on what happened.")
ON_OPTION = typer.Option(
    None,
    "--on",
    metavar="DATE",
    help="The day it happened (default today): 2026-11-20, yesterday, -3d, or a weekday "
    "(fri: the latest friday, on that day itself, today).",
)
REPLACE_OPTION = typer.Option(
    False,
    "--replace",
    help="Correct the day's record: a day holds one record per promise, this one counts.",
)
PRIVATE_OPTION = typer.Option(
    False,
    "--private",
    help="Keep the note in your home only: when paired, your partner sees the day, not the note.",
)
SINCE_HELP = (
    "The day it was made, if before today (to record follow-through from then): "
    "2026-11-01, -2w, mon."
)


@app.command()
def add(
    text: str = typer.Argument(..., metavar="TEXT", help="What you promise, in your own words."),
    by: str = typer.Option(
        None, "--by", metavar="NAME", help="Who promises (default: your name, or 'me')."
    ),
    to: str = typer.Option(
        None, "--to", metavar="NAME", help="To whom (default: your partner, if set)."
    ),
    due: str = typer.Option(
        None,
        "--due",
        metavar="DATE",
        help="By when: 2026-12-01, today, tomorrow, +3d, or a weekday "
        "(friday: the next friday, on that day itself, today).",
    ),
    every: str = typer.Option(
        None,
        "--every",
        metavar="SCHEDULE",
        help="Repeats: daily, weekdays, weekly, monthly, mon,thu …",
    ),
    tag: list[str] = typer.Option(
        None, "--tag", "-t", metavar="TAG", help="A tag; repeat for more."
    ),
    since: str = typer.Option(None, "--since", metavar="DATE", help=SINCE_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """Make a promise and get its id (a number never given before).

    \b
    Examples:
      trustcli promise add "Text if I'm home after 7" --to sam --every daily
      trustcli promise add "Book the counsellor" --due friday --tag help
      trustcli promise add "Walk after dinner" --every daily --since 2026-11-01
      id=$(trustcli promise add "Share my phone calendar" --due +3d)
    """
    due_date = dates.parse_date(due) if due else None
    since_date = dates.parse_date(since, past=True) if since else None
    ident = promises.add(
        text,
        by=by if by is not None else config.me(),
        to=to if to is not None else config.partner(),
        due=due_date,
        every=every,
        tags=tag or [],
        since=since_date,
    )
    saved(f"promise {ident}")
    made, _ = _load()
    sharing.publish(outgoing.promise_record(promises.find(made, ident)))
    if as_json:
        emit_json(promises.find(made, ident))
        return
    emit(str(ident))
    say(f"Promise {ident} saved. When the time comes: trustcli promise kept {ident}")


@app.command(name="list")
def list_(
    status: str = typer.Option(
        "open",
        "--status",
        "-s",
        metavar="STATUS",
        help="open (includes overdue), overdue, closed or all.",
    ),
    show_all: bool = typer.Option(False, "--all", "-a", help="Same as --status all."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List promises with their follow-through so far.

    \b
    Examples:
      trustcli promise list
      trustcli promise list --status overdue
      trustcli promise list --all --json | jq '.[] | select(.missed > 0)'
    """
    wanted = "all" if show_all else status.lower()
    if wanted not in promises.STATUSES:
        raise TrustError(f"unknown status {status!r}: use open, overdue, closed or all")
    made, followups = _load()
    seen = incoming.view()
    rows = followthrough.summaries(made, followups, dates.today())
    if seen is not None:
        rows = incoming.with_confirmations(rows, seen.about_mine) + incoming.with_confirmations(
            incoming.partner_summaries(seen, dates.today()),
            seen.mine_about_theirs,
        )
    rows = followthrough.select(rows, wanted)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        say(_empty_message(wanted))
        return
    emit(
        table(
            ["id", "promise", "who", "due", "kept", "missed", "last"],
            [
                [
                    str(row["id"]),
                    row["text"],
                    _who(row),
                    _due_cell(row),
                    str(row["kept"]),
                    str(row["missed"]),
                    _last_cell(row),
                ]
                for row in rows
            ],
            wide_column=1,
        )
    )


@app.command()
def kept(
    ident: str = ID_ARGUMENT,
    note: str = NOTE_OPTION,
    on: str = ON_OPTION,
    replace: bool = REPLACE_OPTION,
    private: bool = PRIVATE_OPTION,
) -> None:
    """Record that a promise was kept (one record per promise and day).

    \b
    Examples:
      trustcli promise kept 3
      trustcli promise kept 3 --note "called at 6:40" --on yesterday
      trustcli promise kept 3 --on yesterday --replace     it was kept after all
      trustcli promise kept 3 --note "only for me" --private
    """
    _record(ident, "kept", note, on, replace, private)


@app.command()
def missed(
    ident: str = ID_ARGUMENT,
    note: str = NOTE_OPTION,
    on: str = ON_OPTION,
    replace: bool = REPLACE_OPTION,
    private: bool = PRIVATE_OPTION,
) -> None:
    """Record, honestly, that a promise was missed (one record per promise and day).

    \b
    Examples:
      trustcli promise missed 3
      trustcli promise missed 3 --note "forgot; set a phone alarm" --on 2026-11-20
    """
    _record(ident, "missed", note, on, replace, private)


@app.command()
def confirm(
    ident: str = typer.Argument(
        ..., metavar="ID", help="Your partner's promise to you, as shown by 'promise list' (b3)."
    ),
    on: str = ON_OPTION,
    note: str = NOTE_OPTION,
    replace: bool = REPLACE_OPTION,
    private: bool = PRIVATE_OPTION,
) -> None:
    """Say you saw your partner keep a promise made to you (one per promise and day).

    Only the person a promise was made to can confirm it: the record both of you trust.

    \b
    Examples:
      trustcli promise confirm b3
      trustcli promise confirm b3 --on yesterday --note "the call came at 6:40"
    """
    _saw(ident, "confirmed", note, on, replace, private)


@app.command()
def dispute(
    ident: str = typer.Argument(
        ..., metavar="ID", help="Your partner's promise to you, as shown by 'promise list' (b3)."
    ),
    on: str = ON_OPTION,
    note: str = typer.Option(
        "", "--note", "-n", metavar="TEXT", help="How you saw it, in a few calm words (needed)."
    ),
    replace: bool = REPLACE_OPTION,
    private: bool = PRIVATE_OPTION,
) -> None:
    """Say, calmly, that a day was not how you saw it (one per promise and day).

    \b
    Examples:
      trustcli promise dispute b3 --on yesterday --note "I did not get a call"
      trustcli promise dispute b3 --note "kept for my counsellor" --private
    """
    _saw(ident, "disputed", note, on, replace, private)


def _saw(ident: str, result: str, note: str, on: str | None, replace: bool, private: bool) -> None:
    _private_needs_a_note(note, private)
    day = dates.parse_date(on, past=True) if on else None
    entry = sharing.confirm(ident, result, note, day, replace, private)
    when = "today" if entry["on"] == dates.today().isoformat() else entry["on"]
    kept_here = ", not your note" if private else ""
    say(
        f"Recorded: promise {entry['promise']} {result} {when}. "
        f"Your partner will see it{kept_here}."
    )
    from trustcli import helpnow  # its safety line, only once something was recorded

    helpnow.offer(note)


@app.command()
def show(ident: str = ID_ARGUMENT, as_json: bool = JSON_OPTION) -> None:
    """Show one promise and its whole follow-through history.

    \b
    Examples:
      trustcli promise show 3
      trustcli promise show 3 --json
    """
    seen = incoming.view() if membership.paired() else None
    number = incoming.resolve(ident, seen)
    if isinstance(number, str):
        assert seen is not None
        made, followups = seen.partner_promises, seen.partner_followups
        promise, views = incoming.find_partner(seen, number), seen.mine_about_theirs
        who_saw = "you"
    else:
        made, followups = _load()
        promise = promises.find(made, number)
        views = seen.about_mine if seen is not None else []
        who_saw = seen.partner_label() if seen is not None else ""
    (row,) = followthrough.summaries([promise], followups, dates.today())
    history = [f for f in followthrough.chronological(followups) if f["promise"] == number]
    saw = [v for v in incoming.latest_per_day(views) if v["promise"] == number]
    if seen is not None:
        (row,) = incoming.with_confirmations([row], views)
    if as_json:
        emit_json({**row, "history": history, **({"seen": saw} if seen is not None else {})})
        return
    lines = [paint(f"#{row['id']}  {row['text']}", "bold"), ""]
    details = [
        ("who", _who(row)),
        ("made", row["since"] or row["created"][:10]),
        ("due", row["due"] or ""),
        ("repeats", row["every"] or ""),
        ("tags", ", ".join(row["tags"])),
        ("status", _status_word(row)),
        ("kept", f"{row['kept']}, missed {row['missed']}" + _rate_suffix(row["rate"])),
        (
            "seen",
            f"{row['confirmed']} confirmed, {row['disputed']} disputed by {who_saw}"
            if seen is not None
            else "",
        ),
        ("streak", f"{row['current_streak']} now, {row['longest_streak']} at best"),
    ]
    lines += [f"  {label:<8} {value}" for label, value in details if value]
    lines.append("")
    if history:
        lines.append("  history:")
        for entry in history:
            mark = paint("kept  ", "green") if entry["result"] == "kept" else paint("missed", "red")
            note = f"  {entry['note']}" if entry["note"] else ""
            lines.append(f"    {entry['on']}  {mark}{note}")
    elif isinstance(number, int):
        lines.append(f"  no follow-through recorded yet: trustcli promise kept {number}")
    else:
        lines.append("  no follow-through recorded yet")
    if saw:
        lines.append(f"  seen by {who_saw}:")
        for entry in saw:
            mark = paint("confirmed", "green") if entry["result"] == "confirmed" else "disputed "
            note = f"  {entry['note']}" if entry["note"] else ""
            lines.append(f"    {entry['on']}  {mark}{note}")
    emit("\n".join(lines))


@app.command()
def close(
    ident: str = ID_ARGUMENT,
    released: bool = typer.Option(
        False, "--released", help="Released by agreement rather than fulfilled."
    ),
) -> None:
    """Close a promise: fulfilled, or released by agreement. It stays in history.

    \b
    Examples:
      trustcli promise close 3
      trustcli promise close 4 --released
    """
    closed = promises.close(incoming.own_number(ident, _CHANGES), released=released)
    sharing.publish(outgoing.promise_record(closed))
    say(f"Promise {closed['id']} closed ({closed['closed_how']}). It stays in your history.")


@app.command()
def edit(
    ident: str = ID_ARGUMENT,
    since: str = typer.Option(..., "--since", metavar="DATE", help=SINCE_HELP),
) -> None:
    """Correct the day a promise was made, to record follow-through from then.

    \b
    Examples:
      trustcli promise edit 3 --since 2026-11-01
      trustcli promise kept 3 --on 2026-11-02
    """
    changed = promises.edit_since(
        incoming.own_number(ident, _CHANGES), dates.parse_date(since, past=True)
    )
    sharing.publish(outgoing.promise_record(changed))
    say(f"Promise {changed['id']} was made on {changed['since']}.")


@app.command()
def reopen(ident: str = ID_ARGUMENT) -> None:
    """Reopen a closed promise, to keep recording its follow-through.

    \b
    Examples:
      trustcli promise reopen 3
    """
    opened = promises.reopen(incoming.own_number(ident, _CHANGES))
    sharing.publish(outgoing.promise_record(opened))
    say(f"Promise {opened['id']} is open again.")


@app.command()
def stats(as_json: bool = JSON_OPTION) -> None:
    """Follow-through per promise and overall: kept, missed, rate and streaks.

    \b
    Examples:
      trustcli promise stats
      trustcli promise stats --json | jq .overall.rate
    """
    figures = followthrough.stats(*_load(), dates.today())
    seen = incoming.view()
    partner: dict[str, Any] = {}
    if seen is not None:
        incoming.confirmed_figures(figures, seen.about_mine)
        partner = figures["partner"] = incoming.partner_stats(seen, dates.today())
    if as_json:
        emit_json(figures)
        return
    overall = figures["overall"]
    if not figures["promises"] and not partner.get("promises"):
        say('No promises yet. Start with: trustcli promise add "…"')
        return
    rows = [
        [
            str(row["id"]),
            row["text"],
            str(row["kept"]),
            str(row["missed"]),
            *([str(row["confirmed"]), str(row["disputed"])] if seen is not None else []),
            _percent(row["rate"]),
            str(row["current_streak"]),
            str(row["longest_streak"]),
            row["status"],
        ]
        for row in figures["promises"] + partner.get("promises", [])
    ]
    seen_columns = ["confirmed", "disputed"] if seen is not None else []
    columns = ["id", "promise", "kept", "missed", *seen_columns, "rate", "streak", "best"]
    emit(table([*columns, "status"], rows, 1))
    if seen is None:
        emit("\n" + _overall_line("Overall", overall))
    else:
        emit("\n" + _overall_line("Yours", overall, seen.partner_label()))
        emit(_overall_line(f"{seen.partner_label()}'s", partner["overall"], "you"))


# --- small helpers for the human view -------------------------------------------------


def _record(
    ident: str, result: str, note: str, on: str | None, replace: bool, private: bool
) -> None:
    _private_needs_a_note(note, private)
    day = dates.parse_date(on, past=True) if on else None
    number = incoming.own_number(ident, "record its follow-through")
    entry = promises.record_followup(number, result, note, day, replace, private)
    sharing.publish(outgoing.followup_record(entry))
    when = "today" if entry["on"] == dates.today().isoformat() else entry["on"]
    say(f"Recorded: promise {entry['promise']} {result} {when}.")
    from trustcli import helpnow  # its safety line, only once something was recorded

    helpnow.offer(note)


_CHANGES = "change it"


def _private_needs_a_note(note: str, private: bool) -> None:
    if private and not note.strip():
        raise TrustError("--private keeps a note in your home only: add --note TEXT")


def _overall_line(label: str, overall: dict[str, Any], seen_by: str = "") -> str:
    overdue = ", ".join(str(i) for i in overall["overdue"]) or "none"
    seen = (
        f", {overall['confirmed']} confirmed, {overall['disputed']} disputed by {seen_by}"
        if seen_by
        else ""
    )
    return (
        f"{label}: {overall['kept']} kept, {overall['missed']} missed{seen}"
        f"{_rate_suffix(overall['rate'])}; streak {overall['current_streak']} "
        f"(best {overall['longest_streak']}); overdue: {overdue}"
    )


def _load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Promises and follow-ups; follow-ups whose promise is gone are named on stderr."""
    made, followups = promises.load_promises(), promises.load_followups()
    lost = promises.orphans(made, followups)
    if lost:
        say(lost)
    return made, followups


def _who(row: dict[str, Any]) -> str:
    return f"{row['by']} → {row['to']}" if row["to"] else row["by"]


def _due_cell(row: dict[str, Any]) -> str:
    text = row["every"] or row["due"] or ""
    if row["status"] == "overdue":
        return paint(f"{text} (late)", "yellow")
    return text


def _last_cell(row: dict[str, Any]) -> str:
    if not row["last_followup"]:
        return ""
    return f"{row['last_followup']} {row['last_result']}"


def _status_word(row: dict[str, Any]) -> str:
    if row["status"] == "closed":
        return f"closed ({row['closed_how']}) {row['closed'][:10]}"
    return str(row["status"])


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.0%}"


def _rate_suffix(rate: float | None) -> str:
    return "" if rate is None else f" ({rate:.0%} follow-through)"


def _empty_message(status: str) -> str:
    if status == "overdue":
        return "Nothing overdue."
    if status == "closed":
        return "No closed promises yet."
    return 'No promises yet. Make one: trustcli promise add "…" (see --help)'
