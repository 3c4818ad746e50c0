"""The couple folder: two private homes sharing encrypted, append-only records.

See docs/couple-folder.md for the design. In short:

* ``DIR/couple.toml`` (written once by the creator): format, couple id, creator device.
* ``DIR/<device>/device.toml`` (written once by each device): its X25519 public key.
* ``DIR/<device>/records`` (appended to only by that device): one record a line,
  ``<seq> <base64(nonce + ciphertext)>``, sealed with the couple key (ChaCha20-Poly1305;
  the couple id, device id and sequence number are the associated data).
* ``DIR/<creator>/grant-<device>`` (written once by the creator on ``accept``): the
  couple key wrapped for the joiner with a key both derive by X25519.

The private home keeps ``couple.toml``: the folder, ids, this device's private key and
the couple key. Every byte on disk goes through ``store``. ``cryptography`` is imported
only inside the functions that need it, so other commands never pay for it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trustcli import config, dates, store
from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, TrustError
from trustcli.store import couple_folder

FORMAT = 1
HOME_FILE = "couple.toml"  # in the private home
FOLDER_FILE = "couple.toml"  # at the top of the couple folder
DEVICE_FILE = "device.toml"  # in each device's folder
RECORDS = "records"  # each device's append-only log
GRANT = "grant-"  # grant-<device>: the couple key wrapped for that device
AD_PREFIX = b"trustcli couple v1"
_ID = re.compile(r"\A[0-9a-f]{16}\Z")
_LINE = re.compile(rb"\A([1-9][0-9]{0,11}) ([A-Za-z0-9+/]+={0,2}) ([A-Za-z0-9+/]+={0,2})\Z")

# Names sync tools and people leave in a shared folder that are not ours: skipped, and
# counted in `pair status` with the reason.
_CONFLICT = re.compile(r"\.sync-conflict-|\(conflicted copy|\(Case Conflict|conflict", re.I)
# What sync tools and systems keep in a folder they share (Syncthing's marker and
# ignore list, Dropbox, Nextcloud/ownCloud journals, macOS and Windows leftovers).
_SYNC_OWN = re.compile(
    r"\A(\.stfolder|\.stignore|\.stversions|\.dropbox.*|\._?sync_.*\.db.*|\.sync"
    r"|\.(nextcloud|owncloud)sync\.log|\.DS_Store|desktop\.ini|Thumbs\.db)\Z",
    re.I,
)
_TEMP = re.compile(r"\A[.~]|\.(tmp|part|partial|crdownload|download)\Z|\A~\$", re.I)

# 256 short, distinct, easy-to-say words: each fingerprint byte is one word.
_WORD_TEXT = """
acorn amber anchor apple arrow aspen atlas autumn bagel bakery bamboo banjo barley basket
beacon beaver berry birch biscuit blossom bonfire bottle breeze brick bridge brook bubble
bucket buffalo butter button cabin cactus camel canal candle canoe canyon carpet carrot
castle cedar cello cherry chess cider circle citrus clover cobalt coconut comet copper
coral cotton cradle crane crayon cricket crystal cupcake daisy dancer desert diamond
dolphin donkey dragon dream drum eagle echo eclipse elbow ember engine falcon feather
fern fiddle finch firefly flute forest fossil fountain fox garden garlic gazelle ginger
glacier globe goose granite grape gravel guitar hammer harbor harvest hazel hedge helmet
heron hickory honey horizon island ivory jacket jasmine jelly jigsaw juniper kayak
kettle kiwi koala ladder lagoon lantern lemon lilac linen lion lobster locket lotus
maple marble meadow melon mirror mitten monkey moose mosaic mountain muffin nectar
needle nutmeg oasis ocean olive onion orbit orchid otter owl paddle panda papaya parrot
peach pebble pelican pepper piano pickle pillow pine planet plum pocket pony poppy
puffin pumpkin quail quartz quilt rabbit radish rainbow raven ribbon river robin rocket
saddle salmon sandal saturn scarf shell shadow silver sketch sparrow spider spoon
spruce squash starling stone summer sunset swan table teapot thistle thunder tiger
timber tomato topaz tractor trumpet tulip tunnel turtle umbrella valley velvet violin
volcano walnut walrus wagon willow window winter wizard wombat yarn yogurt zebra zenith
zipper acacia almond badger bramble breadbox caramel chestnut cinnamon clarinet
compass dune fjord garnet hamster iris jade kernel lava meteor nickel orange pasta
quiver saffron tundra
"""
WORDS = _WORD_TEXT.split()
FINGERPRINT_WORDS = 6
_SCRYPT_N = 2**14  # ~70 ms a fingerprint: slows an attacker who searches for a lookalike


class Seen:
    """One device's folder as read: its key, its records, and what was refused.
    (Plain classes: @dataclass costs ~0.5 ms at every start of a paired command.)"""

    __slots__ = ("arriving", "device", "public", "records", "refused")

    def __init__(self, device: str, public: bytes | None = None) -> None:
        self.device, self.public = device, public
        self.records: list[dict[str, Any]] = []
        self.arriving = 0  # a last line still being written or synced
        self.refused: list[str] = []


class Folder:
    """The couple folder as this device can read it."""

    __slots__ = ("accepted", "couple", "creator", "devices", "ignored", "root")

    def __init__(self, root: Path, couple: str, creator: str) -> None:
        self.root, self.couple, self.creator = root, couple, creator
        self.devices: dict[str, Seen] = {}
        self.ignored: list[tuple[str, str]] = []  # (name, why)
        self.accepted: dict[str, dict[str, Any]] = {}  # device → accept record


# --- the private home's couple.toml -------------------------------------------------


def state() -> dict[str, Any]:
    """This home's pairing (empty when it never paired)."""
    return store.read(HOME_FILE)


