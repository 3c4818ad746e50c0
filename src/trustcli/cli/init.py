"""`trustcli init`: say who is who. Optional; every other command works without it."""

from __future__ import annotations

import typer

from trustcli import config, store
from trustcli.errors import EXIT_INTERRUPTED, TrustError
from trustcli.output import on_terminal, say

app = typer.Typer(add_completion=False)


@app.command(name="init")
def init(
    me: str = typer.Option(
        None, "--me", metavar="NAME", help="Your name, used as the default --by / --as."
    ),
    partner: str = typer.Option(None, "--partner", metavar="NAME", help="The other person's name."),
) -> None:
    """Set up names for your promises and sessions (optional).

    On a terminal, asks for any name not given; in scripts, pass them as flags.

    \b
    Examples:
      trustcli init
      trustcli init --me alex --partner sam
    """
    current = config.names()
    if (me is None or partner is None) and on_terminal():
        me, partner = _ask(me, partner, current)
    elif me is None and partner is None:
        raise TrustError("no terminal to ask on: pass --me NAME and/or --partner NAME", exit_code=2)
    saved = config.save_names(me, partner)
    who = ", ".join(f"{key} = {value}" for key, value in saved.items())
    say(f"Saved in {store.path_of(config.CONFIG)}: {who}")


def _ask(
    me: str | None, partner: str | None, current: dict[str, str]
) -> tuple[str | None, str | None]:
    """Ask for the names not given. Your name is needed; the other person's is optional
    (Enter leaves it as it is, or unset)."""
    import questionary  # only on a terminal: it is slow to import

    def not_empty(text: str) -> bool | str:
        return bool(text.strip()) or "A name, please (any name or nickname works)."

    try:
        if me is None:
            me = questionary.text(
                "Your name:", default=current.get("me", ""), validate=not_empty
            ).unsafe_ask()
        if partner is None:
            answer = questionary.text(
                "The other person's name:",
                default=current.get("partner", ""),
                instruction="(optional: Enter to leave it out)",
            ).unsafe_ask()
            partner = answer if answer.strip() else None
    except (KeyboardInterrupt, EOFError):
        raise typer.Exit(EXIT_INTERRUPTED) from None
    return me, partner
