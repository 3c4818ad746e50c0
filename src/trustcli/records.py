"""What a record from outside this data home must be: one check per kind of record.

A backup (``trustcli import``), and later what a partner's device writes into the couple
folder, is untrusted input. Each function here checks one record of one kind as the
commands check what a person types (the same names, days, limits, schedules and
answers: ``config.clean_name``, ``dates.past_day``, ``limits``, ``promises.parse_every``,
``questions.answer_problem``), plus what its file can hold, and returns it TOML-ready
(dates as dates) or raises ``Refused``, which names the place (``checkins[3].rating``).
Nothing here writes.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, cast

from trustcli import checkins, config, dates, limits, promises, questions, store
from trustcli.errors import TrustError
from trustcli.remind import reminders

Record = dict[str, Any]
TEMPLATE_KINDS = {"questions": ".toml", "worksheets": ".md"}
TEMPLATES_PER_KIND = 500
SETTINGS = {
    "names": ("me", "partner", "role", "relationship"),
    "notify": ("show", "show_details"),
    "remind": ("promise_time",),
    "vault": ("unlock_for",),
}
MAX_ID = 10**9  # ids are typed by people: far below that, and far below 2**63
MAX_LIST = 1_000  # values in one list of a record (tags, skipped questions)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT64 = -(2**63)  # TOML 1.0 integers are 64-bit: other TOML readers refuse larger ones
_TODAY: list[date] = []  # while a batch is read (see ``one_day``): its day


@contextlib.contextmanager
def one_day() -> Iterator[None]:
    """Check every record read inside against one "today" (the clock is asked once): a
    backup of ten thousand records asked it twice a record, a fifth of an import's
    time (issue 14), and a batch that spans midnight is judged by one day."""
    _TODAY.append(dates.today())
    try:
        yield
    finally:
        _TODAY.pop()


def _today() -> date:
    return _TODAY[-1] if _TODAY else dates.today()


class Refused(TrustError):
    """Something in a record is wrong: where (``place``), and what (``reason``). The
    message is an import's (nothing is written); other readers may word their own."""

    def __init__(self, place: str, reason: str) -> None:
        super().__init__(f"{place}: {reason}; nothing was imported")
        self.place, self.reason = place, reason


