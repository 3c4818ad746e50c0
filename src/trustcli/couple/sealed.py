"""Sealed answers: a joint session shared through the couple folder, readable by the
partner only once both have finished the same round (the mutual reveal).

When this home's own person finishes a session of a joint set (audience "both") while
paired, the session gets a key of its own (32 random bytes, kept in the private home's
``sealed.toml``, never in the folder in the clear). The answers are sealed with it and
shared in a ``finished`` record (set, round, the session's random id, the sealed
answers); the device log seals that record again for the couple. When this device sees the
partner's ``finished`` record for the same set and round, it shares the session's key
in a ``key`` record; then both sides can open both. Before that the partner, or anyone
with the folder, holds only ciphertext.

A **round** of a set: a finished session opens one when no round is open; the other
person's next finished session of the set joins it. A second session by the same person
while their round is still open takes the place of the first (the latest answers
count; the replaced one's key is never shared). The round a session joins is decided
from the records this device has seen, never from clocks.

Every command that reads the folder calls ``sync()`` (``ask``, ``pair status``); so does
the reminder daemon of a paired home, when it starts and every few minutes.
Only this module and ``trustcli.couple`` import ``cryptography`` (inside functions).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from trustcli import config, store
from trustcli.couple.folder import Folder, open_folder
from trustcli.couple.keys import open_sealed, seal
from trustcli.couple.log import append_locked
from trustcli.couple.membership import paired
from trustcli.couple.membership import state as pairing
from trustcli.errors import TrustError

FILE = "sealed.toml"  # in the private home
AD_PREFIX = b"trustcli sealed v1"


class Part:
    """One person's session in a round, as this device can see it. (Plain classes
    here: @dataclass costs ~0.5 ms per class at the start of every ask.)"""

    def __init__(
        self,
        who: str,
        uid: str,
        answers: dict[str, Any] | None = None,  # None while sealed
        session: dict[str, Any] | None = None,
    ) -> None:
        self.who, self.uid, self.answers = who, uid, answers
        self.session: dict[str, Any] = {} if session is None else session


class Standing:
    """Where a set's rounds stand between this home and the partner."""

    def __init__(self, partner: str) -> None:
        self.partner = partner
        self.revealed: tuple[int, Part, Part] | None = None  # the latest round both can read
        self.latest = 0
        self.mine: Part | None = None  # in the latest round
        self.theirs: Part | None = None  # in the latest round (answers None: still sealed)


