"""`trustcli today`: one calm screen of what is mine to record, reminders due, and what
is new from my partner since I last looked. Nothing sealed ever appears here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from trustcli import config, followthrough, promises, store

Record = dict[str, Any]
SEEN = "today.toml"  # in the private home: the partner's last record I was shown
CONFIRM_DAYS = 7  # kept days of the partner's this recent are offered to confirm


def gather(today: date, now: datetime) -> Record:
    return gather_with_promises(today, now)[0]


def gather_with_promises(
    today: date, now: datetime, known: tuple[list[Record], list[str]] | None = None
) -> tuple[Record, list[Record]]:
    """``gather``, and the promises it read (the prompt's status needs to know whether
    there are any, and need not read them again). ``known``: what ``reminders.due(now)``
    gives, when the caller has it already."""
    from trustcli.couple import incoming
    from trustcli.remind import reminders

    made, followups = promises.load_promises(), promises.load_followups()
    # What asks for a record today needs each promise's last record and whether it was
    # ever kept, not its streaks: no due days counted back to the day it was made.
    per_promise, _ = followthrough.tallies(followups)
    recorded = {f["promise"] for f in followups if f["on"] == today.isoformat()}
    to_record = [
        {"id": p["id"], "text": p["text"], "every": p["every"], "due": p["due"]}
        for p in made
        if p["id"] not in recorded
        and followthrough.to_record_on(p, per_promise.get(p["id"], followthrough.Tally()), today)
    ]
    due, problems = reminders.due(now) if known is None else known
    result: Record = {
        "today": today.isoformat(),
        "to_record": to_record,
        "reminders": [{"at": item["at"], "message": item["message"]} for item in due],
        "partner": None,
        "problems": problems,
    }
    seen = incoming.view()
    if seen is not None:
        result["partner"] = _from_partner(seen, today)
        result["partner"]["sets_waiting"] = _sets_waiting(seen.partner_records)
    return result, made


def for_the_prompt(now: datetime) -> tuple[Record, bool]:
    """What is due at ``now`` and whether there are promises: what the prompt's status
    counts (``trustcli.remind.status`` is given this, so it never reaches up here)."""
    found, made = gather_with_promises(now.date(), now)
    return found, bool(made)


def as_seen(found: Record) -> Record:
    """``found`` as the next look gathers it once ``mark_seen`` has kept its partner
    part: nothing of the partner's is new any more (the sets waiting still wait)."""
    partner = found["partner"]
    if partner is None:
        return found
    seen = {
        **partner,
        "new_promises": [],
        "hard_moments": [],
        "to_confirm": [{**day, "new": False} for day in partner["to_confirm"]],
    }
    return {**found, "partner": seen}


def _sets_waiting(partner_records: list[Record]) -> list[Record]:
    """Joint sets the partner has finished a round of and I have not (names only)."""
    from trustcli.couple import sealed

    return sealed.waiting(partner_records)


def _from_partner(seen: Any, today: date) -> Record:
    last = store.read(SEEN)
    looked = int(last.get("seq", 0)) if last.get("device") == seen.partner_device else 0
    me = config.me().casefold()

    def to_me(promise: Record) -> bool:
        return not promise["to"] or promise["to"].casefold() == me

    mine_to_see = {p["id"]: p for p in seen.partner_promises if to_me(p)}
    said = {(v["promise"], v["on"]) for v in seen.mine_about_theirs}
    since, until = (today - timedelta(days=CONFIRM_DAYS)).isoformat(), today.isoformat()
    # Only the last days can be confirmed: of years of records, order only those (each
    # day's records stay together, so which one counts for a day is what it was).
    recent = [
        f
        for f in seen.partner_followups
        if since <= f["on"] <= until  # a clock ahead: offered once it is that day
        and f["promise"] in mine_to_see
    ]
    to_confirm = [
        {
            "promise": f["promise"],
            "text": mine_to_see[f["promise"]]["text"],
            "on": f["on"],
            "note": f["note"],
            "new": f["seq"] > looked,
        }
        for f in followthrough.chronological(recent)
        if f["result"] == "kept" and (f["promise"], f["on"]) not in said
    ]
    newest = max(
        [looked]
        + [p["seq"] for p in seen.partner_promises]
        + [f["seq"] for f in seen.partner_followups]
        + [m["seq"] for m in seen.partner_moments]
    )
    return {
        "name": seen.partner_name,
        "device": seen.partner_device,
        "new_promises": [
            {"id": p["id"], "text": p["text"], "by": p["by"], "to": p["to"]}
            for p in mine_to_see.values()
            if p["seq"] > looked
        ],
        "to_confirm": to_confirm,
        # shared with 'trigger --share': that it happened, never a note
        "hard_moments": [
            {"on": m["on"], "at": m["at"]} for m in seen.partner_moments if m["seq"] > looked
        ],
        "seq": newest,
    }


def mark_seen(partner: Record) -> None:
    """Remember the partner's last record shown, so the next look says what is new.
    A look that showed nothing newer leaves the file as it is (no write at every run)."""
    last = store.read(SEEN)
    if last.get("device") == partner["device"] and last.get("seq") == partner["seq"]:
        return
    with store.updating(SEEN) as document:
        document["device"] = partner["device"]
        document["seq"] = partner["seq"]
