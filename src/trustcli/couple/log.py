"""One device's log in the couple folder: its records read, checked and cached, and
this device's own records sealed, signed and appended.

A record line is ``<seq> <base64(nonce + ciphertext)> <base64(signature)>``: ``seq``
counts 1, 2, 3… per device, the ciphertext is the record's JSON sealed with the couple
key (the couple id, device id and sequence number are the associated data), and the
signature is the device's Ed25519 signature of both. A line is taken only whole, in
sequence, signed by the device's trusted key and opening with the couple key.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path
from typing import Any

from trustcli import dates, store
from trustcli.couple.keys import b64, open_sealed, record_ad, seal, sign, signed_by, unb64
from trustcli.couple.layout import (
    DEVICE_FILE,
    GRANT,
    RECORDS,
    device_public,
    why_ignored,
)
from trustcli.couple.membership import HOME_FILE
from trustcli.errors import TrustError
from trustcli.store import couple_folder

_LINE = re.compile(rb"\A([1-9][0-9]{0,11}) ([A-Za-z0-9+/]+={0,2}) ([A-Za-z0-9+/]+={0,2})\Z")


class Seen:
    """One device's folder as read: its key, its records, and what was refused.
    (Plain classes: @dataclass costs ~0.5 ms at every start of a paired command.)"""

    __slots__ = ("arriving", "device", "public", "records", "refused")

    def __init__(self, device: str, public: bytes | None = None) -> None:
        self.device, self.public = device, public
        self.records: list[dict[str, Any]] = []
        self.arriving = 0  # a last line still being written or synced
        self.refused: list[str] = []


def append_locked(*records: dict[str, Any]) -> list[int]:
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
    key = unb64(document["key"], "key")
    secret = unb64(document["secret"], "secret")
    at = dates.now().isoformat()
    lines = []
    for seq, record in enumerate(records, start=first):
        plain = json.dumps({**record, "at": at}, ensure_ascii=False, sort_keys=True)
        ad = record_ad(document["couple"], document["device"], seq)
        sealed = seal(key, plain.encode("utf-8"), ad)
        lines.append(f"{seq} {b64(sealed)} {b64(sign(secret, ad + sealed))}\n")
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


def read_device(
    root: Path,
    device: str,
    couple: str,
    key: bytes | None,
    signer: bytes | None,
    ignored: list[tuple[str, str]],
) -> Seen:
    """One device's records, each checked: complete, in sequence, signed by ``signer``
    (the device's trusted keys; None: nobody accepted it) and sealed with ``key``."""
    seen = Seen(device=device, public=device_public(root, device))
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
    cache = DeviceCache(device, couple, signer) if checking else None
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
        ad = record_ad(couple, device, seq)
        record = (
            decode(open_sealed(key, sealed, ad))
            if signed_by(signer, signature, ad + sealed)
            else None
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


_CACHE_VERSION = 1


# Each device's cache as this run read or saved it (see DeviceCache._remember).
_READ_THIS_RUN: dict[str, tuple[tuple[str, str], bytes, tuple[Any, ...]]] = {}


class DeviceCache:
    """One device's checked records, in the private home (``cache/``), so a partner's
    ten thousand records are not opened and verified again on every run.

    The header holds a BLAKE2b digest of the records file up to where the cache ends
    and the signer's keys: any change to that part of the file (a tampered byte, a
    file replaced) or a different signer means everything is checked again. Losing
    the cache only costs time."""

    def __init__(self, device: str, couple: str, signer: bytes | None) -> None:
        self.name = f"cache/couple-{device}.json"
        self.couple = couple
        self.signer = b64(signer or b"")

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


def decode(plain: bytes | None) -> dict[str, Any] | None:
    if plain is None:
        return None
    try:
        record = json.loads(plain)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("kind"), str) else None
