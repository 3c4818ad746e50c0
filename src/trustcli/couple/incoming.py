"""What a paired home sees of its partner: their promises, follow-ups, shared check-ins
and hard moments as read from the couple folder, what each of us confirmed of the
other's promises, and the ids people type for them.

Ids: a bare number is always one of my own promises (as before pairing); a partner's
promise is its device's letter tag and its number there (``b3``). Records from the
partner that are not well formed are skipped, never shown.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cached_property
from typing import Any

from trustcli import config, followthrough, promises, store
from trustcli.couple import membership
from trustcli.couple.outgoing import CONFIRM_RESULTS, CONFIRMS
from trustcli.errors import TrustError

Record = dict[str, Any]
_REF = re.compile(r"\A#?([A-Za-z]?)([0-9]{1,12})\Z")
_DAY = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_SUMMARIES = "cache/partner-summaries.json"
_SUMMARIES_VERSION = 1


# --- reading both people's promises ------------------------------------------------------


class View:
    """What a paired home sees: its own tag, and the partner's promises from the folder.
    (A plain class: @dataclass costs ~0.4 ms at every start.)"""

    def __init__(self, device: str, tag: str) -> None:
        self.device = device
        self.tag = tag
        self.partner_device = ""
        self.partner_tag = ""
        self.partner_name = ""
        self.partner_promises: list[Record] = []
        # the partner's records as read (checked, in their order); follow-ups are folded
        # from them only when a command needs them (see partner_followups)
        self.partner_records: list[Record] = []
        # the partner's confirmations of my promises: promise is my own number
        self.about_mine: list[Record] = []
        # my confirmations of the partner's promises: promise is their tagged id ("b3")
        self.mine_about_theirs: list[Record] = []

    def partner_label(self) -> str:
        return self.partner_name or "your partner"

    @cached_property
    def partner_followups(self) -> list[Record]:
        """The partner's kept and missed days, in their order; malformed ones skipped."""
        found = []
        tag = self.partner_tag
        results, is_day = promises.RESULTS, _DAY.match  # looked up once: 10,000 records
        for record in self.partner_records:
            if record.get("kind") != "followup":
                continue
            number, on, note = record.get("promise"), record.get("on"), record.get("note", "")
            result = record.get("result")
            if (
                type(number) is int
                and result in results
                and type(on) is str
                and is_day(on)
                and type(note) is str
            ):
                at = record.get("at", "")
                found.append(
                    {
                        "promise": f"{tag}{number}",
                        "on": on,
                        "result": result,
                        "note": note,
                        "at": at if type(at) is str else str(at),
                        "seq": record.get("seq", 0),
                    }
                )
        return found

    @cached_property
    def partner_checkins(self) -> list[Record]:
        """The check-ins the partner marked shared, under their name, each once (a
        record shared again after the folder was away has the same ``made`` and text)."""
        found: dict[tuple[Any, ...], Record] = {}
        who = self.partner_label()
        for record in self.partner_records:
            if record.get("kind") != "checkin":
                continue
            on, rating, note = record.get("on"), record.get("rating"), record.get("note", "")
            made = record.get("made")
            if (
                isinstance(on, str)
                and _DAY.match(on)
                and type(rating) is int
                and 1 <= rating <= 10
                and isinstance(note, str)
                and isinstance(made, str)
            ):
                # its moment and content: two check-ins typed in one second still count
                found[(on, made, rating, note, record.get("who"))] = {
                    "on": on,
                    "who": who,
                    "rating": rating,
                    "note": note,
                    "at": made,
                }
        return sorted(found.values(), key=lambda r: r["on"])

    @cached_property
    def partner_moments(self) -> list[Record]:
        """The hard moments the partner shared (``trigger --share``): day, moment, seq."""
        found = []
        for record in self.partner_records:
            on, made = record.get("on"), record.get("made")
            if (
                record.get("kind") == "moment"
                and isinstance(on, str)
                and _DAY.match(on)
                and isinstance(made, str)
            ):
                found.append({"on": on, "at": made, "seq": record.get("seq", 0)})
        return found

    def partner_key(self) -> str:
        """What the partner's figures depend on: their device and how far their log is read."""
        last = self.partner_records[-1].get("seq", 0) if self.partner_records else 0
        return f"{self.partner_device}:{self.partner_tag}:{len(self.partner_records)}:{last}"


