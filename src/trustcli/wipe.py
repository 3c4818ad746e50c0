"""`trustcli wipe`: every trace of this data home gone, now.

What goes, in this order: the reminder daemon of this home is stopped (it would write
its pid file and deliveries back), the unit or agent `remind install` wrote for this
home is removed, then this home's runtime files (an unlock key, editor text), then the
home itself, each file overwritten first (``store.removal.remove_home``).

What stays: anything trustcli did not make (named), the couple folder (it belongs to
both people; only this device's own part of it is named, for the person to delete if
they want), and what no program can reach from here (shell history, backups, sync
copies, files written outside the home): said plainly at the end.

Nothing here reads encrypted data: a home whose vault is on and locked is wiped the
same way, and its couple folder is spoken of without a name.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from trustcli import store
from trustcli.errors import TrustError
from trustcli.store import runtime
from trustcli.store.removal import Removal, remove_home, shred

# Every name trustcli writes at the top of a data home (keep in step with the README's
# table in *Where your data lives*). A top-level entry is trustcli's if it is one of
# these folders, the lock, or its name holds one of these file names (so the temp file
# `.promises.toml.a1b2c3d4.tmp` and an editor's `promises.toml~` or `.promises.toml.swp`
# go too). Anything else is left and named: a home set to a folder that holds other
# things (TRUSTCLI_HOME=~/Sync) must lose only what trustcli put there.
OUR_FILES = (
    "config.toml",
    "promises.toml",
    "followthrough.toml",
    "checkins.toml",
    "reminders.toml",
    "deliveries.toml",
    "remind-state.toml",
    "daemon.pid",
    "safety.toml",
    "couple.toml",
    "today.toml",
    "confirmations.toml",
    "sealed.toml",
    "vault.toml",
    "triggers.toml",
)
OUR_FOLDERS = ("sessions", "cache", "templates")
LOCK = ".lock"
COUPLE_FILE = "couple.toml"
NOT_OURS = "trustcli did not make it, so it was left as it is"
STOP_WAIT = 10.0  # seconds for the daemon to finish a delivery under way and stop
_DEVICE = re.compile(r"\A[0-9a-f]{16}\Z")


@dataclass
class Couple:
    """The couple folder this home shares (or shared), as far as it can be known
    without a key: ``folder`` is None when it cannot be read (``why``)."""

    state: str  # "member", "pending" (asked to join), "left", or "" when unknown
    folder: Path | None = None
    device: str = ""
    why: str = ""  # "locked" or "unreadable" when folder is None

    @property
    def own_part(self) -> Path | None:
        return self.folder / self.device if self.folder and self.device else None


@dataclass
class Plan:
    """What is there to remove, found before asking (nothing is read from the vault)."""

    home: Path
    home_exists: bool
    daemon_pid: int | None
    unit: Path | None  # the unit or agent `remind install` wrote for this home
    runtime: list[str]
    couple: Couple | None

    @property
    def nothing(self) -> bool:
        return not (self.home_exists or self.daemon_pid or self.unit or self.runtime)


@dataclass
class Outcome:
    removal: Removal = field(default_factory=Removal)
    daemon_stopped: int | None = None
    unit_removed: Path | None = None
    enable_link_removed: bool = False
    agent_unloaded: bool = False
    runtime_removed: int = 0
    problems: list[str] = field(default_factory=list)  # what could not be done, one line each
    left: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.problems or self.left or self.removal.left)


# --- finding what there is ----------------------------------------------------------


def survey() -> Plan:
    """What wipe would remove; reads only names, the pid file's lock, the unit file and
    (when it is plain) the home's couple.toml."""
    from trustcli.remind.pidfile import running_pid

    exists = store.home_exists()
    return Plan(
        home=store.home(),
        home_exists=exists,
        daemon_pid=running_pid() if exists else None,
        unit=_unit_of_this_home(),
        runtime=runtime.names_of_home(),
        couple=_couple() if exists else None,
    )


def _unit_of_this_home() -> Path | None:
    """The unit or agent at `remind install`'s place, if it runs this home's daemon; one
    serving another home is never touched."""
    from trustcli.remind import service

    try:
        path = service.unit_path()
    except (RuntimeError, OSError):  # no home folder to find it in
        return None
    if path is None:
        return None
    data = store.read_outside(path)
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    if "remind" not in text or "--daemon" not in text:  # not one trustcli wrote
        return None
    if service.installed_home(text) != store.home():
        return None
    return path


