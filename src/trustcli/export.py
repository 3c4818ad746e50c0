"""Export and import: everything in the data home as one JSON document (backup, other
tools), one readable Markdown file; the calendar lives in ``calendar_export``.

The JSON holds each record as stored, with dates and times as ISO text, plus the
person's own reminders, settings and templates. Import reads the whole backup first
and names the first thing wrong in it (``checkins[3].rating``); only a backup with
nothing wrong is written, each file once, so export → import → export is identical
and a refused import leaves the data home as it was.
"""

from __future__ import annotations

import json
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
    limits,
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
    "templates": 500,  # of each kind
}
SETTINGS = {"names": ("me", "partner"), "notify": ("show_details",), "remind": ("promise_time",)}


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
                pending.extend((child, level + 1) for child in children)
    return deepest


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

    def text(
        self, key: str, required: bool = True, limit: int = limits.LINE, blank: bool = True
    ) -> Any:
        """Text of at most ``limit`` characters (see ``limits``, as the commands take it);
        without ``blank``, not empty either."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or (not blank and not value.strip()):
            raise _Refused(f"{self.place}.{key}", f"{value!r} is not text")
        problem = limits.too_long(value, limit, "the text")
        if problem:
            raise _Refused(f"{self.place}.{key}", problem)
        return value

    def name(self, key: str, required: bool = True) -> Any:
        value = self._get(key, required)
        if value is not None:
            person_name(value, f"{self.place}.{key}")
        return value

    def made(self, key: str, required: bool = True, offset: bool = True) -> datetime | None:
        """When something was made or done: as ``moment``, and a day the commands could
        have recorded it on (see ``_happened``): a promise made in year 1 would make
        every later command walk two thousand years of days."""
        moment = self.moment(key, required, offset)
        if moment is not None:
            _within(self.place, key, moment.date())
        return moment

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


def person_name(value: Any, place: str) -> str:
    """A person's name as ``trustcli init`` and ``--as`` take it (config.clean_name), and
    plain, as it becomes part of a session's file name."""
    plain_name(value, place)
    try:
        cleaned = config.clean_name(value, "this name")
    except TrustError as exc:
        raise _Refused(place, exc.message.replace("the name for this name", "the name")) from None
    if cleaned != value:
        raise _Refused(place, f"{value!r} is not a name as trustcli writes one (one space apart)")
    return cleaned


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
    if len(value.encode("utf-8")) > limits.NAME:
        raise _Refused(place, f"is longer than a name can be ({limits.NAME} bytes)")
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


def read_backup(document: Any, with_config: bool = False) -> Backup:
    """Check the whole backup; the first fault found stops everything, named. Its
    settings are checked (and kept) only ``with_config``: otherwise they are not taken."""
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
            raise _Refused(kind, f"{len(found):,} records, more than {MAX_RECORDS[kind]:,}")

    def each(kind: str, read: Callable[[int, Any], Record]) -> list[Record]:
        return [read(index, raw) for index, raw in enumerate(document.get(kind) or [])]

    templates = _templates(document.get("templates") or {})
    made = _unique(each("promises", _promise), "promises")
    known = {promise["id"] for promise in made}
    made_on = {p["id"]: p.get("since") or p["created"].date() for p in made}
    sets = _set_finder(templates.get("questions", {}))
    return Backup(
        config=_config(document.get("config") or {}) if with_config else {},
        promises=made,
        followups=each("followups", lambda index, raw: _followup(index, raw, made_on)),
        checkins=each("checkins", _checkin),
        sessions=_unique(each("sessions", lambda i, raw: _session(i, raw, sets)), "sessions"),
        safety=each("safety", _screen),
        reminders=_unique(
            each("reminders", lambda index, raw: _reminder(index, raw, known)), "reminders"
        ),
        templates=templates,
        last_promise_id=_last_promise_id(document.get("last_promise_id", 0)),
    )


