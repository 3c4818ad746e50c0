"""The prompt status file: what a shell prompt needs, computed here so the prompt runs
nothing (see ``trustcli shell-init``).

The file is one line of two numbers, ``COUNT NEXT``: how many things are due now (a
reminder that fired and was not acknowledged, a promise to record today, news from the
partner), and the epoch second when something next falls due (0 if nothing will). The
snippet shows its marker when COUNT > 0 or the clock has reached NEXT, so a reminder
shows on time even if no trustcli command ran since; the next trustcli command (or the
daemon, each minute) writes the exact count again. Two numbers and never a word: with
the vault on it says no more than that something is due, and a locked vault keeps the
last one (nothing can be read to recompute it).

What is due besides reminders (promises to record, the partner's news) is gathered by
``trustcli.today``, above this package: whoever refreshes the status passes that
gathering in (``Gather``), so the reminders never reach up to the couple folder.

Trade-off: at NEXT the marker shows even when what fell due is already recorded (a
promise recorded early, a new day with nothing left to do) until a trustcli command or
the daemon's next minute rewrites the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from trustcli.errors import TrustError
from trustcli.store import runtime

# What is due at a moment, as ``today.gather`` finds it, and whether there are promises.
Gather = Callable[[datetime], tuple[dict[str, Any], bool]]

# Set when a command wrote the status from what it had just gathered itself (``today``):
# the refresh the CLI runs after that command (``refresh_if_used()``) then has nothing
# left to do, and clears it.
_written_by_the_command = False


def reset() -> None:
    """Forget what an earlier command in this process wrote (in-process tests)."""
    global _written_by_the_command
    _written_by_the_command = False


def compute(now: datetime, found: dict[str, Any], any_promises: bool) -> tuple[int, int]:
    """How many things are due at ``now``, and the epoch second when more may be (0: never).
    ``found``: what ``today.gather`` gives at ``now``; ``any_promises``: whether there are
    promises (a new day may bring one to record)."""
    from trustcli.remind import reminders

    count = len(found["to_record"]) + len(found["reminders"])
    partner = found["partner"]
    if partner is not None and (
        partner["new_promises"]
        or partner["hard_moments"]
        or partner["sets_waiting"]
        or any(day["new"] for day in partner["to_confirm"])
    ):
        count += 1
    upcoming: list[datetime] = []
    times, _ = reminders.fire_times_between(reminders.acknowledged(), now)
    for moments in times.values():
        upcoming += [at for at in map(datetime.fromisoformat, moments) if at > now]
    if any_promises:  # a new day may bring a promise to record
        local = now.astimezone()
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        upcoming.append(midnight)
    return count, int(min(upcoming).timestamp()) if upcoming else 0


def render(count: int, next_at: int) -> bytes:
    return f"{count} {next_at}\n".encode()


def refresh(gather: Gather, now: datetime | None = None) -> None:
    """Write the status file again from what ``gather`` finds now. Never fails the
    caller: the file only saves a prompt some time; a locked vault keeps the last one."""
    from trustcli import dates

    with contextlib.suppress(TrustError, OSError):
        moment = now or dates.now()
        found, any_promises = gather(moment)
        runtime.write_status(render(*compute(moment, found, any_promises)))


def used() -> bool:
    """Whether this home has a status file to keep current (someone uses shell-init)."""
    return runtime.status_exists()


def refresh_if_used(gather: Gather) -> None:
    """``refresh`` when this home has a status file (someone uses shell-init): a plain
    home without one pays one stat. Right after ``refresh_from`` it does nothing."""
    global _written_by_the_command
    if _written_by_the_command:
        _written_by_the_command = False
        return
    if runtime.status_exists():
        refresh(gather)


def refresh_from(found: dict[str, Any], now: datetime, any_promises: bool) -> None:
    """``refresh_if_used`` from what a command has just gathered at ``now`` (``today``,
    its partner part as seen), so the CLI's refresh after the command need not gather
    it all again. Call it last, once the command has done everything else."""
    global _written_by_the_command
    if runtime.status_exists():
        with contextlib.suppress(TrustError, OSError):
            runtime.write_status(render(*compute(now, found, any_promises)))
    _written_by_the_command = True
