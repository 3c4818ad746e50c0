"""Promises shared with a partner through the couple folder.

Once a home is a member of a couple folder, every change to its promises also goes to
the folder as a sealed record (``promise``: the promise as it now stands; ``followup``:
kept or missed for a day; ``confirm``: what the person a promise was made to saw). The
private home stays the source of truth for this home's own records; the partner's come
from the folder (``couple.open_folder``, cached per device).

Ids: a bare number is always one of my own promises (as before pairing); a partner's
promise is its device's letter tag and its number there (``b3``). Only these commands
import ``trustcli.couple``, and only when this home is paired.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cached_property
from typing import Any

from trustcli import config, dates, limits, promises, store
from trustcli.errors import TrustError

Record = dict[str, Any]
CONFIRMATIONS = "confirmations.toml"  # in the private home: what I saw of my partner's promises
CONFIRM_RESULTS = ("confirmed", "disputed")
PAIRING = "couple.toml"  # couple.HOME_FILE
BEHIND = "share_behind"  # in PAIRING: a change could not be written to the folder
_REF = re.compile(r"\A#?([A-Za-z]?)([0-9]{1,12})\Z")
_DAY = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_SUMMARIES = "cache/partner-summaries.json"
_SUMMARIES_VERSION = 1
_PROMISE_FIELDS = (
    "id",
    "text",
    "by",
    "to",
    "created",
    "since",
    "due",
    "every",
    "tags",
    "closed",
    "closed_how",
)


def normalise_confirmation(raw: Record) -> Record:
    device = raw.get("device")
    if not isinstance(device, str) or not device:
        raise ValueError("has no 'device'")
    promise = raw.get("promise")
    if not isinstance(promise, int) or isinstance(promise, bool) or promise < 1:
        raise ValueError("has no 'promise' number")
    result = raw.get("result")
    if result not in CONFIRM_RESULTS:
        raise ValueError("has a 'result' that is neither confirmed nor disputed")
    note = raw.get("note", "")
    checked: Record = {
        "device": device,
        "promise": promise,
        "on": dates.day_field(raw, "on"),
        "result": result,
        "note": note if isinstance(note, str) else str(note),
    }
    if raw.get("private") is True:  # the note stays in this home (never in the folder)
        checked["private"] = True
    checked["at"] = dates.moment_field(raw, "at")
    return checked


CONFIRMS = store.Log(CONFIRMATIONS, "confirmation", normalise_confirmation, version=1)


# --- is this home paired? --------------------------------------------------------------


def pairing() -> Record:
    """This home's pairing document (empty when never paired); no folder is read."""
    return store.read(PAIRING)  # couple.HOME_FILE, without importing couple


# --- records for the folder -------------------------------------------------------------


def promise_record(promise: Record) -> Record:
    return {"kind": "promise", **{key: promise.get(key) for key in _PROMISE_FIELDS}}


def followup_record(followup: Record) -> Record:
    return {
        "kind": "followup",
        "promise": followup["promise"],
        "on": followup["on"],
        "result": followup["result"],
        "note": "" if followup.get("private") else followup["note"],
    }


def confirm_record(entry: Record) -> Record:
    return {
        "kind": "confirm",
        "device": entry["device"],
        "promise": entry["promise"],
        "on": entry["on"],
        "result": entry["result"],
        "note": "" if entry.get("private") else entry["note"],
    }


def checkin_record(entry: Record) -> Record:
    """A check-in marked shared; ``made`` (its moment in my home) lets the partner count
    it once however often it is shared again (see publish)."""
    return {
        "kind": "checkin",
        "on": entry["on"],
        "who": entry["who"],
        "rating": entry["rating"],
        "note": entry["note"],
        "made": entry["at"],
    }


def moment_record(entry: Record) -> Record:
    """A hard moment shared with ``trigger --share``: that it happened, and when. Never
    its note: the note stays in the private home."""
    return {"kind": "moment", "on": entry["on"], "made": entry["at"]}


def existing() -> list[Record]:
    """Everything this home shares when it pairs: its promises, their follow-ups, and
    what it confirmed (notes marked private left out), and the check-ins marked shared
    (only a check-in made while paired is ever marked: never sessions or anything else)."""
    from trustcli import checkins

    made = promises.load_promises()
    followups = promises.load_followups()
    known = {p["id"] for p in made}
    return (
        [promise_record(p) for p in made]
        + [followup_record(f) for f in followups if f["promise"] in known]
        + [confirm_record(c) for c in store.read_log(CONFIRMS)]
        + [checkin_record(c) for c in store.read_log(checkins.LOG) if c.get("shared")]
    )


def counts() -> tuple[int, int]:
    """(promises, follow-ups) this home would share."""
    made = promises.load_promises()
    known = {p["id"] for p in made}
    return len(made), sum(f["promise"] in known for f in promises.load_followups())


def publish(*records: Record) -> None:
    """Tell the partner: append records to the couple folder when this home is a member.
    The private home already holds the change, so a folder that cannot be written is
    said on stderr, never an error (the change is saved here)."""
    state = pairing().get("state")
    if not records or state not in ("member", "pending"):
        return
    from trustcli import couple
    from trustcli.output import say

    try:
        if state == "pending":
            # Accepted since? Taking the grant shares everything in this home, this
            # change included (it is already saved); not accepted: nothing to write.
            couple.open_folder()
            # A hard moment is not part of what a home shares when it pairs: send it now.
            moments = [r for r in records if r.get("kind") == "moment"]
            if moments and pairing().get("state") == "member":
                couple.append_many(moments)
            return
        if pairing().get(BEHIND):
            # An earlier change never reached the folder: share everything again (the
            # partner keeps the last record of each promise and day, so repeats are
            # harmless), this change included, as it is already saved here.
            records = (*existing(), *(r for r in records if r.get("kind") == "moment"))
        couple.append_many(list(records))
    except TrustError as error:
        _mark_behind(True)
        say(
            f"Saved in your home; the couple folder could not be written ({error.message}); "
            "it is shared the next time the folder can be written"
        )
        return
    if pairing().get(BEHIND):
        _mark_behind(False)


