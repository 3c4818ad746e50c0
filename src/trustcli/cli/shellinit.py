"""`trustcli shell-init bash|zsh|fish`: a prompt marker that costs no process per prompt."""

from __future__ import annotations

import typer

from trustcli.errors import EXIT_BAD_INPUT, TrustError
from trustcli.output import emit

app = typer.Typer(add_completion=False)


@app.command(name="shell-init")
def shell_init(
    shell: str = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish."),
    marker: str = typer.Option(
        None,
        "--marker",
        metavar="TEXT",
        help="What the prompt shows when something is due (default •, or [prompt] marker "
        "in config.toml).",
    ),
) -> None:
    """Print a snippet for your shell's start-up file: a quiet marker in the prompt when
    something is due (a reminder, a promise to record today, news from your partner).

    Each prompt reads one small status file that trustcli commands and the reminder
    daemon keep current; no program runs per prompt. The marker says nothing about
    what is due: run trustcli today to see it.

    \b
    Examples:
      eval "$(trustcli shell-init bash)"           in ~/.bashrc
      eval "$(trustcli shell-init zsh)"            in ~/.zshrc
      trustcli shell-init fish | source            in ~/.config/fish/config.fish
      trustcli shell-init bash --marker '*'
    """
    from trustcli import shellinit, today
    from trustcli.remind import status
    from trustcli.store import runtime

    if shell not in shellinit.SHELLS:
        raise TrustError(
            f"trustcli shell-init knows bash, zsh and fish, not {shell!r}", EXIT_BAD_INPUT
        )
    if marker is None:  # given but empty is refused below, never quietly replaced
        marker = _configured_marker() or shellinit.DEFAULT_MARKER
    problem = shellinit.marker_problem(marker)
    if problem:
        raise TrustError(f"{problem}: try --marker '*'", EXIT_BAD_INPUT)
    path, where = runtime.status_path()
    status.refresh(today.for_the_prompt)
    if not runtime.status_exists():  # locked, or nothing to read yet: commands take it on
        runtime.write_status(status.render(0, 0))
    emit(shellinit.snippet(shell, str(path), where, marker).rstrip("\n"))


def _configured_marker() -> str:
    """``[prompt] marker`` in config.toml, or '' (a locked vault's config cannot be read)."""
    from trustcli import config

    try:
        section = config.load().get("prompt", {})
    except TrustError:
        return ""
    value = section.get("marker", "") if isinstance(section, dict) else ""
    return value if isinstance(value, str) else ""