def _set_finder(incoming: dict[str, str]) -> Callable[[str], questions.QuestionSet | None]:
    """The question set a session's answers are checked against: this home's own (it
    wins over the backup's), else the backup's, else a built-in; None if none is."""
    found: dict[str, questions.QuestionSet | None] = {}

    def find(name: str) -> questions.QuestionSet | None:
        if name not in found:
            installed = questions.available().get(name)
            if name in incoming and (installed is None or installed[1] != "user"):
                found[name] = questions.from_text(incoming[name], name)  # checked already
            else:
                try:
                    found[name] = questions.load(name)
                except TrustError:
                    found[name] = None
        return found[name]

    return find


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
    fields.text("text", blank=False)
    fields.name("by", required=False)
    if raw.get("to"):
        fields.name("to")
    created = cast(datetime, fields.made("created", offset=False))
    if raw.get("since") is not None:  # the day it was really made, if typed in later
        _happened(fields, "since")
    due = fields.day("due", required=False)
    if due is not None and (due - dates.today()).days > dates.EARLIEST_YEARS * 366:
        raise _Refused(
            f"{fields.place}.due",
            f"{due.isoformat()} is more than {dates.EARLIEST_YEARS} "
            "years away (as 'promise add --due' refuses it)",
        )
    if due is not None and raw.get("every") is not None:
        raise _Refused(f"{fields.place}.due", "a promise repeats (every) or is due once, not both")
    closed = fields.moment("closed", required=False, offset=False)
    how = fields.text("closed_how", required=False)
    if (closed is None) != (how is None) or how not in (None, "fulfilled", "released"):
        raise _Refused(
            f"{fields.place}.closed_how",
            "a closed promise says how: closed_how = fulfilled or released, beside 'closed'",
        )
    if closed is not None and closed.date() < created.date():
        raise _Refused(f"{fields.place}.closed", "is before the promise was made")
    tags = raw.get("tags")
    if tags is not None and (
        not isinstance(tags, list)
        or not all(isinstance(tag, str) and tag.strip() and len(tag) <= limits.LINE for tag in tags)
    ):
        raise _Refused(f"{fields.place}.tags", "is not a list of words (as --tag takes them)")
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
    fields.text("note", required=False, limit=limits.NOTE)
    fields.moment("at")
    fields.check(promises.normalise_followup)
    return fields.last("at")


def _happened(fields: _Fields, key: str) -> date:
    """A day something happened, checked as the CLI checks it (see dates.past_day); a
    day of slack for a backup made in a zone already in tomorrow."""
    day = cast(date, fields.day(key))  # required: a missing day is refused there
    return _within(fields.place, key, day)


def _within(place: str, key: str, day: date) -> date:
    try:
        dates.past_day(day - timedelta(days=1) if day > dates.today() else day, "")
    except TrustError:
        raise _Refused(
            f"{place}.{key}",
            f"{day.isoformat()} cannot be the day it happened (in the future, or more than "
            f"{dates.EARLIEST_YEARS} years ago)",
        ) from None
    return day


def _checkin(index: int, raw: Any) -> Record:
    fields = _Fields("checkins", index, raw)
    _happened(fields, "on")
    fields.name("who")
    fields.whole("rating", 1, 10)
    fields.text("note", required=False, limit=limits.NOTE)
    fields.moment("at")
    fields.check(checkins.normalise_checkin)
    return fields.last("at")


def _session(index: int, raw: Any, sets: Callable[[str], questions.QuestionSet | None]) -> Record:
    """A session as `ask` saves it: every answer one its question could have been given
    (when the set is known: installed, or in the backup), none both answered and skipped."""
    fields = _Fields("sessions", index, raw, tables=("answers",))
    fields.whole("id", 1, MAX_ID)
    fields.text("set")
    plain_name(raw["set"], f"{fields.place}.set")  # part of the session's file name
    fields.text("title", required=False)
    fields.name("who")
    started = cast(datetime, fields.made("started"))
    finished = fields.moment("finished", required=False)
    if finished is not None and finished < started:
        raise _Refused(f"{fields.place}.finished", "is before the session started")
    skipped = raw.get("skipped", [])
    if not isinstance(skipped, list) or not all(isinstance(item, str) for item in skipped):
        raise _Refused(f"{fields.place}.skipped", "is not a list of question ids")
    answers = raw.get("answers")
    if not isinstance(answers, dict) or not all(
        isinstance(value, str | int | bool) for value in answers.values()
    ):
        raise _Refused(f"{fields.place}.answers", "is not a table of answers")
    if set(skipped) & set(answers) or len(set(skipped)) != len(skipped):
        raise _Refused(f"{fields.place}.skipped", "names a question answered or skipped before")
    qset = sets(raw["set"])
    by_id = {question.id: question for question in qset.questions} if qset else {}
    for key, answer in answers.items():
        place = f"{fields.place}.answers.{key}"
        if qset is None:
            if isinstance(answer, str) and len(answer) > limits.ANSWER:
                raise _Refused(place, limits.too_long(answer, limits.ANSWER, "the answer") or "")
            continue
        if key not in by_id:
            raise _Refused(
                f"{fields.place}.answers",
                f"{key!r} is not a question of {raw['set']!r} ({', '.join(by_id)})",
            )
        problem = questions.answer_problem(by_id[key], answer)
        if problem:
            raise _Refused(place, problem)
    if qset is not None and set(skipped) - set(by_id):
        raise _Refused(f"{fields.place}.skipped", f"names a question {raw['set']!r} does not have")
    fields.record.setdefault("skipped", [])
    return fields.record