def _couple() -> Couple | None:
    """The couple folder of this home, read before the home goes (after it, nobody can
    say where it was). With the vault on and locked it cannot be read: then only that
    there is one."""
    if not store.has(COUPLE_FILE):
        return None
    why = "locked" if store.vault_on() else "unreadable"
    try:
        document = store.read(COUPLE_FILE)
    except TrustError:
        return Couple(state="", why=why)
    folder, device, state = (document.get(key) for key in ("folder", "device", "state"))
    if (
        not isinstance(folder, str)
        or not os.path.isabs(folder)
        or not isinstance(device, str)
        or not _DEVICE.match(device)
        or state not in ("member", "pending", "left")
    ):
        return Couple(state="", why=why)
    return Couple(state=state, folder=Path(folder), device=device)


# --- removing --------------------------------------------------------------------------


def run(plan: Plan) -> Outcome:
    """Stop, then remove: the daemon, its unit, the runtime files, the home."""
    from trustcli.remind.pidfile import running_pid

    outcome = Outcome()
    if plan.unit is not None and sys.platform == "darwin":
        _unload_agent(plan.unit, outcome)  # launchd would start it again (KeepAlive)
    pid = running_pid() if store.home_exists() else None
    if pid:
        _stop_daemon(pid, outcome)
    if plan.unit is not None:
        _remove_unit(plan.unit, outcome)
    _remove_runtime(outcome)
    outcome.removal = remove_home(_keep)
    return outcome


def _keep(parts: tuple[str, ...], is_folder: bool) -> str:
    """Why an entry of the home stays ('' if it goes): only at the top of the home are
    names checked; inside trustcli's own folders everything of ours goes."""
    if len(parts) > 1:
        return ""
    name = parts[0]
    if name == LOCK or name in OUR_FOLDERS or any(known in name for known in OUR_FILES):
        return ""
    return NOT_OURS


def _stop_daemon(pid: int, outcome: Outcome) -> None:
    """SIGTERM, then wait until it has let go of its pid file (it removes it itself)."""
    from trustcli.remind.pidfile import running_pid

    if pid < 0:
        outcome.problems.append(
            "a reminder daemon runs for this home, but its pid file does not say which "
            "process it is: stop it (trustcli remind --daemon), then run trustcli wipe again"
        )
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except OSError as exc:
        outcome.problems.append(
            f"the reminder daemon (pid {pid}) could not be stopped ({exc.strerror}): "
            f"stop it, then run trustcli wipe again"
        )
        return
    deadline = time.monotonic() + STOP_WAIT
    while running_pid() == pid:
        if time.monotonic() > deadline:
            outcome.problems.append(
                f"the reminder daemon (pid {pid}) did not stop within {STOP_WAIT:.0f} seconds "
                f"and may write files back: run kill {pid}, then trustcli wipe again"
            )
            return
        time.sleep(0.05)
    outcome.daemon_stopped = pid


