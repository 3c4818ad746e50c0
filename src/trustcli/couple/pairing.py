"""Pairing: the first device makes a folder the couple's (``create``), the second asks
to join (``join``), the first compares fingerprint words and accepts (``accept``), and
either can leave. The joiner takes the couple key when it next opens the folder
(``folder.open_folder``). Pairing an existing home shares what it already has
(``outgoing.existing``); ``create`` and ``join`` say so before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from trustcli import dates, store
from trustcli.couple import outgoing
from trustcli.couple.folder import append, my_name, open_folder, read_folder
from trustcli.couple.keys import (
    b64,
    fingerprint,
    grant_ad,
    new_device_key,
    public_of,
    same_words,
    seal,
    unb64,
    wrapping_key,
)
from trustcli.couple.layout import (
    DEVICE_FILE,
    FOLDER_FILE,
    FORMAT,
    GRANT,
    ID,
    SYNC_OWN,
    device_public,
    folder_header,
    toml_text,
)
from trustcli.couple.log import append_locked
from trustcli.couple.membership import HOME_FILE, active, refuse_second_pairing, state
from trustcli.errors import TrustError
from trustcli.store import couple_folder


def create(path: Path, announce: Callable[[], None] | None = None) -> dict[str, Any]:
    """Make a new or empty folder the couple folder, with this device as its first.

    This home's promises and follow-ups are shared with it (``announce``, called once
    the folder is known to be usable, says so before anything is written)."""
    refuse_second_pairing()
    root = couple_folder.root(path, create=True)
    # Hidden names are a sync tool's (Syncthing's .stfolder marker), git's or the
    # system's: a folder holding only those is empty for the couple.
    visible = [
        name
        for name, kind in couple_folder.entries(root)
        if not name.startswith(".") and not SYNC_OWN.match(name)
    ]
    if visible:
        if FOLDER_FILE in visible:
            raise TrustError(
                f"{root} is already a couple folder; to join it run 'trustcli pair join {root}'"
            )
        raise TrustError(f"{root} is not empty; give a new or empty folder for the couple")
    import secrets

    sharing = outgoing.existing()
    if announce is not None:
        announce()
    couple, device = secrets.token_hex(8), secrets.token_hex(8)
    secret, public = new_device_key()
    key = secrets.token_bytes(32)
    with store.lock():
        store.write_document(
            HOME_FILE,
            {
                "folder": str(root),
                "couple": couple,
                "device": device,
                "role": "creator",
                "state": "member",
                "secret": b64(secret),
                "key": b64(key),
                "seq": 0,
                "since": dates.now(),
            },
        )
        couple_folder.mkdir(root, device)
        couple_folder.create(
            root, toml_text({"device": device, "public": b64(public)}), device, DEVICE_FILE
        )
        append_locked({"kind": "member", "tag": "a", **my_name()}, *sharing)
        couple_folder.create(
            root, toml_text({"format": FORMAT, "couple": couple, "creator": device}), FOLDER_FILE
        )
    return {"folder": str(root), "couple": couple, "device": device}


def join(path: Path) -> dict[str, Any]:
    """Ask to join a couple folder: write this device's public key; return the fingerprint."""
    refuse_second_pairing()
    root = couple_folder.root(path)
    couple, creator = folder_header(root)
    creator_public = device_public(root, creator)
    if creator_public is None:
        raise TrustError(
            f"{root} has no key from the first device yet; wait for the sync and try again"
        )
    for name, kind in couple_folder.entries(root, creator):
        if kind == "file" and name.startswith(GRANT):
            raise TrustError(
                f"{root} already has two people; a couple folder is for two. "
                "Ask for a new one with 'trustcli pair create DIR'"
            )
    for name, kind in couple_folder.entries(root):
        if kind == "folder" and ID.match(name) and name != creator:
            raise TrustError(
                f"someone else is already asking to join {root}; the first person can "
                "accept or refuse them first"
            )
    import secrets

    device = secrets.token_hex(8)
    secret, public = new_device_key()
    # The request first, then the private home: a request that fails to be written
    # leaves this home unpaired, free to try again.
    couple_folder.mkdir(root, device)
    couple_folder.create(
        root, toml_text({"device": device, "public": b64(public)}), device, DEVICE_FILE
    )
    with store.lock():
        store.write_document(
            HOME_FILE,
            {
                "folder": str(root),
                "couple": couple,
                "device": device,
                "creator": creator,
                "creator_public": b64(creator_public),
                "role": "joiner",
                "state": "pending",
                "secret": b64(secret),
                "seq": 0,
                "since": dates.now(),
            },
        )
    words = fingerprint(couple, creator_public, public)
    return {"folder": str(root), "couple": couple, "device": device, "fingerprint": words}


