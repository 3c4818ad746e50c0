"""`trustcli wipe`: remove every trace of this data home, after one question."""

from __future__ import annotations

import typer

from trustcli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_RUNTIME, TrustError
from trustcli.output import on_terminal, say

app = typer.Typer(add_completion=False)


@app.command(name="wipe")
def wipe_command(
    yes: bool = typer.Option(
        False, "--yes", help="Remove without asking (needed in scripts, where nobody can be asked)."
    ),
) -> None:
    """Remove everything trustcli keeps for this data home, for good.

    Stops the reminder daemon of this home, removes the unit that
    'remind install' wrote for it, the unlock key and editor text in
    $XDG_RUNTIME_DIR, then the data home itself, each file overwritten
    first. A symbolic link is removed as a link: what it points to stays.
    Works on a locked vault too: nothing is unlocked or read.

    A couple folder belongs to both of you and is never touched: run
    'trustcli pair leave' first to tell your partner's trustcli. At the
    end, wipe names what it could not remove, and what no program can
    remove from here (shell history, backups, sync copies, files written
    with -o).

    Asks once on a terminal (no, unless you type y); in scripts, pass --yes.

    \b
    Examples:
      trustcli wipe
      trustcli wipe --yes
      TRUSTCLI_HOME=~/.trustcli-alex trustcli wipe --yes
    """
    from trustcli import wipe

    plan = wipe.survey()
    if plan.nothing:
        say(f"Nothing to remove: there is no trustcli data at {plan.home}.")
        return
    if not yes:
        if not on_terminal():
            raise TrustError(
                f"wipe removes everything trustcli keeps in {plan.home} and cannot be undone; "
                "there is no terminal to ask on: pass --yes to confirm",
                EXIT_BAD_INPUT,
            )
        for line in wipe.preview(plan):
            say(line)
        try:
            sure = typer.confirm(
                f"Remove everything trustcli keeps in {plan.home}, for good?", default=False
            )
        except (KeyboardInterrupt, EOFError, typer.Abort):
            say("Nothing was removed.")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        if not sure:
            say("Nothing was removed.")
            raise typer.Exit(EXIT_RUNTIME)
    try:
        outcome = wipe.run(plan)
    except KeyboardInterrupt:
        raise TrustError(
            "interrupted: part of it may be left; run trustcli wipe again to finish",
            EXIT_INTERRUPTED,
        ) from None
    for line in wipe.report(plan, outcome):
        say(line)
    if not outcome.complete:
        raise typer.Exit(EXIT_RUNTIME)
