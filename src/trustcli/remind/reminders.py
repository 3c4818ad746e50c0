"""Reminders: scheduled check-ins and follow-through nudges.

Stored reminders live in reminders.toml (small, rewritten atomically). Every open
promise made with ``--every`` also has a follow-through reminder, derived on the fly
(id ``p3`` for promise 3) unless a stored reminder already points at that promise.

``trustcli remind due`` must stay fast for shell prompts, so fire times are computed
with APScheduler ahead of time and kept in a cache; it is rebuilt whenever the
reminders, promises or config change, or the computed window runs out.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta
from typing import Any

from trustcli import config, dates, promises, store
from trustcli.errors import TrustError
from trustcli.remind import schedules

REMINDERS = "reminders.toml"
LAST_ID = "last_id"  # in reminders.toml: the highest reminder id ever given here
STATE = "remind-state.toml"
KINDS = ("checkin", "promise", "custom")
PROMISE_TIME = "20:00"  # when promise reminders fire, unless config [remind] promise_time
_TIMES_CACHE = "cache/reminder-times.json"
_WINDOW_AHEAD = timedelta(days=14)
_WINDOW_BEHIND = timedelta(days=31)
_MAX_TIMES = 2000

Reminder = dict[str, Any]


# --- what the daemon did --------------------------------------------------------------------

DELIVERY_STATUSES = ("sent", "failed", "missed")  # failed: no notification could be shown


def normalise_delivery(raw: dict[str, Any]) -> dict[str, Any]:
    reminder, status = raw.get("reminder"), raw.get("status")
    if not isinstance(reminder, str) or status not in DELIVERY_STATUSES:
        raise ValueError("needs 'reminder' and a status of sent, failed or missed")
    return {
        "reminder": reminder,
        "scheduled": dates.moment_field(raw, "scheduled"),
        "status": status,
        "at": dates.moment_field(raw, "at"),
    }


# Appended by the daemon; read by its catch-up and by `remind due`.
DELIVERIES = store.Log("deliveries.toml", "delivery", normalise_delivery, version=1)


# --- reading -----------------------------------------------------------------------------


def load(include_paused: bool = True) -> list[Reminder]:
    """Stored reminders, then the ones promises with --every bring, in id order. A bad
    stored entry is left out (``read`` names it)."""
    return read(include_paused)[0]


def read(include_paused: bool = True, check: bool = True) -> tuple[list[Reminder], list[str]]:
    """The reminders that work, and one line for each one that does not (a stored entry
    edited by hand or written by an older version, with its file and line; a promise
    whose schedule cannot be read; a bad promise_time, then 20:00 is used). ``check``
    as for schedules.parse."""
    stored, problems = _stored(check)
    covered = {r["promise"] for r in stored if r.get("promise") is not None}
    repeating = [p for p in promises.load_promises() if p["every"]]
    clock = PROMISE_TIME
    if repeating:
        try:
            clock = _promise_clock()
        except TrustError as exc:
            problems.append(exc.message)
    derived = []
    for promise in repeating:
        if promise["closed"] or promise["id"] in covered:
            continue
        try:
            derived.append(_for_promise(promise, clock, check))
        except TrustError:
            problems.append(
                f"{store.path_of(promises.PROMISES)}: promise {promise['id']} repeats "
                f"{promise['every']!r}, which is not a schedule ({promises.EVERY_FORMS}), "
                "so it has no reminder; fix it in an editor"
            )
    everything = stored + derived
    return [r for r in everything if include_paused or not r["paused"]], problems


def _stored(
    check: bool = True, document: dict[str, Any] | None = None
) -> tuple[list[Reminder], list[str]]:
    """The entries of reminders.toml (or of ``document``, read from it) that work, and
    a line for each that does not."""
    stored: list[Reminder] = []
    problems: list[str] = []
    first_index: dict[int, int] = {}  # lines are found only to name a problem
    for index, raw in enumerate(_raw_list(document), start=1):
        try:
            reminder = _normalise(raw, index, check)
        except TrustError as exc:
            problems.append(exc.message)
            continue
        ident = reminder["id"]
        if ident in first_index:
            problems.append(
                f"{store.path_of(REMINDERS)}, lines {_line(first_index[ident])} and "
                f"{_line(index)}: two reminders have id {ident}; give one of them another "
                "id in an editor (the second is left out until then)"
            )
            continue
        first_index[ident] = index
        stored.append(reminder)
    return stored, problems


def check_all(document: dict[str, Any] | None = None) -> None:
    """Refuse to go on (and so to rewrite reminders.toml, read as ``document`` when
    given) while one of its entries is bad."""
    problems = _stored(document=document)[1]
    if problems:
        more = len(problems) - 1
        raise TrustError(problems[0] + (f" (and {more} more)" if more else ""))


def _raw_list(document: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The [[reminder]] tables of reminders.toml (or of ``document``, read from it)."""
    raw = (store.read(REMINDERS) if document is None else document).get("reminder", [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise TrustError(f"{store.path_of(REMINDERS)}: reminders must be [[reminder]] tables")
    return raw


def _line(index: int) -> int:
    """The line of the index-th [[reminder]] in reminders.toml (read only to name it)."""
    lines = store.header_lines(REMINDERS, "reminder")
    return lines[index - 1] if index <= len(lines) else 0


def _normalise(raw: dict[str, Any], index: int, check: bool = True) -> Reminder:
    def bad(problem: str) -> TrustError:
        return TrustError(f"{store.path_of(REMINDERS)}, line {_line(index)}: {problem}")

    ident, when, created = raw.get("id"), raw.get("when"), raw.get("created")
    if not isinstance(ident, int) or isinstance(ident, bool) or ident < 1:
        raise bad("this reminder has no valid 'id' (a whole number from 1); fix it in an editor")
    if not isinstance(when, str) or not isinstance(created, datetime):
        raise bad(f"reminder {ident} needs 'when' (text) and 'created' (a date-time)")
    if created.tzinfo is None:
        raise bad(
            f"reminder {ident}: 'created' needs its UTC offset, like 2026-11-20T09:00:00+01:00"
        )
    kind = raw.get("kind", "custom")
    if kind not in KINDS:
        raise bad(f"reminder {ident}: kind must be checkin, promise or custom")
    promise = raw.get("promise")
    if promise is not None and (not isinstance(promise, int) or isinstance(promise, bool)):
        raise bad(f"reminder {ident}: 'promise' must be a promise id")
    message, paused = raw.get("message"), raw.get("paused", False)
    if message is not None and not isinstance(message, str):
        raise bad(f"reminder {ident}: 'message' must be text in quotes")
    if not isinstance(paused, bool):  # "no" would otherwise count as paused
        raise bad(f"reminder {ident}: 'paused' must be true or false, without quotes")
    try:
        schedule = schedules.parse(when, created, check)
    except TrustError as exc:
        raise bad(f"reminder {ident}: {exc.message}") from None
    return {
        "id": ident,
        "when": when,
        "schedule": schedule,
        "message": message or default_message(kind, promise),
        "kind": kind,
        "promise": promise,
        "created": created,
        "paused": paused,
    }


def _promise_clock() -> str:
    """When promise reminders fire: [remind] promise_time in config.toml, else 20:00."""
    remind = config.load().get("remind", {})
    clock = remind.get("promise_time", PROMISE_TIME) if isinstance(remind, dict) else None
    try:
        schedules.parse(f"daily {clock}")
    except TrustError:
        raise TrustError(
            f"{store.path_of(config.CONFIG)}: [remind] promise_time must be a time like "
            f'"20:00", not {clock!r}'
        ) from None
    return str(clock)


def _for_promise(promise: dict[str, Any], clock: str, check: bool = True) -> Reminder:
    """The follow-through reminder a repeating promise brings with it, at ``clock``
    (``check`` as for schedules.parse)."""
    created = datetime.fromisoformat(promise["created"])
    if created.tzinfo is None:  # edited by hand without its offset: local time
        created = created.astimezone()
    hour, _, minute = clock.partition(":")
    weekday = schedules.DAY_NAMES[created.weekday()]
    every = promise["every"]
    when = {
        "daily": f"daily {clock}",
        "weekdays": f"weekdays {clock}",
        "weekends": f"weekends {clock}",
        "weekly": f"weekly {weekday} {clock}",
        "fortnightly": f"every 2 weeks {weekday} {clock}",
        "monthly": f"{int(minute or 0)} {int(hour or 20)} {min(created.day, 28)} * *",
    }.get(every, f"{every} {clock}")
    if every == "monthly":  # written as cron, but 'monthly HH:MM': counted here, no APScheduler
        spec = {"day": min(created.day, 28), "hour": int(hour or 20), "minute": int(minute or 0)}
        schedule = schedules.Schedule(when, "cron", spec)
    else:
        schedule = schedules.parse(when, created, check)
    return {
        "id": f"p{promise['id']}",
        "when": when,
        "schedule": schedule,
        "message": default_message("promise", promise["id"]),
        "kind": "promise",
        "promise": promise["id"],
        "created": created,
        "paused": False,
    }


def default_message(kind: str, promise_id: int | None = None) -> str:
    if kind == "promise" and promise_id is not None:
        return f"Did you keep promise {promise_id}? trustcli promise kept {promise_id}"
    if kind == "checkin":
        return "Time for a check-in: trustcli checkin"
    return "A reminder from trustcli"


def find(ident: str) -> Reminder:
    wanted = ident.strip().lstrip("#").lower()
    for reminder in load():
        if str(reminder["id"]) == wanted:
            return reminder
    problems = _stored()[1]
    if problems:  # perhaps the one they mean: name what is wrong first
        raise TrustError(problems[0])
    raise TrustError(f"no reminder {ident!r} (see 'trustcli remind list')")


NEUTRAL_TITLE = "Reminder"


def notify_show() -> tuple[str, str | None]:
    """What notifications may show (``config.notify_show``) and, when config.toml cannot
    say (broken, a value trustcli does not know, or a vault that is locked), ``none``
    and why: the private answer, and the reminder still comes."""
    try:
        return config.notify_show(), None
    except TrustError as error:
        return "none", error.message


def notification(reminder: Reminder, show: str, prefix: str = "") -> tuple[str, str, str]:
    """The (app name, title, body) of a reminder's notification, for ``show``.

    ``none`` sends no app name either: "trustcli" on a lock screen already tells
    whoever sees it what the person is working on. Nothing of the reminder is read
    for it, so it works on a home whose records cannot be read now."""
    if show == "none":
        return "", NEUTRAL_TITLE, ""
    body = prefix + str(reminder["message"])
    if show == "full" and reminder["kind"] == "promise" and reminder["promise"] is not None:
        try:
            promise = promises.find(promises.load_promises(), int(reminder["promise"]))
            body += f"\n“{promise['text']}”"
        except TrustError:
            pass
    return "trustcli", "trustcli", body


# --- changing --------------------------------------------------------------------------------


def add(when: str, message: str = "", kind: str = "", promise_id: int | None = None) -> Reminder:
    kind = kind or ("promise" if promise_id is not None else "checkin")
    if kind not in KINDS:
        raise TrustError(f"unknown kind {kind!r}: use checkin, promise or custom")
    if kind == "promise" and promise_id is None:
        raise TrustError("a promise reminder needs --promise ID")
    if promise_id is not None:
        promise = promises.find(promises.load_promises(), promise_id)
        if promise["closed"]:
            raise TrustError(f"promise {promise_id} is closed: reminders are for open promises")
    if kind == "custom" and not message.strip():
        raise TrustError("a custom reminder needs --message TEXT")
    created = dates.now()
    schedule = schedules.parse(when, created)
    schedules.check_fires(schedule)
    record: dict[str, Any] = {"id": 0, "when": when.strip(), "kind": kind}
    if message.strip():
        record["message"] = promises.clean_text(message, "the message")
    if promise_id is not None:
        record["promise"] = promise_id
    record["created"] = created
    with store.updating(REMINDERS) as document:
        check_all(document)  # never rewrite a file with broken entries
        before = _source_checksum()  # what the fire-time cache must be current for
        existing = document.setdefault("reminder", [])
        # One above every id ever given here (``last_id``), as promises do: a deleted
        # reminder's id, and with it its delivery history, never comes back.
        mark = document.get(LAST_ID, 0)
        mark = mark if isinstance(mark, int) and not isinstance(mark, bool) else 0
        record["id"] = max([mark, *(r["id"] for r in existing)]) + 1
        document[LAST_ID] = record["id"]
        existing.append(record)
        index = len(existing)
    _sources_before[record["id"]] = before
    return _normalise(record, index)  # as `find` reads it back, without reading it all


def remove(ident: str) -> int:
    """Delete a stored reminder; returns its id. An entry that cannot be read can be
    deleted too (often that is the fix), when its id names exactly one entry; the
    others are written back as they are."""
    wanted = ident.strip().lstrip("#").lower()
    if not (wanted.isascii() and wanted.isdigit()):
        reminder = find(ident)  # a promise's own reminder (p3), or none at all
        raise TrustError(
            f"reminder {ident} comes with promise {reminder['promise']}: it stops when the "
            f"promise is closed (trustcli promise close {reminder['promise']})"
        )
    number = int(wanted)
    with store.updating(REMINDERS) as document:
        entries = _raw_list(document)
        matches = [i for i, raw in enumerate(entries, start=1) if raw.get("id") == number]
        if not matches:
            raise TrustError(f"no reminder {ident!r} (see 'trustcli remind list')")
        if len(matches) > 1:
            lines = " and ".join(str(_line(i)) for i in matches[:2])
            raise TrustError(
                f"{store.path_of(REMINDERS)}, lines {lines}: two reminders have id {number}; "
                "give one of them another id in an editor first, so the right one goes"
            )
        document["reminder"] = [r for r in entries if r.get("id") != number]
        if not document["reminder"]:
            del document["reminder"]
    return number


def set_paused(ident: str, paused: bool) -> None:
    reminder = find(ident)
    if isinstance(reminder["id"], str):
        raise TrustError(
            f"reminder {ident} comes with promise {reminder['promise']}; to pause it, add your "
            f"own: trustcli remind add WHEN --promise {reminder['promise']}, then pause that"
        )
    if reminder["paused"] == paused:
        raise TrustError(f"reminder {ident} is already {'paused' if paused else 'active'}")
    with store.updating(REMINDERS) as document:
        check_all(document)
        before = _source_checksum()
        for raw in document.get("reminder", []):
            if raw.get("id") == reminder["id"]:
                if paused:
                    raw["paused"] = True
                else:
                    raw.pop("paused", None)
    # A cache that was current stays so (else the next look computes it, as before).
    _cache_kept(before, str(reminder["id"]), None if paused else {**reminder, "paused": False})


# --- when they fire ---------------------------------------------------------------------------


def next_times(reminder: Reminder, count: int = 3) -> list[datetime]:
    return schedules.fire_times(reminder["schedule"], dates.now(), limit=count)


def due(now: datetime | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """What fired or fell due since the last acknowledgement, oldest first, leaving out
    days already recorded (kept or missed) for a promise's reminder; and the problems
    with stored entries (see ``read``)."""
    now = now or dates.now()
    since = acknowledged()
    times, problems = fire_times_between(since, now)
    found = []
    for reminder in read(include_paused=False, check=False)[0]:
        key = str(reminder["id"])
        start = max(since, reminder["created"]) if since else reminder["created"]
        for moment in times.get(key, []):
            at = datetime.fromisoformat(moment)
            if start < at <= now:
                about = reminder["promise"] if reminder["kind"] == "promise" else None
                found.append(
                    (
                        at,
                        about,
                        {"id": reminder["id"], "at": moment, "message": reminder["message"]},
                    )
                )
    if any(about is not None for _, about, _ in found):
        recorded = {(f["promise"], f["on"]) for f in promises.load_followups()}
        found = [
            entry
            for entry in found
            if (entry[1], entry[0].astimezone().date().isoformat()) not in recorded
        ]
    found.sort(key=lambda entry: entry[0])
    items = [item for _, _, item in found]
    if items:
        _mark_deliveries(items)
    return items, problems


def _mark_deliveries(items: list[dict[str, Any]]) -> None:
    """Say what the daemon did about each item: 'sent', 'failed' (no notification could
    be shown: it is up to ``remind due`` to tell) or 'missed'; None if it did nothing
    (not running). Read only when something is due, so an idle prompt stays fast."""
    try:
        records = store.read_log(DELIVERIES)
    except TrustError:
        records = []  # a broken delivery log must not hide what is due
    status = {(r["reminder"], datetime.fromisoformat(r["scheduled"])): r["status"] for r in records}
    for item in items:
        item["delivery"] = status.get((str(item["id"]), datetime.fromisoformat(item["at"])))


def acknowledged() -> datetime | None:
    value = store.read(STATE).get("acknowledged")
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.astimezone()  # without its offset: local time


def acknowledge(now: datetime | None = None) -> None:
    if not store.home_exists():  # nothing to acknowledge; a read must not make the home
        return
    with store.updating(STATE) as state:
        state["acknowledged"] = now or dates.now()


def fire_times_between(
    since: datetime | None, now: datetime
) -> tuple[dict[str, list[str]], list[str]]:
    """Fire times per reminder (and the problems with stored entries), from the cache
    when it covers [since, now] for the current files; otherwise computed (slow) and
    cached. It looks back at most _WINDOW_BEHIND, even when the last acknowledgement
    is older."""
    source = _source_checksum()
    start = max(since, now - _WINDOW_BEHIND) if since else now - _WINDOW_BEHIND
    cached = _read_times_cache()
    if (
        cached
        and cached.get("source") == source
        and datetime.fromisoformat(cached["from"]) <= start
        and datetime.fromisoformat(cached["until"]) >= now
    ):
        return dict(cached["times"]), list(cached.get("problems", []))
    return refresh_times_cache(start, now)


def refresh_times_cache(
    start: datetime | None = None, now: datetime | None = None
) -> tuple[dict[str, list[str]], list[str]]:
    now = now or dates.now()
    start = start or now - _WINDOW_BEHIND
    since = acknowledged()
    if since is not None:
        start = max(min(start, since), now - _WINDOW_BEHIND)
    until = now + _WINDOW_AHEAD
    times: dict[str, list[str]] = {}
    active, problems = read(include_paused=False)
    for reminder in active:
        begin = max(start, reminder["created"]) - timedelta(seconds=1)
        found = schedules.fire_times(reminder["schedule"], begin, until, _MAX_TIMES)
        if len(found) == _MAX_TIMES and found[-1] < now:  # very often: keep the latest
            begin = now - (found[-1] - begin) / 2
            found = schedules.fire_times(reminder["schedule"], begin, until, _MAX_TIMES)
        if len(found) == _MAX_TIMES:  # the cache covers only this far
            until = min(until, found[-1])
        times[str(reminder["id"])] = [moment.isoformat() for moment in found]
    document = {
        "source": _source_checksum(),
        "from": start.isoformat(),
        "until": until.isoformat(),
        "times": times,
        "problems": problems,
    }
    if store.home_exists():  # a cache only saves time: never make a data home for it
        store.save_cache(_TIMES_CACHE, {"version": 1}, document)
    return times, problems


# A reminder just added → the sources' checksum before it was saved (see cache_added).
_sources_before: dict[int, int] = {}


def reset() -> None:
    """Forget what an earlier command in this process added (in-process tests)."""
    _sources_before.clear()


def cache_added(reminder: Reminder) -> None:
    """After ``add``: put the new reminder's fire times in the cache (see
    ``_cache_kept``); when that cannot be done, every reminder's are computed again. A
    reminder for a promise takes the place of the promise's own: computed again too."""
    before = _sources_before.pop(reminder["id"], None)
    key = str(reminder["id"])
    if reminder["promise"] is not None or before is None or not _cache_kept(before, key, reminder):
        refresh_times_cache()


def _cache_kept(before: int, key: str, reminder: Reminder | None) -> bool:
    """Keep the fire-time cache current after one stored reminder changed (added,
    paused, resumed), when it was current just before (``before``: the sources'
    checksum then): the others' times are the same, so only this one's are computed,
    over the cache's own window (``reminder``; None: it fires no more). False, and the
    cache is left as it is, when it was not current, its window has run out or would
    be cut short (a very frequent one), or nothing is left ahead in it (the prompt's
    next time could then differ from computing everything again)."""
    now = dates.now()
    cached = _read_times_cache()
    if cached is None or cached.get("source") != before:
        return False
    try:
        start, until = (datetime.fromisoformat(cached[edge]) for edge in ("from", "until"))
    except (KeyError, TypeError, ValueError):
        return False
    times = {name: moments for name, moments in cached["times"].items() if name != key}
    if reminder is not None:
        begin = max(start, reminder["created"]) - timedelta(seconds=1)
        found = schedules.fire_times(reminder["schedule"], begin, until, _MAX_TIMES)
        if len(found) == _MAX_TIMES:
            return False
        times[key] = [moment.isoformat() for moment in found]
    ahead = any(datetime.fromisoformat(moments[-1]) > now for moments in times.values() if moments)
    if until < now or not ahead:
        return False
    document = {**cached, "source": _source_checksum(), "times": times}
    store.save_cache(_TIMES_CACHE, {"version": 1}, document)
    return True


def _read_times_cache() -> dict[str, Any] | None:
    """The cached fire times, if the file matches its checksum (``store.load_cache``
    says what that protects against); the caller checks them against the sources."""
    loaded = store.load_cache(_TIMES_CACHE)
    if loaded is None or loaded[0].get("version") != 1:
        return None
    try:
        cached = json.loads(loaded[1])
    except ValueError:
        return None
    return cached if isinstance(cached, dict) and isinstance(cached.get("times"), dict) else None


def _source_checksum() -> int:
    """Changes whenever anything that decides fire times changes."""
    crc = zlib.crc32(schedules.zone_key().encode())  # a new zone moves every time
    for name in (REMINDERS, promises.PROMISES, config.CONFIG):
        data = store.read_bytes(name)
        crc = zlib.crc32(b"-" if data is None else data, crc)
    return crc


def as_json(reminder: Reminder, upcoming: list[datetime] | None = None) -> dict[str, Any]:
    data = {key: value for key, value in reminder.items() if key != "schedule"}
    data["created"] = reminder["created"].isoformat()
    if upcoming is not None:
        data["next"] = [moment.isoformat() for moment in upcoming]
    return data
