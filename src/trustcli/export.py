"""Export and import: everything in the data home as one JSON document (backup, other
tools), one readable Markdown file; the calendar lives in ``calendar_export``, and the
check of each record an import reads in ``records``.

The JSON holds each record as stored, with dates and times as ISO text, plus the
person's own reminders, settings and templates. Import reads the whole backup first
and names the first thing wrong in it (``checkins[3].rating``); only a backup with
nothing wrong is written, each file once, so export → import → export is identical
and a refused import leaves the data home as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from trustcli import (
    checkins,
    config,
    dates,
    promises,
    questions,
    records,
    reminders,
    safety,
    sessions,
    store,
)
from trustcli.errors import TrustError

FORMAT = "trustcli-export"
VERSION = 2  # 2 added reminders and templates; version 1 backups are still read
Record = dict[str, Any]

TEMPLATE_FOLDER = "templates"
TEMPLATE_KINDS = records.TEMPLATE_KINDS
_LISTS = ("promises", "followups", "checkins", "sessions", "safety", "reminders")

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
        "config": _plain(config.load()),
        "promises": [_plain(raw) for raw in _raw_promises()],
        # The highest promise id ever given here: a restored home never hands out again
        # the id of a promise deleted by hand (see promises.next_id).
        "last_promise_id": promises.last_id(),
        "followups": [_stored(f) for f in promises.load_followups()],
        "checkins": [_stored(c) for c in store.read_log(checkins.LOG)],
        "sessions": [_plain(sessions.record_for_disk(s)) for s in sessions.load_all()],
        # Nothing about a safety answer ever leaves this computer: not whether it was
        # asked, not what was answered (even an entry without an answer would tell, by
        # its absence, who kept one). A restored home asks the question again before
        # the first joint set: the safe default. Older backups that hold entries still
        # import (--with-config, the person's own only).
        "safety": [],
        "reminders": [_plain(raw) for raw in _raw_reminders()],
        "templates": _own_templates(),
        **_shared_part(),
    }


def _shared_part() -> Record:
    """Paired: what I saw of my partner's promises (kept in this home), and a read-only
    copy of the partner's promises from the couple folder (import never takes it: it
    is theirs, and comes back from the folder). Unpaired: nothing."""
    from trustcli import shared

    seen = shared.view()
    if seen is None:
        return {}
    return {
        "confirmations": [_stored(c) for c in store.read_log(shared.CONFIRMS)],
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
        for name in store.names_in(f"{TEMPLATE_FOLDER}/{kind}", suffix):
            path = store.path_of(name)
            if not path.is_file():
                continue
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


def _plain(value: Any) -> Any:
    """TOML values → JSON values: dates and date-times become ISO text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# --- import: read and check the whole backup first ---------------------------------------