def view() -> View | None:
    """Both people's promises when this home is paired (None otherwise, or when the
    folder cannot be read: then mine alone are shown, and a line says why)."""
    if not membership.paired():
        return None
    from trustcli.couple import folder  # the folder's code: only once this home is paired
    from trustcli.couple.log import Seen
    from trustcli.output import say

    try:
        current, found = folder.open_folder()
    except TrustError as error:
        say(f"Showing only your own promises; the couple folder could not be read: {error.message}")
        return None
    if current.get("state") != "member":
        return None
    members = {found.creator, *found.accepted}
    me = str(current["device"])
    tags: dict[str, str] = {}
    names: dict[str, str] = {}
    for device in members:
        for record in found.devices.get(device, Seen(device)).records:
            if record.get("kind") == "member" and isinstance(record.get("tag"), str):
                tags[device] = record["tag"]
                names[device] = str(record.get("name", ""))
    for device, record in found.accepted.items():
        if isinstance(record.get("tag"), str):
            tags.setdefault(device, record["tag"])
    seen = View(device=me, tag=tags.get(me, "a" if me == found.creator else "b"))
    others = sorted(d for d in members if d != me)
    if others:
        partner = others[0]
        seen.partner_device = partner
        seen.partner_tag = tags.get(partner, "a" if partner == found.creator else "b")
        seen.partner_name = names.get(partner) or config.partner()
        seen.partner_records = found.devices.get(partner, Seen(partner)).records
        _fold(seen, seen.partner_records)
    for entry in store.read_log(CONFIRMS):
        if entry["device"] == seen.partner_device:
            seen.mine_about_theirs.append(
                {**entry, "promise": seen.partner_tag + str(entry["promise"])}
            )
    return seen


def _fold(seen: View, records: list[Record]) -> None:
    """The partner's records, in their own order: the last ``promise`` record of each
    number is how that promise stands; records that are not well formed are skipped.
    (Follow-ups, the bulk of a log, are folded only when needed: partner_followups.)"""
    latest: dict[int, Record] = {}
    for record in records:
        kind = record.get("kind")
        if kind == "followup":
            continue
        try:
            if kind == "promise":
                promise = _partner_promise(record, seen.partner_tag)
                first = latest.get(record["id"], {}).get("seq", record.get("seq", 0))
                latest[record["id"]] = {**promise, "seq": first}
            elif kind == "confirm" and record.get("device") == seen.device:
                entry = _confirmation(record)
                seen.about_mine.append(entry)
        except (ValueError, TypeError, KeyError):
            continue
    seen.partner_promises = sorted(latest.values(), key=lambda p: p["number"])


def _text(record: Record, key: str, optional: bool = True) -> str | None:
    value = record.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(key)
    return value


def _partner_promise(record: Record, tag: str) -> Record:
    number = record.get("id")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ValueError("id")
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("tags")
    created = _text(record, "created", optional=False)
    date.fromisoformat(str(created)[:10])
    return {
        "id": f"{tag}{number}",
        "text": _text(record, "text", optional=False),
        "by": _text(record, "by") or "",
        "to": _text(record, "to") or "",
        "created": created,
        "since": _text(record, "since"),
        "due": _text(record, "due"),
        "every": _text(record, "every"),
        "tags": tags,
        "closed": _text(record, "closed"),
        "closed_how": _text(record, "closed_how"),
        "number": number,
    }


def _confirmation(record: Record) -> Record:
    number = record.get("promise")
    if not isinstance(number, int) or isinstance(number, bool):
        raise ValueError("promise")
    if record.get("result") not in CONFIRM_RESULTS:
        raise ValueError("result")
    on = str(_text(record, "on", optional=False))
    date.fromisoformat(on)
    return {
        "promise": number,
        "on": on,
        "result": record["result"],
        "note": _text(record, "note") or "",
        "at": _text(record, "at") or "",
    }


def latest_per_day(entries: list[Record]) -> list[Record]:
    """One confirmation per promise and day: the one recorded last (see --replace)."""
    return followthrough.chronological(entries)


