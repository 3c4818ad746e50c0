"""`trustcli pair …`: two private homes sharing one encrypted couple folder.

Only these commands import ``trustcli.couple.pairing`` (and with it ``cryptography``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from trustcli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, TrustError
from trustcli.output import emit, emit_json, on_terminal, say, shown

app = typer.Typer(
    add_completion=False,
    help="""Share with your partner through a folder both devices see (end-to-end encrypted).

    Each of you keeps a private home; the couple folder, moved by any sync tool
    (Syncthing, Dropbox, a network share, or one folder on a shared computer), only
    ever holds ciphertext. Once paired, promises and their follow-ups are shared.

    \b
    Examples:
      trustcli pair create ~/Sync/us          on the first device
      trustcli pair join ~/Sync/us            on the partner's device: prints words
      trustcli pair accept                    on the first device: compare the words
      trustcli pair status
    """,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command()
def create(
    folder: Path = typer.Argument(
        ..., metavar="DIR", help="A new or empty folder both devices see."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Make DIR (new or empty) the couple folder, with this device as its first.

    \b
    Examples:
      trustcli pair create ~/Sync/us
      trustcli pair create /srv/shared/us      one computer, two accounts
    """
    from trustcli.couple import pairing

    made = pairing.create(folder, announce=_say_what_is_shared)
    if as_json:
        emit_json(made)
        return
    say(f"{made['folder']} is now your couple folder.")
    say("Next, on your partner's device: trustcli pair join DIR (their path to this folder).")


@app.command()
def join(
    folder: Path = typer.Argument(
        ..., metavar="DIR", help="The couple folder, as this device sees it."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Ask to join a couple folder; prints the fingerprint to compare (last line).

    Compare the words with the ones 'trustcli pair accept' shows on the first device,
    side by side or read aloud. Until they are accepted, this device can read nothing.

    \b
    Examples:
      trustcli pair join ~/Sync/us
      trustcli pair join ~/Sync/us --json | jq -r .fingerprint
    """
    from trustcli.couple import pairing

    asked = pairing.join(folder)
    _say_what_is_shared(when_accepted=True)
    if as_json:
        emit_json(asked)
        return
    say("Asked to join. On the first device, run 'trustcli pair accept' and compare these words:")
    emit(asked["fingerprint"])


def _say_what_is_shared(when_accepted: bool = False) -> None:
    """One line, before anything is shared: what pairing shares, and what it never does."""
    from trustcli.couple import outgoing

    made, followups = outgoing.counts()
    when = "Once accepted, pairing shares" if when_accepted else "Pairing shares"
    say(
        f"{when} your {_count(made, 'promise')} and {_count(followups, 'follow-up')} "
        "with your partner "
        "(encrypted); sessions, check-ins and everything else stay in this home."
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


@app.command()
def accept(
    words: str = typer.Option(
        None,
        "--fingerprint",
        metavar="WORDS",
        help="Accept only the request with these words (for scripts).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Show the pending join and its fingerprint, and accept it once the words match.

    On a terminal it asks you to confirm that both screens show the same words. In
    scripts, --fingerprint "WORDS" accepts only a request with exactly those words.

    \b
    Examples:
      trustcli pair accept
      trustcli pair accept --fingerprint "otter maple cobalt river tulip piano"
    """
    from trustcli.couple import pairing

    request = pairing.matching_request(words)
    if words is None:
        if not on_terminal():
            raise TrustError(
                'no terminal to confirm on: pass --fingerprint "WORDS" (the words the '
                "joining device shows)",
                EXIT_BAD_INPUT,
            )
        say("A device asks to join. Its words:")
        say(f"  {request['fingerprint']}")
        try:
            same = typer.confirm("Does your partner's screen show exactly these words?")
        except (KeyboardInterrupt, EOFError, typer.Abort):
            raise typer.Exit(EXIT_INTERRUPTED) from None
        if not same:
            say("Nothing was accepted. If the words differ, make a new folder together.")
            raise typer.Exit(1)
        words = request["fingerprint"]
    accepted = pairing.accept(request["device"], words)
    if as_json:
        emit_json(accepted)
        return
    say("Accepted. Your partner's trustcli opens the couple folder the next time it runs.")


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print the status as JSON.")) -> None:
    """The couple folder, its members and devices, the last record seen from each, and
    anything skipped or refused, and why.

    \b
    Examples:
      trustcli pair status
      trustcli pair status --json | jq '.devices[] | {device, last_seq}'
    """
    from trustcli.couple import pairing, sealed

    try:
        sealed.sync(quiet=True)  # share a session key that is due (see trustcli.couple.sealed)
    except TrustError as error:  # a broken sealed.toml: named, and the status still shown
        say(f"trustcli: {error.message}")
    found = pairing.status()
    if as_json:
        emit_json(found)
        return
    if not found["paired"]:
        emit(
            "Not sharing a couple folder."
            + (" (You left one.)" if found["state"] == "left" else "")
        )
        return
    _show(found)


def _show(found: dict[str, Any]) -> None:
    lines = [f"folder: {shown(found['folder'])}"]
    if found["note"]:
        lines.append(f"note: {found['note']}")
    elif found["state"] == "pending":
        lines.append("waiting: the first device has not accepted this one yet")
    members = ", ".join(
        (shown(m["name"]) or f"device {m['device'][:6]}") + (" (left)" if m["left"] else "")
        for m in found["members"]
    )
    lines.append(f"members: {members or '(none readable yet)'}")
    for device in found["devices"]:
        mark = " (this device)" if device["this"] else ""
        last = (
            f"last record {device['last_seq']} at {device['last_at']}"
            if device["last_seq"]
            else "no records read"
        )
        lines.append(f"device {device['device']}{mark}: {device['role']}, {last}")
        if device["arriving"]:
            lines.append("  a record still arriving (skipped until complete)")
        lines.extend(f"  refused: {shown(reason)}" for reason in device["refused"])
    for item in found["ignored"]:
        lines.append(f"ignored: {shown(item['name'])}: {item['why']}")
    emit("\n".join(lines))


@app.command()
def leave(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Stop sharing. Your private home keeps everything; nothing new is read or written
    in the couple folder (the records already there stay for your partner).

    \b
    Examples:
      trustcli pair leave
    """
    from trustcli.couple import pairing

    left = pairing.leave()
    if as_json:
        emit_json(left)
        return
    say(f"You no longer share {left['folder']}. Everything in your own home stays.")
