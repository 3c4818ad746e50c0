"""The root of the command line: the command table, the welcome, --version, and every
failure turned into one line and an exit code. Each command lives in its own module."""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from trustcli import __version__
from trustcli.cli import INTERRUPTED
from trustcli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_RUNTIME, Locked, TrustError

# Command name → (module, Typer app in it). Modules are imported only when their
# command runs (or for --help): start-up is what people feel in every alias.
COMMANDS = {
    "init": ("trustcli.cli.init", "app"),
    "ask": ("trustcli.cli.ask", "app"),
    "promise": ("trustcli.cli.promise", "app"),
    "checkin": ("trustcli.cli.checkin", "app"),
    "report": ("trustcli.cli.report", "app"),
    "worksheet": ("trustcli.cli.worksheet", "app"),
    "remind": ("trustcli.cli.remind", "app"),
    "export": ("trustcli.cli.export", "export_app"),
    "import": ("trustcli.cli.export", "import_app"),
    "pair": ("trustcli.cli.pair", "app"),
    "today": ("trustcli.cli.today", "app"),
    "vault": ("trustcli.cli.vault", "app"),
    "unlock": ("trustcli.cli.vault", "unlock_app"),
    "lock": ("trustcli.cli.vault", "lock_app"),
    "wipe": ("trustcli.cli.wipe", "app"),
    "help-now": ("trustcli.cli.helpnow", "app"),
    "trigger": ("trustcli.cli.trigger", "app"),
    "shell-init": ("trustcli.cli.shellinit", "app"),
}
# What works on a locked vault: these need no key (or ask for the passphrase themselves).
OPEN_WHEN_LOCKED = {"vault", "unlock", "lock", "wipe", "help-now", "shell-init"}
# Commands that can change what is due: after them the prompt status file (if this home
# has one: see trustcli.remind.status) is written again. `remind --daemon` keeps it itself.
CHANGES_WHAT_IS_DUE = {"init", "promise", "remind", "today", "pair", "import", "checkin"}


