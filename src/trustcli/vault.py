"""The vault's commands: ``vault enable``, ``disable`` and ``passwd``, ``unlock`` and
``lock``, and the gate every command passes on a home whose vault is on (``admit``).

What they work with lives below, in the store: the key, its derivation and the cipher
(``trustcli.store.vault_key``), the codec that seals every file and record on its way to
the disk (``trustcli.store.sealing``), and the file-by-file conversion
(``trustcli.store.conversion``). A running reminder daemon learns of a change from the
command layer, which signals it after these commands.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from trustcli import store
from trustcli.errors import EXIT_RUNTIME, Locked, TrustError
from trustcli.store import conversion, removal, runtime, vault_key

PASSPHRASE_ENV = "TRUSTCLI_PASSPHRASE_FILE"


def _write_state(document: dict[str, Any]) -> None:
    vault_key.state_changed()
    fields = {
        **document,
        **{field: vault_key.b64(document[field]) for field in ("id", "salt", "wrapped")},
    }
    header = (
        "# trustcli's vault. Keep this file: the data in this home is encrypted, and this\n"
        "# file (with your passphrase) is the only way to open it. It holds no secret.\n"
    )
    store.write_text(store.VAULT_FILE, header + store.dump_toml(fields))


# --- passphrases --------------------------------------------------------------------------


def passphrase(
    file: str | None, confirm: bool = False, prompt: str = "Passphrase", new: bool = False
) -> str:
    """The passphrase: from ``--passphrase-file``, else $TRUSTCLI_PASSPHRASE_FILE, else
    asked on the terminal (twice when ``confirm``). Unicode is normalised (NFC), so the
    same words typed on another keyboard open the vault. A ``new`` one (passwd) never
    comes from $TRUSTCLI_PASSPHRASE_FILE: that file holds the current one."""
    path = file or (None if new else os.environ.get(PASSPHRASE_ENV))
    if path:
        text = _from_file(path)
    elif sys.stdin.isatty():
        text = _ask(f"{prompt}: ")
        if confirm and _normal(_ask("Again, to be sure: ")) != _normal(text):
            raise TrustError("the two passphrases differ; nothing was changed")
    elif new:
        raise TrustError(
            "a new passphrase is needed: run this on a terminal, or give "
            "--new-passphrase-file FILE; nothing was changed"
        )
    else:
        raise TrustError(
            f"a passphrase is needed: run this on a terminal, or give --passphrase-file FILE "
            f"(or set {PASSPHRASE_ENV})"
        )
    if not text:
        raise TrustError("the passphrase is empty; nothing was changed")
    return _normal(text)


def _normal(text: str) -> str:
    """One spelling of each character (NFC): é typed as one character or two opens alike."""
    import unicodedata  # only when a passphrase is typed or read

    return unicodedata.normalize("NFC", text)


def _ask(prompt: str) -> str:
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise TrustError("input ended; nothing was changed") from None


def _from_file(path: str) -> str:
    """The first line of a passphrase file of the person's own that others cannot read."""
    data = store.read_private(path, "the passphrase file", 4096)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TrustError(f"the passphrase file {path} is not UTF-8 text") from None
    return text.split("\n", 1)[0].removesuffix("\r")


# --- turning the vault on and off -------------------------------------------------------


def enable(secret: str, idle: int | None) -> dict[str, Any]:
    """Seal every file of the home, file by file (see ``store.conversion``), under the lock.

    ``vault.toml`` is written first (state ``enabling``) and marked ``on`` last: a kill in
    between leaves a home whose files are each old or new, which opens with the key, and
    ``vault enable`` again finishes the work. Caches are removed, not converted.
    """
    with store.lock():
        document = vault_key.state()
        if document is None:
            check_home()
            _check_runtime_folder()  # keep() below must not stop the work halfway
            document, key = vault_key.new_document(secret)
            _write_state(document)
        elif document["state"] == "disabling":
            raise TrustError(
                "turning the vault off was interrupted: run trustcli vault disable to finish it, "
                "then enable it again"
            )
        else:
            key = vault_key.use(vault_key.open_with(secret, document))  # half-sealed logs open
            plain = plain_files()
            if document["state"] == "on" and not plain:
                raise TrustError(
                    "the vault is already on (trustcli vault passwd changes the passphrase)"
                )
            for name in plain:  # as above: a broken file must be fixed before it is sealed
                conversion.check_convertible(name)
        idle = vault_key.DEFAULT_IDLE if idle is None else idle
        kept = vault_key.keep(key, idle)
        for path in conversion.temp_files():  # left by a crash: a plain copy nobody reads
            removal.shred(path)
        converted = sum(conversion.convert(name, seal=True) for name in conversion.home_files())
        for name in conversion.cache_files():
            removal.shred(store.path_of(name))
        from trustcli import sessions

        sessions.hide_names()
        _write_state({**document, "state": "on"})
    return {"files": converted, "unlocked": kept, "idle": idle}


def _check_runtime_folder() -> None:
    """Refuse a runtime folder open to others now; a missing one only means staying locked."""
    try:
        runtime.folder()
    except store.UnsafeHome:
        raise
    except TrustError:
        pass


