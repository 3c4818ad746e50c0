"""`trustcli vault enable|passwd|disable|status`, `trustcli unlock` and `trustcli lock`."""

from __future__ import annotations

import os

import typer

from trustcli import store, vault
from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.output import emit, emit_json, say
from trustcli.store import vault_key

app = typer.Typer(no_args_is_help=True, add_completion=False)
unlock_app = typer.Typer(add_completion=False)
lock_app = typer.Typer(add_completion=False)

PASSPHRASE_FILE = typer.Option(
    None,
    "--passphrase-file",
    metavar="FILE",
    help="Read the passphrase from the first line of FILE (0600), not the terminal "
    "(or set TRUSTCLI_PASSPHRASE_FILE).",
)
FOR = typer.Option(
    None,
    "--for",
    metavar="TIME",
    help="Stay unlocked until TIME passes without use: 30m, 2h (default 15m, "
    "or [vault] unlock_for in config.toml).",
)


def _unlocked_line(kept: bool, idle: int) -> str:
    if kept:
        return f"Unlocked; it locks itself after {_minutes(idle)} without use (trustcli lock: now)."
    return (
        "There is no $XDG_RUNTIME_DIR here to keep the key in, so trustcli stays locked: "
        "it will ask for the passphrase on a terminal (or use TRUSTCLI_PASSPHRASE_FILE)."
    )


def _minutes(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' * (hours != 1)}"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' * (minutes != 1)}"
    return f"{seconds} seconds"


@app.callback()
def vault_group() -> None:
    """Encrypt this data home at rest, change its passphrase, or turn it off.

    With the vault on, everything trustcli keeps is encrypted; `trustcli unlock` opens
    it for a while, `trustcli lock` closes it at once.

    \b
    Examples:
      trustcli vault enable
      trustcli vault status
      trustcli unlock --for 1h
    """


@app.command()
def enable(
    passphrase_file: str = PASSPHRASE_FILE,
    unlock_for: str = FOR,
) -> None:
    """Encrypt everything in this data home with a passphrase.

    Every file is converted in place, one at a time: if it is stopped halfway, run it
    again to finish (the home opens with the passphrase at every moment). Without the
    passphrase nothing can be read, and there is no way back: write it down somewhere
    safe.

    \b
    Examples:
      trustcli vault enable
      trustcli vault enable --passphrase-file ~/.config/trustcli-pass
    """
    document = vault_key.state()
    if document is not None and document["state"] == "on" and not vault.plain_files():
        raise TrustError("the vault is already on (trustcli vault passwd changes the passphrase)")
    resuming = document is not None
    idle = None if unlock_for is None else vault_key.parse_idle(unlock_for)
    if not resuming:
        vault.check_home()
    if not resuming and not (passphrase_file or os.environ.get(vault.PASSPHRASE_ENV)):
        say("Choose a passphrase. Without it nothing in this home can be read again.")
    secret = vault.passphrase(passphrase_file, confirm=not resuming)
    result = vault.enable(secret, idle)
    _tell_the_daemon()
    files = result["files"]
    say(f"The vault is on: {files} file{'s' * (files != 1)} encrypted.")
    say(_unlocked_line(result["unlocked"], result["idle"]))


@app.command()
def passwd(
    passphrase_file: str = PASSPHRASE_FILE,
    new_passphrase_file: str = typer.Option(
        None, "--new-passphrase-file", metavar="FILE", help="Read the new passphrase from FILE."
    ),
) -> None:
    """Change the passphrase (the data is not re-encrypted: only its key is).

    \b
    Examples:
      trustcli vault passwd
      trustcli vault passwd --passphrase-file old.txt --new-passphrase-file new.txt
    """
    if vault_key.state() is None:
        raise TrustError("the vault is off: trustcli vault enable turns it on")
    old = vault.passphrase(passphrase_file, prompt="Current passphrase")
    new = vault.passphrase(new_passphrase_file, confirm=True, prompt="New passphrase", new=True)
    vault.change_passphrase(old, new)
    say("The passphrase is changed. The old one no longer opens the vault.")


@app.command()
def disable(passphrase_file: str = PASSPHRASE_FILE) -> None:
    """Decrypt everything back to plain files and turn the vault off.

    \b
    Examples:
      trustcli vault disable
    """
    if vault_key.state() is None:
        raise TrustError("the vault is off; there is nothing to turn off")
    result = vault.disable(vault.passphrase(passphrase_file))
    _tell_the_daemon()
    files = result["files"]
    said = "1 file is" if files == 1 else f"{files} files are"
    say(f"The vault is off: {said} plain text again.")


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Whether the vault is on, and whether it is unlocked (needs no passphrase).

    \b
    Examples:
      trustcli vault status
    """
    found = vault.status()
    if as_json:
        emit_json(found)
        return
    if found["vault"] == "off":
        emit("The vault is off: this home is plain files (trustcli vault enable).")
        return
    state = {"on": "on", "enabling": "being turned on", "disabling": "being turned off"}
    emit(f"vault     {state[found['vault']]}  ({found['kdf']})")
    if found["unlocked"]:
        emit(f"unlocked  until {found['unlocked_until']} if unused (trustcli lock: now)")
    else:
        emit("locked    trustcli unlock opens it")
    if found["plain_files"]:
        count = len(found["plain_files"])
        emit(f"plain     {count} file(s) not encrypted yet: trustcli vault enable finishes")


@unlock_app.command(name="unlock")
def unlock_command(passphrase_file: str = PASSPHRASE_FILE, unlock_for: str = FOR) -> None:
    """Open the vault for this session (until it goes unused for a while).

    The key is kept in $XDG_RUNTIME_DIR, which your system empties at logout.

    \b
    Examples:
      trustcli unlock
      trustcli unlock --for 1h
    """
    if vault_key.state() is None:
        raise TrustError("the vault is off: there is nothing to unlock")
    vault.runtime_or_refuse()
    idle = None if unlock_for is None else vault_key.parse_idle(unlock_for)
    kept, idle = vault.unlock(vault.passphrase(passphrase_file), idle)
    _tell_the_daemon()
    if not kept:  # nothing was unlocked: the next command would say "locked"
        raise TrustError(
            "there is no $XDG_RUNTIME_DIR here to keep the key in, so nothing was unlocked: "
            "trustcli asks for the passphrase on a terminal (or use TRUSTCLI_PASSPHRASE_FILE)",
            EXIT_RUNTIME,
        )
    say(_unlocked_line(kept, idle))


@lock_app.command(name="lock")
def lock_command() -> None:
    """Forget the key now: every command asks for the passphrase again.

    \b
    Examples:
      trustcli lock
    """
    if not store.vault_on():  # not vault_key.state(): a damaged vault.toml must not keep the key
        raise TrustError("the vault is off: there is nothing to lock (trustcli vault enable)")
    forgotten = vault.lock()
    _tell_the_daemon()
    say("Locked." if forgotten else "It was locked already.")


def _tell_the_daemon() -> None:
    """A running reminder daemon reads the reminders again, or finds it no longer can:
    the vault's commands tell it, so the vault itself never reaches up to the daemon."""
    from trustcli.remind import pidfile

    pidfile.signal_reload()
