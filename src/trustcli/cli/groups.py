"""A Typer group with a default command, for commands that also have subcommands.

`trustcli ask SET` means `trustcli ask run SET`, and `trustcli checkin --rating 7`
means `trustcli checkin add --rating 7`, while `ask history` or `checkin list` still
reach their subcommands. `trustcli ask --help` shows the default command's arguments
and options too: that is where people look for them.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup


class DefaultCommandGroup(TyperGroup):
    default_command = ""
    _showing_help = False

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = [self.default_command, *args]
        return list(super().parse_args(ctx, args))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._showing_help = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._showing_help = False

    def get_params(self, ctx: Any) -> list[Any]:
        """While help is shown, the group's own --help and the default command's
        parameters (only then: parsing is left to the default command itself)."""
        params = list(super().get_params(ctx))
        if self._showing_help:
            params += self.commands[self.default_command].params
        return params


def defaulting_to(command: str) -> type[DefaultCommandGroup]:
    """A group class whose default command is ``command``."""
    return type(f"DefaultTo{command.title()}", (DefaultCommandGroup,), {"default_command": command})
