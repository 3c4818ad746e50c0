"""`trustcli help-now`: where to get help, and a short safety plan. Works on a broken or
locked home, with no home at all, without a terminal; it never writes anything."""

from __future__ import annotations

import typer

from trustcli import helpnow
from trustcli.output import emit, emit_json

app = typer.Typer(add_completion=False)


@app.command(name="help-now")
def help_now(
    as_json: bool = typer.Option(False, "--json", help="The same as JSON on stdout."),
) -> None:
    """Where to get help now, and a short safety plan.

    The numbers are for the country in config.toml ([safety] country = "GB"), else
    your locale's (LANG), else a general list.

    \b
    Examples:
      trustcli help-now
      trustcli help-now --json
    """
    code = helpnow.country()
    if as_json:
        emit_json(helpnow.as_json(code))
    else:
        emit(helpnow.text(code))