def _active() -> dict[str, Any]:
    current = state()
    if not current or current.get("state") == "left":
        raise TrustError("this home shares no couple folder; start with 'trustcli pair create DIR'")
    for key in ("folder", "couple", "device", "secret", "role"):
        if not isinstance(current.get(key), str):
            raise TrustError(
                f"{store.path_of(HOME_FILE)}: '{key}' is missing; restore it from a backup",
                EXIT_RUNTIME,
            )
    return current


def _refuse_second_pairing() -> None:
    current = state()
    if current and current.get("state") != "left":
        raise TrustError(
            f"this home already shares the couple folder {current.get('folder')}; "
            "run 'trustcli pair leave' first to pair with another"
        )


# --- keys ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError(f"{what} is missing")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(f"{what} is not base64") from None


def _new_device_key() -> tuple[bytes, bytes]:
    """A device's keys: (secret, public), each two raw 32-byte keys side by side: an
    X25519 key for the hand-over of the couple key, then an Ed25519 key that signs
    every record this device writes."""
    import secrets

    return (secret := secrets.token_bytes(32) + secrets.token_bytes(32)), _public_of(secret)


def _public_of(secret: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    raw, form = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    exchange = X25519PrivateKey.from_private_bytes(secret[:32]).public_key()
    signing = Ed25519PrivateKey.from_private_bytes(secret[32:]).public_key()
    return exchange.public_bytes(raw, form) + signing.public_bytes(raw, form)


def _sign(secret: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(secret[32:]).sign(data)


def _signed_by(public: bytes, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public[32:]).verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _wrapping_key(
    secret: bytes, their_public: bytes, couple: str, creator: str, joiner: str
) -> bytes:
    """The key the creator and the joiner both derive (X25519, then HKDF-SHA256)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    shared = X25519PrivateKey.from_private_bytes(secret[:32]).exchange(
        X25519PublicKey.from_public_bytes(their_public[:32])
    )
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=couple.encode(),
        info=AD_PREFIX + b" grant " + creator.encode() + b" " + joiner.encode(),
    ).derive(shared)


def fingerprint(couple: str, creator_public: bytes, joiner_public: bytes) -> str:
    """A few short words from both public keys: the same on both devices only when each
    holds the other's real key (nobody swapped one in the folder)."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    digest = Scrypt(
        salt=AD_PREFIX + b" fingerprint " + couple.encode(),
        length=FINGERPRINT_WORDS,
        n=_SCRYPT_N,
        r=8,
        p=1,
    ).derive(creator_public + joiner_public)
    return " ".join(WORDS[byte] for byte in digest)


def _same_words(given: str, expected: str) -> bool:
    return " ".join(given.lower().replace("-", " ").split()) == expected


def _seal(key: bytes, plain: bytes, ad: bytes) -> bytes:
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    nonce = secrets.token_bytes(12)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, plain, ad)