def _mark_behind(behind: bool) -> None:
    with store.updating(PAIRING) as document:
        if behind:
            document[BEHIND] = True
        else:
            document.pop(BEHIND, None)


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
    state = pairing().get("state")
    if state not in ("member", "pending"):
        return None
    from trustcli import couple
    from trustcli.output import say

    try:
        current, folder = couple.open_folder()
    except TrustError as error:
        say(f"Showing only your own promises; the couple folder could not be read: {error.message}")
        return None
    if current.get("state") != "member":
        return None
    members = {folder.creator, *folder.accepted}
    me = str(current["device"])
    tags: dict[str, str] = {}
    names: dict[str, str] = {}
    for device in members:
        for record in folder.devices.get(device, couple.Seen(device)).records:
            if record.get("kind") == "member" and isinstance(record.get("tag"), str):
                tags[device] = record["tag"]
                names[device] = str(record.get("name", ""))
    for device, record in folder.accepted.items():
        if isinstance(record.get("tag"), str):
            tags.setdefault(device, record["tag"])
    seen = View(device=me, tag=tags.get(me, "a" if me == folder.creator else "b"))
    others = sorted(d for d in members if d != me)
    if others:
        partner = others[0]
        seen.partner_device = partner
        seen.partner_tag = tags.get(partner, "a" if partner == folder.creator else "b")
        seen.partner_name = names.get(partner) or config.partner()
        seen.partner_records = folder.devices.get(partner, couple.Seen(partner)).records
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
    return promises.chronological(entries)


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
    """``promises.stats`` figures, with confirmed and disputed days per promise and overall."""
    figures["promises"] = with_confirmations(figures["promises"], views)
    for key in ("confirmed", "disputed"):
        figures["overall"][key] = sum(row[key] for row in figures["promises"])


def partner_summaries(seen: View, today: date) -> list[Record]:
    """``promises.summaries`` of the partner's promises, kept in the private home's cache
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
    rows = promises.summaries(seen.partner_promises, seen.partner_followups, today)
    store.save_cache(_SUMMARIES, {"version": _SUMMARIES_VERSION, "key": key}, rows)
    return rows


def partner_stats(seen: View, today: date, since: str = "") -> Record:
    """The partner's follow-through as ``promises.stats`` gives mine, with what I saw."""
    followups = [f for f in seen.partner_followups if f["on"] >= since]
    views = [v for v in seen.mine_about_theirs if v["on"] >= since]
    figures = promises.stats(seen.partner_promises, followups, today)
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
    if pairing().get("state") not in ("member", "pending"):
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


# --- confirm and dispute -----------------------------------------------------------------------


def confirm(
    text: str,
    result: str,
    note: str = "",
    on: date | None = None,
    replace: bool = False,
    private: bool = False,
) -> Record:
    """Record what I saw of a promise my partner made to me: confirmed or disputed, one
    per promise and day (``replace`` corrects the day's record); a ``private`` note stays
    in this home, the partner sees the result without it."""
    if pairing().get("state") not in ("member", "pending"):
        raise TrustError(
            "confirming is for a promise your partner made to you, and this home shares no "
            "couple folder (see 'trustcli pair --help')"
        )
    seen = view()
    if seen is None:
        raise TrustError("the couple folder cannot be read yet; see 'trustcli pair status'")
    ident = resolve(text, seen)
    if isinstance(ident, int):
        raise TrustError(
            f"promise {ident} is your own: only the person it was made to can confirm or dispute it"
        )
    promise = find_partner(seen, ident)
    me = config.me()
    if promise["to"] and promise["to"].casefold() != me.casefold():
        raise TrustError(
            f"promise {ident} was made to {promise['to']}, not to you ({me}): only "
            f"{promise['to']} can confirm or dispute it"
        )
    day = on or dates.today()
    made = promises.made_on(promise)
    # A partner's clock may run ahead: a promise "made" after my today is not held
    # against the day I saw it (clocks are shown, never trusted to order things).
    if day < made <= dates.today():
        raise TrustError(
            f"promise {ident} was made on {made.isoformat()}, so nothing "
            f"can be said about {day.isoformat()}"
        )
    dates.past_day(day, "what you saw is recorded after")
    if result == "disputed" and not note.strip():
        raise TrustError("a dispute needs --note: say in a few words how you saw it")
    record: Record = {
        "device": seen.partner_device,
        "promise": promise["number"],
        "on": day,
        "result": result,
    }
    if note.strip():
        record["note"] = promises.clean_text(note, "the note", limit=limits.NOTE)
        if private:
            record["private"] = True
    record["at"] = dates.now()
    wanted = day.isoformat()

    def one_per_day(existing: list[Record]) -> None:
        if replace:
            return
        for earlier in existing:
            if (
                earlier["device"] == record["device"]
                and earlier["promise"] == record["promise"]
                and earlier["on"] == wanted
            ):
                verb = "confirm" if result == "confirmed" else "dispute"
                raise TrustError(
                    f"you already said {earlier['result']} for promise {ident} on {wanted}; "
                    f"one day holds one: to correct it, trustcli promise {verb} {ident} "
                    f"--on {wanted} --replace"
                )

    store.append(CONFIRMS, record, check=one_per_day)
    entry = normalise_confirmation(record)
    publish(confirm_record(entry))
    return {**entry, "promise": ident}
