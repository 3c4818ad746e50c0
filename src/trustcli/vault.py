"""The vault: this data home encrypted at rest, and its key kept for one session.

``vault.toml`` in the home (not secret) holds a random salt, the scrypt cost, and a
random data key wrapped with the key derived from the passphrase: changing the
passphrase rewraps 32 bytes and leaves the data alone. Everything else the home holds
is sealed with the data key (ChaCha20-Poly1305, a random nonce each time), by the store:
a small document or a cache as one sealed file, each record of an append-only log on its
own, with the file's name and the record's place in it as associated data, so a sealed
piece opens only where it was written (not in another file, not twice).

Unlocking runs the KDF once and keeps the data key in the runtime folder
(``$XDG_RUNTIME_DIR``: a tmpfs of the user's own, emptied at logout), 0600, until it
has gone unused for a while (15 minutes unless told). ``cryptography`` is imported only
when a sealed byte is read or written: a plain home never pays for it.
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from trustcli import store
from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, TrustError

VAULT_FILE = store.VAULT_FILE
VERSION = 1
LOG2_N = 17  # scrypt N = 2^17, r = 8: 128 MiB and about a third of a second here
R, P = 8, 1
DEFAULT_IDLE = 15 * 60  # seconds without use before the unlocked key is forgotten
MAX_IDLE = 7 * 24 * 3600
PASSPHRASE_ENV = "TRUSTCLI_PASSPHRASE_FILE"
STATES = ("on", "enabling", "disabling")
_KEY_AD = b"trustcli vault key v1\0"

_key: bytes | None = None  # the data key, for this process only
_everything_sealed: bool | None = None  # the vault is on, not half-way: see sealing_everything


Locked = store.Locked  # the vault is on and no key is at hand: one line, exit 1


# --- vault.toml -----------------------------------------------------------------------


def state() -> dict[str, Any] | None:
    """vault.toml, checked; None when the vault is off. A damaged file is named."""
    if not store.vault_on():
        return None
    raw = store.read_bytes(VAULT_FILE)
    if raw is None:
        return None
    from trustcli import logscan

    where = store.path_of(VAULT_FILE)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _damaged(where, f"it does not read as TOML ({exc})") from None
    document = logscan.scan_document(text)  # as trustcli wrote it: no tomllib (2 ms)
    if document is None:
        import tomllib

        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise _damaged(where, f"it does not read as TOML ({exc})") from None
    if document.get("version") != VERSION:
        raise _damaged(where, f"version {document.get('version')!r} is not one trustcli knows")
    if document.get("state") not in STATES:
        raise _damaged(where, f"state must be one of {', '.join(STATES)}")
    log2_n, r, p = document.get("log2_n"), document.get("r"), document.get("p")
    if not (
        isinstance(log2_n, int)
        and isinstance(r, int)
        and isinstance(p, int)
        and 14 <= log2_n <= 22
        and 1 <= r <= 32
        and 1 <= p <= 4
        and 128 * r * p * (1 << log2_n) <= 1 << 30
    ):
        raise _damaged(where, "its scrypt cost (log2_n, r, p) is missing or out of range")
    for field, size in (("id", 16), ("salt", 16), ("wrapped", 12 + 32 + 16)):
        value = _unb64(document.get(field))
        if value is None or len(value) != size:
            raise _damaged(where, f"'{field}' is missing or damaged")
        document[field] = value
    return document


def _damaged(where: object, what: str) -> TrustError:
    return TrustError(
        f"{where}: {what}; without this file nothing in the vault can be read: "
        "put back a copy from a backup",
        EXIT_RUNTIME,
    )


def _write_state(document: dict[str, Any]) -> None:
    global _everything_sealed
    _everything_sealed = None
    fields = {
        **document,
        **{field: _b64(document[field]) for field in ("id", "salt", "wrapped")},
    }
    header = (
        "# trustcli's vault. Keep this file: the data in this home is encrypted, and this\n"
        "# file (with your passphrase) is the only way to open it. It holds no secret.\n"
    )
    store.write_text(VAULT_FILE, header + store.dump_toml(fields))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _derive(passphrase: str, document: dict[str, Any]) -> bytes:
    n, r, p = 1 << document["log2_n"], document["r"], document["p"]
    import hashlib  # only here: it costs a few milliseconds every command would pay

    key: bytes = hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=document["salt"],
        n=n,
        r=r,
        p=p,
        maxmem=128 * r * p * n + (1 << 24),
        dklen=32,
    )
    return key


def _key_ad(document: dict[str, Any]) -> bytes:
    cost = f"{document['log2_n']},{document['r']},{document['p']}".encode()
    return b"".join([_KEY_AD, document["id"], document["salt"], cost])


def open_with(passphrase: str, document: dict[str, Any]) -> bytes:
    """The data key, unwrapped with ``passphrase``; a wrong one is one line, exit 1."""
    key = open_bytes(_derive(passphrase, document), document["wrapped"], _key_ad(document))
    if key is None:
        raise TrustError(
            "that passphrase does not open this vault; nothing was changed", EXIT_RUNTIME
        )
    return key


def _wrap(passphrase: str, document: dict[str, Any], key: bytes) -> dict[str, Any]:
    """``document`` with a new salt and ``key`` wrapped for ``passphrase``."""
    document = {**document, "salt": os.urandom(16)}
    document["wrapped"] = seal_bytes(_derive(passphrase, document), key, _key_ad(document))
    return document


def new_document(passphrase: str) -> tuple[dict[str, Any], bytes]:
    key = os.urandom(32)
    base = {"version": VERSION, "state": "enabling", "id": os.urandom(16)}
    base |= {"log2_n": LOG2_N, "r": R, "p": P}
    return _wrap(passphrase, base, key), key


# --- sealing ----------------------------------------------------------------------------


_ciphers: dict[bytes, Any] = {}  # one cipher per key: ten thousand records, one set-up


def _cipher(key: bytes) -> Any:
    if key not in _ciphers:
        _ciphers.clear()
        _ciphers[key] = _chacha20poly1305()(key)
    return _ciphers[key]


def _chacha20poly1305() -> Any:
    """cryptography's ChaCha20-Poly1305. The public module imports every cipher with it
    (3 ms of each command on an encrypted home); the class it re-exports is taken
    straight from its Rust binding when that is where it lives (cryptography 42+)."""
    try:
        from cryptography.hazmat.bindings._rust import openssl

        return openssl.aead.ChaCha20Poly1305
    except (ImportError, AttributeError):
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

        return ChaCha20Poly1305


def seal_bytes(key: bytes, plain: bytes, ad: bytes) -> bytes:
    nonce = os.urandom(12)
    sealed: bytes = _cipher(key).encrypt(nonce, plain, ad)
    return nonce + sealed


def open_bytes(key: bytes, sealed: bytes, ad: bytes) -> bytes | None:
    """The plain bytes, or None if ``sealed`` does not open with ``key`` and ``ad``."""
    return opener(key)(sealed, ad)


def opener(key: bytes) -> Callable[[bytes, bytes], bytes | None]:
    """``open_bytes`` for many records with one key: the cipher is made once, not for
    each of a log's ten thousand records (issue 14)."""
    from cryptography.exceptions import InvalidTag

    decrypt = _cipher(key).decrypt

    def open_one(sealed: bytes, ad: bytes) -> bytes | None:
        if len(sealed) < 12 + 16:
            return None
        try:
            plain: bytes = decrypt(sealed[:12], sealed[12:], ad)
        except InvalidTag:
            return None
        return plain

    return open_one


