"""`trustcli remind --daemon`: a foreground scheduler that delivers reminders.

APScheduler 3's BackgroundScheduler sleeps in its own thread until the next job:
there is no polling. A pid file in the data home, held with an exclusive lock, keeps
one daemon per home (a crashed daemon's lock dies with it, so a stale file is simply
taken over).

Signals are blocked from the daemon's first line and taken, one at a time, by the
main thread with ``sigwait``: a SIGTERM that comes while the reminders are still being
read waits its turn instead of landing in the middle of that work. SIGHUP reloads
reminders.toml (``remind add/rm/pause`` send it); SIGTERM and SIGINT stop it cleanly.

Every event is one line on stderr; every delivery is appended to deliveries.toml as
sent (a notification server took it), failed or missed, which is also how missed
reminders are found after downtime.

Two things it does each minute or few need what only the layers above know: what else
is due for the prompt's status (promises to record, news from the partner) and sharing
sealed answers' keys through the couple folder. ``run`` is given both (``Jobs``), so
this module never imports ``today`` or the couple folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from trustcli import dates, store
from trustcli.errors import Locked, TrustError
from trustcli.remind import notify, reminders, schedules, status
from trustcli.remind.pidfile import PID_FILE, claim

# A reminder missed while the computer slept or the daemon was stopped is delivered
# once, late, if it is at most this old; older ones are only logged as missed.
GRACE = timedelta(hours=12)
SHARE_EVERY = 5  # minutes between looks at the couple folder, when this home shares one


class Jobs:
    """What the daemon is given by the command that starts it.

    ``gather``: what is due at a moment and whether there are promises (``today``), for
    the prompt's status. ``share``: share what is due through the couple folder; it
    returns None when this home shares no folder, else whether anything was shared,
    and raises ``Locked`` while the vault is locked."""

    __slots__ = ("gather", "share")

    def __init__(self, gather: status.Gather, share: Callable[[], bool | None]) -> None:
        self.gather, self.share = gather, share


def log(text: str) -> None:
    """One line on stderr (the journal, under systemd) per event: control characters,
    newlines and tabs too, are shown escaped, so nothing can fake or split a line."""
    from trustcli.output import clean

    line = clean(text).replace("\n", "\\n").replace("\t", "\\t")
    print(f"{dates.now():%Y-%m-%d %H:%M:%S} {line}", file=sys.stderr, flush=True)


# --- missed while away --------------------------------------------------------------------


def catch_up(
    active: list[reminders.Reminder], last: dict[str, datetime], now: datetime
) -> list[tuple[reminders.Reminder, datetime, str]]:
    """What to do about fire times that passed while no daemon ran: (reminder, time,
    'send' | 'missed'). At most one entry per reminder: a recurring reminder missed
    ten times is delivered, or reported, once."""
    actions = []
    for reminder in active:
        # Never before it was made: a delivery under the same id may be an older one's.
        since = max(last.get(str(reminder["id"])) or reminder["created"], reminder["created"])
        passed = schedules.fire_times(reminder["schedule"], since, until=now, limit=10_000)
        if not passed:
            continue
        latest = passed[-1]
        late = now - latest
        if reminder["schedule"].once or late > GRACE:
            actions.append((reminder, latest, "missed"))
        else:
            actions.append((reminder, latest, "send"))
    return actions


def last_deliveries() -> dict[str, datetime]:
    latest: dict[str, datetime] = {}
    for record in store.read_log(reminders.DELIVERIES):
        moment = datetime.fromisoformat(record["scheduled"])
        if record["reminder"] not in latest or moment > latest[record["reminder"]]:
            latest[record["reminder"]] = moment
    return latest


# --- the daemon ------------------------------------------------------------------------------


class Daemon:
    """The scheduler and the reminders it was last given."""

    def __init__(self, jobs: Jobs) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self.jobs = jobs
        self.scheduler = BackgroundScheduler(
            timezone=schedules.zone(),
            job_defaults={
                "coalesce": True,  # many missed runs of one job run once
                "misfire_grace_time": int(GRACE.total_seconds()),
                "max_instances": 1,
            },
        )
        self.active: dict[str, reminders.Reminder] = {}
        self.caught_up = False  # not yet when it started with the vault locked
        self.unrecorded: list[dict[str, object]] = []  # deliveries while the vault was locked
        self.recording = threading.Lock()  # jobs run in the scheduler's threads

    def load(self, starting: bool = False) -> None:
        """Read reminders and update the jobs; on a broken file keep the old ones.

        Only new or changed reminders get a new job, so a job about to fire is not
        reset by an unrelated change. A one-time reminder whose moment passed between
        its `remind add` and this reload is delivered at once, late; at start, such
        reminders are left to ``catch_up``, which reports them as missed.
        """
        _look_for_the_key()
        try:
            found, problems = reminders.read(include_paused=False)
            current = {str(r["id"]): r for r in found}
            for problem in problems:  # the others still run
                log(f"left out: {problem}")
        except TrustError as error:
            if _locked(error):
                log(
                    f"the vault is locked; {'keeping' if self.active else 'waiting for'} "
                    "the reminders until trustcli unlock"
                )
            elif self.active:
                log(f"reload failed, keeping the previous schedule: {error.message}")
            else:
                log(f"cannot read the reminders yet, waiting for a fix: {error.message}")
            return
        for key in set(self.active) - set(current):
            with contextlib.suppress(Exception):  # a one-time job may have run and gone
                self.scheduler.remove_job(key)
        now = dates.now()
        just_passed = []
        for key, reminder in current.items():
            previous = self.active.get(key)
            if previous is not None and _same(previous, reminder):
                continue
            if schedules.is_over(reminder["schedule"], now):
                with contextlib.suppress(Exception):
                    self.scheduler.remove_job(key)
                if not starting and now - schedules.run_moment(reminder["schedule"]) <= GRACE:
                    just_passed.append(key)
                continue
            fire = schedules.trigger(reminder["schedule"], self.scheduler.timezone)
            self.scheduler.add_job(self.deliver, fire, args=[key], id=key, replace_existing=True)
        self.active = current
        log(f"scheduled {len(current)} reminder{'s' * (len(current) != 1)}")
        delivered = last_deliveries() if just_passed else {}
        for key in just_passed:
            if key not in delivered:
                self.deliver(
                    key, scheduled=schedules.run_moment(current[key]["schedule"]), late=True
                )
        with contextlib.suppress(TrustError):
            reminders.refresh_times_cache()

    def share_sealed(self) -> None:
        """Share the session keys that are due through the couple folder (see
        trustcli.couple.sealed), at start and every few minutes, so the partner's answers
        open without either person running a command. A home that shares no folder, or
        whose vault is locked, is looked at again at the next turn: one started before
        pairing, or locked, shares once it is paired or unlocked."""
        _look_for_the_key()
        try:
            shared = self.jobs.share()
        except TrustError as error:  # a locked vault: the next look may find it open
            if not _locked(error):
                log(f"couple folder: could not share what was due: {error.message}")
            return
        if shared:
            log("couple folder: shared what was due")

    def refresh_status(self) -> None:
        """The prompt's status file (trustcli shell-init), exact again."""
        status.refresh_if_used(self.jobs.gather)

    def reload(self) -> None:
        log("reloading")
        forget_an_expired_key()
        self.load()
        self.record_unrecorded()
        if not self.caught_up:  # it started locked: what was missed meanwhile comes now
            self.catch_up()
        # Look at the clock again too: after a suspend or a change of the system time,
        # a SIGHUP is how to make the scheduler notice what is due now.
        self.scheduler.wakeup()

    def catch_up(self) -> None:
        _look_for_the_key()
        try:
            actions = catch_up(list(self.active.values()), last_deliveries(), dates.now())
        except TrustError as error:
            if not _locked(error):
                log(f"could not check for missed reminders: {error.message}")
            return
        self.caught_up = True
        for reminder, moment, action in actions:
            if action == "send":
                self.deliver(str(reminder["id"]), scheduled=moment, late=True)
            else:
                when = f"{moment.astimezone():%Y-%m-%d %H:%M}"
                log(f"missed reminder {reminder['id']} of {when}")
                self._notify(reminder, f"Missed while trustcli was not running ({when}): ")
                self._record(str(reminder["id"]), moment, "missed")

    def deliver(self, key: str, scheduled: datetime | None = None, late: bool = False) -> None:
        _look_for_the_key()
        reminder = self.active.get(key)
        if reminder is None:
            return
        moment = scheduled or _latest_fire(reminder, dates.now())
        problem = self._notify(reminder, "Late: " if late else "")
        self._record(key, moment, "failed" if problem else "sent")
        self.refresh_status()

    def _notify(self, reminder: reminders.Reminder, prefix: str) -> str | None:
        show, unreadable = reminders.notify_show()  # never raises: "none" if unreadable
        if unreadable:
            log(f"{unreadable}; showing a neutral notification")
        app, summary, body = reminders.notification(reminder, show, prefix)
        problem = notify.send(summary, body, app=app)
        if problem:  # by id: a reminder's words stay out of the log (and the journal)
            log(f"reminder {reminder['id']}: not shown ({problem})")
        else:
            log(f"reminder {reminder['id']}: notified")
        return problem

    def _record(self, key: str, scheduled: datetime, status: str) -> None:
        record = {"reminder": key, "scheduled": scheduled, "status": status, "at": dates.now()}
        with self.recording:
            self.unrecorded.append(record)
        self.record_unrecorded()

    def record_unrecorded(self) -> None:
        """Write the deliveries not yet written: with the vault locked they wait here
        (in memory) until it is unlocked again."""
        with self.recording:
            self._record_unrecorded()

    def _record_unrecorded(self) -> None:
        if not self.unrecorded:
            return
        try:
            store.append_many(reminders.DELIVERIES, self.unrecorded)
        except TrustError as error:
            if _locked(error):
                log("the vault is locked: the delivery is recorded after trustcli unlock")
            else:
                log(f"could not record the delivery: {error.message}")
                self.unrecorded = []
            return
        self.unrecorded = []

    def run(self) -> None:
        """Load, catch up, then serve signals until SIGTERM or SIGINT.

        The caller has blocked ``SIGNALS`` before any thread exists (threads inherit the
        mask), so each signal waits, pending, until ``sigwait`` takes it here.
        """
        self.load(starting=True)
        self.catch_up()
        self.share_sealed()
        self.scheduler.add_job(self.share_sealed, "interval", minutes=SHARE_EVERY, id="sealed")
        self.scheduler.add_job(forget_an_expired_key, "interval", minutes=1, id="vault-key")
        # The prompt's status file (trustcli shell-init): exact again each minute.
        self.scheduler.add_job(self.refresh_status, "interval", minutes=1, id="prompt-status")
        self.scheduler.start()
        log("ready")
        try:
            while True:
                signum = signal.sigwait(SIGNALS)
                if signum != signal.SIGHUP:
                    log(f"stopping ({signal.Signals(signum).name})")
                    return
                self.reload()  # a SIGHUP during a reload stays pending: none is lost
        finally:
            self.scheduler.shutdown(wait=True)  # lets a delivery under way finish


