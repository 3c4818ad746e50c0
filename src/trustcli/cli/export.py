"""`trustcli export` and `trustcli import`: backups, a readable record, a calendar."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from trustcli import export, store
from trustcli.errors import TrustError
from trustcli.output import emit, say

FORMATS = ("json", "markdown", "ics")


export_app = typer.Typer(add_completion=False)
import_app = typer.Typer(add_completion=False)


@export_app.command(name="export")
def export_command(
    fmt: str = typer.Option(
        "json", "--format", "-f", metavar="FORMAT", help="json, markdown or ics."
    ),
    output: str = typer.Option(
        "-", "--output", "-o", metavar="FILE|-", help="Where to write (default: stdout)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
) -> None:
    """Export everything: JSON (a backup), Markdown (to read), or iCalendar (.ics).

    \b
    Examples:
      trustcli export -o trustcli-backup.json
      trustcli export --format markdown -o records.md
      trustcli export --format ics -o promises.ics     for a phone calendar
    """
    kind = fmt.lower()
    if kind not in FORMATS:
        raise TrustError(f"unknown format {fmt!r}: use json, markdown or ics")
    if kind == "json":
        text = json.dumps(export.collect(), ensure_ascii=False, indent=2) + "\n"
    elif kind == "markdown":
        text = export.markdown()
    else:
        from trustcli import calendar_export

        text = calendar_export.ics()
    if output == "-":
        sys.stdout.write(text)
        return
    path = Path(output)
    if path.exists() and not force:
        raise TrustError(f"{path} already exists: pass --force to replace it")

    store.write_atomic(path, text)
    say(f"Wrote {path}")


@import_app.command(name="import")
def import_command(
    source: str = typer.Argument(..., metavar="FILE|-", help="A file from 'trustcli export'."),
    merge: bool = typer.Option(False, "--merge", help="Add to a data home that already has data."),
) -> None:
    """Restore a JSON export into an empty data home (or add to one with --merge).

    \b
    Examples:
      TRUSTCLI_HOME=~/new-home trustcli import trustcli-backup.json
      trustcli import old-laptop.json --merge
    """
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise TrustError(f"cannot read {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TrustError(f"{source} is not a trustcli export (not UTF-8 text)") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise TrustError(f"{source} is not a trustcli export (not JSON: {exc})") from None
    outcome = export.restore(document, merge)
    for note in outcome.notes:
        say(note)
    emit(outcome.summary())
    say(f"Imported into {store.home()}.")
