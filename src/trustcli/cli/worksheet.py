"""`trustcli worksheet …`: Markdown worksheets for every step of repair."""

from __future__ import annotations

from pathlib import Path

import typer

from trustcli import config, editing, worksheets
from trustcli.cli.written import say_written
from trustcli.output import emit, emit_json, say, table

app = typer.Typer(
    add_completion=False,
    help="Markdown worksheets for each step of repair, filled in with your own data.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command(name="list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout.")) -> None:
    """List the worksheets: name, title and what each is for.

    \b
    Examples:
      trustcli worksheet list
      trustcli worksheet list --json
    """
    found, broken = worksheets.survey()
    for problem in broken.values():
        say(f"trustcli: left out: {problem.message}")
    sheets = [sheet.summary() for sheet in found.values()]
    if as_json:
        emit_json(sheets)
        return
    rows = [
        [s["name"], s["title"], s["description"] + (" (yours)" if s["source"] == "user" else "")]
        for s in sheets
    ]
    emit(table(["worksheet", "title", "purpose"], rows, wide_column=2))


@app.command()
def new(
    name: str = typer.Argument(..., metavar="NAME", help="The worksheet, from 'worksheet list'."),
    output: str = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE|-",
        help="Where to write it (default: NAME-YYYY-MM-DD.md here; '-': stdout).",
    ),
    edit: bool = typer.Option(
        False,
        "--edit",
        help="Then open it in $VISUAL / $EDITOR (on a copy in $XDG_RUNTIME_DIR only).",
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    me: str = typer.Option(None, "--me", metavar="NAME", help="Your name on the sheet."),
    partner: str = typer.Option(None, "--partner", metavar="NAME", help="The other person's name."),
) -> None:
    """Write a worksheet, prefilled with your promises, check-ins and answers.

    \b
    Examples:
      trustcli worksheet new repair-plan
      trustcli worksheet new apology --edit
      trustcli worksheet new progress -o - | less
      trustcli worksheet new ten-questions --me alex --partner sam -o talk.md
    """
    sheet = worksheets.find(name)
    if output == "-" and edit:
        raise typer.BadParameter("--edit needs a file, not stdout", param_hint="--edit")
    command: list[str] = []
    if edit:  # both before anything is written: no sheet left for an editor that isn't
        command = editing.editor_command()
        editing.check_runtime_folder()
    text = worksheets.render(
        sheet,
        worksheets.context(
            me=config.person(me, "--me"),
            partner=config.partner()
            if partner is None
            else config.clean_name(partner, "--partner"),
        ),
    )
    if output == "-":
        emit(text.rstrip("\n"))
        return
    path = Path(output) if output else worksheets.default_output(sheet)
    worksheets.write(path, text, force)
    say_written(path)
    if edit:
        worksheets.edit_in_place(path, text, command)
