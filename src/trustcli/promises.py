"""The promise log: promises, their follow-through, and what the record shows.

"Be consistent": words and actions align when promises are kept. Promises live in
``promises.toml`` (small, rewritten atomically); every kept or missed follow-up is
appended to ``followthrough.toml``. Reading functions return plain dicts with dates
as ISO text, ready for tables and ``--json`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from trustcli import config, dates, store
from trustcli.errors import TrustError

PROMISES = "promises.toml"
FOLLOWTHROUGH = "followthrough.toml"
RESULTS = ("kept", "missed")
STATUSES = ("open", "closed", "overdue", "all")
EVERY_FORMS = "daily, weekdays, weekends, weekly, fortnightly, monthly, or days like mon,thu"
_INTERVALS = {"weekly": 7, "fortnightly": 14, "monthly": 31}
_DAY_SETS = {"daily": range(7), "weekdays": range(5), "weekends": (5, 6)}

Record = dict[str, Any]


# --- checking what people type ----------------------------------------------------


def clean_text(text: str, what: str = "the promise") -> str:
    """Text as typed, minus surrounding space; empty text is refused."""
    stripped = text.strip()
    if not stripped:
        raise TrustError(f"{what} is empty: write what you promise, in a few words")
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
    if not raw.isdigit() or int(raw) < 1:
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
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f"promise {ident}: 'tags' must be a list of words")
    return {
        "id": ident,
        "text": text,
        "by": str(raw.get("by", "me")),
        "to": str(raw.get("to", "")),
        "created": created.isoformat(),
        "due": due.isoformat() if due else None,
        "every": raw.get("every") or None,
        "tags": tags,
        "closed": closed.isoformat() if closed else None,
        "closed_how": raw.get("closed_how") if closed else None,
    }


def normalise_followup(raw: Record) -> Record:
    """Check one [[followup]] from disk. ``at`` comes last when written: a record cut
    off mid-write lacks it or has it without its offset, so a torn record never passes."""
    promise = raw.get("promise")
    if not isinstance(promise, int) or isinstance(promise, bool):
        raise ValueError("has no 'promise' id")
    on = dates.day_field(raw, "on")
    result = raw.get("result")
    if result not in RESULTS:
        raise ValueError("has a 'result' that is neither kept nor missed")
    note = raw.get("note", "")
    return {
        "promise": promise,
        "on": on,
        "result": result,
        "note": note if isinstance(note, str) else str(note),
        "at": dates.moment_field(raw, "at"),
    }


def load_promises() -> list[Record]:
    document = store.read(PROMISES)
    raw_list = document.get("promise", [])
    if not isinstance(raw_list, list):
        raise TrustError(f"{store.path_of(PROMISES)}: 'promise' must be [[promise]] tables")
    promises = []
    for index, raw in enumerate(raw_list, start=1):
        try:
            promises.append(normalise_promise(raw))
        except (ValueError, AttributeError) as exc:
            raise TrustError(
                f"{store.path_of(PROMISES)}: promise number {index} in the file {exc}; "
                "fix it in an editor"
            ) from None
    return promises


FOLLOWUPS = store.Log(FOLLOWTHROUGH, "followup", normalise_followup, version=1)


def load_followups() -> list[Record]:
    return store.read_log(FOLLOWUPS)


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
) -> int:
    """Record a new promise and return its id (the next small integer)."""
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
    record: Record = {"id": 0, "text": text, "by": config.clean_name(by, "--by")}
    if to.strip():
        record["to"] = config.clean_name(to, "--to")
    record["created"] = dates.now()
    if due is not None:
        record["due"] = due
    if every is not None:
        record["every"] = parse_every(every)
    if tags:
        record["tags"] = [clean_text(tag, "--tag") for tag in tags]
    with store.updating(PROMISES) as document:
        _check_document(document)
        existing = document.setdefault("promise", [])
        record["id"] = max((p["id"] for p in existing), default=0) + 1
        existing.append(record)
    return int(record["id"])


def record_followup(ident: int, result: str, note: str = "", on: date | None = None) -> Record:
    """Append kept/missed for an open promise; returns the follow-up as stored."""
    promise = find(load_promises(), ident)
    if promise["closed"]:
        raise TrustError(
            f"promise {ident} is closed ({promise['closed_how']}); "
            f"reopen it first with 'trustcli promise reopen {ident}'"
        )
    day = on or dates.today()
    if day > dates.today():
        raise TrustError(f"{day.isoformat()} is in the future: follow-through is recorded after")
    record: Record = {"promise": ident, "on": day, "result": result}
    if note.strip():
        record["note"] = clean_text(note, "the note")
    record["at"] = dates.now()  # last, so a torn write is always detectable
    store.append(FOLLOWUPS, record)
    return normalise_followup(record)


def close(ident: int, released: bool = False) -> Record:
    """Close a promise as fulfilled, or released by agreement. It stays in history."""
    how = "released" if released else "fulfilled"
    with store.updating(PROMISES) as document:
        _check_document(document)
        raw = _find_raw(document, ident)
        if raw.get("closed"):
            raise TrustError(f"promise {ident} is already closed ({raw.get('closed_how')})")
        raw["closed"] = dates.now()
        raw["closed_how"] = how
    return normalise_promise(raw)


def reopen(ident: int) -> Record:
    with store.updating(PROMISES) as document:
        _check_document(document)
        raw = _find_raw(document, ident)
        if not raw.get("closed"):
            raise TrustError(f"promise {ident} is already open")
        raw.pop("closed", None)
        raw.pop("closed_how", None)
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


def _check_document(document: Record) -> None:
    """Refuse to rewrite a promises file whose existing records are not sound."""
    for index, raw in enumerate(document.get("promise", []), start=1):
        try:
            normalise_promise(_table(raw))
        except ValueError as exc:
            raise TrustError(
                f"{store.path_of(PROMISES)}: promise number {index} in the file {exc}; "
                "fix it in an editor (nothing was changed)"
            ) from None


# --- what the record shows (pure) ----------------------------------------------------


@dataclass
class Tally:
    kept: int = 0
    missed: int = 0
    current_streak: int = 0
    longest_streak: int = 0
    last_on: str | None = None
    last_result: str | None = None
    kept_any: bool = False

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
    """By the day it happened; same-day entries in the order they were recorded."""
    return sorted(followups, key=lambda f: f["on"])  # sort is stable


def tallies(followups: list[Record]) -> tuple[dict[int, Tally], Tally]:
    """Per-promise and overall tallies, folded in chronological order."""
    per_promise: dict[int, Tally] = {}
    overall = Tally()
    for followup in chronological(followups):
        per_promise.setdefault(followup["promise"], Tally()).add(followup)
        overall.add(followup)
    return per_promise, overall


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
        reference = date.fromisoformat(tally.last_on or promise["created"][:10])
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
        per_promise, _ = tallies(followups)
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


def stats(promises: list[Record], followups: list[Record], today: date) -> Record:
    per_promise, overall = tallies(followups)
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
