"""The Typer app: groups registered, and every failure turned into one line and an exit code.

Each group lives in its own module and calls plain functions."""

from __future__ import annotations

import os

import typer

from trustcli import __version__
from trustcli.cli import INTERRUPTED
from trustcli.cli import ask as ask_cli
from trustcli.cli import checkin as checkin_cli
from trustcli.cli import export as export_cli
from trustcli.cli import init as init_cli
from trustcli.cli import promise as promise_cli
from trustcli.cli import remind as remind_cli
from trustcli.cli import report as report_cli
from trustcli.cli import worksheet as worksheet_cli
from trustcli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_RUNTIME, TrustError

WELCOME = """\
trustcli: a quiet place to rebuild trust, one kept promise at a time.
Everything stays on this computer, in plain files only you can read.

Three things to try first:
  trustcli init --me alex --partner sam        say who is who (optional)
  trustcli ask                                 ten questions to talk through, saved
  trustcli promise add "Call if I'm running late" --every daily

More: trustcli --help, and --help after any command.
"""

app = typer.Typer(
    name="trustcli",
    help="A calm, private companion for rebuilding trust in a relationship.",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(ask_cli.app, name="ask")
app.add_typer(checkin_cli.app, name="checkin")
app.add_typer(promise_cli.app, name="promise")
app.add_typer(remind_cli.app, name="remind")
app.add_typer(worksheet_cli.app, name="worksheet")
app.command(name="init")(init_cli.init)
app.command(name="report")(report_cli.report_command)
app.command(name="export")(export_cli.export_command)
app.command(name="import")(export_cli.import_command)


def _show_version(value: bool) -> None:
    if value:
        print(f"trustcli {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """A calm, private companion for rebuilding trust in a relationship.

    Promises and their follow-through, kept in plain files in your data home
    ($TRUSTCLI_HOME, or your platform's data folder). Nothing leaves this computer.
    """
    if ctx.invoked_subcommand is None:
        print(WELCOME, end="")


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising, so scripts get one line."""
    from typer._click import exceptions as click_errors
    from typer.main import get_command

    from trustcli.output import say

    try:
        command = get_command(app)
        code = command.main(args=argv, prog_name="trustcli", standalone_mode=False)
    except TrustError as error:
        say(f"trustcli: {error.message}")
        return error.exit_code
    except click_errors.UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        say(f"trustcli: {error.format_message()}{hint}")
        return EXIT_BAD_INPUT
    except click_errors.ClickException as error:
        say(f"trustcli: {error.format_message()}")
        return error.exit_code
    except typer.Abort:  # input ended (EOF) at a prompt
        say("trustcli: input ended; nothing was saved")
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line for the person, details on request
        if os.environ.get("TRUSTCLI_DEBUG"):
            raise
        say(
            f"trustcli: internal error ({type(error).__name__}: {error}); "
            "run again with TRUSTCLI_DEBUG=1 to see where"
        )
        return EXIT_RUNTIME
    if code == EXIT_INTERRUPTED:
        say(INTERRUPTED)
    return code if isinstance(code, int) else 0
