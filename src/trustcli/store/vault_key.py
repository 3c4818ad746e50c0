"""The vault's key: ``vault.toml``, the key derivation, the cipher, and the unlocked key
kept for a session.

``vault.toml`` in the home (not secret) holds a random salt, the scrypt cost, and a
random data key wrapped with the key derived from the passphrase: changing the
passphrase rewraps 32 bytes and leaves the data alone. Everything else the home holds
is sealed with the data key (ChaCha20-Poly1305, a random nonce each time) by
``trustcli.store.sealing``.

Unlocking runs the KDF once and keeps the data key in the runtime folder
(``$XDG_RUNTIME_DIR``: a tmpfs of the user's own, emptied at logout), 0600, until it
has gone unused for a while (15 minutes unless told). ``cryptography`` is imported only
when a sealed byte is read or written: a plain home never pays for it. Turning the
vault on and off, and asking for the passphrase, are commands: ``trustcli.vault``.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Callable
from typing import Any

from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, Locked, TrustError
from trustcli.store import runtime
from trustcli.store.home import (
    VAULT_FILE,
    UnsafeHome,
    home,
    home_tag,
    locate,
    path_of,
    read_file,
    vault_on,
)

VERSION = 1
LOG2_N = 17  # scrypt N = 2^17, r = 8: 128 MiB and about a third of a second here
R, P = 8, 1
DEFAULT_IDLE = 15 * 60  # seconds without use before the unlocked key is forgotten
MAX_IDLE = 7 * 24 * 3600
STATES = ("on", "enabling", "disabling")
_KEY_AD = b"trustcli vault key v1\0"

_key: bytes | None = None  # the data key, for this process only
_everything_sealed: bool | None = None  # the vault is on, not half-way: see sealing_everything


# --- vault.toml -----------------------------------------------------------------------


def state() -> dict[str, Any] | None:
    """vault.toml, checked; None when the vault is off. A damaged file is named."""
    if not vault_on():
        return None
    raw = read_file(locate(VAULT_FILE))  # never sealed: opening needs it
    if raw is None:
        return None
    from trustcli import logscan

    where = path_of(VAULT_FILE)
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


def state_changed() -> None:
    """``vault.toml`` was just written: read its state afresh at the next look."""
    global _everything_sealed
    _everything_sealed = None


def b64(data: bytes) -> str:
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


def wrap(passphrase: str, document: dict[str, Any], key: bytes) -> dict[str, Any]:
    """``document`` with a new salt and ``key`` wrapped for ``passphrase``."""
    document = {**document, "salt": os.urandom(16)}
    document["wrapped"] = seal_bytes(_derive(passphrase, document), key, _key_ad(document))
    return document


def new_document(passphrase: str) -> tuple[dict[str, Any], bytes]:
    key = os.urandom(32)
    base = {"version": VERSION, "state": "enabling", "id": os.urandom(16)}
    base |= {"log2_n": LOG2_N, "r": R, "p": P}
    return wrap(passphrase, base, key), key


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


def use(key: bytes) -> bytes:
    """This process holds the data key (a passphrase was given): reads and writes of
    sealed files go on without looking in the runtime folder. Returns the key."""
    global _key
    _key = key
    return key


def _key_name() -> str:
    return f"key-{home_tag()}"


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
        found = runtime.read(_key_name())
    except UnsafeHome:
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
        same = saved["vault"] == b64(document["id"]) and saved["home"] == str(home())
    except (ValueError, KeyError, TypeError, binascii.Error):
        saved, idle, key, same = None, 0, b"", False
    if not same or len(key) != 32 or not isinstance(idle, int):
        runtime.remove(_key_name())  # another vault's, or damaged: not to be used
        return None
    if not -60 < time.time() - changed <= idle:  # unused too long (or a clock set back)
        runtime.remove(_key_name())  # forgotten now
        return None
    return key


def keep(key: bytes, idle: int) -> bool:
    """Keep the data key in the runtime folder; False (and a notice) when there is none."""
    import json

    global _key
    _key = key
    document = state()
    assert document is not None
    saved = {"home": str(home()), "vault": b64(document["id"]), "idle": idle}
    try:
        runtime.write(_key_name(), json.dumps({**saved, "key": b64(key)}).encode())
    except UnsafeHome:
        raise
    except TrustError:
        return False
    return True


def touch() -> None:
    """A command used the key: it stays unlocked for another idle period from now."""
    runtime.touch(_key_name())


def forget() -> bool:
    """Lock: remove the unlocked key (overwritten first); True if there was one."""
    forget_in_memory()
    return runtime.remove(_key_name())


def unlocked_until() -> float | None:
    """When the kept key will be forgotten if unused (epoch seconds), or None."""
    import json

    try:
        found = runtime.read(_key_name())
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