def pending() -> list[dict[str, str]]:
    """Join requests the creator has not accepted yet: device and fingerprint."""
    current = active()
    if current["role"] != "creator":
        raise TrustError("only the device that created the couple folder accepts a join")
    root = couple_folder.root(Path(current["folder"]))
    seen = read_folder(current, root)
    mine = public_of(unb64(current["secret"], "secret"))
    requests = []
    for device, found in seen.devices.items():
        if device == current["device"] or device in seen.accepted or found.public is None:
            continue
        requests.append(
            {"device": device, "fingerprint": fingerprint(current["couple"], mine, found.public)}
        )
    return requests


def accept(device: str, public_words: str) -> dict[str, Any]:
    """Admit a joiner whose fingerprint was compared: record it, wrap the couple key."""
    current = active()
    root = couple_folder.root(Path(current["folder"]))
    seen = read_folder(current, root)
    if seen.accepted:
        raise TrustError(f"{root} already has two people; nobody more can join")
    joiner_public = device_public(root, device)
    if joiner_public is None:
        raise TrustError("that join request is gone from the folder; nothing was accepted")
    secret = unb64(current["secret"], "secret")
    if not same_words(
        public_words, fingerprint(current["couple"], public_of(secret), joiner_public)
    ):
        raise TrustError("the fingerprint does not match the request; nothing was accepted")
    wrapping = wrapping_key(secret, joiner_public, current["couple"], current["device"], device)
    wrapped = seal(
        wrapping,
        unb64(current["key"], "key"),
        grant_ad(current["couple"], current["device"], device),
    )
    with store.lock():
        append_locked(
            {"kind": "accept", "device": device, "public": b64(joiner_public), "tag": "b"}
        )
        couple_folder.create(
            root,
            toml_text({"device": device, "wrapped": b64(wrapped)}),
            current["device"],
            GRANT + device,
        )
    return {"device": device, "fingerprint": public_words}


def matching_request(words: str | None) -> dict[str, str]:
    """The one pending request (whose fingerprint matches ``words``, when given)."""
    requests = pending()
    if not requests:
        raise TrustError(
            "nobody is waiting to join; the partner runs 'trustcli pair join DIR' first"
        )
    if words is not None:
        for request in requests:
            if same_words(words, request["fingerprint"]):
                return request
        raise TrustError("no join request has that fingerprint; nothing was accepted")
    if len(requests) > 1:
        raise TrustError(
            f"{len(requests)} join requests are waiting; pass --fingerprint to pick the right one"
        )
    return requests[0]


def status() -> dict[str, Any]:
    """Where this home's pairing stands, for `pair status`."""
    current = state()
    if not current or current.get("state") == "left":
        return {"paired": False, "state": current.get("state", "none") if current else "none"}
    current, folder = open_folder()
    root = folder.root
    members = []
    devices = []

    def order(device: str) -> tuple[int, str]:  # the first device, accepted ones, the rest
        return (0 if device == folder.creator else 1 if device in folder.accepted else 2, device)

    for device in sorted(folder.devices, key=order):
        seen = folder.devices[device]
        names = [r for r in seen.records if r.get("kind") == "member"]
        if names and device in ({folder.creator} | set(folder.accepted)):
            members.append(
                {
                    "device": device,
                    "tag": names[-1].get("tag"),
                    "name": names[-1].get("name", ""),
                    "left": seen.records[-1].get("kind") == "leave",
                }
            )
        last = seen.records[-1] if seen.records else None
        if device == folder.creator:
            role = "first device"
        elif device in folder.accepted:
            role = "accepted"
        else:
            role = "asking to join"
        devices.append(
            {
                "device": device,
                "this": device == current["device"],
                "role": role,
                "records": len(seen.records),
                "last_seq": last["seq"] if last else 0,
                "last_at": last.get("at") if last else None,
                "arriving": seen.arriving,
                "refused": seen.refused,
            }
        )
    note = ""
    if current["state"] == "pending" and any(
        name.startswith(GRANT) and name != GRANT + current["device"]
        for name, _ in couple_folder.entries(root, folder.creator)
    ):
        note = (
            "the first device accepted another device, not this one; if that was a "
            "mistake, make a new folder together (pair leave, then pair create)"
        )
    return {
        "paired": True,
        "state": current["state"],
        "note": note,
        "folder": str(root),
        "couple": folder.couple,
        "device": current["device"],
        "members": members,
        "devices": devices,
        "ignored": [{"name": name, "why": why} for name, why in folder.ignored],
    }


def leave() -> dict[str, Any]:
    """Stop sharing: say so in the folder when we can, keep everything in the home."""
    current = active()
    said = False
    if current.get("state") == "member":
        try:
            couple_folder.root(Path(current["folder"]))
            append({"kind": "leave"})
            said = True
        except TrustError:
            said = False  # the folder is gone or unwritable: leaving still works
    with store.updating(HOME_FILE) as document:
        document["state"] = "left"
        document["left"] = dates.now()
        document.pop("key", None)
    return {"folder": current["folder"], "told_partner": said}
