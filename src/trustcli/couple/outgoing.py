"""What this home shares with its partner: each kind of record as it goes into the
couple folder, and everything a home shares when it pairs.

Once a home is a member of a couple folder, every change to its promises also goes to
the folder as a sealed record (``promise``: the promise as it now stands; ``followup``:
kept or missed for a day; ``confirm``: what the person a promise was made to saw;
``checkin``: a check-in marked shared; ``moment``: that a hard moment happened). A
note marked private never leaves the home: the record goes without it. The private
home stays the source of truth for this home's own records.
"""

from __future__ import annotations

from typing import Any

from trustcli import dates, promises, store

Record = dict[str, Any]
CONFIRMATIONS = "confirmations.toml"  # in the private home: what I saw of my partner's promises
CONFIRM_RESULTS = ("confirmed", "disputed")
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
    from trustcli import checkins  # only when a home pairs, or shares again after a gap

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
