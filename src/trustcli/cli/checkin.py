"""`trustcli checkin …`: a daily 1-10 of how much you trust and feel safe, and a note."""

from __future__ import annotations

import typer

from trustcli import checkins, config, dates
from trustcli.cli.groups import defaulting_to
from trustcli.couple import incoming, membership, outgoing, sharing
from trustcli.errors import EXIT_INTERRUPTED, TrustError
from trustcli.output import emit, emit_json, on_terminal, saved, say, table

app = typer.Typer(
    add_completion=False,
    cls=defaulting_to("add"),
    help="""Check in: how much do you trust and feel safe today, from 1 to 10?

    'trustcli checkin --rating 7' is short for 'trustcli checkin add --rating 7'.

    \b
    Examples:
      trustcli checkin                         asks on a terminal
      trustcli checkin --rating 6 --note "good talk after dinner"
      trustcli checkin list --since -4w
    """,
    context_settings={"help_option_names": ["-h", "--help"]},
)

AS_OPTION = typer.Option(
    None,
    "--as",
    metavar="NAME",
    help="Who checks in (default: your name). For one shared home: it gives no privacy "
    "between two people (see 'trustcli pair').",
)


@app.command()
def add(
    rating: str = typer.Option(None, "--rating", "-r", metavar="1-10", help="Trust today, 1-10."),
    note: str = typer.Option("", "--note", "-n", metavar="TEXT", help="A few words, optional."),
    who: str = AS_OPTION,
    on: str = typer.Option(None, "--on", metavar="DATE", help="The day (default today)."),
    share: bool = typer.Option(
        False,
        "--share",
        help="Paired: also share it with your partner through the couple folder "
        "(the default when config.toml has [share] checkins = true).",
    ),
    no_share: bool = typer.Option(False, "--no-share", help="Keep it in your home only."),
    as_json: bool = typer.Option(False, "--json", help="Print the check-in as JSON."),
) -> None:
    """Record today's check-in (asks on a terminal when --rating is not given).

    \b
    Examples:
      trustcli checkin
      trustcli checkin --rating 7 --note "we walked and talked"
      trustcli checkin --rating 4 --as sam --on yesterday
      trustcli checkin --rating 6 --share       your partner sees it too
    """
    day = dates.parse_date(on, past=True) if on else None
    if share and no_share:
        raise TrustError("--share and --no-share ask for opposite things: pass one of them")
    wanted = share or (not no_share and config.share_checkins())
    paired = wanted and membership.paired()
    if rating is None:
        if not on_terminal():
            raise TrustError("no terminal to ask on: pass --rating 1-10 (and --note TEXT)")
        value, note = _ask(note)
    else:
        value = checkins.parse_rating(rating)
    entry = checkins.add(value, config.person(who), note, day, shared=bool(paired))
    saved(f"the check-in for {entry['on']}")
    if paired:
        sharing.publish(outgoing.checkin_record(entry))
    elif share:
        # Asked for on the command line, but there is no partner to share with: the
        # check-in is still a check-in, so it is kept (nothing typed is lost) and we say so.
        say(
            "Saved in your home only: this home shares no couple folder, so it was not "
            "shared (see 'trustcli pair --help')."
        )
    if as_json:
        emit_json(entry)
    else:
        when = "today" if entry["on"] == dates.today().isoformat() else entry["on"]
        say(f"Checked in {when}: {entry['rating']}/10. Thank you for keeping track.")
    from trustcli import helpnow  # its safety line, only once something was recorded

    helpnow.offer(entry["note"], low=entry["rating"] <= helpnow.LOW_RATING)


def _ask(note: str) -> tuple[int, str]:
    from trustcli.cli import prompts
    from trustcli.questions import Question

    scale = Question(
        id="rating",
        prompt="How much do you trust and feel safe today?",
        kind="scale",
        low="not at all",
        high="completely",
    )
    text = Question(id="note", prompt="Anything you want to note? (optional)", kind="text")
    try:
        value = prompts.ask_question(scale, 1, 2, required=True)  # a check-in is its rating
        written = note or str(prompts.ask_question(text, 2, 2) or "")
    except (KeyboardInterrupt, EOFError):
        say("\nNo check-in saved.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    return checkins.parse_rating(str(value)), written


@app.command(name="list")
def list_(
    who: str = typer.Option(
        None, "--as", metavar="NAME", help="Only this person's check-ins (default: everyone's)."
    ),
    since: str = typer.Option(None, "--since", metavar="DATE", help="From this day on."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
) -> None:
    """List check-ins, oldest first (paired: with the ones your partner shared).

    \b
    Examples:
      trustcli checkin list
      trustcli checkin list --as sam --since 2026-11-01 --json
    """
    start = dates.parse_date(since, past=True) if since else None
    if start and start > dates.today():
        raise TrustError(f"--since {start.isoformat()} is after today")
    records = checkins.load(who, start)
    seen = incoming.view()
    if seen is not None:
        theirs = [
            r
            for r in seen.partner_checkins
            if (who is None or r["who"] == who) and (start is None or r["on"] >= start.isoformat())
        ]
        records = sorted(records + theirs, key=lambda r: r["on"])
    if as_json:
        emit_json(records)
        return
    if not records:
        say("No check-ins yet. Try: trustcli checkin --rating 7")
        return
    emit(
        table(
            ["day", "who", "rating", "note"],
            [[r["on"], r["who"], f"{r['rating']}/10", r["note"]] for r in records],
            wide_column=3,
        )
    )