# --- the unlocked key in the runtime folder ---------------------------------------------


def _key_name() -> str:
    return f"key-{store.home_tag()}"


def data_key(required: bool = True) -> bytes | None:
    """The data key: this process's, else the runtime folder's if it is still fresh.

    Looking does not count as use (the daemon looks without keeping the home open);
    ``touch`` after a command a person ran does."""
    global _key
    if _key is None:
        document = state()
        if document is not None:
            _key = _runtime_key(document)
    if _key is None and required:
        raise Locked()
    return _key


def forget_in_memory() -> None:
    """Drop this process's copy of the key (the daemon does, before each job), and what
    it knew of the vault's state."""
    global _key, _everything_sealed
    _key = _everything_sealed = None


def sealing_everything() -> bool:
    """Whether every file and record of the home must be sealed: the vault is on and not
    being turned on or off (read once per process)."""
    global _everything_sealed
    if _everything_sealed is None:
        document = state()
        _everything_sealed = document is not None and document["state"] == "on"
    return _everything_sealed


def _runtime_key(document: dict[str, Any]) -> bytes | None:
    import json

    try:
        found = store.runtime_read(_key_name())
    except store.UnsafeHome:
        raise
    except TrustError:
        return None  # no runtime folder: locked
    if found is None:
        return None
    raw, changed = found
    try:
        saved = json.loads(raw)
        idle = saved["idle"]
        key = base64.b64decode(saved["key"], validate=True)
        same = saved["vault"] == _b64(document["id"]) and saved["home"] == str(store.home())
    except (ValueError, KeyError, TypeError, binascii.Error):
        saved, idle, key, same = None, 0, b"", False
    if not same or len(key) != 32 or not isinstance(idle, int):
        store.runtime_remove(_key_name())  # another vault's, or damaged: not to be used
        return None
    if not -60 < time.time() - changed <= idle:  # unused too long (or a clock set back)
        store.runtime_remove(_key_name())  # forgotten now
        return None
    return key


