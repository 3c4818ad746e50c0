"""Export: everything in the data home as one JSON document (a backup, or for other
tools) and as one readable Markdown file; the calendar lives in ``calendar_export``,
and reading a backup back in is ``restore``'s.

The JSON holds each record as stored, with dates and times as ISO text, plus the
person's own reminders, settings and templates. Its format and the caps a backup must
keep (``FORMAT``, ``MAX_*``) are set here, beside the writer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from trustcli import (
    checkins,
    config,
    dates,
    followthrough,
    promises,
    questions,
    records,
    sessions,
    store,
)
from trustcli.errors import TrustError
from trustcli.remind import reminders
from trustcli.store import template_files

FORMAT = "trustcli-export"
VERSION = 2  # 2 added reminders and templates; version 1 backups are still read
Record = dict[str, Any]

TEMPLATE_FOLDER = "templates"
TEMPLATE_KINDS = records.TEMPLATE_KINDS
LISTS = ("promises", "followups", "checkins", "sessions", "safety", "reminders")

# What a backup may hold: far above a decade of daily use (about 2 MB: a check-in and a
# few follow-ups a day, a weekly session), far below what would make the import, and
# every command after it, slow or hungry (see README, "import").
MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 8  # a backup nests 4 deep (the document, its sessions, one, its answers)
MAX_RECORDS = {
    "promises": 5_000,
    "followups": 200_000,
    "checkins": 200_000,
    "sessions": 10_000,
    "safety": 100,
    "reminders": 1_000,
    "templates": records.TEMPLATES_PER_KIND,  # of each kind
}


# --- export --------------------------------------------------------------------------


def collect() -> Record:
    """Every record in the data home, as stored, in one JSON-ready document."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": plain_value(config.load()),
        "promises": [plain_value(raw) for raw in _raw_promises()],
        # The highest promise id ever given here: a restored home never hands out again
        # the id of a promise deleted by hand (see promises.next_id).
        "last_promise_id": promises.last_id(),
        "followups": [_stored(f) for f in promises.load_followups()],
        "checkins": [_stored(c) for c in store.read_log(checkins.LOG)],
        "sessions": [plain_value(sessions.record_for_disk(s)) for s in sessions.load_all()],
        # Nothing about a safety answer ever leaves this computer: not whether it was
        # asked, not what was answered (even an entry without an answer would tell, by
        # its absence, who kept one). A restored home asks the question again before
        # the first joint set: the safe default. Older backups that hold entries still
        # import (--with-config, the person's own only).
        "safety": [],
        "reminders": [plain_value(raw) for raw in _raw_reminders()],
        "templates": _own_templates(),
        **_shared_part(),
    }


def _shared_part() -> Record:
    """Paired: what I saw of my partner's promises (kept in this home), and a read-only
    copy of the partner's promises from the couple folder (import never takes it: it
    is theirs, and comes back from the folder). Unpaired: nothing."""
    from trustcli.couple import incoming, outgoing

    seen = incoming.view()
    if seen is None:
        return {}
    return {
        "confirmations": [_stored(c) for c in store.read_log(outgoing.CONFIRMS)],
        "partner": {
            "name": seen.partner_name,
            "tag": seen.partner_tag,
            "promises": seen.partner_promises,
            "followups": seen.partner_followups,
            "seen_by_me": seen.mine_about_theirs,
            "seen_of_mine": seen.about_mine,
        },
    }


def _raw_promises() -> list[Record]:
    promises.load_promises()  # checks the file first
    return list(store.read(promises.PROMISES).get("promise", []))


def _raw_reminders() -> list[Record]:
    """The stored reminders as written (those a promise brings come with the promise)."""
    reminders.check_all()  # a broken entry is named, never carried into a backup
    found = store.read(reminders.REMINDERS).get("reminder", [])
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise TrustError(
            f"{store.path_of(reminders.REMINDERS)}: reminders must be [[reminder]] tables"
        )
    return found


def _own_templates() -> dict[str, dict[str, str]]:
    """The person's own question sets and worksheets: name → text, exactly as written."""
    found: dict[str, dict[str, str]] = {}
    for kind, suffix in TEMPLATE_KINDS.items():
        texts: dict[str, str] = {}
        for name in template_files.own(kind, suffix):
            path = store.path_of(name)
            try:  # through the store: a link or another user's file is refused
                data = store.read_bytes(name) or b""
                texts[path.name[: -len(suffix)]] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise TrustError(f"{path} is not UTF-8 text; fix or move it, then export") from None
        found[kind] = texts
    return found