def _unload_agent(path: Path, outcome: Outcome) -> None:
    """macOS: launchd keeps the agent alive, so it is unloaded before the daemon is
    stopped. A fixed argument list, never a shell; the path is where `remind install`
    wrote this home's agent (checked by ``_unit_of_this_home``)."""
    import subprocess

    try:
        done = subprocess.run(
            ["launchctl", "unload", "-w", str(path)],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return
    outcome.agent_unloaded = done.returncode == 0


def _remove_unit(path: Path, outcome: Outcome) -> None:
    from trustcli.remind import service

    try:
        shred(path)
        outcome.unit_removed = path
    except TrustError as error:
        outcome.left.append((path, error.message))
        return
    link = service.enable_link(path)
    if link is not None and store.link_points_to(link, path):
        try:
            outcome.enable_link_removed = shred(link)
        except TrustError as error:
            outcome.left.append((link, error.message))


def _remove_runtime(outcome: Outcome) -> None:
    names = runtime.names_of_home()
    for name in names:
        try:
            outcome.runtime_removed += runtime.remove(name)
        except TrustError as error:
            outcome.problems.append(error.message)
    if names:
        runtime.tidy()


# --- what to say ------------------------------------------------------------------------


def preview(plan: Plan) -> list[str]:
    """Said before the question, so a person can still say no and do something first."""
    lines = [
        f"wipe removes everything trustcli keeps in {plan.home}: promises, check-ins, "
        "answers, reminders, settings and keys, each file overwritten first."
    ]
    if plan.daemon_pid:
        lines.append("It stops the reminder daemon first.")
    if plan.unit is not None:
        lines.append(f"It removes the reminder unit {plan.unit}.")
    if plan.couple is not None:
        lines += couple_lines(plan.couple, before=True)
    return lines


def report(plan: Plan, outcome: Outcome) -> list[str]:
    """What went (counts, never contents), what stayed and why, and what no program can
    remove from here."""
    lines = []
    if outcome.daemon_stopped:
        lines.append(f"Stopped the reminder daemon (pid {outcome.daemon_stopped}).")
    if outcome.unit_removed is not None:
        lines += _unit_lines(outcome)
    if outcome.runtime_removed:
        files = _count(outcome.runtime_removed, "file")
        lines.append(f"Removed {files} from the session folder (an unlock key, editor text).")
    removal = outcome.removal
    if plan.home_exists:
        what = _removed_text(removal)
        if removal.left:
            lines.append(f"Removed from {plan.home}: {what}.")
        else:
            lines.append(f"Removed {plan.home}: {what}.")
    left = outcome.left + removal.left
    if left or outcome.problems:
        lines.append("Not removed:")
        lines += [f"  {path}: {why}" for path, why in left]
        lines += [f"  {problem}" for problem in outcome.problems]
    if plan.couple is not None:
        lines += couple_lines(plan.couple, before=False)
    lines += CANNOT_REMOVE
    return lines


def _unit_lines(outcome: Outcome) -> list[str]:
    path = outcome.unit_removed
    also = " and its enable link" if outcome.enable_link_removed else ""
    lines = [f"Removed the reminder unit {path}{also}."]
    if sys.platform == "darwin":
        if not outcome.agent_unloaded:
            lines.append("If launchd still has it loaded: launchctl remove org.trustcli.remind")
    else:
        lines.append(
            "If systemd had loaded it, this makes it forget: systemctl --user daemon-reload"
        )
    return lines


def _removed_text(removal: Removal) -> str:
    parts = []
    if removal.files:
        files = _count(removal.files, "file")
        if removal.overwritten == removal.files:
            parts.append(f"{files} (each overwritten first)")
        else:
            parts.append(
                f"{files} ({removal.overwritten} overwritten first; the others had a second "
                "name elsewhere or could not be written)"
            )
    if removal.folders:
        parts.append(_count(removal.folders, "folder"))
    if removal.links:
        parts.append(f"{_count(removal.links, 'link')} (what it points to is left as it is)")
    if removal.others:
        parts.append(_count(removal.others, "other entry", "other entries"))
    return ", ".join(parts) or "nothing"


def couple_lines(couple: Couple, before: bool) -> list[str]:
    """The couple folder belongs to both: never touched; how to leave it, and which part
    of it is this device's (said now: once the home is gone, nothing can tell)."""
    own = couple.own_part
    shares, leaves = ("shares", "leaves") if before else ("shared", "left")
    if couple.state == "left" and couple.folder is not None:
        return [
            f"This home left the couple folder {couple.folder} earlier. What it shared stays "
            f"there for your partner, in {own}: wipe {leaves} it untouched."
        ]
    if couple.folder is None:
        where = (
            "its place is inside the locked vault"
            if couple.why == "locked"
            else "its place could not be read"
        )
        first = f"This home {shares} a couple folder ({where})."
    else:
        first = f"This home {shares} the couple folder {couple.folder}."
    first += f" It belongs to both of you, so wipe {leaves} it untouched."
    leave = "'trustcli pair leave' tells your partner's trustcli that you left"
    if before:
        if couple.folder is None and couple.why == "locked":
            return [
                first,
                "To see where it is, answer no and run 'trustcli unlock' and "
                f"'trustcli pair status'; {leave}.",
            ]
        return [
            first,
            "To leave it first, answer no and run 'trustcli pair leave': it tells "
            "your partner's trustcli that you left.",
        ]
    mine = f"Only {own} is" if own is not None else "Only the folder named by this device's id is"
    return [
        first,
        f"{mine} this device's (what you shared, sealed): delete it to take that away too; "
        "your partner then no longer sees it. Leave the rest: it is your partner's, or both "
        f"of yours. (Run before wipe, {leave}.)",
    ]


CANNOT_REMOVE = [
    "What trustcli cannot remove for you:",
    "  - shell history: the commands you typed, words and all. To keep them out, start a "
    "command with a space, with HISTCONTROL=ignorespace in bash or setopt HIST_IGNORE_SPACE "
    "in zsh (or HISTIGNORE='trustcli*' in bash for every trustcli command); lines saved "
    "already stay in ~/.bash_history or ~/.zsh_history until you delete them;",
    "  - backups of this computer, and the copies and old versions a sync tool keeps;",
    "  - worksheets, reports and exports written outside the home (with -o, or a worksheet "
    "in the folder you ran it in);",
    "  - old blocks an SSD or a copy-on-write file system keeps after overwriting "
    "(full-disk encryption covers those).",
]


def _count(number: int, word: str, plural: str = "") -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"