class Fields:
    """Reads the fields of one record of the backup, naming the place of a fault."""

    def __init__(self, place: str, raw: Any, tables: tuple[str, ...] = ()) -> None:
        self.place = place
        if not isinstance(raw, dict):
            raise Refused(self.place, "is not an object")
        self.raw = raw
        self.record: Record = {}
        for key, value in raw.items():  # the backup's key order is the file's
            if value is None:
                continue
            if _plain_scalar(key, value):  # what the checks below take as it is
                self.record[key] = value
                continue
            place = f"{self.place}.{key}"
            tomlable(key, f"{self.place}: a key")
            # A record is one [[table]] of plain values: a table inside it would be
            # written as a table of its own, after it, and change the whole file.
            if (isinstance(value, dict) and key not in tables) or (
                isinstance(value, list) and any(isinstance(item, dict | list) for item in value)
            ):
                raise Refused(place, "is a table; a record here holds plain values and lists")
            self.record[key] = tomlable(value, place)
            if key not in tables:
                _bounded(value, place)

    def _get(self, key: str, required: bool) -> Any:
        value = self.raw.get(key)
        if value is None and required:
            raise Refused(f"{self.place}.{key}", "is missing")
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
            raise Refused(f"{self.place}.{key}", f"{value!r} is not a whole number {span}")
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
            raise Refused(f"{self.place}.{key}", f"{value!r} is not text")
        problem = limits.too_long(value, limit, "the text")
        if problem:
            raise Refused(f"{self.place}.{key}", problem)
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
            raise Refused(f"{self.place}.{key}", f"{value!r} is not true or false")
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
            raise Refused(
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
        # TOML offsets are whole minutes: '+01:00:30' would be written and not read back.
        shift = moment.utcoffset() if moment is not None else None
        if (
            moment is None
            or (offset and shift is None)
            or (shift is not None and (shift.seconds % 60 or shift.microseconds))
        ):
            raise Refused(
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
            raise Refused(self.place, str(exc)) from None


def _plain_scalar(key: Any, value: Any) -> bool:
    """A text of at most a note's length, a 64-bit whole number or true/false, under a
    key that is text: what ``tomlable`` and ``_bounded`` pass unchanged, told without
    the place each would name (an import checks 50,000 values; issue 14)."""
    kind = type(value)
    if type(key) is not str:
        return False
    if kind is str:
        if len(value) > limits.NOTE:
            return False
    elif not (kind is bool or (kind is int and _INT64 <= value < -_INT64)):
        return False
    try:
        key.encode("utf-8")
        if kind is str:
            value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bounded(value: Any, place: str) -> None:
    """Any value of a record, known to trustcli or not, within what a record holds: no
    text longer than a note, no list longer than ``MAX_LIST`` (every later command reads
    the record again)."""
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_LIST:
        raise Refused(place, f"holds {len(items):,} values; at most {MAX_LIST:,}")
    for item in items:
        if isinstance(item, str):
            problem = limits.too_long(item, limits.NOTE, "the text")
            if problem:
                raise Refused(place, problem)


def person_name(value: Any, place: str) -> str:
    """A person's name as ``trustcli init`` and ``--as`` take it (config.clean_name), and
    plain, as it becomes part of a session's file name."""
    plain_name(value, place)
    try:
        cleaned = config.clean_name(value, "this name")
    except TrustError as exc:
        raise Refused(place, exc.message.replace("the name for this name", "the name")) from None
    if cleaned != value:
        raise Refused(place, f"{value!r} is not a name as trustcli writes one (one space apart)")
    return cleaned


def plain_name(value: Any, place: str) -> str:
    """A name that reaches file names must be plain (``store.name_problem``: one line,
    no '/', '..' or leading dot) and short enough for a file name in bytes too."""
    if not isinstance(value, str) or not value.strip():
        raise Refused(place, f"{value!r} is not a name")
    tomlable(value, place)  # valid text
    problem = store.name_problem(value)
    if problem:
        raise Refused(place, f"{value!r} is not a plain name ({problem})")
    if len(value.encode("utf-8")) > limits.NAME:
        raise Refused(place, f"is longer than a name can be ({limits.NAME} bytes)")
    return value


def tomlable(value: Any, place: str) -> Any:
    """JSON values that TOML can hold (no null in a list or table, no NaN), in UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Refused(place, "holds characters that are not valid text (UTF-8)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            tomlable(key, f"{place}: a key")
            if item is None:
                raise Refused(f"{place}.{key}", "is null, which a TOML file cannot hold")
            tomlable(item, f"{place}.{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            if item is None:
                raise Refused(f"{place}[{number}]", "is null, which a TOML file cannot hold")
            tomlable(item, f"{place}[{number}]")
    elif isinstance(value, int) and not isinstance(value, bool) and not _INT64 <= value < -_INT64:
        raise Refused(place, f"{value} is larger than a TOML file can hold")
    elif isinstance(value, float) and not math.isfinite(value):
        raise Refused(place, f"{value!r} is not a number a TOML file can hold")
    elif not isinstance(value, int | float | bool):
        raise Refused(place, f"{value!r} is not a value a TOML file can hold")
    return value


def set_finder(incoming: dict[str, str]) -> Callable[[str], questions.QuestionSet | None]:
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


def promise(raw: Any, place: str) -> Record:
    fields = Fields(place, raw)
    fields.whole("id", 1, MAX_ID)
    fields.text("text", blank=False)
    fields.name("by", required=False)
    if raw.get("to"):
        fields.name("to")
    created = cast(datetime, fields.made("created", offset=False))
    if raw.get("since") is not None:  # the day it was really made, if typed in later
        _happened(fields, "since")
    due = fields.day("due", required=False)
    if due is not None and due > dates.shift_years(_today(), dates.EARLIEST_YEARS):
        raise Refused(
            f"{fields.place}.due",
            f"{due.isoformat()} is more than {dates.EARLIEST_YEARS} "
            "years away (as 'promise add --due' refuses it)",
        )
    if due is not None and raw.get("every") is not None:
        raise Refused(f"{fields.place}.due", "a promise repeats (every) or is due once, not both")
    closed = fields.moment("closed", required=False, offset=False)
    how = fields.text("closed_how", required=False)
    if (closed is None) != (how is None) or how not in (None, "fulfilled", "released"):
        raise Refused(
            f"{fields.place}.closed_how",
            "a closed promise says how: closed_how = fulfilled or released, beside 'closed'",
        )
    if closed is not None and closed.date() < created.date():
        raise Refused(f"{fields.place}.closed", "is before the promise was made")
    tags = raw.get("tags")
    if tags is not None and (
        not isinstance(tags, list)
        or not all(isinstance(tag, str) and tag.strip() and len(tag) <= limits.LINE for tag in tags)
    ):
        raise Refused(f"{fields.place}.tags", "is not a list of words (as --tag takes them)")
    every = fields.text("every", required=False)
    if every is not None:
        try:
            canonical = promises.parse_every(every)
        except TrustError:
            canonical = None
        if canonical != every:
            raise Refused(
                f"{fields.place}.every",
                f"{every!r} is not a schedule: use {promises.EVERY_FORMS}",
            )
    fields.check(promises.normalise_promise)
    return fields.record


def followup(raw: Any, place: str, made_on: dict[int, date]) -> Record:
    """A follow-up as `promise kept/missed` would take it: for a promise in the backup,
    on a day from the one it was made, and not in the future."""
    fields = Fields(place, raw)
    promise = fields.whole("promise")
    if promise not in made_on:
        raise Refused(
            f"{fields.place}.promise",
            f"there is no promise {promise} in this backup (add it, or delete this follow-up)",
        )
    day = _happened(fields, "on")
    if day < made_on[promise]:
        raise Refused(
            f"{fields.place}.on",
            f"{day.isoformat()} is before promise {promise} was made "
            f"({made_on[promise].isoformat()}); if it was made earlier, give that promise "
            "a 'since' date",
        )
    result = fields.text("result")
    if result not in promises.RESULTS:
        raise Refused(f"{fields.place}.result", f"{result!r} is neither kept nor missed")
    fields.text("note", required=False, limit=limits.NOTE)
    fields.moment("at")
    fields.check(promises.normalise_followup)
    return fields.last("at")


def _happened(fields: Fields, key: str) -> date:
    """A day something happened, checked as the CLI checks it (see dates.past_day); a
    day of slack for a backup made in a zone already in tomorrow."""
    day = cast(date, fields.day(key))  # required: a missing day is refused there
    return _within(fields.place, key, day)


def _within(place: str, key: str, day: date) -> date:
    today = _today()  # as dates.past_day checks it, with this batch's one day
    shifted = day - timedelta(days=1) if day > today else day
    if shifted > today or shifted < dates.shift_years(today, -dates.EARLIEST_YEARS):
        raise Refused(
            f"{place}.{key}",
            f"{day.isoformat()} cannot be the day it happened (in the future, or more than "
            f"{dates.EARLIEST_YEARS} years ago)",
        )
    return day


def checkin(raw: Any, place: str) -> Record:
    fields = Fields(place, raw)
    _happened(fields, "on")
    fields.name("who")
    fields.whole("rating", 1, 10)
    fields.text("note", required=False, limit=limits.NOTE)
    fields.moment("at")
    fields.check(checkins.normalise_checkin)
    return fields.last("at")


def session(raw: Any, place: str, sets: Callable[[str], questions.QuestionSet | None]) -> Record:
    """A session as `ask` saves it: every answer one its question could have been given
    (when the set is known: installed, or in the backup), none both answered and skipped."""
    fields = Fields(place, raw, tables=("answers",))
    fields.whole("id", 1, MAX_ID)
    fields.text("set")
    plain_name(raw["set"], f"{fields.place}.set")  # part of the session's file name
    fields.text("title", required=False)
    fields.name("who")
    started = cast(datetime, fields.made("started"))
    finished = fields.moment("finished", required=False)
    if finished is not None and finished < started:
        raise Refused(f"{fields.place}.finished", "is before the session started")
    skipped = raw.get("skipped", [])
    if not isinstance(skipped, list) or not all(isinstance(item, str) for item in skipped):
        raise Refused(f"{fields.place}.skipped", "is not a list of question ids")
    answers = raw.get("answers")
    if not isinstance(answers, dict) or not all(
        isinstance(value, str | int | bool) for value in answers.values()
    ):
        raise Refused(f"{fields.place}.answers", "is not a table of answers")
    if set(skipped) & set(answers) or len(set(skipped)) != len(skipped):
        raise Refused(f"{fields.place}.skipped", "names a question answered or skipped before")
    qset = sets(raw["set"])
    by_id = {question.id: question for question in qset.questions} if qset else {}
    for key, answer in answers.items():
        place = f"{fields.place}.answers.{key}"
        if qset is None:
            if isinstance(answer, str) and len(answer) > limits.ANSWER:
                raise Refused(place, limits.too_long(answer, limits.ANSWER, "the answer") or "")
            continue
        if key not in by_id:
            raise Refused(
                f"{fields.place}.answers",
                f"{key!r} is not a question of {raw['set']!r} ({', '.join(by_id)})",
            )
        problem = questions.answer_problem(by_id[key], answer)
        if problem:
            raise Refused(place, problem)
    if qset is not None and set(skipped) - set(by_id):
        raise Refused(f"{fields.place}.skipped", f"names a question {raw['set']!r} does not have")
    fields.record.setdefault("skipped", [])
    return fields.record


def screen(raw: Any, place: str) -> Record:
    fields = Fields(place, raw)
    fields.name("who")
    fields.made("shown")
    fields.flag("concern")
    return fields.record


def reminder(raw: Any, place: str, known: set[int]) -> Record:
    from trustcli.remind import schedules  # only an import with reminders needs it

    fields = Fields(place, raw)
    fields.whole("id", 1, MAX_ID)
    when = fields.text("when")
    created = cast(datetime, fields.made("created"))
    try:
        schedules.trigger(schedules.parse(when, created))  # read, and understood by the daemon
    except TrustError as exc:
        raise Refused(f"{fields.place}.when", exc.message) from None
    except (ValueError, OverflowError) as exc:
        raise Refused(f"{fields.place}.when", f"{when!r} cannot be scheduled ({exc})") from None
    fields.text("message", required=False)
    kind = fields.text("kind", required=False)
    if kind is not None and kind not in reminders.KINDS:
        raise Refused(f"{fields.place}.kind", f"{kind!r} is not checkin, promise or custom")
    promise = fields.whole("promise", required=False)
    if promise is not None and promise not in known:
        raise Refused(f"{fields.place}.promise", f"there is no promise {promise} in this backup")
    fields.flag("paused")
    return fields.record


def settings(raw: Any) -> Record:
    """The backup's settings, checked as the commands check config.toml; only the
    settings trustcli knows (``SETTINGS``): anything else in it is left out."""
    if not isinstance(raw, dict):
        raise Refused("config", "is not an object")
    tomlable(raw, "config")
    taken: Record = {}
    for table, keys in SETTINGS.items():
        values = raw.get(table, {})
        if not isinstance(values, dict):
            raise Refused(f"config.{table}", "is not a table of settings")
        for key in keys:
            if key in values:
                taken.setdefault(table, {})[key] = setting(table, key, values[key])
    return taken


def setting(table: str, key: str, value: Any) -> Any:
    place = f"config.{table}.{key}"
    if table == "names" and key in ("role", "relationship"):  # as config.role() reads it
        allowed = config.ROLES if key == "role" else config.RELATIONSHIPS
        if value not in allowed:
            raise Refused(place, f"{value!r} is not one of {', '.join(allowed)}")
        return value
    if table == "names":
        return person_name(value, place)
    if key == "unlock_for":  # as unlock reads it (vault.configured_idle)
        from trustcli.store import vault_key

        try:
            if not isinstance(value, str):
                raise TrustError("")
            vault_key.parse_idle(value)
        except TrustError:
            raise Refused(place, f'{value!r} is not a length of time like "30m"') from None
        return value
    if key == "show":  # as the daemon reads it (config.notify_show)
        if value not in config.NOTIFY_SHOW:
            raise Refused(place, f"{value!r} is not {config.NOTIFY_SHOW_WORDS}")
        return value
    if key == "show_details":
        if not isinstance(value, bool):
            raise Refused(place, f"{value!r} is not true or false")
        return value
    from trustcli.remind import schedules  # promise_time is read as `remind` reads it

    try:
        if not isinstance(value, str) or len(value) > 5:
            raise TrustError("")
        schedules.parse(f"daily {value}")
    except TrustError:
        raise Refused(place, f'{value!r} is not a time like "20:00"') from None
    return value


def left_out(raw: Any) -> list[str]:
    """The settings in a backup's config that trustcli does not know (not taken)."""
    if not isinstance(raw, dict):
        return []
    return [
        f"{table}.{key}" if isinstance(values, dict) else table
        for table, values in raw.items()
        for key in (values if isinstance(values, dict) else [None])
        if table not in SETTINGS or key not in SETTINGS[table]
    ]


def templates(raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise Refused("templates", "is not an object")
    found: dict[str, dict[str, str]] = {}
    for kind, texts in raw.items():
        if kind not in TEMPLATE_KINDS:
            raise Refused(f"templates.{kind}", "is not questions or worksheets")
        if not isinstance(texts, dict):
            raise Refused(f"templates.{kind}", "is not an object of name → text")
        if len(texts) > TEMPLATES_PER_KIND:
            raise Refused(f"templates.{kind}", f"more than {TEMPLATES_PER_KIND} templates")
        for name, text in texts.items():
            plain_name(name, f"templates.{kind}: the name {name!r}")
            place = f"templates.{kind}.{name}"
            if not isinstance(text, str) or "\0" in text:
                raise Refused(place, "is not text")
            tomlable(text, place)
            problem = limits.too_long(text, limits.TEMPLATE, "the template")
            if problem:
                raise Refused(place, problem)
            template_problem(kind, name, text, place)
        found[kind] = dict(texts)
    return found


def template_problem(kind: str, name: str, text: str, place: str) -> None:
    """A template is read as `ask` and `worksheet new` read it: one that cannot be is
    named here, not when a command later needs it."""
    if kind == "questions":
        try:
            questions.from_text(text, name)
        except ValueError as exc:
            raise Refused(place, f"is not a question set trustcli can read ({exc})") from None
        return
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    try:
        SandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise Refused(place, f"line {exc.lineno}: {exc.message}") from None
