"""The promise log: promises, their follow-through, and what the record shows.

"Be consistent": words and actions align when promises are kept. Promises live in
``promises.toml`` (small, rewritten atomically); every kept or missed follow-up is
appended to ``followthrough.toml``. Reading functions return plain dicts with dates
as ISO text, ready for tables and ``--json`` alike.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from trustcli import config, dates, limits, store
from trustcli.errors import TrustError

PROMISES = "promises.toml"
FOLLOWTHROUGH = "followthrough.toml"
REMINDERS = "reminders.toml"  # read only for the promise ids it names
LAST_ID = "last_id"  # in promises.toml: the highest promise id ever given here
RESULTS = ("kept", "missed")
STATUSES = ("open", "closed", "overdue", "all")
EVERY_FORMS = "daily, weekdays, weekends, weekly, fortnightly, monthly, or days like mon,thu"
_INTERVALS = {"weekly": 7, "fortnightly": 14, "monthly": 31}
_DAY_SETS = {"daily": range(7), "weekdays": range(5), "weekends": (5, 6)}

Record = dict[str, Any]


# --- checking what people type ----------------------------------------------------


def clean_text(
    text: str,
    what: str = "the promise",
    hint: str = "write what you promise, in a few words",
    limit: int = limits.LINE,
) -> str:
    """Text as typed, minus surrounding space; empty text is refused with ``hint``, text
    over ``limit`` characters too (see ``limits``)."""
    stripped = text.strip()
    if not stripped:
        raise TrustError(f"{what} is empty: {hint}")
    problem = limits.too_long(stripped, limit, what)
    if problem:
        raise TrustError(problem)
    try:
        stripped.encode("utf-8")
    except UnicodeEncodeError:
        raise TrustError(f"{what} contains bytes that are not valid text (UTF-8)") from None
    return stripped


def parse_every(text: str) -> str:
    """A repeat schedule in its canonical spelling: 'daily', 'weekly', 'mon,thu' …"""
    word = " ".join(text.lower().split())
    word = {"every day": "daily", "biweekly": "fortnightly", "every week": "weekly"}.get(word, word)
    if word in _DAY_SETS or word in _INTERVALS:
        return word
    parts = [part.strip() for part in word.replace(" ", ",").split(",") if part.strip()]
    numbers = [dates.weekday_number(part) for part in parts]
    if parts and all(number is not None for number in numbers):
        ordered = sorted({n for n in numbers if n is not None})
        return ",".join(dates.WEEKDAYS[n][:3] for n in ordered)
    raise TrustError(f"can't read the schedule {text!r}: use {EVERY_FORMS}")


def parse_id(text: str | int) -> int:
    """Promise ids are small positive integers, sometimes typed as '#3'."""
    raw = str(text).strip().lstrip("#")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:  # "²".isdigit() is True
        raise TrustError(
            f"{text!r} is not a promise id: ids are numbers like 3 (see 'trustcli promise list')"
        )
    return int(raw)


# --- records on disk → plain dicts ---------------------------------------------------


def normalise_promise(raw: Record) -> Record:
    """Check one [[promise]] from disk and return it with dates as ISO text."""
    ident = raw.get("id")
    if not isinstance(ident, int) or isinstance(ident, bool) or ident < 1:
        raise ValueError("has no valid 'id' (a whole number from 1)")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"promise {ident} has no 'text'")
    created = raw.get("created")
    if not isinstance(created, datetime):
        raise ValueError(f"promise {ident} has no 'created' date-time")
    due = raw.get("due")
    if due is not None and (not isinstance(due, date) or isinstance(due, datetime)):
        raise ValueError(f"promise {ident}: 'due' must be a date like 2026-12-01")
    closed = raw.get("closed")
    if closed is not None and not isinstance(closed, datetime):
        raise ValueError(f"promise {ident}: 'closed' must be a date-time")
    since = raw.get("since")
    if since is not None and (not isinstance(since, date) or isinstance(since, datetime)):
        raise ValueError(f"promise {ident}: 'since' must be a date like 2026-11-01")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f"promise {ident}: 'tags' must be a list of words")
    return {
        "id": ident,
        "text": text,
        "by": str(raw.get("by", "me")),
        "to": str(raw.get("to", "")),
        "created": created.isoformat(),
        "since": since.isoformat() if since else None,
        "due": due.isoformat() if due else None,
        "every": raw.get("every") or None,
        "tags": tags,
        "closed": closed.isoformat() if closed else None,
        "closed_how": raw.get("closed_how") if closed else None,
    }


def normalise_followup(raw: Record) -> Record:
    """Check one [[followup]] from disk. ``at`` comes last when written: a record cut
    off mid-write lacks it or has it without its offset, so a torn record never passes."""
    promise, on, result, at = raw.get("promise"), raw.get("on"), raw.get("result"), raw.get("at")
    note = raw.get("note", "")
    # The usual record, checked inline (a cold read checks ten thousand; the same checks
    # as below, which also word what is wrong with any other record).
    if (
        type(promise) is int
        and type(on) is date
        and (result == "kept" or result == "missed")
        and type(note) is str
        and type(at) is datetime
        and at.tzinfo is not None
    ):
        checked: Record = {"promise": promise, "on": on.isoformat(), "result": result, "note": note}
        if raw.get("private") is True:
            checked["private"] = True
        checked["at"] = at.isoformat()
        return checked
    promise = raw.get("promise")
    if not isinstance(promise, int) or isinstance(promise, bool):
        raise ValueError("has no 'promise' id")
    on = dates.day_field(raw, "on")
    result = raw.get("result")
    if result not in RESULTS:
        raise ValueError("has a 'result' that is neither kept nor missed")
    note = raw.get("note", "")
    checked = {
        "promise": promise,
        "on": on,
        "result": result,
        "note": note if isinstance(note, str) else str(note),
    }
    if raw.get("private") is True:  # the note stays in this home (never in the folder)
        checked["private"] = True
    checked["at"] = dates.moment_field(raw, "at")
    return checked


def load_promises() -> list[Record]:
    return _checked(store.read(PROMISES))


def _checked(document: Record, writing: bool = False) -> list[Record]:
    """Every promise of a promises.toml document, checked; two with one id are an error
    that names both lines, so no command ever acts on either."""
    path = store.path_of(PROMISES)
    after = " (nothing was changed)" if writing else ""
    raw_list = document.get("promise", [])
    if not isinstance(raw_list, list):
        raise TrustError(f"{path}: 'promise' must be [[promise]] tables")
    mark = document.get(LAST_ID, 0)
    if not isinstance(mark, int) or isinstance(mark, bool) or mark < 0:
        raise TrustError(
            f"{path}: '{LAST_ID}' must be a whole number (the highest promise id given "
            f"so far); fix it in an editor{after}"
        )
    made = []
    for index, raw in enumerate(raw_list, start=1):
        try:
            made.append(normalise_promise(_table(raw)))
        except (ValueError, AttributeError) as exc:
            raise TrustError(
                f"{path}: promise number {index} in the file {exc}; fix it in an editor{after}"
            ) from None
    first_of: dict[int, int] = {}
    for index, promise in enumerate(made):
        ident = promise["id"]
        if ident in first_of:
            lines = store.header_lines(PROMISES, "promise")
            where = (
                f"lines {lines[first_of[ident]]} and {lines[index]}"
                if len(lines) == len(made)
                else f"promises number {first_of[ident] + 1} and {index + 1} in the file"
            )
            raise TrustError(
                f"{path}: two promises have id {ident}, at {where}; give one of them an id "
                f"no other promise has, in an editor (until then no command can read "
                "promises.toml, so none acts on the wrong promise)"
            )
        first_of[ident] = index
    return made


_WRITTEN: list[Any] = []  # the compiled pattern of read_written_followups, once needed


def read_written_followups(text: str) -> list[Record] | None:
    """Follow-ups exactly as ``record_followup`` (and an import) writes them, read
    straight into what ``normalise_followup`` returns; None for anything else.

    A cold read of 10,000 follow-ups (a new device, a deleted cache) read each line
    into a TOML value (``logscan``) and checked each record (``normalise_followup``):
    two thirds of ``promise stats`` beyond start-up (issue 14). Here one pattern reads
    a whole record (promise, on, result, an optional note and ``private = true``, and
    ``at`` with its offset), in the order every writer puts them; days and times are
    still checked by ``date``/``datetime``. Anything else (a hand edit in another
    style, a key out of order, a comment, a record cut off) gives None, and the
    readers that word every fault decide. ``tests/test_cold_reads.py`` holds it to
    tomllib followed by ``normalise_followup``.
    """
    import re

    from trustcli import logscan

    if not _WRITTEN:
        day = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
        pattern = (
            r"\n\[\[followup\]\]\n"
            rf"promise = {logscan._INTEGER}\n"
            rf"on = ({day})\n"
            r'result = "(kept|missed)"\n'
            rf"(?:note = {logscan._STRING}\n)?"
            r"(?:private = (true)\n)?"
            rf"at = ({day} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]{{6}})?"
            r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))\n"
        )
        # A record, or else any one character: findall skips nothing, so the text is
        # records and nothing else exactly when there are as many matches as headers
        # (a character outside a record is a match of its own; a header in it, 14).
        _WRITTEN.append(re.compile(f"{pattern}|([\\s\\S])"))
    if text.startswith("[["):
        text = "\n" + text
    found = _WRITTEN[0].findall(text)
    if len(found) != text.count("\n[[followup]]\n"):
        return None
    checked: list[Record] = []
    days: set[str] = set()
    try:
        for promise, on, result, note, private, at, _ in found:
            if on not in days:
                date.fromisoformat(on)  # a real day (2026-02-30 is not)
                days.add(on)
            if "\\" in note:
                note = logscan._ESCAPE.sub(logscan._unescape, note)
            record: Record = {"promise": int(promise), "on": on, "result": result, "note": note}
            if private:
                record["private"] = True
            record["at"] = datetime.fromisoformat(at).isoformat()
            checked.append(record)
    except (logscan._NotOurs, ValueError):  # a day such as 2026-02-30, a lone surrogate
        return None
    return checked


FOLLOWUPS = store.Log(
    FOLLOWTHROUGH,
    "followup",
    normalise_followup,
    version=1,
    read_fast=read_written_followups,
)


def load_followups() -> list[Record]:
    return store.read_log(FOLLOWUPS)


def orphans(made: list[Record], followups: list[Record]) -> str | None:
    """One line naming the follow-ups whose promise is gone from promises.toml (deleted
    by hand), with their lines in followthrough.toml; None when there are none. They are
    left out of every figure and never given to a new promise (see ``next_id``)."""
    known = {promise["id"] for promise in made}
    lost = [index for index, f in enumerate(followups) if f["promise"] not in known]
    if not lost:
        return None
    lines = store.header_lines(FOLLOWTHROUGH, "followup")
    numbers = [str(lines[i]) for i in lost] if len(lines) == len(followups) else []
    ids = sorted({followups[i]["promise"] for i in lost})
    where = (
        f"line {numbers[0]}"
        if len(numbers) == 1
        else f"lines {', '.join(numbers[:5])}" + (" …" if len(numbers) > 5 else "")
        if numbers
        else f"{len(lost)} records"
    )
    which = ", ".join(str(i) for i in ids)
    return (
        f"{store.path_of(FOLLOWTHROUGH)}: {where}: follow-up{'s' * (len(lost) > 1)} for "
        f"promise{'s' * (len(ids) > 1)} {which}, no longer in promises.toml; left out of "
        "every figure (put the promise back, or delete them in an editor)"
    )


def find(promises: list[Record], ident: int) -> Record:
    for promise in promises:
        if promise["id"] == ident:
            return promise
    known = ", ".join(str(p["id"]) for p in promises[-8:]) or "none yet"
    raise TrustError(f"no promise {ident} (ids: {known}; see 'trustcli promise list --all')")


# --- changing the log ----------------------------------------------------------------


def add(
    text: str,
    by: str,
    to: str = "",
    due: date | None = None,
    every: str | None = None,
    tags: list[str] | None = None,
    since: date | None = None,
) -> int:
    """Record a new promise and return its id (see ``next_id``).

    ``since`` is the day it was really made, when that was before it was typed in."""
    text = clean_text(text)
    if every is not None and not every.strip():
        raise TrustError(f"--every needs a schedule: {EVERY_FORMS}")
    if every is not None and due is not None:
        raise TrustError(
            "a promise repeats (--every) or is due once (--due), not both: "
            "drop --due, or make two promises"
        )
    if due is not None and due < dates.today():
        raise TrustError(f"the due date {due.isoformat()} is in the past: pick today or later")
    if due is not None and due > dates.shift_years(dates.today(), dates.EARLIEST_YEARS):
        raise TrustError(
            f"the due date {due.isoformat()} is more than {dates.EARLIEST_YEARS} years away: "
            "check the year"
        )
    record: Record = {"id": 0, "text": text, "by": config.clean_name(by, "--by")}
    if to.strip():
        record["to"] = config.clean_name(to, "--to")
    record["created"] = dates.now()
    if since is not None:
        record["since"] = _check_since(since)
    if due is not None:
        record["due"] = due
    if every is not None:
        record["every"] = parse_every(every)
    if tags:
        record["tags"] = [
            clean_text(tag, "--tag", "give a word, or leave --tag out") for tag in tags
        ]
    with store.updating(PROMISES) as document:
        _checked(document, writing=True)
        record["id"] = next_id(document)
        document.setdefault("promise", []).append(record)
        document[LAST_ID] = record["id"]
    return int(record["id"])


def next_id(document: Record) -> int:
    """The next promise id: one above every id this home has ever given or still names.

    Ids stay small integers a person types (in aliases, in 'promise kept 3'). Taking the
    highest id in promises.toml alone would give a deleted promise's id, and with it
    its follow-ups, to a newcomer; so promises.toml keeps a high-water mark (``last_id``)
    and the follow-up log and reminders, which name promises too, count as well: a
    hand-emptied promises.toml still never recycles an id. Call it on the document being
    rewritten, under the lock (import does too), and store the id given as ``last_id``.
    Ids unique across devices can later grow a prefix on top of this number.
    """
    highest = max(
        [document.get(LAST_ID, 0)]
        + [raw.get("id", 0) for raw in document.get("promise", []) if isinstance(raw, dict)]
        + [followup["promise"] for followup in load_followups()]
        + _reminder_promise_ids()
    )
    return int(highest) + 1


def _reminder_promise_ids() -> list[int]:
    """Promise ids that reminders.toml names (a broken file is for 'remind' to report)."""
    try:
        document = store.read(REMINDERS)
    except TrustError:
        return []
    raw_list = document.get("reminder", [])
    return [
        raw["promise"]
        for raw in (raw_list if isinstance(raw_list, list) else [])
        if isinstance(raw, dict) and isinstance(raw.get("promise"), int)
    ]


def made_on(promise: Record) -> date:
    """The day a promise was made: ``since`` if it was typed in later, else ``created``."""
    return date.fromisoformat(promise["since"] or promise["created"][:10])


def _check_since(since: date) -> date:
    return dates.past_day(since, "--since is the day the promise was made")


def add_many(records: list[Record], keep_ids: bool) -> list[int]:
    """Add promises already checked (an import) in one write; returns their ids in order.

    ``keep_ids`` keeps each record's own id, into a file with no promises yet (a
    restore); otherwise each gets the next id, as ``add`` gives them (``next_id``).
    """
    ids: list[int] = []
    with store.updating(PROMISES) as document:
        _checked(document, writing=True)
        existing = document.setdefault("promise", [])
        if keep_ids and existing:
            raise TrustError(
                f"{store.path_of(PROMISES)} was written to while importing; nothing was "
                "imported: run the import again with --merge"
            )
        ident = next_id(document)
        for record in records:
            if keep_ids:
                given = record["id"]
            else:
                given, ident = ident, ident + 1
            existing.append({**record, "id": given})
            ids.append(given)
        _remember_ids(document)
    return ids


def record_followup(
    ident: int,
    result: str,
    note: str = "",
    on: date | None = None,
    replace: bool = False,
    private: bool = False,
) -> Record:
    """Append kept/missed for an open promise; returns the follow-up as stored.

    A promise has one record per day. A second one for the same day is refused unless
    ``replace``: then it is appended and, being later, supersedes the first wherever
    the log is folded (``chronological``), so the log stays append-only. The check runs
    under the log's lock, so parallel writers cannot both pass it.
    """
    promise = find(load_promises(), ident)
    if promise["closed"]:
        raise TrustError(
            f"promise {ident} is closed ({promise['closed_how']}); "
            f"reopen it first with 'trustcli promise reopen {ident}'"
        )
    day = on or dates.today()
    if day < made_on(promise):
        raise TrustError(
            f"promise {ident} was made on {made_on(promise).isoformat()}, so nothing can "
            f"be recorded for {day.isoformat()}; if it was made earlier, say so first: "
            f"trustcli promise edit {ident} --since DATE"
        )
    dates.past_day(day, "follow-through is recorded after")
    record: Record = {"promise": ident, "on": day, "result": result}
    if note.strip():
        record["note"] = clean_text(note, "the note", limit=limits.NOTE)
        if private:
            record["private"] = True
    record["at"] = dates.now()  # last, so a torn write is always detectable
    wanted = day.isoformat()

    def one_per_day(existing: list[Record]) -> None:
        if replace:
            return
        for earlier in existing:
            if earlier["promise"] == ident and earlier["on"] == wanted:
                other = "missed" if result == "kept" else "kept"
                raise TrustError(
                    f"promise {ident} already has a record for {wanted} "
                    f"({earlier['result']}); one day holds one record: to correct it, "
                    f"trustcli promise {result} {ident} --on {wanted} --replace "
                    f"(or '{other}' if that is what happened)"
                )

    store.append(FOLLOWUPS, record, check=one_per_day)
    return normalise_followup(record)


def edit_since(ident: int, since: date) -> Record:
    """Correct the day a promise was made (to backfill its follow-through, or undo that).

    Never after one of its follow-ups: they would then come before the promise."""
    since = _check_since(since)
    with store.updating(PROMISES) as document:
        _checked(document, writing=True)
        raw = _find_raw(document, ident)
        days = [f["on"] for f in load_followups() if f["promise"] == ident]
        earliest = min(days, default=None)
        if earliest is not None and since.isoformat() > earliest:
            raise TrustError(
                f"promise {ident} has follow-through from {earliest}: it was made on or "
                f"before that day, so --since cannot be later"
            )
        raw["since"] = since
        _remember_ids(document)
    return normalise_promise(raw)


def last_id() -> int:
    """The highest promise id this home has given (0 for none yet)."""
    document = store.read(PROMISES)
    made = _checked(document)  # checks last_id too
    return max([int(document.get(LAST_ID, 0)), *(int(p["id"]) for p in made)])


def raise_last_id(given: int) -> None:
    """Make sure no id up to ``given`` is handed out again (a restore keeps the mark)."""
    if given <= last_id():
        return
    with store.updating(PROMISES) as document:
        _checked(document, writing=True)
        _remember_ids(document)
        if given > document[LAST_ID]:
            document[LAST_ID] = given


def _remember_ids(document: Record) -> None:
    """Keep ``last_id`` at or above every id in the file on every rewrite."""
    ids = [raw.get("id", 0) for raw in document.get("promise", []) if isinstance(raw, dict)]
    document[LAST_ID] = max([document.get(LAST_ID, 0), *ids])


def close(ident: int, released: bool = False) -> Record:
    """Close a promise as fulfilled, or released by agreement. It stays in history."""
    how = "released" if released else "fulfilled"
    with store.updating(PROMISES) as document:
        _checked(document, writing=True)
        raw = _find_raw(document, ident)
        if raw.get("closed"):
            raise TrustError(f"promise {ident} is already closed ({raw.get('closed_how')})")
        raw["closed"] = dates.now()
        raw["closed_how"] = how
        _remember_ids(document)
    return normalise_promise(raw)


def reopen(ident: int) -> Record:
    with store.updating(PROMISES) as document:
        _checked(document, writing=True)
        raw = _find_raw(document, ident)
        if not raw.get("closed"):
            raise TrustError(f"promise {ident} is already open")
        raw.pop("closed", None)
        raw.pop("closed_how", None)
        _remember_ids(document)
    return normalise_promise(raw)


def _find_raw(document: Record, ident: int) -> Record:
    for raw in document.get("promise", []):
        if raw.get("id") == ident:
            return _table(raw)
    raise TrustError(f"no promise {ident} (see 'trustcli promise list --all')")


def _table(value: Any) -> Record:
    if not isinstance(value, dict):
        raise TrustError(f"{store.path_of(PROMISES)}: every promise must be a [[promise]] table")
    return value


# --- what the record shows (pure) ----------------------------------------------------


class Tally:
    """Follow-through of one promise, or of all: kept and missed count recorded days; a
    streak counts kept days in a row, and a due day left unrecorded breaks it like a miss
    (see ``unrecorded_days``), so a long silence never shows as a streak."""

    __slots__ = (
        "current_streak",
        "kept",
        "kept_any",
        "last_on",
        "last_result",
        "longest_streak",
        "missed",
    )

    def __init__(self) -> None:  # a plain class: @dataclass costs ~0.5 ms at every start
        self.kept = 0
        self.missed = 0
        self.current_streak = 0
        self.longest_streak = 0
        self.last_on: str | None = None
        self.last_result: str | None = None
        self.kept_any = False

    def add(self, followup: Record) -> None:
        if followup["result"] == "kept":
            self.kept += 1
            self.current_streak += 1
            self.longest_streak = max(self.longest_streak, self.current_streak)
            self.kept_any = True
        else:
            self.missed += 1
            self.current_streak = 0
        self.last_on = followup["on"]
        self.last_result = followup["result"]

    def gap(self) -> None:
        """A due day passed with nothing recorded."""
        self.current_streak = 0

    @property
    def rate(self) -> float | None:
        """Follow-through: kept / (kept + missed); None before anything is recorded."""
        total = self.kept + self.missed
        return round(self.kept / total, 4) if total else None

    def figures(self) -> Record:
        return {
            "kept": self.kept,
            "missed": self.missed,
            "rate": self.rate,
            "current_streak": self.current_streak,
            "longest_streak": self.longest_streak,
            "last_followup": self.last_on,
            "last_result": self.last_result,
        }


def chronological(followups: list[Record]) -> list[Record]:
    """The follow-ups that count, by the day they happened: one per promise and day, the
    one recorded last (a later record for a day corrects an earlier one, see --replace)."""
    from operator import itemgetter

    latest = {(f["promise"], f["on"]): f for f in followups}
    if len(latest) < len(followups):  # a day recorded twice: the last record, in its place
        latest = {}
        for followup in followups:
            key = (followup["promise"], followup["on"])
            latest.pop(key, None)  # re-inserted: same-day entries keep the order recorded
            latest[key] = followup
    return sorted(latest.values(), key=itemgetter("on"))  # sort is stable


def unrecorded_days(promise: Record, recorded: list[str], today: date) -> list[str]:
    """The due days of a promise that passed with no kept or missed record: the days
    "in between" that a streak needs recorded. ``recorded`` holds its record days.

    A day schedule (daily, weekdays, mon,thu) is due on each of its days; an interval
    (weekly, fortnightly, monthly) on each day more than the interval after the last
    record (or the day it was made); a one-off on its due day, unless something was
    recorded by then. Counted from the day after it was made to yesterday (today is
    never missed yet), and not after the day it was closed.
    """
    return [date.fromordinal(day).isoformat() for day in _unrecorded(promise, recorded, today)]


def _unrecorded(promise: Record, recorded: list[str], today: date) -> list[int]:
    """``unrecorded_days`` as day numbers (``date.toordinal``), oldest first: three years
    of a daily promise are a thousand days, so they are counted as ranges of numbers,
    not walked one date at a time (issue 14)."""
    start = made_on(promise)
    end = today - timedelta(days=1)
    if promise["closed"]:
        end = min(end, date.fromisoformat(promise["closed"][:10]) - timedelta(days=1))
    if end <= start:
        return []
    every = promise["every"]
    if not every:
        due = promise["due"]
        late = due and start.isoformat() <= due <= end.isoformat()
        if late and not any(day <= due for day in recorded):
            return [date.fromisoformat(due).toordinal()]
        return []
    first, last = start.toordinal(), end.toordinal()
    seen = {_ordinal(day) for day in set(recorded)}
    if every in _INTERVALS:
        step, reference = _INTERVALS[every] + 1, first
        days: list[int] = []
        for day in sorted(seen):
            days += range(reference + step, min(last, day - 1) + 1)
            reference = max(reference, day)
        days += range(reference + step, last + 1)
        return days
    weekdays = _schedule_days(every)
    span = range(first + 1, last + 1)
    if len(weekdays) < 7:  # date.fromordinal(n).weekday() is (n - 1) % 7
        span = [day for day in span if (day - 1) % 7 in weekdays]  # type: ignore[assignment]
    if not seen:
        return list(span)
    return [day for day in span if day not in seen]


_ORDINALS: dict[str, int] = {}  # a log repeats its days: each one is parsed once


def _ordinal(day: str) -> int:
    number = _ORDINALS.get(day)
    if number is None:
        number = _ORDINALS[day] = date.fromisoformat(day).toordinal()
    return number


def unrecorded_by_promise(
    promises: list[Record], followups: list[Record], today: date
) -> dict[int, list[int]]:
    """Each promise's unrecorded due days (day numbers, oldest first); none: no entry."""
    days: dict[int, list[str]] = {}
    for followup in followups:
        days.setdefault(followup["promise"], []).append(followup["on"])
    found: dict[int, list[int]] = {}
    for promise in promises:
        numbers = _unrecorded(promise, days.get(promise["id"], []), today)
        if numbers:
            ident = promise["id"]
            found[ident] = sorted({*found[ident], *numbers}) if ident in found else numbers
    return found