def _stored(record: Record) -> Record:
    """A log record as normalised (ISO text already), without empty notes."""
    return {key: value for key, value in record.items() if not (key == "note" and not value)}


def plain_value(value: Any) -> Any:
    """TOML values → JSON values: dates and date-times become ISO text."""
    if isinstance(value, dict):
        return {key: plain_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_value(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# --- Markdown --------------------------------------------------------------------------


def markdown() -> str:
    """Everything, readable: promises with their follow-through, check-ins, sessions."""
    from trustcli.couple import incoming

    made, followups = promises.load_promises(), promises.load_followups()
    seen = incoming.view()
    partner = (seen.partner_name or "my partner") if seen else ""
    lines = ["# trustcli records", "", f"Exported {dates.now():%Y-%m-%d %H:%M}.", ""]
    lines += ["## Promises", ""]
    if not made:
        lines.append("No promises yet.")
    for promise in made:
        who = f"{promise['by']} to {promise['to']}" if promise["to"] else promise["by"]
        lines += [f"### {promise['id']}. {_line(promise['text'])}", ""]
        details = [f"made {promise['created'][:10]} by {_line(who)}"]
        if promise["due"]:
            details.append(f"due {promise['due']}")
        if promise["every"]:
            details.append(f"repeats {promise['every']}")
        if promise["closed"]:
            details.append(f"closed {promise['closed'][:10]} ({promise['closed_how']})")
        lines += [", ".join(details).capitalize() + ".", ""]
        lines += _history(promise["id"], followups, seen.about_mine if seen else [], partner)
    if seen is not None and seen.partner_promises:
        lines += [f"## {_line(partner)}'s promises", ""]
        for promise in seen.partner_promises:
            who = f"{promise['by']} to {promise['to']}" if promise["to"] else promise["by"]
            lines += [f"### {promise['id']}. {_line(promise['text'])}", ""]
            lines += [f"Made {promise['created'][:10]} by {_line(who)}.", ""]
            lines += _history(promise["id"], seen.partner_followups, seen.mine_about_theirs, "me")
    lines += ["## Check-ins", ""]
    logged = checkins.load()
    if logged:
        lines += ["| day | who | rating | note |", "|---|---|---|---|"]
        lines += [
            f"| {r['on']} | {_cell(r['who'])} | {r['rating']} | {_cell(r['note'])} |"
            for r in logged
        ]
    else:
        lines.append("No check-ins yet.")
    lines += ["", "## Reminders", ""]
    stored = _raw_reminders()
    if not stored:
        lines.append("No reminders of your own.")
    for raw in stored:
        kind, linked = raw.get("kind", "custom"), raw.get("promise")
        message = _line(raw.get("message") or reminders.default_message(kind, linked))
        paused = " (paused)" if raw.get("paused") else ""
        lines.append(f"- {_line(raw.get('when', ''))}: {message}{paused}")
    lines += ["", "## Question sessions", ""]
    found = sessions.load_all()
    if not found:
        lines.append("No sessions yet.")
    me = config.me()
    for session in found:
        try:
            qset = questions.load(session["set"])
        except TrustError:
            continue
        if sessions.revealed_to(session, me, qset.for_both, found):
            text = sessions.transcript(session, qset)
        else:  # another person's answers: who and when only (the JSON backup has all)
            text = sessions.transcript(sessions.withheld(session), qset).split("\n## ")[0]
            text += f"\n\n{session['who']}'s answers are not shown here.\n"
        title, _, body = text.partition("\n")
        lines += [f"### Session {session['id']}: {title.lstrip('# ')}", ""]
        lines += [
            "#" * 2 + line if line.startswith("## ") else line for line in body.strip().splitlines()
        ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _history(
    ident: int | str, followups: list[Record], views: list[Record], viewer: str
) -> list[str]:
    """A promise's follow-through and, paired, what the person it was made to saw."""
    lines = []
    for entry in followthrough.chronological(followups):
        if entry["promise"] == ident:
            note = f": {_line(entry['note'])}" if entry["note"] else ""
            lines.append(f"- {entry['on']} {entry['result']}{note}")
    for entry in followthrough.chronological(views):
        if entry["promise"] == ident:
            note = f": {_line(entry['note'])}" if entry["note"] else ""
            lines.append(f"- {entry['on']} {entry['result']} by {_line(viewer)}{note}")
    return [*lines, ""] if lines else []


def _line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    return _line(text).replace("|", "\\|")
