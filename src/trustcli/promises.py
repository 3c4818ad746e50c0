"""The promise log: promises and their follow-ups, checked as people type them and as
they are read back, and every change to them.

"Be consistent": words and actions align when promises are kept. Promises live in
``promises.toml`` (small, rewritten atomically); every kept or missed follow-up is
appended to ``followthrough.toml``. Reading functions return plain dicts with dates
as ISO text, ready for tables and ``--json`` alike. What the record shows (streaks,
overdue, follow-through rates) is ``trustcli.followthrough``'s.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from trustcli import config, dates, limits, store
from trustcli.errors import TrustError
from trustcli.followthrough import DAY_SETS, INTERVALS, made_on

PROMISES = "promises.toml"
FOLLOWTHROUGH = "followthrough.toml"
REMINDERS = "reminders.toml"  # read only for the promise ids it names
LAST_ID = "last_id"  # in promises.toml: the highest promise id ever given here
RESULTS = ("kept", "missed")
STATUSES = ("open", "closed", "overdue", "all")
EVERY_FORMS = "daily, weekdays, weekends, weekly, fortnightly, monthly, or days like mon,thu"

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
    if word in DAY_SETS or word in INTERVALS:
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