def _screen(index: int, raw: Any) -> Record:
    fields = _Fields("safety", index, raw)
    fields.name("who")
    fields.made("shown")
    fields.flag("concern")
    return fields.record


def _reminder(index: int, raw: Any, known: set[int]) -> Record:
    from trustcli import schedules  # only an import with reminders needs it

    fields = _Fields("reminders", index, raw)
    fields.whole("id", 1, MAX_ID)
    when = fields.text("when")
    created = cast(datetime, fields.made("created"))
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
    """The backup's settings, checked as the commands check config.toml; only the
    settings trustcli knows (``SETTINGS``): anything else in it is left out."""
    if not isinstance(raw, dict):
        raise _Refused("config", "is not an object")
    _tomlable(raw, "config")
    taken: Record = {}
    for table, keys in SETTINGS.items():
        values = raw.get(table, {})
        if not isinstance(values, dict):
            raise _Refused(f"config.{table}", "is not a table of settings")
        for key in keys:
            if key in values:
                taken.setdefault(table, {})[key] = _setting(table, key, values[key])
    return taken


def _setting(table: str, key: str, value: Any) -> Any:
    place = f"config.{table}.{key}"
    if table == "names":
        return person_name(value, place)
    if key == "show_details":
        if not isinstance(value, bool):
            raise _Refused(place, f"{value!r} is not true or false")
        return value
    from trustcli import schedules  # promise_time is read as `remind` reads it

    try:
        if not isinstance(value, str) or len(value) > 5:
            raise TrustError("")
        schedules.parse(f"daily {value}")
    except TrustError:
        raise _Refused(place, f'{value!r} is not a time like "20:00"') from None
    return value


def _left_out(raw: Any) -> list[str]:
    """The settings in a backup's config that trustcli does not know (not taken)."""
    if not isinstance(raw, dict):
        return []
    return [
        f"{table}.{key}" if isinstance(values, dict) else table
        for table, values in raw.items()
        for key in (values if isinstance(values, dict) else [None])
        if table not in SETTINGS or key not in SETTINGS[table]
    ]


def _templates(raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise _Refused("templates", "is not an object")
    found: dict[str, dict[str, str]] = {}
    for kind, texts in raw.items():
        if kind not in TEMPLATE_KINDS:
            raise _Refused(f"templates.{kind}", "is not questions or worksheets")
        if not isinstance(texts, dict):
            raise _Refused(f"templates.{kind}", "is not an object of name → text")
        if len(texts) > MAX_RECORDS["templates"]:
            raise _Refused(f"templates.{kind}", f"more than {MAX_RECORDS['templates']} templates")
        for name, text in texts.items():
            plain_name(name, f"templates.{kind}: the name {name!r}")
            place = f"templates.{kind}.{name}"
            if not isinstance(text, str) or "\0" in text:
                raise _Refused(place, "is not text")
            _tomlable(text, place)
            problem = limits.too_long(text, limits.TEMPLATE, "the template")
            if problem:
                raise _Refused(place, problem)
            _template_problem(kind, name, text, place)
        found[kind] = dict(texts)
    return found


def _template_problem(kind: str, name: str, text: str, place: str) -> None:
    """A template is read as `ask` and `worksheet new` read it: one that cannot be is
    named here, not when a command later needs it."""
    if kind == "questions":
        try:
            questions.from_text(text, name)
        except ValueError as exc:
            raise _Refused(place, f"is not a question set trustcli can read ({exc})") from None
        return
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    try:
        SandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise _Refused(place, f"line {exc.lineno}: {exc.message}") from None


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
        left_out = _left_out(document.get("config"))
        if left_out:
            outcome.notes.append(f"left out settings trustcli does not know: {', '.join(left_out)}")
        if others:
            outcome.notes.append(
                f"left out the safety entries of {', '.join(others)}: only your own is taken"
            )
    elif not_taken:
        outcome.notes.append(
            f"the backup's {' and '.join(not_taken)} were not taken; they are your own: to "
            "take them too, import again with --with-config (and --merge)"
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