def _entries(document: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The [[sealed]] entries, each checked: a hand-edited one is named, never used."""
    found = (store.read(FILE) if document is None else document).get("sealed", [])
    if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
        raise TrustError(f"{store.path_of(FILE)}: entries must be [[sealed]] tables; fix it")
    for number, entry in enumerate(found, start=1):
        try:
            key = base64.b64decode(str(entry.get("key")), validate=True)
        except ValueError:
            key = b""
        if (
            not isinstance(entry.get("session"), int)
            or not isinstance(entry.get("uid"), str)
            or not isinstance(entry.get("set"), str)
            or not isinstance(entry.get("round", 0), int)
            or len(key) != 32
        ):
            raise TrustError(
                f"{store.path_of(FILE)}: [[sealed]] entry {number} is not as trustcli wrote "
                "it; restore the file from a backup"
            )
    return found


def keep(session: dict[str, Any], for_both: bool) -> None:
    """A session just finished: if it is the home's own person's answers to a joint set
    and this home is paired, give it a key and share it (sealed) at once when the
    folder can be reached, else on a later command."""
    if not for_both or session["who"] != config.me() or not paired():
        return
    import secrets  # hmac and hashlib: only when a session is kept, not for every ask

    with store.updating(FILE) as document:
        entries = document.setdefault("sealed", [])
        entries.append(
            {
                "session": session["id"],
                "uid": secrets.token_hex(8),
                "set": session["set"],
                "key": base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
                "key_shared": False,
            }
        )
    sync()


def _ad(couple: str, device: str, uid: str) -> bytes:
    return b"|".join([AD_PREFIX, couple.encode(), device.encode(), uid.encode()])


def _payload(local_id: int) -> bytes | None:
    from trustcli import sessions

    try:
        session = sessions.as_json(sessions.load(local_id))
    except TrustError:
        return None  # removed by hand: nothing to share
    session.pop("transcript", None)
    session.pop("id", None)
    return json.dumps(session, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sync(quiet: bool = False) -> Folder | None:
    """Share what is due: sealed sessions not yet shared (each joins a round now), and
    the key of every session whose round the partner has finished too. Returns the
    folder as read (None when it cannot be read: the private home still works)."""
    if not paired():
        return None
    try:
        current, folder = open_folder()
    except TrustError as error:
        if not quiet:
            from trustcli.output import say

            say(f"trustcli: the couple folder cannot be read now ({error.message})")
        return None
    if current.get("state") != "member":
        return folder
    theirs = _partner_finished(current, folder)
    appended = False
    with store.lock():
        document = store.read(FILE)
        entries = _entries(document)
        records = []
        for entry in entries:
            if "round" in entry:
                continue
            plain = _payload(entry["session"])
            if plain is None:
                continue
            entry["round"] = _round_to_join(entry["set"], entries, theirs)
            key = base64.b64decode(entry["key"])
            where = _ad(current["couple"], current["device"], entry["uid"])
            sealed = seal(key, plain, where)
            records.append(
                {
                    "kind": "finished",
                    "set": entry["set"],
                    "round": entry["round"],
                    "session": entry["uid"],
                    "sealed": base64.b64encode(sealed).decode("ascii"),
                }
            )
        for entry in _keys_due(entries, theirs):
            entry["key_shared"] = True
            records.append({"kind": "key", "session": entry["uid"], "key": entry["key"]})
        if records:
            # The records first, then what this home remembers of them: if the folder
            # cannot take them, they are tried again on a later command (written twice
            # at worst, which readers take as the same session: never lost).
            try:
                append_locked(*records)
            except TrustError as error:
                if not quiet:
                    from trustcli.output import say

                    say(f"trustcli: nothing could be shared now ({error.message})")
                return folder
            store.write_document(FILE, document)
            appended = True
    if appended:
        current, folder = open_folder()
    _keep_revealed(current, folder)
    return folder


def share_due() -> bool | None:
    """For the reminder daemon: share what is due now, quietly. None when this home
    shares no couple folder; else whether anything was written to it."""
    if not paired():
        return None
    before = pairing().get("seq")
    sync(quiet=True)
    return pairing().get("seq") != before


def _keep_revealed(current: dict[str, Any], folder: Folder) -> None:
    """Keep a copy of each partner session whose key has come, in the private home: it
    is then listed by `ask history`, shown by `ask show`, and stays after `pair leave`."""
    from trustcli import questions, sessions

    device = _partner_device(current, folder)
    if device is None or device not in folder.devices:
        return
    seen = folder.devices[device].records
    keys = {
        r["session"]: r.get("key")
        for r in seen
        if r.get("kind") == "key" and isinstance(r.get("session"), str)
    }
    kept = {e.get("uid") for e in store.read(FILE).get("opened", []) if isinstance(e, dict)}
    for record in seen:
        uid = record.get("session")
        if record.get("kind") != "finished" or not isinstance(uid, str):
            continue
        if uid not in keys or uid in kept:
            continue
        try:
            key = base64.b64decode(str(keys[uid]), validate=True)
        except ValueError:
            continue
        part = _open_part(current, device, record, key)
        if part is None or part.session.get("set") != record.get("set"):
            continue
        try:
            qset = questions.load(str(record.get("set")))
        except TrustError:
            continue  # a set not installed here: left in the folder
        copy = _checked_copy(part.session, qset)
        if copy is None:
            continue  # not a session this trustcli can read: left in the folder
        with store.lock():
            document = store.read(FILE)
            opened = document.setdefault("opened", [])
            if any(isinstance(e, dict) and e.get("uid") == uid for e in opened):
                continue
            ident = sessions.keep_copy_locked({**copy, "revealed": True}, qset)
            opened.append({"uid": uid, "session": ident})
            store.write_document(FILE, document)


def _checked_copy(raw: dict[str, Any], qset: Any) -> dict[str, Any] | None:
    """The partner's session as this home keeps it, checked as a session of ``qset``
    (each answer one its question takes). Its times are shown as written, also when the
    partner's clock runs ahead: they are never used to order anything."""
    from trustcli import questions

    try:
        who = config.clean_name(str(raw.get("who", "")), "the partner's name")
        started = datetime.fromisoformat(str(raw.get("started")))
        finished = datetime.fromisoformat(str(raw.get("finished")))
    except (TrustError, ValueError):
        return None
    answers, skipped = raw.get("answers"), raw.get("skipped", [])
    if started.utcoffset() is None or finished.utcoffset() is None:
        return None
    if not isinstance(answers, dict) or not isinstance(skipped, list):
        return None
    by_id = {question.id: question for question in qset.questions}
    for key, answer in answers.items():
        if key not in by_id or questions.answer_problem(by_id[key], answer):
            return None
    if not all(isinstance(item, str) and item in by_id for item in skipped):
        return None
    return {
        "set": qset.name,
        "title": qset.title,
        "who": who,
        "started": started,
        "finished": finished,
        "skipped": skipped,
        "answers": answers,
    }


def _partner_device(current: dict[str, Any], folder: Folder) -> str | None:
    members = ({folder.creator} | set(folder.accepted)) - {current["device"]}
    return sorted(members)[0] if members else None


Finished = dict[tuple[str, int], dict[str, Any]]


def _partner_finished(current: dict[str, Any], folder: Folder) -> Finished:
    """(set, round) → the partner's latest finished record for it (by their sequence)."""
    device = _partner_device(current, folder)
    found: Finished = {}
    if device is None or device not in folder.devices:
        return found
    for record in folder.devices[device].records:
        if record.get("kind") == "finished" and isinstance(record.get("round"), int):
            found[(str(record.get("set")), record["round"])] = record
    return found


def waiting(partner_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Joint sets whose latest round the partner has finished and I have not, for
    `today` (from the partner's records it has read already): the set's name and the
    round, never anything of the answers."""
    mine = {(str(e.get("set")), int(e["round"])) for e in _entries() if "round" in e}
    latest: dict[str, int] = {}
    for record in partner_records:
        number, set_name = record.get("round"), record.get("set")
        if record.get("kind") == "finished" and isinstance(number, int) and set_name:
            latest[str(set_name)] = max(number, latest.get(str(set_name), 0))
    return [
        {"set": set_name, "round": number}
        for set_name, number in sorted(latest.items())
        if (set_name, number) not in mine
    ]


def _round_to_join(
    set_name: str, entries: list[dict[str, Any]], theirs: dict[tuple[str, int], Any]
) -> int:
    """The round a session of ``set_name`` joins, from what this device has seen: the
    partner's open round; else this person's own open round (the newer session takes
    the place of the older); else a new one."""
    mine = {int(e["round"]) for e in entries if e.get("set") == set_name and "round" in e}
    partner = {r for (name, r) in theirs if name == set_name}
    if partner - mine:
        return max(partner - mine)
    if mine - partner:
        return max(mine - partner)
    return max(mine | partner, default=0) + 1


def _keys_due(
    entries: list[dict[str, Any]], theirs: dict[tuple[str, int], Any]
) -> list[dict[str, Any]]:
    """This person's latest session of each round the partner has finished too, whose
    key is not shared yet."""
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for entry in entries:
        if "round" in entry:
            latest[(entry["set"], int(entry["round"]))] = entry
    return [e for where, e in latest.items() if where in theirs and not e.get("key_shared")]


def standing(set_name: str) -> Standing:
    """Where ``set_name``'s rounds stand, after sharing what is due (see ``sync``)."""
    from trustcli import sessions

    folder = sync()
    current = pairing()
    partner_name = config.partner() or "your partner"
    theirs: dict[int, list[dict[str, Any]]] = {}
    keys: dict[str, bytes] = {}
    device = _partner_device(current, folder) if folder is not None else None
    if folder is not None and device is not None and device in folder.devices:
        for record in folder.devices[device].records:
            kind = record.get("kind")
            if kind == "member" and record.get("name"):
                partner_name = str(record["name"])
            elif kind == "finished" and record.get("set") == set_name:
                if isinstance(record.get("round"), int):
                    theirs.setdefault(record["round"], []).append(record)
            elif kind == "key" and isinstance(record.get("session"), str):
                try:
                    keys[record["session"]] = base64.b64decode(str(record.get("key")))
                except ValueError:
                    continue
    mine: dict[int, dict[str, Any]] = {}
    for entry in _entries():
        if entry.get("set") == set_name and "round" in entry:
            mine[int(entry["round"])] = entry
    result = Standing(partner=partner_name)
    result.latest = max(set(mine) | set(theirs), default=0)
    for number in sorted(set(mine) | set(theirs)):
        my_part = None
        if number in mine:
            try:
                session = sessions.load(int(mine[number]["session"]))
            except TrustError:
                session = None
            if session is not None:
                my_part = Part(
                    who=session["who"],
                    uid=mine[number]["uid"],
                    answers=session["answers"],
                    session=sessions.as_json(session),
                )
        their_part = None
        for record in reversed(theirs.get(number, [])):
            uid = str(record.get("session"))
            opened = _open_part(current, device or "", record, keys.get(uid))
            their_part = opened or Part(who=partner_name, uid=uid)
            if opened is not None or uid not in keys:
                break
        if number == result.latest:
            result.mine, result.theirs = my_part, their_part
        if my_part and their_part and their_part.answers is not None:
            result.revealed = (number, my_part, their_part)
    return result


def _open_part(
    current: dict[str, Any], device: str, record: dict[str, Any], key: bytes | None
) -> Part | None:
    if key is None or len(key) != 32:
        return None
    uid = str(record.get("session"))
    try:
        sealed = base64.b64decode(str(record.get("sealed")))
    except ValueError:
        return None
    plain = open_sealed(key, sealed, _ad(current["couple"], device, uid))
    if plain is None:
        return None
    try:
        session = json.loads(plain)
    except ValueError:
        return None
    if not isinstance(session, dict) or not isinstance(session.get("answers"), dict):
        return None
    who = str(session.get("who", ""))
    return Part(who=who, uid=uid, answers=session["answers"], session=session)
