"""The couple folder as this home sees it: the folder read whole (every device's log,
checked, and whose keys to trust), and this device's records added to it.

Opening the folder (``open_folder``) is the one door for every command that uses
shared records. A joiner whose request was accepted takes the couple key there, the
first time any such command runs, and then shares what this home already has
(``outgoing.existing``), as ``pair join`` said it would. Every byte on disk goes
through ``store``; the home's own ``couple.toml`` is ``membership``'s.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from trustcli import config, store
from trustcli.couple import outgoing
from trustcli.couple.keys import b64, grant_ad, open_sealed, public_of, unb64, wrapping_key
from trustcli.couple.layout import (
    FOLDER_FILE,
    GRANT,
    ID,
    arrived_toml,
    folder_header,
    why_ignored,
)
from trustcli.couple.log import Seen, append_locked, read_device
from trustcli.couple.membership import HOME_FILE, active, state
from trustcli.errors import TrustError
from trustcli.store import couple_folder


class Folder:
    """The couple folder as this device can read it."""

    __slots__ = ("accepted", "couple", "creator", "devices", "ignored", "root")

    def __init__(self, root: Path, couple: str, creator: str) -> None:
        self.root, self.couple, self.creator = root, couple, creator
        self.devices: dict[str, Seen] = {}
        self.ignored: list[tuple[str, str]] = []  # (name, why)
        self.accepted: dict[str, dict[str, Any]] = {}  # device → accept record


def my_name() -> dict[str, str]:
    me = config.names().get("me")
    return {"name": me} if me else {}


def take_grant(current: dict[str, Any], root: Path) -> dict[str, Any]:
    """On a joiner still pending: if the creator accepted, unwrap the couple key, keep it
    in the private home and say hello in the folder. Returns the (new) state."""
    if current.get("state") != "pending":
        return current
    creator = current.get("creator")
    if not isinstance(creator, str):
        return current
    grant = arrived_toml(root, creator, GRANT + current["device"])
    creator_keys = creator_public(current)  # as compared when joining
    if grant is None or creator_keys is None:
        return current
    wrapping = wrapping_key(
        unb64(current["secret"], "secret"),
        creator_keys,
        current["couple"],
        creator,
        current["device"],
    )
    try:
        wrapped = unb64(grant.get("wrapped"), "wrapped")
    except ValueError:
        wrapped = b""
    key = open_sealed(wrapping, wrapped, grant_ad(current["couple"], creator, current["device"]))
    if key is None or len(key) != 32:
        raise TrustError(
            f"{root / creator / (GRANT + current['device'])} does not authenticate; it was refused"
        )
    sharing = outgoing.existing()  # pairing shares this home's promises (join said so)
    with store.lock():
        document = store.read(HOME_FILE)
        document["key"] = b64(key)
        document["state"] = "member"
        store.write_document(HOME_FILE, document)
        append_locked({"kind": "member", "tag": "b", **my_name()}, *sharing)
    return state()


def append(record: dict[str, Any]) -> int:
    """Seal and sign one record for the couple and add it to this device's log; returns
    its sequence number. Only a member (holding the couple key) writes records."""
    return append_many([record])[0]


def append_many(records: list[dict[str, Any]]) -> list[int]:
    """``append`` for many records (sharing a home's existing promises when it pairs):
    one update of the private home and one write to the log, whatever their number."""
    with store.lock():
        if state().get("state") != "member":
            raise TrustError(
                "this device is not a member of a couple folder; see 'trustcli pair status'"
            )
        return append_locked(*records)


def read_folder(current: dict[str, Any], root: Path) -> Folder:
    """Everything this device can read in the folder: each device's records (checked,
    ordered by that device's own sequence), and what was skipped or refused, and why."""
    couple, creator = folder_header(root)
    folder = Folder(root=root, couple=couple, creator=creator)
    if couple != current.get("couple"):
        raise TrustError(
            f"{root} belongs to another couple; this home shares {current.get('folder')} "
            f"(couple {current.get('couple')})"
        )
    key = unb64(current["key"], "key") if isinstance(current.get("key"), str) else None
    names = []
    for name, kind in couple_folder.entries(root):
        why = why_ignored(name, kind)
        if why:
            folder.ignored.append((name, why))
        elif kind == "folder" and ID.match(name):
            names.append(name)
        elif name != FOLDER_FILE:
            folder.ignored.append((name, "not something trustcli writes"))
    # Whose signature counts: the first device's keys as compared when joining (kept in
    # the private home), then each accepted device's keys as its accept record says.
    # Keys in the folder's device.toml files are only ever used to join and accept.
    trusted = {creator: creator_public(current)}
    if creator in names:
        head = read_device(root, creator, couple, key, trusted[creator], folder.ignored)
        folder.devices[creator] = head
        for record in head.records:
            if record.get("kind") == "accept" and isinstance(record.get("device"), str):
                folder.accepted.setdefault(record["device"], record)
    for device, record in folder.accepted.items():
        with contextlib.suppress(ValueError):
            trusted[device] = unb64(record.get("public"), "public")
    for name in names:
        if name != creator:
            folder.devices[name] = read_device(
                root, name, couple, key, trusted.get(name), folder.ignored
            )
    return folder


def creator_public(current: dict[str, Any]) -> bytes | None:
    """The first device's public keys as this home knows them (never from the folder)."""
    if current.get("role") == "creator":
        return own_public(unb64(current["secret"], "secret"))
    try:
        return unb64(current.get("creator_public"), "creator_public")
    except ValueError:
        return None


_PUBLIC_CACHE = "cache/couple-public.json"


def own_public(secret: bytes) -> bytes:
    """This device's public keys, derived from its secret once and then kept in the
    private home's ``cache/``, beside a BLAKE2b digest of the secret they belong
    to. Deriving them imports cryptography (~15 ms): the first device would otherwise
    pay that at every paired command only to recognise its own record cache. A cache
    made for another secret, or damaged, is derived again."""
    import hashlib

    tag = hashlib.blake2b(secret, digest_size=16, person=b"trustcli public").hexdigest()
    loaded = store.load_cache(_PUBLIC_CACHE)
    if loaded is not None and loaded[0].get("secret") == tag:
        with contextlib.suppress(ValueError):
            public = unb64(json.loads(loaded[1]), "public")
            if len(public) == 64:
                return public
    public = public_of(secret)
    if store.home_exists():  # a cache only saves time: never make a data home for it
        store.save_cache(_PUBLIC_CACHE, {"version": 1, "secret": tag}, b64(public))
    return public


def open_folder() -> tuple[dict[str, Any], Folder]:
    """This home's pairing and the couple folder as it reads now: the door for every
    command that uses shared records. A joiner whose request was accepted takes the
    couple key here, the first time any such command runs."""
    current = active()
    root = couple_folder.root(Path(current["folder"]))
    current = take_grant(current, root)
    return current, read_folder(current, root)
