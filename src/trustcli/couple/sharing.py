"""Sharing as it happens: every change this home makes to what it shares goes to the
couple folder at once (``publish``), and what one person saw of the other's promise is
recorded here and shared (``confirm``).

The private home already holds each change, so a folder that cannot be written is said
on stderr, never an error: the home remembers that it is behind (``share_behind`` in its
``couple.toml``) and shares everything again the next time the folder can be written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from trustcli import config, dates, followthrough, limits, promises, store
from trustcli.couple import incoming, membership, outgoing
from trustcli.couple.membership import HOME_FILE
from trustcli.couple.outgoing import CONFIRMS, confirm_record, normalise_confirmation
from trustcli.errors import TrustError

Record = dict[str, Any]
BEHIND = "share_behind"  # in the home's couple.toml: a change could not be written to the folder


def publish(*records: Record) -> None:
    """Tell the partner: append records to the couple folder when this home is a member.
    The private home already holds the change, so a folder that cannot be written is
    said on stderr, never an error (the change is saved here)."""
    state = membership.state().get("state")
    if not records or state not in ("member", "pending"):
        return
    from trustcli.couple import folder  # the folder's code: only once this home is paired
    from trustcli.output import say

    try:
        if state == "pending":
            # Accepted since? Taking the grant shares everything in this home, this
            # change included (it is already saved); not accepted: nothing to write.
            folder.open_folder()
            # A hard moment is not part of what a home shares when it pairs: send it now.
            moments = [r for r in records if r.get("kind") == "moment"]
            if moments and membership.state().get("state") == "member":
                folder.append_many(moments)
            return
        if membership.state().get(BEHIND):
            # An earlier change never reached the folder: share everything again (the
            # partner keeps the last record of each promise and day, so repeats are
            # harmless), this change included, as it is already saved here.
            records = (*outgoing.existing(), *(r for r in records if r.get("kind") == "moment"))
        folder.append_many(list(records))
    except TrustError as error:
        _mark_behind(True)
        say(
            f"Saved in your home; the couple folder could not be written ({error.message}); "
            "it is shared the next time the folder can be written"
        )
        return
    if membership.state().get(BEHIND):
        _mark_behind(False)


def _mark_behind(behind: bool) -> None:
    with store.updating(HOME_FILE) as document:
        if behind:
            document[BEHIND] = True
        else:
            document.pop(BEHIND, None)


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
    if not membership.paired():
        raise TrustError(
            "confirming is for a promise your partner made to you, and this home shares no "
            "couple folder (see 'trustcli pair --help')"
        )
    seen = incoming.view()
    if seen is None:
        raise TrustError("the couple folder cannot be read yet; see 'trustcli pair status'")
    ident = incoming.resolve(text, seen)
    if isinstance(ident, int):
        raise TrustError(
            f"promise {ident} is your own: only the person it was made to can confirm or dispute it"
        )
    promise = incoming.find_partner(seen, ident)
    me = config.me()
    if promise["to"] and promise["to"].casefold() != me.casefold():
        raise TrustError(
            f"promise {ident} was made to {promise['to']}, not to you ({me}): only "
            f"{promise['to']} can confirm or dispute it"
        )
    day = on or dates.today()
    made = followthrough.made_on(promise)
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
