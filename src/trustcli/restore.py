"""Import: a backup read back into the data home (``trustcli import``).

A backup is treated as coming from someone else. The whole of it is read and checked
first, each record as the commands check what a person types (``records``), and the
first thing wrong in it is named (``checkins[3].rating``); only a backup with nothing
wrong is written, each file once, so export → import → export is identical and a
refused import leaves the data home as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trustcli import checkins, config, promises, questions, records, safety, sessions, store
from trustcli.errors import TrustError
from trustcli.export import (
    FORMAT,
    LISTS,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_RECORDS,
    TEMPLATE_FOLDER,
    TEMPLATE_KINDS,
    VERSION,
    collect,
    plain_value,
)
from trustcli.remind import reminders

Record = dict[str, Any]


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
    for kind in LISTS:
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
    from trustcli.store import template_files

    taken_out = []
    for kind, texts in incoming.items():
        for name in list(texts):
            if template_files.builtin_has(kind, f"{name}{TEMPLATE_KINDS[kind]}"):
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
    has_data = any(existing[kind] for kind in LISTS) or bool(existing["config"])
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
    return tuple(plain_value(record.get(key)) for key in keys)


def _restore_config(incoming: Record, outcome: Outcome) -> None:
    """Keep what this home has, add what it lacks; name what differs."""
    if not incoming:
        return
    with store.updating(config.CONFIG) as current:
        before = plain_value(current)
        for key, value in incoming.items():
            if key == "names" and isinstance(value, dict):
                names = current.setdefault("names", {})
                for who, name in value.items():
                    _keep_or_add(names, who, name, f"names.{who}", outcome)
            else:
                _keep_or_add(current, key, value, key, outcome)
        if plain_value(current) != before:
            outcome.counts["config"] = 1


def _keep_or_add(table: Record, key: str, value: Any, where: str, outcome: Outcome) -> None:
    if key not in table:
        table[key] = value
    elif plain_value(table[key]) != plain_value(value):
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
