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
    role: str = typer.Option(
        None,
        "--role",
        metavar="ROLE",
        help="hurt, repairing, both or unsure: which questions fit you. Private; change it "
        "any time.",
    ),
    relationship: str = typer.Option(
        None,
        "--relationship",
        metavar="KIND",
        help="partner (the default), family, friend or colleague.",
    ),
) -> None:
    """Set up names, and where you stand, for your promises and sessions (optional).

    On a terminal, asks for any name not given, and your role; in scripts, pass them
    as flags. Your role stays in your private home: it is never shared.

    \b
    Examples:
      trustcli init
      trustcli init --me alex --partner sam --role hurt
      trustcli init --role both
    """
    for flag, value, allowed in (
        ("--role", role, config.ROLES),
        ("--relationship", relationship, config.RELATIONSHIPS),
    ):
        if value is not None and value not in allowed:
            raise TrustError(
                f"{flag} must be one of {', '.join(allowed)}, not {value!r}", exit_code=2
            )
    current = config.names()
    asking = on_terminal() and role is None and relationship is None
    if asking and (me is None or partner is None or role is None):
        me, partner, role = _ask(me, partner, current)
    elif me is None and partner is None and role is None and relationship is None:
        raise TrustError(
            "no terminal to ask on: pass --me NAME, --partner NAME, --role ROLE "
            "and/or --relationship KIND",
            exit_code=2,
        )
    saved = config.save_names(me, partner, role, relationship)
    who = ", ".join(f"{key} = {value}" for key, value in saved.items())
    say(f"Saved in {store.path_of(config.CONFIG)}: {who}")


ROLE_CHOICES = (
    ("hurt", "I was hurt: my trust was broken, and I want to see if it can grow back."),
    ("repairing", "I broke trust, and I want to make it right."),
    ("both", "Both: we each hurt the other, in different ways."),
    ("unsure", "Not sure yet: that is a fine answer, and you can change it any time."),
)


def _ask(
    me: str | None, partner: str | None, current: dict[str, str]
) -> tuple[str | None, str | None, str]:
    """Ask for the names not given, and the role. Your name is needed; the other
    person's is optional (Enter leaves it as it is, or unset)."""
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
        from trustcli.cli.prompts import ANSWER_MARK

        known = config.role()
        choices = [questionary.Choice(text, value=key) for key, text in ROLE_CHOICES]
        picked = questionary.select(
            "Where do you stand? (only you see this; it picks the questions that fit)",
            choices=choices,
            # A stray Enter claims nothing: the cursor starts on the role already set,
            # else on "not sure".
            default=next(c for c in choices if c.value == (known or "unsure")),
            qmark=ANSWER_MARK,
            instruction="(arrow keys, Enter)",
        ).unsafe_ask()
        role = str(picked)
    except (KeyboardInterrupt, EOFError):
        raise typer.Exit(EXIT_INTERRUPTED) from None
    return me, partner, role