def parse(data: bytes, source: str) -> Any:
    """The JSON document in ``data`` (at most ``MAX_BYTES + 1`` bytes read), refused in
    one line when too big, not UTF-8, not JSON or nested deeper than a backup ever is."""
    if len(data) > MAX_BYTES:
        raise TrustError(
            f"{source} is larger than {MAX_BYTES // 2**20} MB, far larger than any trustcli "
            "export; nothing was imported"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TrustError(f"{source} is not a trustcli export (not UTF-8 text)") from None
    try:
        document = json.loads(text)
    except RecursionError:
        document = None  # nested far too deep for json: refused below, as too deep
        depth = MAX_DEPTH + 1
    except ValueError as exc:
        raise TrustError(f"{source} is not a trustcli export (not JSON: {exc})") from None
    else:
        depth = _depth(document)
    if depth > MAX_DEPTH:
        raise TrustError(
            f"{source} nests lists and objects deeper than a trustcli export ever does "
            f"({MAX_DEPTH} levels); nothing was imported"
        )
    return document


def _depth(value: Any) -> int:
    """How deep lists and objects nest in ``value`` (without recursion: no limit hit)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                # only what nests: ten thousand records' plain values need no visit
                pending += [(c, level + 1) for c in children if isinstance(c, dict | list)]
    return deepest


@dataclass
class Backup:
    """A backup read and checked: TOML-ready records (dates as dates), in file order."""

    config: Record
    promises: list[Record]
    followups: list[Record]
    checkins: list[Record]
    sessions: list[Record]
    safety: list[Record]
    reminders: list[Record]
    templates: dict[str, dict[str, str]]
    last_promise_id: int = 0
    not_taken: list[str] = field(default_factory=list)  # templates that replace built-ins


def read_backup(document: Any, with_config: bool = False) -> Backup:
    """Check the whole backup; the first fault found stops everything, named. Its
    settings are checked (and kept) only ``with_config``: otherwise they are not taken.
    Every record is checked against the same day (``records.one_day``)."""
    with records.one_day():
        return _read_backup(document, with_config)


def _read_backup(document: Any, with_config: bool) -> Backup:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TrustError('this is not a trustcli export (no "format": "trustcli-export")')
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise TrustError(
            f"this export has format version {version!r}; this trustcli reads up to "
            f"{VERSION}: upgrade trustcli to import it"
        )
    for kind in _LISTS:
        found = document.get(kind) or []
        if not isinstance(found, list):
            raise TrustError(f"this export's {kind!r} is not a list")
        if len(found) > MAX_RECORDS[kind]:
            raise records.Refused(kind, f"{len(found):,} records, more than {MAX_RECORDS[kind]:,}")

    def each(kind: str, read: Callable[[Any, str], Record]) -> list[Record]:
        found = document.get(kind) or []
        return [read(raw, f"{kind}[{index}]") for index, raw in enumerate(found)]

    templates = records.templates(document.get("templates") or {})
    replacing = [] if with_config else _replacing_builtins(templates)
    made = _unique(each("promises", records.promise), "promises")
    known = {promise["id"] for promise in made}
    made_on = {p["id"]: p.get("since") or p["created"].date() for p in made}
    sets = records.set_finder(templates.get("questions", {}))
    return Backup(
        config=records.settings(document.get("config") or {}) if with_config else {},
        promises=made,
        followups=each("followups", lambda raw, at: records.followup(raw, at, made_on)),
        checkins=each("checkins", records.checkin),
        sessions=_unique(
            each("sessions", lambda raw, at: records.session(raw, at, sets)), "sessions"
        ),
        safety=each("safety", records.screen),
        reminders=_unique(
            each("reminders", lambda raw, at: records.reminder(raw, at, known)), "reminders"
        ),
        templates=templates,
        last_promise_id=_last_promise_id(document.get("last_promise_id", 0)),
        not_taken=replacing,
    )


def _replacing_builtins(incoming: dict[str, dict[str, str]]) -> list[str]:
    """Take out of ``incoming`` the templates that would replace a built-in one, and name
    them: like settings, they change how trustcli itself behaves (a joint question set
    made one for "self" would skip the safety question), so only --with-config takes them.
    """
    from trustcli import templates

    taken_out = []
    for kind, texts in incoming.items():
        for name in list(texts):
            if (templates.builtin_dir() / kind / f"{name}{TEMPLATE_KINDS[kind]}").is_file():
                del texts[name]
                taken_out.append(name)
    return taken_out


def _last_promise_id(raw: Any) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= records.MAX_ID:
        raise TrustError(
            f"last_promise_id: {raw!r} is not a whole number from 0; nothing was imported"
        )
    return raw


def _unique(found: list[Record], kind: str) -> list[Record]:
    seen: dict[int, int] = {}
    for index, record in enumerate(found):
        ident = record["id"]
        if ident in seen:
            raise records.Refused(
                f"{kind}[{index}].id", f"{ident} is also the id of {kind}[{seen[ident]}]"
            )
        seen[ident] = index
    return found


# --- import: then write, each file once ----------------------------------------------------


@dataclass
class Outcome:
    """What an import wrote (per kind), and anything it kept of this home instead."""

    counts: dict[str, int] = field(
        default_factory=lambda: (
            dict.fromkeys(
                (
                    "promises",
                    "followups",
                    "checkins",
                    "sessions",
                    "reminders",
                    "templates",
                    "safety",
                ),
                0,
            )
            | {"config": 0}
        )
    )
    notes: list[str] = field(default_factory=list)
    present: dict[str, int] = field(default_factory=dict)

    def already(self, kind: str, count: int) -> None:
        """``count`` records of ``kind`` were already in this home: not added again."""
        if count:
            self.present[kind] = self.present.get(kind, 0) + count

    def summary(self) -> str:
        parts = [
            _counted(count, kind)
            for kind, count in self.counts.items()
            if count and kind in _LABELS
        ]
        if self.counts["config"]:
            parts.append("settings (config.toml)")
        return ", ".join(parts) or "nothing new"


_LABELS = {
    "promises": ("promise", "promises"),
    "followups": ("follow-up", "follow-ups"),
    "checkins": ("check-in", "check-ins"),
    "sessions": ("session", "sessions"),
    "reminders": ("reminder", "reminders"),
    "templates": ("template", "templates"),
    "safety": ("safety entry", "safety entries"),
}


def _counted(count: int, kind: str) -> str:
    return f"{count} {_LABELS[kind][count != 1]}"


def restore(document: Any, merge: bool, with_config: bool = False) -> Outcome:
    """Write an export back into the data home.

    The whole backup is checked first; a fault anywhere writes nothing. Into an empty
    home everything keeps its id. With ``merge``, into a home with data: promises,
    sessions and reminders get new ids after the existing ones, and records already
    present (same promise text and creation time, same check-in time …) are not added
    twice; this home's own settings and templates win, and a differing one is named.

    Settings and the safety entry are the person's own: they are taken only
    ``with_config``, and then the safety entry only for this home's own name (``me``,
    or the backup's when this home has none). An entry says that person was already
    shown the safety question: taken for someone else, it would skip a question they
    never saw, or pause their sets for a concern they never raised.
    """
    backup = read_backup(document, with_config)
    if with_config:
        me = config.names().get("me") or backup.config.get("names", {}).get("me")
        own = [entry for entry in backup.safety if entry["who"] == (me or config.DEFAULT_ME)]
        others = sorted({entry["who"] for entry in backup.safety} - {e["who"] for e in own})
        backup.safety = own
    else:
        others = []
        not_taken = [
            what
            for what, held in (
                ("settings (config.toml)", document.get("config")),
                ("safety entry", backup.safety),
            )
            if held
        ]
        backup.safety = []
    existing = collect()
    has_data = any(existing[kind] for kind in _LISTS) or bool(existing["config"])
    has_data = has_data or any(existing["templates"].values())
    if has_data and not merge:
        raise TrustError(
            f"the data home {store.home()} already has data: pass --merge to add to it, "
            "or set TRUSTCLI_HOME to an empty folder"
        )
    outcome = Outcome()
    if with_config:
        left_out = records.left_out(document.get("config"))
        if left_out:
            outcome.notes.append(f"left out settings trustcli does not know: {', '.join(left_out)}")
        if others:
            outcome.notes.append(
                f"left out the safety entries of {', '.join(others)}: only your own is taken"
            )
    else:
        if backup.not_taken:
            not_taken.append(f"own versions of built-in templates ({', '.join(backup.not_taken)})")
        if not_taken:
            outcome.notes.append(
                f"the backup's {' and '.join(not_taken)} were not taken; they are your own: "
                "to take them too, import again with --with-config (and --merge)"
            )
    _restore_config(backup.config, outcome)
    _restore_templates(backup.templates, existing["templates"], outcome)
    ids = _restore_promises(backup.promises, existing["promises"], not has_data, outcome)
    if not has_data:
        promises.raise_last_id(backup.last_promise_id)
    _restore_log(
        promises.FOLLOWUPS,
        [{**f, "promise": ids[f["promise"]]} for f in backup.followups],
        existing["followups"],
        ("promise", "on", "result", "at"),
        outcome,
        "followups",
    )
    _restore_log(
        checkins.LOG,
        backup.checkins,
        existing["checkins"],
        ("who", "on", "at"),
        outcome,
        "checkins",
    )
    _restore_sessions(backup.sessions, existing["sessions"], not has_data, outcome)
    _restore_safety(backup.safety, outcome)
    _restore_reminders(backup.reminders, ids, not has_data, outcome)
    if outcome.present:
        found = ", ".join(_counted(count, kind) for kind, count in outcome.present.items())
        outcome.notes.append(f"already in this home, so not added again: {found}")
    return outcome


def _identity(record: Record, keys: tuple[str, ...]) -> tuple[Any, ...]:
    """What makes two records the same, compared as ISO text."""
    return tuple(_plain(record.get(key)) for key in keys)


def _restore_config(incoming: Record, outcome: Outcome) -> None:
    """Keep what this home has, add what it lacks; name what differs."""
    if not incoming:
        return
    with store.updating(config.CONFIG) as current:
        before = _plain(current)
        for key, value in incoming.items():
            if key == "names" and isinstance(value, dict):
                names = current.setdefault("names", {})
                for who, name in value.items():
                    _keep_or_add(names, who, name, f"names.{who}", outcome)
            else:
                _keep_or_add(current, key, value, key, outcome)
        if _plain(current) != before:
            outcome.counts["config"] = 1


def _keep_or_add(table: Record, key: str, value: Any, where: str, outcome: Outcome) -> None:
    if key not in table:
        table[key] = value
    elif _plain(table[key]) != _plain(value):
        outcome.notes.append(
            f"kept this home's setting {where} in config.toml (the backup's differs)"
        )


def _restore_templates(
    incoming: dict[str, dict[str, str]], existing: dict[str, dict[str, str]], outcome: Outcome
) -> None:
    for kind, texts in incoming.items():
        for name, text in texts.items():
            current = existing.get(kind, {}).get(name)
            if current == text:
                continue
            if current is not None:
                outcome.notes.append(
                    f"kept this home's own {kind[:-1]} template {name!r} (the backup's differs)"
                )
                continue
            store.write_text(f"{TEMPLATE_FOLDER}/{kind}/{name}{TEMPLATE_KINDS[kind]}", text)
            outcome.counts["templates"] += 1


def _restore_promises(
    incoming: list[Record], existing: list[Record], keep_ids: bool, outcome: Outcome
) -> dict[int, int]:
    """Add the promises this home lacks in one write; backup id → id in this home."""
    keys = ("text", "created")
    known = {_identity(p, keys): p["id"] for p in existing}
    ids = {p["id"]: known[_identity(p, keys)] for p in incoming if _identity(p, keys) in known}
    new = [p for p in incoming if p["id"] not in ids]
    outcome.already("promises", len(ids))
    if new:
        for promise, ident in zip(new, promises.add_many(new, keep_ids), strict=True):
            ids[promise["id"]] = ident
        outcome.counts["promises"] = len(new)
    return ids


def _restore_log(
    log: store.Log,
    incoming: list[Record],
    existing: list[Record],
    keys: tuple[str, ...],
    outcome: Outcome,
    kind: str,
) -> None:
    """Append what this home lacks, all in one write."""
    new = incoming  # into a home without any: all of them, each compared with nothing
    if existing:
        here = {_identity(record, keys) for record in existing}
        new = [record for record in incoming if _identity(record, keys) not in here]
    store.append_many(log, new)
    outcome.counts[kind] = len(new)
    outcome.already(kind, len(incoming) - len(new))


def _restore_sessions(
    incoming: list[Record], existing: list[Record], keep_ids: bool, outcome: Outcome
) -> None:
    keys = ("set", "who", "started")
    here = {_identity(s, keys) for s in existing}
    next_id = max((s["id"] for s in existing), default=0) + 1
    for session in incoming:
        if _identity(session, keys) in here:
            outcome.already("sessions", 1)
            continue
        record = dict(session)
        if not keep_ids:
            record["id"], next_id = next_id, next_id + 1
        try:
            qset = questions.load(record["set"])
        except TrustError:
            qset = _stand_in(record)  # the set is not installed here: answers by their id
        stem = sessions.file_stem(record)
        with store.lock():
            store.write_document(f"{stem}.toml", sessions.record_for_disk(record))
            store.write_text(f"{stem}.md", sessions.transcript(record, qset))
        outcome.counts["sessions"] += 1


def _stand_in(session: Record) -> questions.QuestionSet:
    """A set for a session whose own set is gone: its question ids as the questions, so
    its transcript still holds every answer."""
    from pathlib import Path

    ids = [*session["answers"], *session["skipped"]] or ["answers"]
    return questions.QuestionSet(
        name=session["set"],
        title=session.get("title") or session["set"],
        description="",
        audience="self",
        intro="",
        questions=tuple(questions.Question(id=i, prompt=i, kind="text") for i in ids),
        source="user",
        path=Path(f"{session['set']}.toml"),
    )


def _restore_safety(incoming: list[Record], outcome: Outcome) -> None:
    """One entry per person; this home's own entry for a person wins."""
    if not incoming:
        return
    with store.updating(safety.STATE) as state:
        entries = state.setdefault("screen", [])
        known = {entry.get("who"): entry for entry in entries}
        for entry in incoming:
            who = entry["who"]
            if who not in known:
                entries.append(entry)
                known[who] = entry
                outcome.counts["safety"] += 1
            elif bool(known[who].get("concern")) != bool(entry.get("concern")):
                outcome.notes.append(
                    f"kept this home's safety entry for {who} (the backup's differs); "
                    f"to answer again: trustcli ask --screen --as {who}"
                )
        if not entries:
            del state["screen"]


def _restore_reminders(
    incoming: list[Record], ids: dict[int, int], keep_ids: bool, outcome: Outcome
) -> None:
    """Stored reminders, with their promise's id in this home, in one write."""
    if not incoming:
        return
    keys = ("when", "created", "kind", "message", "promise")
    with store.updating(reminders.REMINDERS) as document:
        current = document.setdefault("reminder", [])
        here = {_identity(r, keys) for r in current}
        next_id = max((r.get("id", 0) for r in current), default=0) + 1
        keep_ids = keep_ids and not current
        for reminder in incoming:
            record = dict(reminder)
            if "promise" in record:
                record["promise"] = ids[record["promise"]]
            if _identity(record, keys) in here:
                outcome.already("reminders", 1)
                continue
            if not keep_ids:
                record["id"], next_id = next_id, next_id + 1
            current.append(record)
            outcome.counts["reminders"] += 1
        if not current:
            del document["reminder"]


# --- Markdown --------------------------------------------------------------------------


def markdown() -> str:
    """Everything, readable: promises with their follow-through, check-ins, sessions."""
    from trustcli import shared

    made, followups = promises.load_promises(), promises.load_followups()
    seen = shared.view()
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
    for entry in promises.chronological(followups):
        if entry["promise"] == ident:
            note = f": {_line(entry['note'])}" if entry["note"] else ""
            lines.append(f"- {entry['on']} {entry['result']}{note}")
    for entry in promises.chronological(views):
        if entry["promise"] == ident:
            note = f": {_line(entry['note'])}" if entry["note"] else ""
            lines.append(f"- {entry['on']} {entry['result']} by {_line(viewer)}{note}")
    return [*lines, ""] if lines else []


def _line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    return _line(text).replace("|", "\\|")
