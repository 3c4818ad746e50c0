"""Export and import: everything in the data home as one JSON document (backup, other
tools), one readable Markdown file, or an iCalendar file a phone calendar can carry.

The JSON holds each record as stored, with dates and times as ISO text; import knows
which fields are dates and turns them back, so export → import → export is identical.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from trustcli import checkins, config, dates, promises, questions, safety, sessions, store
from trustcli.errors import TrustError

FORMAT = "trustcli-export"
VERSION = 1
Record = dict[str, Any]

# Which fields hold dates (D) or date-times (T), per kind of record.
_TYPES: dict[str, dict[str, str]] = {
    "promises": {"created": "T", "since": "D", "due": "D", "closed": "T"},
    "followups": {"on": "D", "at": "T"},
    "checkins": {"on": "D", "at": "T"},
    "sessions": {"started": "T", "finished": "T"},
    "safety": {"shown": "T"},
}


# --- JSON ------------------------------------------------------------------------------


def collect() -> Record:
    """Every record in the data home, as stored, in one JSON-ready document."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": config.load(),
        "promises": [_plain(raw) for raw in _raw_promises()],
        "followups": [_stored(f) for f in promises.load_followups()],
        "checkins": [_stored(c) for c in store.read_log(checkins.LOG)],
        "sessions": [_plain(sessions.record_for_disk(s)) for s in sessions.load_all()],
        "safety": [_plain(e) for e in safety.entries()],
    }


def _raw_promises() -> list[Record]:
    promises.load_promises()  # checks the file first
    return list(store.read(promises.PROMISES).get("promise", []))


def _stored(record: Record) -> Record:
    """A log record as normalised (ISO text already), without empty notes."""
    return {key: value for key, value in record.items() if not (key == "note" and not value)}