def gaps(promises: list[Record], followups: list[Record], today: date) -> list[tuple[str, int]]:
    """(day, promise id) for every due day left unrecorded, oldest first."""
    days: dict[int, list[str]] = {}
    for followup in followups:
        days.setdefault(followup["promise"], []).append(followup["on"])
    found = [
        (day, promise["id"])
        for promise in promises
        for day in unrecorded_days(promise, days.get(promise["id"], []), today)
    ]
    return sorted(found)


def unrecorded_weeks(
    promises: list[Record],
    followups: list[Record],
    today: date,
    start: str = "",
    unrecorded: dict[int, list[int]] | None = None,
) -> set[str]:
    """The weeks (their Monday, ISO text) with a due day left unrecorded, from ``start``
    (ISO text; empty: from the first): what the report's weekly figures need of
    ``gaps``, without a text per day. ``unrecorded``: ``unrecorded_by_promise`` of the
    same, if already known."""
    if unrecorded is None:
        unrecorded = unrecorded_by_promise(promises, followups, today)
    first = _ordinal(start) if start else 0
    mondays = {
        day - (day - 1) % 7 for numbers in unrecorded.values() for day in numbers if day >= first
    }
    return {date.fromordinal(monday).isoformat() for monday in mondays}


def tallies(
    followups: list[Record],
    promises: list[Record] | None = None,
    today: date | None = None,
    unrecorded: dict[int, list[int]] | None = None,
) -> tuple[dict[int, Tally], Tally]:
    """Per-promise and overall tallies, folded in chronological order.

    With ``promises`` and ``today``, due days left unrecorded break streaks too; within
    a day they come after the records, so a day with a gap never ends on a streak.

    A gap only sets a streak to 0, so what counts is whether there is one between two
    records (of one promise, for its own streak; of any, for the overall one), not each
    day of it: that is found by bisection in the sorted day numbers (see ``gaps``).
    """
    ordered = chronological(followups)
    if unrecorded is None:
        unrecorded = {}
        if promises is not None and today is not None:
            unrecorded = unrecorded_by_promise(promises, followups, today)
    per_promise: dict[int, Tally] = {}
    overall = Tally()
    if not unrecorded:
        for followup in ordered:
            ident = followup["promise"]
            tally = per_promise.get(ident)
            if tally is None:
                tally = per_promise[ident] = Tally()
            tally.add(followup)
            overall.add(followup)
        return per_promise, overall

    if ordered:  # a store with no records yet (each day a gap) never needs bisect
        from bisect import bisect_left

    every_gap = sorted({day for numbers in unrecorded.values() for day in numbers})
    passed = 0  # gaps (of any promise) before the day of the record in hand
    passed_of: dict[int, int] = {}  # the same, per promise: gaps before its last record
    first_event: dict[int, tuple[int, int, int]] = {}  # to keep the order of the entries
    previous_on, day = "", 0
    run = longest = kept = 0  # the overall tally, kept in locals: this loop runs per record
    for index, followup in enumerate(ordered):
        ident, on = followup["promise"], followup["on"]
        if on != previous_on:
            previous_on, day = on, _ordinal(on)
            now = bisect_left(every_gap, day, passed)
            if now > passed:
                run, passed = 0, now
        tally = per_promise.get(ident)
        if tally is None:
            tally = per_promise[ident] = Tally()
            first_event[ident] = (day, 0, index)
        own = unrecorded.get(ident)
        if own is not None:
            before = passed_of.get(ident, 0)
            now = bisect_left(own, day, before)
            if now > before:
                tally.current_streak = 0  # Tally.gap
                passed_of[ident] = now
        tally.add(followup)
        if followup["result"] == "kept":  # Tally.add
            kept += 1
            run += 1
            if run > longest:
                longest = run
        else:
            run = 0
    if ordered:
        overall.kept, overall.missed, overall.kept_any = kept, len(ordered) - kept, kept > 0
        overall.current_streak, overall.longest_streak = run, longest
        overall.last_on, overall.last_result = ordered[-1]["on"], ordered[-1]["result"]
    if len(every_gap) > passed:
        overall.gap()
    for ident, own in unrecorded.items():
        if len(own) > passed_of.get(ident, 0):
            tally = per_promise.get(ident)
            if tally is None:
                tally = per_promise[ident] = Tally()
            tally.gap()
        key = (own[0], 1, ident)
        if key < first_event.get(ident, key):
            first_event[ident] = key
        first_event.setdefault(ident, key)
    order = sorted(per_promise, key=lambda ident: first_event.get(ident, (0, 0, 0)))
    return {ident: per_promise[ident] for ident in order}, overall


