"""`trustcli trigger [NOTE]`: a quick private note of a hard moment, with a grounding
step; `--share` tells the partner only that it is a hard moment. `trigger list`."""

from __future__ import annotations

import typer

from trustcli import triggers
from trustcli.cli.groups import defaulting_to
from trustcli.couple import membership, outgoing, sharing
from trustcli.output import emit, emit_json, saved, say, table

app = typer.Typer(
    add_completion=False,
    cls=defaulting_to("add"),
    help="""A hard moment: note it privately, and take a grounding step.

    'trustcli trigger "NOTE"' is short for 'trustcli trigger add "NOTE"'.

    \b
    Examples:
      trustcli trigger
      trustcli trigger "a song from that summer"
      trustcli trigger --share          your partner sees only: a hard moment
      trustcli trigger list
    """,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command()
def add(
    note: str = typer.Argument("", metavar="[NOTE]", help="A few words, for you only."),
    share: bool = typer.Option(
        False,
        "--share",
        help="Paired: tell your partner you are having a hard moment (never the note).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
) -> None:
    """Note a hard moment (private), and get a grounding step.

    \b
    Examples:
      trustcli trigger
      trustcli trigger "his name on a screen" --share
    """
    paired = share and membership.paired()
    entry = triggers.add(note, shared=bool(paired))
    saved("the note of a hard moment")
    if paired:
        sharing.publish(outgoing.moment_record(entry))
    if as_json:
        emit_json(entry)
    else:
        emit(triggers.GROUNDING)
    if paired:
        say("Your partner will see that you are having a hard moment; nothing more.")
    elif share:
        say(
            "Saved in your home only: this home shares no couple folder, so it was not "
            "shared (see 'trustcli pair --help')."
        )
    say("Kept privately. If you do not feel safe: trustcli help-now")


@app.command(name="list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout.")) -> None:
    """Your notes of hard moments, oldest first (only ever in your own home).

    \b
    Examples:
      trustcli trigger list
    """
    records = triggers.load()
    if as_json:
        emit_json(records)
        return
    if not records:
        say("No hard moments noted. When one comes: trustcli trigger")
        return
    emit(
        table(
            ["day", "shared", "note"],
            [[r["on"], "yes" if r.get("shared") else "", r["note"]] for r in records],
            wide_column=2,
        )
    )