def _look_for_the_key() -> None:
    """With the vault on, each job looks for the unlocked key afresh: after
    ``trustcli lock`` the daemon keeps no key of its own (only the schedule it read)."""
    if store.vault_on():
        from trustcli.store import vault_key

        vault_key.forget_in_memory()


def forget_an_expired_key() -> None:
    """Once a minute: an unlocked key unused for its whole window is removed now, not at
    the next command, which may be hours away (see ``vault_key.data_key``)."""
    if store.vault_on():
        from trustcli.store import vault_key

        vault_key.forget_in_memory()
        with contextlib.suppress(TrustError):
            vault_key.data_key(required=False)
        vault_key.forget_in_memory()


def _locked(error: TrustError) -> bool:
    return isinstance(error, Locked)


def _latest_fire(reminder: reminders.Reminder, now: datetime) -> datetime:
    """The fire time a job that runs now belongs to, so deliveries.toml records when it
    was due (what ``remind due`` and catch-up compare), not when the job got to run."""
    passed = schedules.fire_times(reminder["schedule"], now - GRACE, until=now, limit=10_000)
    return passed[-1] if passed else now


def _same(one: reminders.Reminder, other: reminders.Reminder) -> bool:
    keys = ("when", "created", "message", "kind", "promise")
    return all(one[key] == other[key] for key in keys)


SIGNALS = {signal.SIGHUP, signal.SIGINT, signal.SIGTERM}


def run(jobs: Jobs) -> int:
    import logging  # here: remind add/rm/pause import this module only to signal it

    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    fd = claim()
    logging.basicConfig(  # APScheduler's own warnings, in our one-line format
        format="%(asctime)s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        level=logging.WARNING,
        stream=sys.stderr,
    )
    try:
        log(f"started (pid {os.getpid()}, data home {store.home()})")
        Daemon(jobs).run()
        log("stopped")
    finally:
        with contextlib.suppress(TrustError):
            store.remove(PID_FILE)
        os.close(fd)
    return 0