def is_overdue(promise: Record, tally: Tally, today: date) -> bool:
    """Open and behind: past its due date with nothing kept, or a repeat left unmarked.

    For day schedules (daily, weekdays, mon,thu) a scheduled day strictly between the
    last follow-up (or the day it was made) and today has passed with no entry; for
    intervals (weekly …) more than the interval has passed. Today is never missed yet.
    """
    if promise["closed"]:
        return False
    every = promise["every"]
    if every:
        reference = date.fromisoformat(tally.last_on) if tally.last_on else made_on(promise)
        if every in _INTERVALS:
            return (today - reference).days > _INTERVALS[every]
        days = _schedule_days(every)
        probe = reference + timedelta(days=1)
        while probe < today:
            if probe.weekday() in days:
                return True
            probe += timedelta(days=1)
        return False
    if promise["due"]:
        return date.fromisoformat(promise["due"]) < today and not tally.kept_any
    return False


def to_record_on(promise: Record, tally: Tally, day: date) -> bool:
    """Whether an open promise asks for a record on ``day``: a scheduled day of a repeat,
    an interval that has come round, or a one-off due by then and not kept yet."""
    if promise["closed"] or day < made_on(promise):
        return False
    every = promise["every"]
    if every in _INTERVALS:
        reference = date.fromisoformat(tally.last_on) if tally.last_on else made_on(promise)
        return (day - reference).days >= _INTERVALS[every]
    if every:
        return day.weekday() in _schedule_days(every)
    return bool(promise["due"]) and promise["due"] <= day.isoformat() and not tally.kept_any