def _open(key: bytes, sealed: bytes, ad: bytes) -> bytes | None:
    """The plaintext, or None if the bytes do not authenticate (tampered, wrong key)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if len(sealed) < 12 + 16:
        return None
    try:
        return ChaCha20Poly1305(key).decrypt(sealed[:12], sealed[12:], ad)
    except InvalidTag:
        return None


def _record_ad(couple: str, device: str, seq: int) -> bytes:
    return b"|".join([AD_PREFIX, b"record", couple.encode(), device.encode(), str(seq).encode()])


def _grant_ad(couple: str, creator: str, joiner: str) -> bytes:
    return b"|".join([AD_PREFIX, b"grant", couple.encode(), creator.encode(), joiner.encode()])


# --- the folder's public files ------------------------------------------------------


def _toml_text(data: dict[str, Any]) -> bytes:
    import tomli_w

    return tomli_w.dumps(data).encode("utf-8")


def _read_toml(root: Path, *parts: str) -> dict[str, Any] | None:
    raw = couple_folder.read(root, *parts)
    if raw is None:
        return None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise TrustError(
            f"{root.joinpath(*parts)} is not a couple-folder file trustcli wrote"
        ) from None


def _folder_header(root: Path) -> tuple[str, str]:
    """(couple id, creator device) from DIR/couple.toml; a clear error if it is not one."""
    header = _read_toml(root, FOLDER_FILE)
    if header is None:
        raise TrustError(
            f"{root} is not a couple folder (no {FOLDER_FILE}); the first person runs "
            "'trustcli pair create DIR', or the sync has not brought it yet"
        )
    couple, creator = header.get("couple"), header.get("creator")
    if (
        header.get("format") != FORMAT
        or not isinstance(couple, str)
        or not isinstance(creator, str)
    ):
        raise TrustError(f"{root / FOLDER_FILE} is not a couple folder this trustcli can read")
    if not _ID.match(couple) or not _ID.match(creator):
        raise TrustError(f"{root / FOLDER_FILE} has ids trustcli never writes; it was not used")
    return couple, creator


def _arrived_toml(root: Path, *parts: str) -> dict[str, Any] | None:
    """A file each device writes once, or None while it is missing or still arriving
    (a sync tool that copies in place shows it half-written for a while)."""
    try:
        return _read_toml(root, *parts)
    except TrustError as error:
        if error.exit_code != EXIT_BAD_INPUT:
            raise
        return None


def _device_public(root: Path, device: str) -> bytes | None:
    try:
        data = _arrived_toml(root, device, DEVICE_FILE)
    except TrustError:  # a link or something odd in its place: this device is not read
        return None
    if data is None:
        return None
    try:
        public = _unb64(data.get("public"), "public")
    except ValueError:
        return None
    return public if len(public) == 64 and data.get("device") == device else None


def why_ignored(name: str, kind: str) -> str:
    """Why a name in the couple folder is not ours to read ('' when it may be)."""
    if name == ".git":
        return "a git repository's own folder"
    if _SYNC_OWN.match(name):
        return "a sync tool's or the system's own file"
    if _CONFLICT.search(name):
        return "a copy the sync tool made when two changes met"
    if _TEMP.search(name):
        return "a temp file (a sync tool or an editor is still writing it)"
    if kind == "other":
        return "not a plain file or folder (links are never followed)"
    return ""


# --- commands -----------------------------------------------------------------------


def create(path: Path, announce: Callable[[], None] | None = None) -> dict[str, Any]:
    """Make a new or empty folder the couple folder, with this device as its first.

    This home's promises and follow-ups are shared with it (``announce``, called once
    the folder is known to be usable, says so before anything is written)."""
    _refuse_second_pairing()
    root = couple_folder.root(path, create=True)
    # Hidden names are a sync tool's (Syncthing's .stfolder marker), git's or the
    # system's: a folder holding only those is empty for the couple.
    visible = [
        name
        for name, kind in couple_folder.entries(root)
        if not name.startswith(".") and not _SYNC_OWN.match(name)
    ]
    if visible:
        if FOLDER_FILE in visible:
            raise TrustError(
                f"{root} is already a couple folder; to join it run 'trustcli pair join {root}'"
            )
        raise TrustError(f"{root} is not empty; give a new or empty folder for the couple")
    import secrets

    from trustcli import shared

    sharing = shared.existing()
    if announce is not None:
        announce()
    couple, device = secrets.token_hex(8), secrets.token_hex(8)
    secret, public = _new_device_key()
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
                "secret": _b64(secret),
                "key": _b64(key),
                "seq": 0,
                "since": dates.now(),
            },
        )
        couple_folder.mkdir(root, device)
        couple_folder.create(
            root, _toml_text({"device": device, "public": _b64(public)}), device, DEVICE_FILE
        )
        _append_locked({"kind": "member", "tag": "a", **_my_name()}, *sharing)
        couple_folder.create(
            root, _toml_text({"format": FORMAT, "couple": couple, "creator": device}), FOLDER_FILE
        )
    return {"folder": str(root), "couple": couple, "device": device}


def join(path: Path) -> dict[str, Any]:
    """Ask to join a couple folder: write this device's public key; return the fingerprint."""
    _refuse_second_pairing()
    root = couple_folder.root(path)
    couple, creator = _folder_header(root)
    creator_public = _device_public(root, creator)
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
        if kind == "folder" and _ID.match(name) and name != creator:
            raise TrustError(
                f"someone else is already asking to join {root}; the first person can "
                "accept or refuse them first"
            )
    import secrets

    device = secrets.token_hex(8)
    secret, public = _new_device_key()
    # The request first, then the private home: a request that fails to be written
    # leaves this home unpaired, free to try again.
    couple_folder.mkdir(root, device)
    couple_folder.create(
        root, _toml_text({"device": device, "public": _b64(public)}), device, DEVICE_FILE
    )
    with store.lock():
        store.write_document(
            HOME_FILE,
            {
                "folder": str(root),
                "couple": couple,
                "device": device,
                "creator": creator,
                "creator_public": _b64(creator_public),
                "role": "joiner",
                "state": "pending",
                "secret": _b64(secret),
                "seq": 0,
                "since": dates.now(),
            },
        )
    words = fingerprint(couple, creator_public, public)
    return {"folder": str(root), "couple": couple, "device": device, "fingerprint": words}