def confirm_counts(entries: list[Record]) -> dict[Any, dict[str, int]]:
    found: dict[Any, dict[str, int]] = {}
    for entry in latest_per_day(entries):
        counted = found.setdefault(entry["promise"], {"confirmed": 0, "disputed": 0})
        counted[entry["result"]] += 1
    return found


def with_confirmations(rows: list[Record], views: list[Record]) -> list[Record]:
    """Rows with how many days the person a promise was made to confirmed or disputed."""
    counted = confirm_counts(views)
    empty = {"confirmed": 0, "disputed": 0}
    return [{**row, **counted.get(row["id"], empty)} for row in rows]


def confirmed_figures(figures: Record, views: list[Record]) -> None:
    """``followthrough.stats`` figures, with confirmed and disputed days per promise and overall."""
    figures["promises"] = with_confirmations(figures["promises"], views)
    for key in ("confirmed", "disputed"):
        figures["overall"][key] = sum(row[key] for row in figures["promises"])


def partner_summaries(seen: View, today: date) -> list[Record]:
    """``followthrough.summaries`` of the partner's promises, kept in the private home's cache
    while their log and the day stay the same: with years of their follow-ups, folding
    them again on every 'promise list' would slow everyday commands."""
    key = f"{seen.partner_key()}:{today.isoformat()}"
    loaded = store.load_cache(_SUMMARIES)
    if loaded is not None:
        meta, body = loaded
        if meta.get("version") == _SUMMARIES_VERSION and meta.get("key") == key:
            try:
                rows = json.loads(body)
            except ValueError:
                rows = None
            if isinstance(rows, list):
                return rows
    rows = followthrough.summaries(seen.partner_promises, seen.partner_followups, today)
    store.save_cache(_SUMMARIES, {"version": _SUMMARIES_VERSION, "key": key}, rows)
    return rows


def partner_stats(seen: View, today: date, since: str = "") -> Record:
    """The partner's follow-through as ``followthrough.stats`` gives mine, with what I saw."""
    followups = [f for f in seen.partner_followups if f["on"] >= since]
    views = [v for v in seen.mine_about_theirs if v["on"] >= since]
    figures = followthrough.stats(seen.partner_promises, followups, today)
    confirmed_figures(figures, views)
    return {"name": seen.partner_name, **figures}


# --- ids people type ----------------------------------------------------------------------


def _id_help(seen: View) -> str:
    return (
        f"ids are numbers like 3 for your own promises, or {seen.partner_tag or 'b'}3 for "
        f"{seen.partner_label()}'s (see 'trustcli promise list')"
    )


def resolve(text: str, seen: View | None) -> int | str:
    """My own promise's number, or the partner's tagged id ("b3")."""
    raw = str(text).strip()
    if seen is None:
        return promises.parse_id(raw)
    match = _REF.match(raw)
    if match is None or int(match.group(2)) < 1:
        raise TrustError(f"{text!r} is not a promise id: {_id_help(seen)}")
    letter, number = match.group(1).lower(), int(match.group(2))
    if letter in ("", seen.tag):
        return number
    if seen.partner_tag and letter == seen.partner_tag:
        return f"{letter}{number}"
    raise TrustError(f"no promise {raw}: {_id_help(seen)}")


def own_number(text: str, doing: str) -> int:
    """The number of one of my own promises, for commands that change them. A bare
    number never opens the couple folder; a tagged id does, when this home is paired."""
    raw = str(text).strip()
    if raw.lstrip("#").isascii() and raw.lstrip("#").isdigit():
        return promises.parse_id(raw)
    if not membership.paired():
        return promises.parse_id(raw)  # unpaired: exactly as before
    seen = view()
    ident = resolve(raw, seen)
    if isinstance(ident, str):
        assert seen is not None
        raise TrustError(
            f"{ident} is {seen.partner_label()}'s promise: only they {doing}; you can say "
            f"what you saw with 'trustcli promise confirm {ident}' or 'promise dispute {ident}'"
        )
    return ident


def find_partner(seen: View, ident: str) -> Record:
    for promise in seen.partner_promises:
        if promise["id"] == ident:
            return promise
    known = ", ".join(p["id"] for p in seen.partner_promises[-8:]) or "none yet"
    raise TrustError(f"no promise {ident} ({seen.partner_label()}'s ids: {known})")