def _schedule_days(every: str) -> set[int]:
    if every in _DAY_SETS:
        return set(_DAY_SETS[every])
    return {n for part in every.split(",") if (n := dates.weekday_number(part)) is not None}


def status_of(promise: Record, tally: Tally, today: date) -> str:
    if promise["closed"]:
        return "closed"
    return "overdue" if is_overdue(promise, tally, today) else "open"


def summaries(
    promises: list[Record],
    followups: list[Record],
    today: date,
    per_promise: dict[int, Tally] | None = None,
) -> list[Record]:
    """Each promise with its status and follow-through figures."""
    if per_promise is None:
        per_promise, _ = tallies(followups, promises, today)
    rows = []
    for promise in promises:
        tally = per_promise.get(promise["id"], Tally())
        rows.append({**promise, "status": status_of(promise, tally, today), **tally.figures()})
    return rows


def select(rows: list[Record], status: str) -> list[Record]:
    """'open' includes overdue promises: they are open, and late."""
    if status == "all":
        return rows
    if status == "open":
        return [row for row in rows if row["status"] in ("open", "overdue")]
    return [row for row in rows if row["status"] == status]


def stats(
    promises: list[Record],
    followups: list[Record],
    today: date,
    unrecorded: dict[int, list[int]] | None = None,
) -> Record:
    """Figures per promise and overall. Follow-ups whose promise is gone (see
    ``orphans``) count nowhere. ``unrecorded``: ``unrecorded_by_promise``, if known."""
    known = {promise["id"] for promise in promises}
    followups = [f for f in followups if f["promise"] in known]
    per_promise, overall = tallies(followups, promises, today, unrecorded)
    rows = summaries(promises, followups, today, per_promise)
    figures = overall.figures()
    figures.pop("last_result")
    return {
        "overall": {
            **figures,
            "promises": len(rows),
            "open": sum(row["status"] != "closed" for row in rows),
            "closed": sum(row["status"] == "closed" for row in rows),
            "overdue": [row["id"] for row in rows if row["status"] == "overdue"],
        },
        "promises": [
            {
                key: row[key]
                for key in (
                    "id",
                    "text",
                    "status",
                    "kept",
                    "missed",
                    "rate",
                    "current_streak",
                    "longest_streak",
                    "last_followup",
                )
            }
            for row in rows
        ],
    }
