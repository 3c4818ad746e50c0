"""`trustcli export` and `trustcli import`: backups, a readable record, a calendar."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from trustcli import export, restore, store
from trustcli.cli.written import say_written
from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.output import clean, reading_hint, refuse_nul_in, say

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
        try:
            _write_stdout(clean(text) if kind == "markdown" else text)  # Markdown: for people
        except OSError as exc:
            raise TrustError(
                f"could not write the export to standard output ({exc.strerror or exc}); "
                "nothing was changed: pass -o FILE to write it to a file",
                EXIT_RUNTIME,
            ) from None
        return
    path = Path(output)
    store.refuse_to_replace([path], force, "pass --force to replace it")

    store.write_atomic(path, text)
    say_written(path)


@import_app.command(name="import")
def import_command(
    source: str = typer.Argument(..., metavar="FILE|-", help="A file from 'trustcli export'."),
    merge: bool = typer.Option(False, "--merge", help="Add to a data home that already has data."),
    with_config: bool = typer.Option(
        False,
        "--with-config",
        help="Also take the backup's settings (config.toml) and your own safety entry.",
    ),
) -> None:
    """Restore a JSON export into an empty data home (or add to one with --merge).

    The whole backup is checked first: if any record in it is wrong, it is named
    (for example checkins[3].rating) and nothing is written. Settings and your
    safety entry are taken only with --with-config.

    \b
    Examples:
      TRUSTCLI_HOME=~/new-home trustcli import trustcli-backup.json --with-config
      trustcli import old-laptop.json --merge
    """
    try:
        # never more than the cap (one byte over it says the backup is too large)
        data = _read_stdin() if source == "-" else store.read_given(Path(source), export.MAX_BYTES)
    except OSError as exc:
        raise TrustError(f"cannot read {source}: {exc.strerror}") from None
    document = restore.parse(data, source)
    # Text is kept as typed, but a NUL is not text. In JSON text a NUL can only be the
    # escape \u0000: without one, no string holds it, and 10,000 records need no walk.
    if b"\\u0000" in data or b"\x00" in data:
        refuse_nul_in(document, source)
    outcome = restore.restore(document, merge, with_config)
    for note in outcome.notes:
        say(note)
    try:
        _write_stdout(outcome.summary() + "\n")
    except OSError as exc:
        raise TrustError(
            f"imported into {store.home()} ({outcome.summary()}), but the summary could not "
            f"be written to standard output ({exc.strerror or exc})",
            EXIT_RUNTIME,
        ) from None
    say(f"Imported into {store.home()}.")


def _read_stdin() -> bytes:
    if sys.stdin is None or sys.stdin.closed:
        raise TrustError(
            "there is no standard input to read: pass the backup's file name "
            "instead of '-' (trustcli import FILE)"
        )
    reading_hint()
    binary = getattr(sys.stdin, "buffer", None)
    if binary is not None:
        data = bytes(binary.read(export.MAX_BYTES + 1))
    else:
        data = sys.stdin.read(export.MAX_BYTES + 1).encode("utf-8", "surrogateescape")
    if not data.strip():
        raise TrustError(
            "standard input was empty: pipe a backup in (trustcli import - < FILE), "
            "or pass its file name"
        )
    return data


def _write_stdout(text: str) -> None:
    """Write and flush; a reader that stopped early (``| head``) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Nobody reads any more: send what is left to /dev/null, so that Python's own
        # flush at exit does not complain, and stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