class _LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, each built by its builder on first use: building a
    click command costs a signature read per parameter, and a run needs only one."""

    def __init__(self, builders: dict[str, Callable[[], Any]]) -> None:
        self._builders = builders
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = self._builders[name]()  # KeyError: no such command
        return self._built[name]

    def __contains__(self, name: object) -> bool:  # without building it
        return name in self._builders or name in self._built

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._builders, *self._built]))

    def __len__(self) -> int:
        return len(set(self._builders) | set(self._built))


def _from_module(name: str) -> Callable[[], Any]:
    def build() -> Any:
        module, attribute = COMMANDS[name]
        command = _built_lazily(getattr(importlib.import_module(module), attribute))
        command.name = name
        return command

    return build


def _built_lazily(typer_app: typer.Typer) -> Any:
    """``typer.main.get_command(typer_app)``, except that a group's subcommands are
    built only when one is used (``promise`` has eleven; ``promise list`` needs one)."""
    infos = typer_app.registered_commands
    if len(infos) < 2 and not typer_app.registered_callback:
        return typer.main.get_command(typer_app)
    typer_app.registered_commands = []
    try:
        group = typer.main.get_group(typer_app)
    finally:
        typer_app.registered_commands = infos

    def builder(info: Any) -> Callable[[], Any]:
        return lambda: typer.main.get_command_from_info(
            info,
            pretty_exceptions_short=typer_app.pretty_exceptions_short,
            rich_markup_mode=typer_app.rich_markup_mode,
        )

    def name_of(info: Any) -> str:  # as Typer names a command: its name, or its function's
        return info.name or typer.main.get_command_name(getattr(info.callback, "__name__", ""))

    builders = {name_of(info): builder(info) for info in infos}
    group.commands = _LazyCommands({**builders, **group.commands})
    return group


class _RootGroup(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands({name: _from_module(name) for name in COMMANDS})

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)


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
    cls=_RootGroup,
    name="trustcli",
    help="A calm, private companion for rebuilding trust in a relationship.",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from trustcli.output import emit

        emit(f"trustcli {__version__}")
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
        from trustcli.output import emit

        emit(WELCOME.rstrip("\n"))


def _likely_slip(message: str) -> str:
    """The two slips behind most usage errors: text with spaces typed without quotes,
    and text that starts with a dash (read as an option)."""
    if "unexpected extra argument" in message:
        return '; put text that has spaces in quotes ("…")'
    if re.match(r"No such option: -[^-a-zA-Z]", message):
        return "; text that starts with '-' needs -- before it: trustcli promise add -- \"-5 …\""
    return ""


def _pass_the_vault(args: list[str]) -> None:
    """A home whose vault is on runs a command only with its key at hand (see
    ``vault.admit``); help, the version and the commands in OPEN_WHEN_LOCKED need none,
    nor does the daemon (it waits for an unlock itself). A plain home pays one stat."""
    if not args or args[0].startswith("-") or args[0] in OPEN_WHEN_LOCKED:
        return
    if any(arg in ("-h", "--help", "--version") for arg in args):
        return
    if args[0] == "remind" and "--daemon" in args:
        return
    from trustcli import store

    if store.vault_on():
        from trustcli import vault

        try:
            vault.admit(person=args[:2] != ["remind", "due"])  # a prompt's: never asks
        except Locked as locked:
            if args[0] != "trigger":
                raise
            # A hard moment is no time for a bare refusal: help works while locked.
            raise TrustError(
                f"{locked.message} to note it; help is there now too: trustcli help-now",
                locked.exit_code,
            ) from None


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising, so scripts get one line."""
    from typer._click import exceptions as click_errors
    from typer.main import get_command

    from trustcli import output
    from trustcli.output import PipeClosed, say

    output.reset()
    try:
        _pass_the_vault(sys.argv[1:] if argv is None else argv)
        command = get_command(app)
        with output.guarded_stdout():
            code = command.main(args=argv, prog_name="trustcli", standalone_mode=False)
    except (PipeClosed, BrokenPipeError):  # `| head` has read enough: a quiet end
        output.silence_stdout()
        return 0
    except TrustError as error:
        say(f"trustcli: {error.message}")
        return error.exit_code
    except click_errors.UsageError as error:
        if not error.format_message():  # a group without its command: help is shown
            return EXIT_BAD_INPUT
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        say(f"trustcli: {error.format_message()}{_likely_slip(error.format_message())}{hint}")
        return EXIT_BAD_INPUT
    except click_errors.ClickException as error:
        say(f"trustcli: {error.format_message()}")
        return error.exit_code
    except typer.Abort:  # input ended (EOF) at a prompt
        say("trustcli: input ended; nothing was saved")
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line for the person, details on request
        failed = output.stdout_failed(error)
        if failed is not None:  # help, rich or a prompt could not write stdout
            say(f"trustcli: {failed.message}")
            return failed.exit_code
        if os.environ.get("TRUSTCLI_DEBUG"):
            raise
        say(
            f"trustcli: internal error ({type(error).__name__}: {error}); "
            "run again with TRUSTCLI_DEBUG=1 to see where"
        )
        return EXIT_RUNTIME
    if code == EXIT_INTERRUPTED:
        say(INTERRUPTED)
    elif not code:
        _refresh_the_prompt(sys.argv[1:] if argv is None else argv)
    return code if isinstance(code, int) else 0


def _refresh_the_prompt(args: list[str]) -> None:
    """After a command that may change what is due, write the prompt's status file again
    (one stat when no shell uses it). Never fails the command it follows."""
    if not args or args[0] not in CHANGES_WHAT_IS_DUE or "--daemon" in args:
        return
    if any(arg in ("-h", "--help") for arg in args):
        return
    from trustcli.remind import status

    status.refresh_if_used(_what_is_due)


def _what_is_due(now: Any) -> tuple[dict[str, Any], bool]:
    """``today.for_the_prompt``, imported only when a shell uses the prompt's status."""
    from trustcli import today

    return today.for_the_prompt(now)
