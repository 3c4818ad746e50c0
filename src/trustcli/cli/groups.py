"""A Typer group with a default command, for commands that also have subcommands.

`trustcli ask SET` means `trustcli ask run SET`, and `trustcli checkin --rating 7`
means `trustcli checkin add --rating 7`, while `ask history` or `checkin list` still
reach their subcommands.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup


class DefaultCommandGroup(TyperGroup):
    default_command = ""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = [self.default_command, *args]
        return list(super().parse_args(ctx, args))


def defaulting_to(command: str) -> type[DefaultCommandGroup]:
    """A group class whose default command is ``command``."""
    return type(f"DefaultTo{command.title()}", (DefaultCommandGroup,), {"default_command": command})
