"""Export and import: everything in the data home as one JSON document (backup, other
tools), one readable Markdown file; the calendar lives in ``calendar_export``.

The JSON holds each record as stored, with dates and times as ISO text, plus the
person's own reminders, settings and templates. Import reads the whole backup first
and names the first thing wrong in it (``checkins[3].rating``); only a backup with
nothing wrong is written, each file once, so export → import → export is identical
and a refused import leaves the data home as it was.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from trustcli import (
    checkins,
    config,
    dates,
    promises,
    questions,
    reminders,
    safety,
    sessions,
    store,
)
from trustcli.errors import EXIT_RUNTIME, TrustError

FORMAT = "trustcli-export"
VERSION = 2  # 2 added reminders and templates; version 1 backups are still read
Record = dict[str, Any]

TEMPLATE_FOLDER = "templates"
TEMPLATE_KINDS = {"questions": ".toml", "worksheets": ".md"}
_LISTS = ("promises", "followups", "checkins", "sessions", "safety", "reminders")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT64 = -(2**63)  # TOML 1.0 integers are 64-bit: other TOML readers refuse larger ones
MAX_ID = 10**9  # ids are typed by people: far below that, and far below 2**63


# --- export --------------------------------------------------------------------------


def collect() -> Record:
    """Every record in the data home, as stored, in one JSON-ready document."""
    me = config.me()
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
        # Only the person's own: whoever else was shown the safety question on this
        # computer (and what they answered) is theirs, never part of this backup.
        "safety": [_plain(e) for e in safety.entries() if e.get("who") == me],
        "reminders": [_plain(raw) for raw in _raw_reminders()],
        "templates": _own_templates(),
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
            try:
                texts[path.name[: -len(suffix)]] = path.read_bytes().decode("utf-8")
            except OSError as exc:
                raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
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


class _Refused(TrustError):
    """Something in the backup is wrong: where, and what; nothing is written."""

    def __init__(self, place: str, reason: str) -> None:
        super().__init__(f"{place}: {reason}; nothing was imported")


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


class _Fields:
    """Reads the fields of one record of the backup, naming the place of a fault."""

    def __init__(self, kind: str, index: int, raw: Any, tables: tuple[str, ...] = ()) -> None:
        self.place = f"{kind}[{index}]"
        if not isinstance(raw, dict):
            raise _Refused(self.place, "is not an object")
        self.raw = raw
        self.record: Record = {}
        for key, value in raw.items():  # the backup's key order is the file's
            if value is None:
                continue
            place = f"{self.place}.{key}"
            _tomlable(key, f"{self.place}: a key")
            # A record is one [[table]] of plain values: a table inside it would be
            # written as a table of its own, after it, and change the whole file.
            if (isinstance(value, dict) and key not in tables) or (
                isinstance(value, list) and any(isinstance(item, dict | list) for item in value)
            ):
                raise _Refused(place, "is a table; a record here holds plain values and lists")
            self.record[key] = _tomlable(value, place)

    def _get(self, key: str, required: bool) -> Any:
        value = self.raw.get(key)
        if value is None and required:
            raise _Refused(f"{self.place}.{key}", "is missing")
        return value

    def _set(self, key: str, value: Any) -> Any:
        if value is None:
            self.record.pop(key, None)
        else:
            self.record[key] = value
        return value

    def whole(self, key: str, low: int = 1, high: int | None = None, required: bool = True) -> Any:
        value = self._get(key, required)
        if value is None:
            return None
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < low
            or (high is not None and value > high)
        ):
            span = f"from {low} to {high}" if high is not None else f"from {low}"
            raise _Refused(f"{self.place}.{key}", f"{value!r} is not a whole number {span}")
        return value

    def text(self, key: str, required: bool = True) -> Any:
        value = self._get(key, required)
        if value is not None and not isinstance(value, str):
            raise _Refused(f"{self.place}.{key}", f"{value!r} is not text")
        return value

    def name(self, key: str, required: bool = True) -> Any:
        value = self._get(key, required)
        if value is not None:
            plain_name(value, f"{self.place}.{key}")
        return value

    def flag(self, key: str) -> Any:
        value = self._get(key, False)
        if value is not None and not isinstance(value, bool):
            raise _Refused(f"{self.place}.{key}", f"{value!r} is not true or false")
        return value

    def day(self, key: str, required: bool = True) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        try:
            if not isinstance(value, str) or not _DAY.fullmatch(value):
                raise ValueError
            return self._set(key, date.fromisoformat(value))  # type: ignore[no-any-return]
        except ValueError:
            raise _Refused(
                f"{self.place}.{key}", f"{value!r} is not a date like 2026-11-26"
            ) from None

    def moment(self, key: str, required: bool = True, offset: bool = True) -> datetime | None:
        value = self._get(key, required)
        if value is None:
            return None
        try:
            if not isinstance(value, str) or not _DAY.match(value):
                raise ValueError
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or (offset and moment.tzinfo is None):
            raise _Refused(
                f"{self.place}.{key}",
                f"{value!r} is not a date and time like 2026-11-26T20:00:00+01:00",
            )
        return self._set(key, moment)  # type: ignore[no-any-return]

    def last(self, key: str) -> Record:
        """The record, with ``key`` moved to the end (as every log writer puts ``at``)."""
        if key in self.record:
            self.record[key] = self.record.pop(key)
        return self.record

    def check(self, normalise: Callable[[Record], Any]) -> None:
        """The owner's own check of a record, as for a record read from disk."""
        try:
            normalise(self.record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise _Refused(self.place, str(exc)) from None


def plain_name(value: Any, place: str) -> str:
    """A name that reaches file names must be plain: one line, no '/', '..' or leading dot."""
    if not isinstance(value, str) or not value.strip():
        raise _Refused(place, f"{value!r} is not a name")
    _tomlable(value, place)  # valid text
    if (
        "/" in value
        or "\\" in value
        or ".." in value
        or value.startswith(".")
        or any(ord(char) < 32 or ord(char) == 127 for char in value)
    ):
        raise _Refused(
            place,
            f"{value!r} is not a plain name (no '/', '..', leading dot or control characters)",
        )
    return value


def _tomlable(value: Any, place: str) -> Any:
    """JSON values that TOML can hold (no null in a list or table, no NaN), in UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Refused(place, "holds characters that are not valid text (UTF-8)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _tomlable(key, f"{place}: a key")
            if item is None:
                raise _Refused(f"{place}.{key}", "is null, which a TOML file cannot hold")
            _tomlable(item, f"{place}.{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            if item is None:
                raise _Refused(f"{place}[{number}]", "is null, which a TOML file cannot hold")
            _tomlable(item, f"{place}[{number}]")
    elif isinstance(value, int) and not isinstance(value, bool) and not _INT64 <= value < -_INT64:
        raise _Refused(place, f"{value} is larger than a TOML file can hold")
    elif isinstance(value, float) and not math.isfinite(value):
        raise _Refused(place, f"{value!r} is not a number a TOML file can hold")
    elif not isinstance(value, int | float | bool):
        raise _Refused(place, f"{value!r} is not a value a TOML file can hold")
    return value


def read_backup(document: Any) -> Backup:
    """Check the whole backup; the first fault found stops everything, named."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TrustError('this is not a trustcli export (no "format": "trustcli-export")')
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise TrustError(
            f"this export has format version {version!r}; this trustcli reads up to "
            f"{VERSION}: upgrade trustcli to import it"
        )
    for kind in _LISTS:
        if not isinstance(document.get(kind) or [], list):
            raise TrustError(f"this export's {kind!r} is not a list")

    def each(kind: str, read: Callable[[int, Any], Record]) -> list[Record]:
        return [read(index, raw) for index, raw in enumerate(document.get(kind) or [])]

    made = _unique(each("promises", _promise), "promises")
    known = {promise["id"] for promise in made}
    made_on = {p["id"]: p.get("since") or p["created"].date() for p in made}
    return Backup(
        config=_config(document.get("config") or {}),
        promises=made,
        followups=each("followups", lambda index, raw: _followup(index, raw, made_on)),
        checkins=each("checkins", _checkin),
        sessions=_unique(each("sessions", _session), "sessions"),
        safety=each("safety", _screen),
        reminders=_unique(
            each("reminders", lambda index, raw: _reminder(index, raw, known)), "reminders"
        ),
        templates=_templates(document.get("templates") or {}),
        last_promise_id=_last_promise_id(document.get("last_promise_id", 0)),
    )


def _last_promise_id(raw: Any) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_ID:
        raise TrustError(
            f"last_promise_id: {raw!r} is not a whole number from 0; nothing was imported"
        )
    return raw


def _unique(records: list[Record], kind: str) -> list[Record]:
    seen: dict[int, int] = {}
    for index, record in enumerate(records):
        ident = record["id"]
        if ident in seen:
            raise _Refused(
                f"{kind}[{index}].id", f"{ident} is also the id of {kind}[{seen[ident]}]"
            )
        seen[ident] = index
    return records


def _promise(index: int, raw: Any) -> Record:
    fields = _Fields("promises", index, raw)
    fields.whole("id", 1, MAX_ID)
    fields.text("text")
    fields.name("by", required=False)
    if raw.get("to"):
        fields.name("to")
    fields.moment("created", offset=False)
    fields.day("since", required=False)  # the day it was really made, if typed in later
    fields.day("due", required=False)
    fields.moment("closed", required=False, offset=False)
    every = fields.text("every", required=False)
    if every is not None:
        try:
            canonical = promises.parse_every(every)
        except TrustError:
            canonical = None
        if canonical != every:
            raise _Refused(
                f"{fields.place}.every",
                f"{every!r} is not a schedule: use {promises.EVERY_FORMS}",
            )
    fields.check(promises.normalise_promise)
    return fields.record


def _followup(index: int, raw: Any, made_on: dict[int, date]) -> Record:
    """A follow-up as `promise kept/missed` would take it: for a promise in the backup,
    on a day from the one it was made, and not in the future."""
    fields = _Fields("followups", index, raw)
    promise = fields.whole("promise")
    if promise not in made_on:
        raise _Refused(
            f"{fields.place}.promise",
            f"there is no promise {promise} in this backup (add it, or delete this follow-up)",
        )
    day = _happened(fields, "on")
    if day < made_on[promise]:
        raise _Refused(
            f"{fields.place}.on",
            f"{day.isoformat()} is before promise {promise} was made "
            f"({made_on[promise].isoformat()}); if it was made earlier, give that promise "
            "a 'since' date",
        )
    result = fields.text("result")
    if result not in promises.RESULTS:
        raise _Refused(f"{fields.place}.result", f"{result!r} is neither kept nor missed")
    fields.text("note", required=False)
    fields.moment("at")
    fields.check(promises.normalise_followup)
    return fields.last("at")


def _happened(fields: _Fields, key: str) -> date:
    """A day something happened, checked as the CLI checks it (see dates.past_day); a
    day of slack for a backup made in a zone already in tomorrow."""
    day = cast(date, fields.day(key))  # required: a missing day is refused there
    try:
        dates.past_day(day - timedelta(days=1) if day > dates.today() else day, "")
    except TrustError:
        raise _Refused(
            f"{fields.place}.{key}",
            f"{day.isoformat()} cannot be the day it happened (in the future, or more than "
            f"{dates.EARLIEST_YEARS} years ago)",
        ) from None
    return day


def _checkin(index: int, raw: Any) -> Record:
    fields = _Fields("checkins", index, raw)
    _happened(fields, "on")
    fields.name("who")
    fields.whole("rating", 1, 10)
    fields.text("note", required=False)
    fields.moment("at")
    fields.check(checkins.normalise_checkin)
    return fields.last("at")


def _session(index: int, raw: Any) -> Record:
    fields = _Fields("sessions", index, raw, tables=("answers",))
    fields.whole("id", 1, MAX_ID)
    fields.name("set")  # part of the session's file name
    fields.text("title", required=False)
    fields.name("who")
    fields.moment("started")
    fields.moment("finished", required=False)
    skipped = raw.get("skipped", [])
    if not isinstance(skipped, list) or not all(isinstance(item, str) for item in skipped):
        raise _Refused(f"{fields.place}.skipped", "is not a list of question ids")
    answers = raw.get("answers")
    if not isinstance(answers, dict) or not all(
        isinstance(value, str | int | bool) for value in answers.values()
    ):
        raise _Refused(f"{fields.place}.answers", "is not a table of answers")
    fields.record.setdefault("skipped", [])
    return fields.record


def _screen(index: int, raw: Any) -> Record:
    fields = _Fields("safety", index, raw)
    fields.name("who")
    fields.moment("shown")
    fields.flag("concern")
    return fields.record


def _reminder(index: int, raw: Any, known: set[int]) -> Record:
    from trustcli import schedules  # only an import with reminders needs it

    fields = _Fields("reminders", index, raw)
    fields.whole("id", 1, MAX_ID)
    when = fields.text("when")
    created = fields.moment("created")
    try:
        schedules.trigger(schedules.parse(when, created))  # read, and understood by the daemon
    except TrustError as exc:
        raise _Refused(f"{fields.place}.when", exc.message) from None
    except (ValueError, OverflowError) as exc:
        raise _Refused(f"{fields.place}.when", f"{when!r} cannot be scheduled ({exc})") from None
    fields.text("message", required=False)
    kind = fields.text("kind", required=False)
    if kind is not None and kind not in reminders.KINDS:
        raise _Refused(f"{fields.place}.kind", f"{kind!r} is not checkin, promise or custom")
    promise = fields.whole("promise", required=False)
    if promise is not None and promise not in known:
        raise _Refused(f"{fields.place}.promise", f"there is no promise {promise} in this backup")
    fields.flag("paused")
    return fields.record


def _config(raw: Any) -> Record:
    if not isinstance(raw, dict):
        raise _Refused("config", "is not an object")
    _tomlable(raw, "config")
    names = raw.get("names", {})
    if not isinstance(names, dict):
        raise _Refused("config.names", "is not a table of names")
    for key, value in names.items():
        plain_name(value, f"config.names.{key}")
    return dict(raw)


def _templates(raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise _Refused("templates", "is not an object")
    found: dict[str, dict[str, str]] = {}
    for kind, texts in raw.items():
        if kind not in TEMPLATE_KINDS:
            raise _Refused(f"templates.{kind}", "is not questions or worksheets")
        if not isinstance(texts, dict):
            raise _Refused(f"templates.{kind}", "is not an object of name → text")
        for name, text in texts.items():
            plain_name(name, f"templates.{kind}: the name {name!r}")
            if not isinstance(text, str) or "\0" in text:
                raise _Refused(f"templates.{kind}.{name}", "is not text")
            _tomlable(text, f"templates.{kind}.{name}")
        found[kind] = dict(texts)
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


def restore(document: Any, merge: bool) -> Outcome:
    """Write an export back into the data home.

    The whole backup is checked first; a fault anywhere writes nothing. Into an empty
    home everything keeps its id. With ``merge``, into a home with data: promises,
    sessions and reminders get new ids after the existing ones, and records already
    present (same promise text and creation time, same check-in time …) are not added
    twice; this home's own settings and templates win, and a differing one is named.
    """
    backup = read_backup(document)
    existing = collect()
    has_data = any(existing[kind] for kind in _LISTS) or bool(existing["config"])
    has_data = has_data or any(existing["templates"].values())
    if has_data and not merge:
        raise TrustError(
            f"the data home {store.home()} already has data: pass --merge to add to it, "
            "or set TRUSTCLI_HOME to an empty folder"
        )
    outcome = Outcome()
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
            qset = None  # the set is not installed here: keep the record, skip the transcript
        stem = sessions.file_stem(record)
        with store.lock():
            store.write_document(f"{stem}.toml", sessions.record_for_disk(record))
            if qset is not None:
                store.write_text(f"{stem}.md", sessions.transcript(record, qset))
        outcome.counts["sessions"] += 1


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