def runtime_or_refuse() -> None:
    """Unlocking keeps the key in the runtime folder: without one, say so before asking."""
    try:
        runtime.folder(create=True)
    except store.UnsafeHome:
        raise
    except TrustError:
        if os.environ.get("XDG_RUNTIME_DIR"):
            raise
        raise TrustError(
            "unlock keeps the key in $XDG_RUNTIME_DIR, which is not set here: on a terminal "
            f"each command asks for the passphrase instead, or set {PASSPHRASE_ENV}",
            EXIT_RUNTIME,
        ) from None


def check_home() -> None:
    """Every TOML file of a plain home reads: once sealed, one that does not could not be
    fixed in an editor any more, so it is named now, before anything changes."""
    for name in conversion.home_files():
        conversion.check_convertible(name)


def disable(secret: str) -> dict[str, Any]:
    """Open every file back to plain text, then remove vault.toml (interruptible, as
    ``enable``: the state ``disabling`` says to finish it)."""
    with store.lock():
        document = vault_key.state()
        if document is None:
            raise TrustError("the vault is off; there is nothing to turn off")
        vault_key.use(vault_key.open_with(secret, document))
        names = conversion.home_files()
        for name in names:  # before anything is changed
            conversion.check_convertible(name)
        if document["state"] != "disabling":
            _write_state({**document, "state": "disabling"})
        converted = sum(conversion.convert(name, seal=False) for name in names)
        for name in conversion.cache_files():
            removal.shred(store.path_of(name))
        vault_key.forget()
        removal.shred_whole(store.VAULT_FILE)  # a kill leaves it whole (disabling) or gone
    return {"files": converted}


def change_passphrase(old: str, new: str) -> None:
    """Rewrap the data key for a new passphrase (with a new salt); the data stays as it is."""
    with store.lock():
        document = vault_key.state()
        if document is None:
            raise TrustError("the vault is off: trustcli vault enable turns it on")
        key = vault_key.open_with(old, document)
        if new == old:  # else "the old one no longer opens the vault" would be untrue
            raise TrustError(
                "the new passphrase is the same as the current one; nothing was changed"
            )
        _write_state(vault_key.wrap(new, document, key))


def unlock(secret: str, idle: int | None) -> tuple[bool, int]:
    """Check the passphrase and keep the key for the session, for ``idle`` seconds of
    disuse (None: as configured). False if there is no runtime folder to keep it in."""
    document = vault_key.state()
    if document is None:
        raise TrustError("the vault is off: there is nothing to unlock")
    key = vault_key.use(vault_key.open_with(secret, document))  # config.toml is sealed
    idle = configured_idle() if idle is None else idle
    return vault_key.keep(key, idle), idle


def lock() -> bool:
    """Forget the key now; True if it was kept."""
    return vault_key.forget()


def plain_files() -> list[str]:
    """Files of the home not sealed yet (after an interrupted ``vault enable``)."""
    return [name for name in conversion.home_files() if not conversion.is_sealed(name)]


def status() -> dict[str, Any]:
    document = vault_key.state()
    if document is None:
        return {"vault": "off"}
    # the kept key must be this vault's and fresh (data_key checks, and drops one that
    # is not) before its file says until when it lasts
    fresh = vault_key.data_key(required=False) is not None
    until = vault_key.unlocked_until() if fresh else None
    return {
        "vault": document["state"],
        "unlocked": until is not None,
        "unlocked_until": None if until is None else _iso(until),
        "plain_files": plain_files(),
        "kdf": f"scrypt, N=2^{document['log2_n']}, r={document['r']}, p={document['p']}",
    }


def _iso(moment: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(moment).astimezone().isoformat(timespec="seconds")


# --- the gate every command passes --------------------------------------------------------


def admit(person: bool = True) -> None:
    """Before a command runs on a home whose vault is on: go on if the key is at hand
    (that counts as use); else, on a terminal, ask for the passphrase and go on; else
    one line, exit 1. ``TRUSTCLI_PASSPHRASE_FILE`` opens it for this command only.

    ``person=False`` is for what a shell prompt or cron runs (``remind due``): it never
    asks, and looking is not use (else the key would never expire)."""
    from trustcli.output import say  # stderr, or nowhere when it is closed: never stdout

    document = vault_key.state()
    if document is None:
        return
    if document["state"] != "on":
        word = "on" if document["state"] == "enabling" else "off"
        say(
            f"trustcli: turning the vault {word} was interrupted; "
            f"run trustcli vault {'enable' if word == 'on' else 'disable'} to finish"
        )
    if vault_key.data_key(required=False) is not None:
        if person:
            vault_key.touch()
        return
    if os.environ.get(PASSPHRASE_ENV):
        vault_key.use(vault_key.open_with(passphrase(None), document))
        return
    if not (person and sys.stdin.isatty() and sys.stderr.isatty()):
        raise Locked()
    say("trustcli is locked.")
    key = vault_key.use(vault_key.open_with(passphrase(None), document))
    vault_key.keep(key, configured_idle())


def configured_idle() -> int:
    """``[vault] unlock_for`` in config.toml, else 15 minutes."""
    from trustcli import config

    section = config.load().get("vault", {})
    value = section.get("unlock_for") if isinstance(section, dict) else None
    if value is None:
        return vault_key.DEFAULT_IDLE
    if not isinstance(value, str):
        raise TrustError(
            f'{store.path_of(config.CONFIG)}: [vault] unlock_for must be text such as "30m"'
        )
    return vault_key.parse_idle(value)