def _plain(value: Any) -> Any:
    """TOML values → JSON values: dates and date-times become ISO text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def restore(document: Any, merge: bool) -> dict[str, int]:
    """Write an export back into the data home; returns how many records of each kind.

    Into an empty home as is. With ``merge``, into a home with data: promises and
    sessions get new ids after the existing ones, and records already present (same
    promise text and creation time, same check-in time …) are not added twice.
    """
    _check_document(document)
    typed = {kind: [_typed(kind, r) for r in document.get(kind, [])] for kind in _TYPES}
    existing = collect()
    has_data = any(existing[kind] for kind in _TYPES) or bool(existing["config"])
    if has_data and not merge:
        raise TrustError(
            f"the data home {store.home()} already has data: pass --merge to add to it, "
            "or set TRUSTCLI_HOME to an empty folder"
        )
    counts = {kind: 0 for kind in _TYPES}
    ids = _restore_promises(typed["promises"], counts)
    for followup in typed["followups"]:
        if followup.get("promise") in ids:
            followup["promise"] = ids[followup["promise"]]
            if _new(followup, existing["followups"], ("promise", "on", "result", "at")):
                _append(promises.FOLLOWUPS, followup, counts, "followups")
    for checkin in typed["checkins"]:
        if _new(checkin, existing["checkins"], ("who", "on", "at")):
            _append(checkins.LOG, checkin, counts, "checkins")
    _restore_sessions(typed["sessions"], existing["sessions"], counts)
    _restore_small(document, typed["safety"], counts)
    return counts


def _check_document(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TrustError('this is not a trustcli export (no "format": "trustcli-export")')
    version = document.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise TrustError(
            f"this export has format version {version!r}; this trustcli reads up to "
            f"{VERSION}: upgrade trustcli to import it"
        )
    for kind in _TYPES:
        if not isinstance(document.get(kind, []), list):
            raise TrustError(f"this export's {kind!r} is not a list")


def _typed(kind: str, record: Any) -> Record:
    """JSON record → TOML-ready record, dates turned back from ISO text."""
    if not isinstance(record, dict):
        raise TrustError(f"an entry in {kind!r} is not an object")
    result = dict(record)
    for key, sort in _TYPES[kind].items():
        if result.get(key) is None:
            result.pop(key, None)
            continue
        try:
            parsed = datetime.fromisoformat(result[key])
            result[key] = parsed.date() if sort == "D" else parsed
        except (TypeError, ValueError):
            raise TrustError(f"{kind}: {key} = {result[key]!r} is not an ISO date") from None
    return result


def _new(record: Record, existing: list[Record], keys: tuple[str, ...]) -> bool:
    """Not already in the home: compared on ``keys``, as ISO text."""
    wanted = tuple(_plain(record.get(key)) for key in keys)
    return all(tuple(item.get(key) for key in keys) != wanted for item in existing)


def _append(log: store.Log, record: Record, counts: dict[str, int], kind: str) -> None:
    ordered = {key: value for key, value in record.items() if key != "at"}
    ordered["at"] = record.get("at")  # last, as every writer does
    try:
        log.normalise(ordered)
    except ValueError as exc:
        raise TrustError(f"{kind}: an entry {exc}") from None
    store.append(log, ordered)
    counts[kind] += 1


def _restore_promises(incoming: list[Record], counts: dict[str, int]) -> dict[int, int]:
    """Add promises (new ids after the existing ones); old id → id in this home."""
    with store.updating(promises.PROMISES) as document:
        return _add_promises(document, incoming, counts)


def _add_promises(
    document: Record, incoming: list[Record], counts: dict[str, int]
) -> dict[int, int]:
    current = document.setdefault("promise", [])
    by_identity = {(p.get("text"), _plain(p.get("created"))): p["id"] for p in current}
    next_id = max((p["id"] for p in current), default=0) + 1
    ids: dict[int, int] = {}
    for promise in incoming:
        try:
            promises.normalise_promise(promise)
        except ValueError as exc:
            raise TrustError(f"promises: an entry {exc}") from None
        identity = (promise["text"], _plain(promise["created"]))
        if identity in by_identity:
            ids[promise["id"]] = by_identity[identity]
            continue
        ids[promise["id"]] = next_id
        current.append({**promise, "id": next_id})
        by_identity[identity] = next_id
        next_id += 1
        counts["promises"] += 1
    return ids


def _restore_sessions(
    incoming: list[Record], existing: list[Record], counts: dict[str, int]
) -> None:
    next_id = max((s["id"] for s in existing), default=0) + 1
    for session in incoming:
        if not _new(session, existing, ("set", "who", "started")):
            continue
        record = {**session, "id": next_id, "answers": dict(session.get("answers", {}))}
        record.setdefault("skipped", [])
        try:
            qset = questions.load(record["set"])
        except TrustError:
            qset = None  # the set is not installed here: keep the record, skip the transcript
        with store.lock():
            store.write_document(
                f"{sessions.file_stem(record)}.toml", sessions.record_for_disk(record)
            )
            if qset is not None:
                store.write_text(
                    f"{sessions.file_stem(record)}.md", sessions.transcript(record, qset)
                )
        next_id += 1
        counts["sessions"] += 1


def _restore_small(document: Record, screens: list[Record], counts: dict[str, int]) -> None:
    """config: keep what this home has, add what it lacks; safety: one entry per person."""
    incoming = document.get("config") or {}
    if isinstance(incoming, dict) and incoming:
        with store.updating(config.CONFIG) as current:
            names = {**incoming.get("names", {}), **current.get("names", {})}
            for key, value in incoming.items():
                current.setdefault(key, value)
            if names:
                current["names"] = names
    if screens:
        with store.updating(safety.STATE) as state:
            entries = state.setdefault("screen", [])
            known = {entry.get("who") for entry in entries}
            for entry in screens:
                if entry.get("who") not in known:
                    entries.append(entry)
                    counts["safety"] += 1


# --- Markdown --------------------------------------------------------------------------


def markdown() -> str:
    """Everything, readable: promises with their follow-through, check-ins, sessions."""
    made, followups = promises.load_promises(), promises.load_followups()
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
        history = [f for f in promises.chronological(followups) if f["promise"] == promise["id"]]
        for entry in history:
            note = f": {_line(entry['note'])}" if entry["note"] else ""
            lines.append(f"- {entry['on']} {entry['result']}{note}")
        if history:
            lines.append("")
    lines += ["## Check-ins", ""]
    records = checkins.load()
    if records:
        lines += ["| day | who | rating | note |", "|---|---|---|---|"]
        lines += [
            f"| {r['on']} | {_cell(r['who'])} | {r['rating']} | {_cell(r['note'])} |"
            for r in records
        ]
    else:
        lines.append("No check-ins yet.")
    lines += ["", "## Question sessions", ""]
    found = sessions.load_all()
    if not found:
        lines.append("No sessions yet.")
    for session in found:
        try:
            text = sessions.transcript(session, questions.load(session["set"]))
        except TrustError:
            continue
        title, _, body = text.partition("\n")
        lines += [f"### Session {session['id']}: {title.lstrip('# ')}", ""]
        lines += [
            "#" * 2 + line if line.startswith("## ") else line for line in body.strip().splitlines()
        ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    return _line(text).replace("|", "\\|")


# --- iCalendar (RFC 5545) ------------------------------------------------------------------

_RRULES = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekends": "FREQ=WEEKLY;BYDAY=SA,SU",
    "weekly": "FREQ=WEEKLY",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
}


def ics() -> str:
    """Open promises as all-day events: one-offs on their due date, repeating ones with
    an RRULE from the day they were made."""
    stamp = _utc_stamp()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//trustcli//trustcli//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:trustcli",
    ]
    for promise in promises.load_promises():
        if promise["closed"] or not (promise["due"] or promise["every"]):
            continue
        start = date.fromisoformat(promise["due"] or promise["created"][:10])
        created = promise["created"].replace("-", "").replace(":", "")[:15]
        event = [
            "BEGIN:VEVENT",
            f"UID:promise-{promise['id']}-{created}@trustcli",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text('Promise: ' + promise['text'])}",
            f"DESCRIPTION:{_ics_text('Mark it: trustcli promise kept ' + str(promise['id']))}",
        ]
        if promise["every"]:
            event.append(f"RRULE:{_rrule(promise['every'])}")
        event.append("END:VEVENT")
        lines += event
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc_stamp() -> str:
    from datetime import UTC

    return dates.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _rrule(every: str) -> str:
    if every in _RRULES:
        return _RRULES[every]
    days = [part[:2].upper() for part in every.split(",")]
    return "FREQ=WEEKLY;BYDAY=" + ",".join(days)


def _ics_text(text: str) -> str:
    """Escape TEXT values (RFC 5545 3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)