def pending() -> list[dict[str, str]]:
    """Join requests the creator has not accepted yet: device and fingerprint."""
    current = _active()
    if current["role"] != "creator":
        raise TrustError("only the device that created the couple folder accepts a join")
    root = couple_folder.root(Path(current["folder"]))
    seen = read_folder(current, root)
    mine = _public_of(_unb64(current["secret"], "secret"))
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
    current = _active()
    root = couple_folder.root(Path(current["folder"]))
    seen = read_folder(current, root)
    if seen.accepted:
        raise TrustError(f"{root} already has two people; nobody more can join")
    joiner_public = _device_public(root, device)
    if joiner_public is None:
        raise TrustError("that join request is gone from the folder; nothing was accepted")
    secret = _unb64(current["secret"], "secret")
    if not _same_words(
        public_words, fingerprint(current["couple"], _public_of(secret), joiner_public)
    ):
        raise TrustError("the fingerprint does not match the request; nothing was accepted")
    wrapping = _wrapping_key(secret, joiner_public, current["couple"], current["device"], device)
    wrapped = _seal(
        wrapping,
        _unb64(current["key"], "key"),
        _grant_ad(current["couple"], current["device"], device),
    )
    with store.lock():
        _append_locked(
            {"kind": "accept", "device": device, "public": _b64(joiner_public), "tag": "b"}
        )
        couple_folder.create(
            root,
            _toml_text({"device": device, "wrapped": _b64(wrapped)}),
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
            if _same_words(words, request["fingerprint"]):
                return request
        raise TrustError("no join request has that fingerprint; nothing was accepted")
    if len(requests) > 1:
        raise TrustError(
            f"{len(requests)} join requests are waiting; pass --fingerprint to pick the right one"
        )
    return requests[0]


def _my_name() -> dict[str, str]:
    me = config.names().get("me")
    return {"name": me} if me else {}


def _take_grant(current: dict[str, Any], root: Path) -> dict[str, Any]:
    """On a joiner still pending: if the creator accepted, unwrap the couple key, keep it
    in the private home and say hello in the folder. Returns the (new) state."""
    if current.get("state") != "pending":
        return current
    creator = current.get("creator")
    if not isinstance(creator, str):
        return current
    grant = _arrived_toml(root, creator, GRANT + current["device"])
    creator_public = _creator_public(current)  # as compared when joining
    if grant is None or creator_public is None:
        return current
    wrapping = _wrapping_key(
        _unb64(current["secret"], "secret"),
        creator_public,
        current["couple"],
        creator,
        current["device"],
    )
    try:
        wrapped = _unb64(grant.get("wrapped"), "wrapped")
    except ValueError:
        wrapped = b""
    key = _open(wrapping, wrapped, _grant_ad(current["couple"], creator, current["device"]))
    if key is None or len(key) != 32:
        raise TrustError(
            f"{root / creator / (GRANT + current['device'])} does not authenticate; it was refused"
        )
    from trustcli import shared

    sharing = shared.existing()  # pairing shares this home's promises (join said so)
    with store.lock():
        document = store.read(HOME_FILE)
        document["key"] = _b64(key)
        document["state"] = "member"
        store.write_document(HOME_FILE, document)
        _append_locked({"kind": "member", "tag": "b", **_my_name()}, *sharing)
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
        return _append_locked(*records)


def _append_locked(*records: dict[str, Any]) -> list[int]:
    """``append_many`` with the home's lock held: the sequence numbers are taken and
    stored in the private home before the records are written, so a number is never
    used twice (a crash in between leaves a gap, which readers name, never a repeat)."""
    if not records:
        return []
    document = store.read(HOME_FILE)
    # The folder first: a number taken for a folder that is not there (unmounted, not
    # synced yet) would leave a gap, and the partner would refuse the next record.
    couple_folder.root(Path(document["folder"]))
    first = int(document.get("seq", 0)) + 1
    document["seq"] = first + len(records) - 1
    store.write_document(HOME_FILE, document)
    key = _unb64(document["key"], "key")
    secret = _unb64(document["secret"], "secret")
    at = dates.now().isoformat()
    lines = []
    for seq, record in enumerate(records, start=first):
        plain = json.dumps({**record, "at": at}, ensure_ascii=False, sort_keys=True)
        ad = _record_ad(document["couple"], document["device"], seq)
        sealed = _seal(key, plain.encode("utf-8"), ad)
        lines.append(f"{seq} {_b64(sealed)} {_b64(_sign(secret, ad + sealed))}\n")
    data = "".join(lines).encode("ascii")
    try:
        couple_folder.append(Path(document["folder"]), data, document["device"], RECORDS)
    except couple_folder.NothingWritten:
        # Not a byte reached the folder: give the numbers back, so the next record is
        # not taken for one after a gap (readers refuse those).
        document["seq"] = first - 1
        store.write_document(HOME_FILE, document)
        raise
    return list(range(first, first + len(records)))


def read_folder(current: dict[str, Any], root: Path) -> Folder:
    """Everything this device can read in the folder: each device's records (checked,
    ordered by that device's own sequence), and what was skipped or refused, and why."""
    couple, creator = _folder_header(root)
    folder = Folder(root=root, couple=couple, creator=creator)
    if couple != current.get("couple"):
        raise TrustError(
            f"{root} belongs to another couple; this home shares {current.get('folder')} "
            f"(couple {current.get('couple')})"
        )
    key = _unb64(current["key"], "key") if isinstance(current.get("key"), str) else None
    names = []
    for name, kind in couple_folder.entries(root):
        why = why_ignored(name, kind)
        if why:
            folder.ignored.append((name, why))
        elif kind == "folder" and _ID.match(name):
            names.append(name)
        elif name != FOLDER_FILE:
            folder.ignored.append((name, "not something trustcli writes"))
    # Whose signature counts: the first device's keys as compared when joining (kept in
    # the private home), then each accepted device's keys as its accept record says.
    # Keys in the folder's device.toml files are only ever used to join and accept.
    trusted = {creator: _creator_public(current)}
    if creator in names:
        head = _read_device(root, creator, couple, key, trusted[creator], folder.ignored)
        folder.devices[creator] = head
        for record in head.records:
            if record.get("kind") == "accept" and isinstance(record.get("device"), str):
                folder.accepted.setdefault(record["device"], record)
    for device, record in folder.accepted.items():
        with contextlib.suppress(ValueError):
            trusted[device] = _unb64(record.get("public"), "public")
    for name in names:
        if name != creator:
            folder.devices[name] = _read_device(
                root, name, couple, key, trusted.get(name), folder.ignored
            )
    return folder


def _creator_public(current: dict[str, Any]) -> bytes | None:
    """The first device's public keys as this home knows them (never from the folder)."""
    if current.get("role") == "creator":
        return _own_public(_unb64(current["secret"], "secret"))
    try:
        return _unb64(current.get("creator_public"), "creator_public")
    except ValueError:
        return None


def _read_device(
    root: Path,
    device: str,
    couple: str,
    key: bytes | None,
    signer: bytes | None,
    ignored: list[tuple[str, str]],
) -> Seen:
    """One device's records, each checked: complete, in sequence, signed by ``signer``
    (the device's trusted keys; None: nobody accepted it) and sealed with ``key``."""
    seen = Seen(device=device, public=_device_public(root, device))
    has_records = False
    for name, kind in couple_folder.entries(root, device):
        why = why_ignored(name, kind)
        if why:
            ignored.append((f"{device}/{name}", why))
        elif name == RECORDS:
            has_records = kind == "file"
        elif name != DEVICE_FILE and not name.startswith(GRANT):
            ignored.append((f"{device}/{name}", "not something trustcli writes"))
    try:
        raw = (couple_folder.read(root, device, RECORDS) if has_records else None) or b""
    except TrustError as error:  # too large, or unreadable: the other devices still work
        seen.refused.append(f"{device}/{RECORDS}: {error.message}")
        return seen
    end = raw.rfind(b"\n") + 1  # complete lines only
    seen.arriving = 1 if end < len(raw) else 0  # no newline yet: still being written or synced
    checking = key is not None and signer is not None
    cache = _DeviceCache(device, couple, signer) if checking else None
    start, before, expected, unaccepted = 0, 0, 1, 0
    if cache is not None:
        start, before, expected, seen.records, seen.refused = cache.load(raw)
    lines = raw[start:end].split(b"\n")[:-1]
    for number, line in enumerate(lines, start=before + 1):
        where = f"{device}/{RECORDS} line {number}"
        match = _LINE.match(line)
        if match is None:
            seen.refused.append(f"{where}: not a record trustcli writes")
            continue
        seq = int(match.group(1))
        if seq != expected:
            seen.refused.append(f"{where}: number {seq} where {expected} was next")
            expected = max(expected, seq + 1)
            continue
        expected = seq + 1
        if key is None:
            continue  # this home is not accepted yet: nothing to open
        if signer is None:
            unaccepted += 1
            continue
        try:
            sealed = base64.b64decode(match.group(2), validate=True)
            signature = base64.b64decode(match.group(3), validate=True)
        except binascii.Error:
            sealed = signature = b""
        ad = _record_ad(couple, device, seq)
        record = (
            _decode(_open(key, sealed, ad)) if _signed_by(signer, signature, ad + sealed) else None
        )
        if record is None:
            seen.refused.append(
                f"{where}: does not authenticate (changed, or not from this couple)"
            )
            continue
        seen.records.append({**record, "seq": seq})
    if cache is not None and end > start:  # anything opened now is never opened again
        cache.save(raw[:end], before + len(lines), expected, seen)
    if unaccepted:
        seen.refused.append(f"{unaccepted} record(s) from a device nobody accepted")
    return seen


_PUBLIC_CACHE = "cache/couple-public.json"


def _own_public(secret: bytes) -> bytes:
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
            public = _unb64(json.loads(loaded[1]), "public")
            if len(public) == 64:
                return public
    public = _public_of(secret)
    if store.home().is_dir():  # a cache only saves time: never make a data home for it
        store.save_cache(_PUBLIC_CACHE, {"version": 1, "secret": tag}, _b64(public))
    return public


_CACHE_VERSION = 1


# Each device's cache as this run read or saved it (see _DeviceCache._remember).
_READ_THIS_RUN: dict[str, tuple[tuple[str, str], bytes, tuple[Any, ...]]] = {}


class _DeviceCache:
    """One device's checked records, in the private home (``cache/``), so a partner's
    ten thousand records are not opened and verified again on every run.

    The header holds a BLAKE2b digest of the records file up to where the cache ends
    and the signer's keys: any change to that part of the file (a tampered byte, a
    file replaced) or a different signer means everything is checked again. Losing
    the cache only costs time."""

    def __init__(self, device: str, couple: str, signer: bytes | None) -> None:
        self.name = f"cache/couple-{device}.json"
        self.couple = couple
        self.signer = _b64(signer or b"")

    @staticmethod
    def _digest(data: bytes) -> str:
        import hashlib

        return hashlib.blake2b(data, digest_size=16).hexdigest()

    def load(self, raw: bytes) -> tuple[int, int, int, list[dict[str, Any]], list[str]]:
        """(offset, lines before it, next sequence, records, refused); all empty when
        the cache is missing or does not match."""
        nothing: tuple[int, int, int, list[dict[str, Any]], list[str]] = (0, 0, 1, [], [])
        known = _READ_THIS_RUN.get(self.name)
        if (
            known is not None
            and known[0] == (self.couple, self.signer)
            and raw.startswith(known[1])
        ):
            offset, lines, expected, records, refused = known[2]
            return offset, lines, expected, list(records), list(refused)
        loaded = store.load_cache(self.name)
        if loaded is None:
            return nothing
        meta, body = loaded
        offset = meta.get("offset")
        if (
            meta.get("version") != _CACHE_VERSION
            or meta.get("couple") != self.couple
            or meta.get("signer") != self.signer
            or not isinstance(offset, int)
            or not 0 < offset <= len(raw)
            or meta.get("digest") != self._digest(raw[:offset])
        ):
            return nothing
        try:
            cached = json.loads(body)
            records, refused = cached["records"], cached["refused"]
            lines, expected = int(meta["lines"]), int(meta["expected"])
        except (ValueError, KeyError, TypeError):
            return nothing
        if not isinstance(records, list) or not isinstance(refused, list):
            return nothing
        self._remember(raw[:offset], lines, expected, records, refused)
        return offset, lines, expected, list(records), list(refused)

    def _remember(
        self, covered: bytes, lines: int, expected: int, records: list[Any], refused: list[str]
    ) -> None:
        """What this run read or saved: a command that opens the folder twice (a sync,
        then the view) reads a partner's ten thousand records once, not twice. The bytes
        themselves are compared again, which says more than the digest."""
        state = (len(covered), lines, expected, list(records), list(refused))
        _READ_THIS_RUN[self.name] = ((self.couple, self.signer), covered, state)

    def save(self, covered: bytes, lines: int, expected: int, seen: Seen) -> None:
        meta = {
            "version": _CACHE_VERSION,
            "couple": self.couple,
            "signer": self.signer,
            "offset": len(covered),
            "digest": self._digest(covered),
            "lines": lines,
            "expected": expected,
        }
        store.save_cache(self.name, meta, {"records": seen.records, "refused": seen.refused})
        self._remember(covered, lines, expected, seen.records, seen.refused)


def _decode(plain: bytes | None) -> dict[str, Any] | None:
    if plain is None:
        return None
    try:
        record = json.loads(plain)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("kind"), str) else None


def open_folder() -> tuple[dict[str, Any], Folder]:
    """This home's pairing and the couple folder as it reads now: the door for every
    command that uses shared records. A joiner whose request was accepted takes the
    couple key here, the first time any such command runs."""
    current = _active()
    root = couple_folder.root(Path(current["folder"]))
    current = _take_grant(current, root)
    return current, read_folder(current, root)


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
    current = _active()
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