def keep(key: bytes, idle: int) -> bool:
    """Keep the data key in the runtime folder; False (and a notice) when there is none."""
    import json

    global _key
    _key = key
    document = state()
    assert document is not None
    saved = {"home": str(store.home()), "vault": _b64(document["id"]), "idle": idle}
    try:
        store.runtime_write(_key_name(), json.dumps({**saved, "key": _b64(key)}).encode())
    except store.UnsafeHome:
        raise
    except TrustError:
        return False
    return True


def runtime_or_refuse() -> None:
    """Unlocking keeps the key in the runtime folder: without one, say so before asking."""
    try:
        store.runtime_folder(create=True)
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


def touch() -> None:
    """A command used the key: it stays unlocked for another idle period from now."""
    store.runtime_touch(_key_name())


def forget() -> bool:
    """Lock: remove the unlocked key (overwritten first); True if there was one."""
    forget_in_memory()
    return store.runtime_remove(_key_name())


def unlocked_until() -> float | None:
    """When the kept key will be forgotten if unused (epoch seconds), or None."""
    import json

    try:
        found = store.runtime_read(_key_name())
    except TrustError:
        return None
    if found is None:
        return None
    try:
        idle = json.loads(found[0])["idle"]
    except (ValueError, KeyError, TypeError):
        return None
    until = found[1] + idle
    return until if until > time.time() else None


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
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise TrustError(f"cannot read the passphrase file {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TrustError(f"the passphrase file {path} is not a file")
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise TrustError(
                f"the passphrase file {path} can be read by others: run chmod 600 {path}"
            )
        data = os.read(fd, 4097)
    finally:
        os.close(fd)
    if len(data) > 4096:
        raise TrustError(f"the passphrase file {path} is longer than a passphrase can be")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TrustError(f"the passphrase file {path} is not UTF-8 text") from None
    return text.split("\n", 1)[0].removesuffix("\r")


def parse_idle(text: str) -> int:
    """'30m', '2h', '90s', '1d' or minutes as a bare number → seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    unit = value[-1:] if value[-1:] in units else "m"
    number = value[:-1] if value[-1:] in units else value
    if not number.isascii() or not number.isdigit() or int(number) == 0:
        raise TrustError(
            f"--for {text!r}: give a length of time such as 30m, 2h or 90s", EXIT_BAD_INPUT
        )
    seconds = int(number) * units[unit]
    if seconds > MAX_IDLE:
        raise TrustError("--for: at most 7 days; unlock again after that", EXIT_BAD_INPUT)
    return seconds


# --- turning the vault on and off -------------------------------------------------------


def enable(secret: str, idle: int | None) -> dict[str, Any]:
    """Seal every file of the home, file by file (see ``store.convert``), under the lock.

    ``vault.toml`` is written first (state ``enabling``) and marked ``on`` last: a kill in
    between leaves a home whose files are each old or new, which opens with the key, and
    ``vault enable`` again finishes the work. Caches are removed, not converted.
    """
    global _key
    with store.lock():
        document = state()
        if document is None:
            check_home()
            _check_runtime_folder()  # keep() below must not stop the work halfway
            document, key = new_document(secret)
            _write_state(document)
        elif document["state"] == "disabling":
            raise TrustError(
                "turning the vault off was interrupted: run trustcli vault disable to finish it, "
                "then enable it again"
            )
        else:
            key = _key = open_with(secret, document)  # a half-sealed log opens with it
            plain = plain_files()
            if document["state"] == "on" and not plain:
                raise TrustError(
                    "the vault is already on (trustcli vault passwd changes the passphrase)"
                )
            for name in plain:  # as above: a broken file must be fixed before it is sealed
                store.check_convertible(name)
        kept = keep(key, DEFAULT_IDLE if idle is None else idle)
        for path in store.temp_files():  # left by a crash: a plain copy nobody reads
            store.shred(path)
        converted = sum(store.convert(name, seal=True) for name in store.home_files())
        for name in store.cache_files():
            store.shred(store.path_of(name))
        from trustcli import sessions

        sessions.hide_names()
        _write_state({**document, "state": "on"})
    _tell_daemon()
    return {"files": converted, "unlocked": kept, "idle": DEFAULT_IDLE if idle is None else idle}


def _check_runtime_folder() -> None:
    """Refuse a runtime folder open to others now; a missing one only means staying locked."""
    try:
        store.runtime_folder()
    except store.UnsafeHome:
        raise
    except TrustError:
        pass


def check_home() -> None:
    """Every TOML file of a plain home reads: once sealed, one that does not could not be
    fixed in an editor any more, so it is named now, before anything changes."""
    for name in store.home_files():
        store.check_convertible(name)


def disable(secret: str) -> dict[str, Any]:
    """Open every file back to plain text, then remove vault.toml (interruptible, as
    ``enable``: the state ``disabling`` says to finish it)."""
    global _key
    with store.lock():
        document = state()
        if document is None:
            raise TrustError("the vault is off; there is nothing to turn off")
        _key = open_with(secret, document)
        names = store.home_files()
        for name in names:  # before anything is changed
            store.check_convertible(name)
        if document["state"] != "disabling":
            _write_state({**document, "state": "disabling"})
        converted = sum(store.convert(name, seal=False) for name in names)
        for name in store.cache_files():
            store.shred(store.path_of(name))
        forget()
        store.shred_whole(VAULT_FILE)  # a kill leaves it whole (disabling) or gone
    _tell_daemon()
    return {"files": converted}


def change_passphrase(old: str, new: str) -> None:
    """Rewrap the data key for a new passphrase (with a new salt); the data stays as it is."""
    with store.lock():
        document = state()
        if document is None:
            raise TrustError("the vault is off: trustcli vault enable turns it on")
        key = open_with(old, document)
        if new == old:  # else "the old one no longer opens the vault" would be untrue
            raise TrustError(
                "the new passphrase is the same as the current one; nothing was changed"
            )
        _write_state(_wrap(new, document, key))


def unlock(secret: str, idle: int | None) -> tuple[bool, int]:
    """Check the passphrase and keep the key for the session, for ``idle`` seconds of
    disuse (None: as configured). False if there is no runtime folder to keep it in."""
    global _key
    document = state()
    if document is None:
        raise TrustError("the vault is off: there is nothing to unlock")
    _key = open_with(secret, document)
    idle = configured_idle() if idle is None else idle
    kept = keep(_key, idle)
    _tell_daemon()
    return kept, idle


def lock() -> bool:
    """Forget the key now; True if it was kept."""
    forgotten = forget()
    _tell_daemon()
    return forgotten


def plain_files() -> list[str]:
    """Files of the home not sealed yet (after an interrupted ``vault enable``)."""
    return [name for name in store.home_files() if not store.is_sealed(name)]


def status() -> dict[str, Any]:
    document = state()
    if document is None:
        return {"vault": "off"}
    # the kept key must be this vault's and fresh (data_key checks, and drops one that
    # is not) before its file says until when it lasts
    until = unlocked_until() if data_key(required=False) is not None else None
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


def _tell_daemon() -> None:
    """A running daemon reads the reminders again (or finds it can no longer)."""
    from trustcli import daemon

    daemon.signal_reload()


# --- the gate every command passes --------------------------------------------------------


def admit(person: bool = True) -> None:
    """Before a command runs on a home whose vault is on: go on if the key is at hand
    (that counts as use); else, on a terminal, ask for the passphrase and go on; else
    one line, exit 1. ``TRUSTCLI_PASSPHRASE_FILE`` opens it for this command only.

    ``person=False`` is for what a shell prompt or cron runs (``remind due``): it never
    asks, and looking is not use (else the key would never expire)."""
    from trustcli.output import say  # stderr, or nowhere when it is closed: never stdout

    document = state()
    if document is None:
        return
    if document["state"] != "on":
        word = "on" if document["state"] == "enabling" else "off"
        say(
            f"trustcli: turning the vault {word} was interrupted; "
            f"run trustcli vault {'enable' if word == 'on' else 'disable'} to finish"
        )
    if data_key(required=False) is not None:
        if person:
            touch()
        return
    global _key
    if os.environ.get(PASSPHRASE_ENV):
        _key = open_with(passphrase(None), document)
        return
    if not (person and sys.stdin.isatty() and sys.stderr.isatty()):
        raise Locked()
    say("trustcli is locked.")
    key = open_with(passphrase(None), document)
    _key = key
    keep(key, configured_idle())


def configured_idle() -> int:
    """``[vault] unlock_for`` in config.toml, else 15 minutes."""
    from trustcli import config

    section = config.load().get("vault", {})
    value = section.get("unlock_for") if isinstance(section, dict) else None
    if value is None:
        return DEFAULT_IDLE
    if not isinstance(value, str):
        raise TrustError(
            f'{store.path_of(config.CONFIG)}: [vault] unlock_for must be text such as "30m"'
        )
    return parse_idle(value)
