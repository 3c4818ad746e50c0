"""What `trustcli remind --daemon` costs while it waits, and how late it delivers.

On a private session bus with a recording notification server (as tests/conftest.py
sets up), in a temp data home:

* idle: three reminders, none due for hours; once the daemon has logged "scheduled 3
  reminders" (and a settling second), its RSS, CPU time and context switches (every
  thread) are read from /proc for --seconds. A daemon that sleeps until its next job
  should not wake at all.
* lateness: five one-time reminders at whole seconds a few seconds apart are added while
  it runs (each ``remind add`` sends it SIGHUP); for each, the moment the notification
  server received it minus the scheduled second.
* idle again, as long, after those deliveries: jobs have now run, so APScheduler's
  thread pool has a worker thread, which must not poll either.
* stop: SIGTERM; its exit code and how long it took to exit.

Run from the repo root:  python bench/daemon.py [--python PATH] [--seconds 60] [--json FILE]

Standard library only; the notification server runs in the venv under test, whose
jeepney the trustcli install brings. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import run as bench  # bench/run.py: the venv, the children's environment, the time zone

HERE = Path(__file__).resolve().parent
SERVER = HERE.parent / "tests" / "helpers" / "notification_server.py"

TARGET_RSS_MB = 40.0  # highest resident set while idle
TARGET_WAKEUPS = 0  # context switches while idle, all threads together
TARGET_LATENESS = 1.0  # seconds after the scheduled second, worst of LATE_COUNT

IDLE_REMINDERS = 3
SETTLE = 1.0  # seconds after "scheduled 3 reminders" before the idle window opens
SAMPLE_EVERY = 0.5  # seconds between /proc samples (RSS max; the rest is start/end)
LATE_COUNT = 5
LATE_LEAD = 8  # seconds from now to the first lateness reminder: room for five adds
LATE_GAP = 3  # seconds between lateness reminders
STOP_TIMEOUT = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as trustcli reads them

# The tests' bus config: no <servicedir>, so nothing on this bus is ever auto-started.
BUS_CONFIG = HERE.parent / "tests" / "helpers" / "session-bus.conf"


def main() -> int:
    args = _parse_args()
    if not Path("/proc/self/task").is_dir():
        sys.exit("bench daemon: needs Linux /proc")
    dbus_daemon = shutil.which("dbus-daemon")
    if dbus_daemon is None:
        sys.exit("bench daemon: dbus-daemon is not installed (apt-get install dbus)")
    # Ctrl-C and SIGTERM unwind through the with-blocks below, so every child we started
    # is stopped and the temp folder removed however the run ends.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench daemon: stopped by SIGTERM"))
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="trustcli-bench-daemon-") as scratch_name,
        contextlib.ExitStack() as processes,  # closed first: every child ends before rmtree
    ):
        scratch = Path(scratch_name)
        python = Path(args.python) if args.python else bench.build_venv(scratch / "venv")
        trustcli = python.parent / "trustcli"
        if not trustcli.exists():
            sys.exit(f"bench daemon: no trustcli script beside {python}; is it installed there?")
        for warning in bench.bytecode_warnings(python):
            _progress(f"warning: {warning}")
        versions = bench.installed_versions(
            python, ("trustcli", "apscheduler", "tzlocal", "jeepney")
        )

        address = start_bus(dbus_daemon, scratch / "bus", processes)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address  # bench.child_env passes it on
        record = start_server(python, scratch, processes)
        home = scratch / "home"

        idle_reminders = add_idle_reminders(trustcli, home)
        daemon = Daemon(trustcli, home, scratch / "daemon.log")
        processes.callback(daemon.kill)
        daemon.wait_for_log(f"scheduled {IDLE_REMINDERS} reminders")
        _progress(f"idle: sampling the daemon (pid {daemon.pid}) for {args.seconds:g} s …")
        idle = measure_idle(daemon, args.seconds)
        if received(record):
            sys.exit(f"bench daemon: a notification arrived while idle: {received(record)}")

        _progress(f"lateness: {LATE_COUNT} one-time reminders, {LATE_GAP} s apart …")
        late = measure_lateness(trustcli, home, daemon, record)
        _progress(f"idle after the deliveries: sampling for {args.seconds:g} s …")
        after = measure_idle(daemon, args.seconds)
        if len(received(record)) != LATE_COUNT:
            sys.exit(f"bench daemon: unexpected notifications: {received(record)}")
        stop = stop_daemon(daemon, home)

    elapsed = time.perf_counter() - started
    idles = {"idle": idle, "idle after deliveries": after}
    rows = build_rows(idles, late, stop)
    print_report(rows, idles, late, stop, versions, args.seconds, idle_reminders, elapsed)
    if args.json:
        write_json(args.json, rows, idles, late, stop, versions, args.seconds, elapsed)
    return 0  # a report, not a test: OVER never fails the run


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Idle cost and delivery lateness of `trustcli remind --daemon`."
    )
    parser.add_argument(
        "--python",
        help="use this venv's interpreter (trustcli already installed) instead of building one",
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of the idle window (default 60)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    return args


def _progress(message: str) -> None:
    print(f"bench daemon: {message}", file=sys.stderr, flush=True)


# --- the bus, the notification server and the daemon ---------------------------------


def stop_process(process: subprocess.Popen[Any]) -> None:
    """End one child of ours: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_bus(program: str, folder: Path, processes: contextlib.ExitStack) -> str:
    """A private session bus; its address."""
    folder.mkdir()
    config = folder / "session.conf"
    template = BUS_CONFIG.read_text(encoding="utf-8")
    config.write_text(template.replace("@SOCKET@", str(folder / "socket")), encoding="utf-8")
    log = folder / "dbus-daemon.log"  # its warnings (fd limits and such) stay out of the way
    with log.open("w", encoding="utf-8") as errors:
        process = subprocess.Popen(
            [program, f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            text=True,
        )
    processes.callback(stop_process, process)
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    if not address:
        sys.exit(f"bench daemon: dbus-daemon printed no address:\n{log.read_text()}")
    return address


def start_server(python: Path, scratch: Path, processes: contextlib.ExitStack) -> Path:
    """The recording notification server on that bus; the file it records to."""
    record, ready = scratch / "notifications.jsonl", scratch / "server-ready"
    process = subprocess.Popen(
        [str(python), str(SERVER), str(record), str(ready)],
        env=bench.child_env(None),
        stdin=subprocess.DEVNULL,
    )
    processes.callback(stop_process, process)
    deadline = time.monotonic() + 20
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit("bench daemon: the notification server did not start")
        time.sleep(0.02)
    return record


def received(record: Path) -> list[dict[str, Any]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]


class Daemon:
    """`trustcli remind --daemon` in a data home, its stderr in a file."""

    def __init__(self, trustcli: Path, home: Path, log: Path) -> None:
        self.log = log
        self.handle = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(trustcli), "remind", "--daemon"],
            env=bench.child_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.handle,
        )
        self.pid = self.process.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            sys.exit(f"bench daemon: the daemon exited {self.process.returncode}:\n{self.text()}")

    def wait_for_log(self, phrase: str, timeout: float = 30, required: bool = True) -> bool:
        deadline = time.monotonic() + timeout
        while phrase not in self.text():
            self.check_alive()
            if time.monotonic() > deadline:
                if not required:
                    return False
                sys.exit(f"bench daemon: no {phrase!r} in the daemon's log:\n{self.text()}")
            time.sleep(0.02)
        return True

    def kill(self) -> None:
        """Clean-up only: the measured stop is stop_daemon."""
        stop_process(self.process)
        self.handle.close()


# --- idle ------------------------------------------------------------------------------


def add_idle_reminders(trustcli: Path, home: Path) -> list[str]:
    """Three reminders of three kinds, none due for hours, whatever the time of day."""
    now = datetime.now(bench.local_zone()).replace(second=0, microsecond=0)
    in_three_hours = now + timedelta(hours=3)
    in_three_days = now + timedelta(days=3)
    schedules = [
        f"daily {in_three_hours:%H:%M}",
        f"weekly {DAY_NAMES[in_three_days.weekday()]} {in_three_hours:%H:%M}",
        (now + timedelta(days=2)).isoformat(timespec="seconds"),
    ]
    for number, when in enumerate(schedules, start=1):
        bench.run_checked([str(trustcli), "remind", "add", when, "-m", f"idle {number}"], home)
    return schedules


@dataclass
class Sample:
    """One reading of /proc/PID: resident set, CPU ticks, and each thread's switches."""

    at: float  # time.monotonic()
    rss_kb: int
    cpu_ticks: int
    threads: dict[int, tuple[int, int]]  # tid: (voluntary, nonvoluntary)

    @property
    def switches(self) -> int:
        return sum(voluntary + other for voluntary, other in self.threads.values())


def read_sample(pid: int) -> Sample:
    proc = Path(f"/proc/{pid}")
    at = time.monotonic()
    status = _fields((proc / "status").read_text())
    stat = (proc / "stat").read_text()
    rest = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is rest[0]
    cpu_ticks = int(rest[11]) + int(rest[12])  # utime, stime: fields 14 and 15 of stat
    threads = {}
    for entry in (proc / "task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread ended
            fields = _fields((entry / "status").read_text())
            threads[int(entry.name)] = (
                int(fields["voluntary_ctxt_switches"]),
                int(fields["nonvoluntary_ctxt_switches"]),
            )
    return Sample(at, int(status["VmRSS"].split()[0]), cpu_ticks, threads)


def _fields(text: str) -> dict[str, str]:
    return {
        key: value.strip() for key, _, value in (line.partition(":") for line in text.splitlines())
    }


@dataclass
class Idle:
    seconds: float
    rss_max_kb: int
    rss_start_kb: int
    cpu_seconds: float
    wakeups: int
    threads_before: int
    threads_after: int
    per_thread: dict[int, int]  # tid: switches in the window (a new thread: all of its own)
    settle_wakeups: int  # between "scheduled 3 reminders" and the window opening
    samples: int


def measure_idle(daemon: Daemon, seconds: float) -> Idle:
    logged = read_sample(daemon.pid)
    time.sleep(SETTLE)
    first = read_sample(daemon.pid)
    samples = [first]
    end = first.at + seconds
    while (now := time.monotonic()) < end:
        time.sleep(min(SAMPLE_EVERY, end - now))
        daemon.check_alive()
        samples.append(read_sample(daemon.pid))
    last = samples[-1]
    per_thread = {
        tid: sum(counts) - sum(first.threads.get(tid, (0, 0)))
        for tid, counts in last.threads.items()
    }
    return Idle(
        seconds=last.at - first.at,
        rss_max_kb=max(sample.rss_kb for sample in samples),
        rss_start_kb=first.rss_kb,
        cpu_seconds=(last.cpu_ticks - first.cpu_ticks) / CLOCK_TICKS,
        wakeups=last.switches - first.switches,
        threads_before=len(first.threads),
        threads_after=len(last.threads),
        per_thread=per_thread,
        settle_wakeups=first.switches - logged.switches,
        samples=len(samples),
    )


# --- lateness --------------------------------------------------------------------------


@dataclass
class Lateness:
    scheduled: list[str]  # ISO, with offset
    late: list[float | None] = field(default_factory=list)  # seconds; None: never arrived
    deliveries: dict[str, int] = field(default_factory=dict)  # status: count

    @property
    def arrived(self) -> list[float]:
        return [value for value in self.late if value is not None]


def measure_lateness(trustcli: Path, home: Path, daemon: Daemon, record: Path) -> Lateness:
    """Add the reminders one by one, each after the daemon logged the previous reload (as
    a person adding them would); then wait for every notification."""
    zone = bench.local_zone()
    first = datetime.now(zone).replace(microsecond=0) + timedelta(seconds=LATE_LEAD)
    moments = [first + timedelta(seconds=LATE_GAP * index) for index in range(LATE_COUNT)]
    result = Lateness([moment.isoformat(timespec="seconds") for moment in moments])
    for number, when in enumerate(result.scheduled, start=1):
        argv = [str(trustcli), "remind", "add", when, "-m", f"lateness {number}"]
        added = subprocess.run(argv, env=bench.child_env(home), capture_output=True, text=True)
        if added.returncode != 0 or "picked up the change" not in added.stderr:
            sys.exit(f"bench daemon: {' '.join(argv)} ({added.returncode}):\n{added.stderr}")
        daemon.wait_for_log(f"scheduled {IDLE_REMINDERS + number} reminders")
    margin = first.timestamp() - time.time()
    if margin < 1:
        _progress(f"warning: set-up ended {margin:.1f} s before the first reminder was due")

    deadline = moments[-1].timestamp() + 15
    while len(received(record)) < LATE_COUNT and time.time() < deadline:
        daemon.check_alive()
        time.sleep(0.1)
    arrivals = {line["body"]: line["received"] for line in received(record)}
    for number, moment in enumerate(moments, start=1):
        arrival = arrivals.get(f"lateness {number}")
        result.late.append(None if arrival is None else arrival - moment.timestamp())

    # Let the last delivery be recorded; a missing one is reported, not fatal.
    daemon.wait_for_log(f"reminder {IDLE_REMINDERS + LATE_COUNT}: notified", 5, required=False)
    daemon.wait_for_log(f"scheduled {IDLE_REMINDERS + LATE_COUNT} reminders")
    deliveries = home / "deliveries.toml"
    if deliveries.exists():
        for item in tomllib.loads(deliveries.read_text(encoding="utf-8")).get("delivery", []):
            result.deliveries[item["status"]] = result.deliveries.get(item["status"], 0) + 1
    return result


# --- stop ------------------------------------------------------------------------------


@dataclass
class Stop:
    code: int | None
    seconds: float
    logged_stopped: bool
    pid_file_left: bool


def stop_daemon(daemon: Daemon, home: Path) -> Stop:
    # Popen.wait(timeout=…) polls with sleeps doubling up to 50 ms, which would round
    # the exit time up to 32 or 64 ms; a pidfd becomes readable the moment it exits.
    pidfd = os.pidfd_open(daemon.pid)
    try:
        began = time.monotonic()
        daemon.process.send_signal(signal.SIGTERM)
        exited, _, _ = select.select([pidfd], [], [], STOP_TIMEOUT)
        seconds = time.monotonic() - began
    finally:
        os.close(pidfd)
    code = daemon.process.wait() if exited else None  # if not, the clean-up kills it
    return Stop(
        code,
        seconds,
        "stopped" in daemon.text().splitlines()[-1],
        (home / "daemon.pid").exists(),
    )


# --- report ----------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    value: float | None
    unit: str
    target: float | None = None

    @property
    def status(self) -> str:
        if self.target is None or self.value is None:
            return ""
        return "PASS" if self.value <= self.target else "OVER"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "status": self.status or None,
        }


def build_rows(idles: dict[str, Idle], late: Lateness, stop: Stop) -> list[Row]:
    rows = []
    for name, idle in idles.items():
        rows += [
            Row(f"{name}: RSS, max", round(idle.rss_max_kb / 1024, 1), "MB", TARGET_RSS_MB),
            Row(f"{name}: CPU time", round(idle.cpu_seconds, 3), "s"),
            Row(f"{name}: wake-ups (context switches)", idle.wakeups, "", TARGET_WAKEUPS),
        ]
    arrived = late.arrived
    rows += [
        Row(
            f"lateness: max of {len(arrived)}",
            round(max(arrived), 3) if arrived else None,
            "s",
            TARGET_LATENESS,
        ),
        Row(
            f"lateness: median of {len(arrived)}",
            round(statistics.median(arrived), 3) if arrived else None,
            "s",
        ),
        Row("lateness: notifications missing", late.late.count(None), "", 0),
        Row("SIGTERM: time to exit", round(stop.seconds, 3), "s"),
        Row("SIGTERM: exit code", stop.code, "", 0),
    ]
    return rows


def print_report(
    rows: list[Row],
    idles: dict[str, Idle],
    late: Lateness,
    stop: Stop,
    versions: dict[str, str],
    seconds: float,
    idle_reminders: list[str],
    elapsed: float,
) -> None:
    about = ", ".join(f"{name} {version}" for name, version in versions.items())
    print()
    print(f"trustcli daemon benchmark: {about}")
    print(f"{platform.platform()}, {os.cpu_count()} CPUs; idle windows of {seconds:g} s")
    print(f"idle reminders: {'; '.join(idle_reminders)}")
    print()
    headers = ("measure", "value", "target", "")
    lines = [
        (
            row.name,
            "n/a" if row.value is None else f"{row.value:g}{' ' + row.unit if row.unit else ''}",
            "" if row.target is None else f"<= {row.target:g}{' ' + row.unit if row.unit else ''}",
            row.status,
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in (headers, *lines)) for i in range(4)]
    for name, *cells in (headers, *lines):
        print(
            f"{name:<{widths[0]}}  "
            + "  ".join(f"{cell:>{width}}" for cell, width in zip(cells, widths[1:], strict=True))
        )
    print()
    for name, idle in idles.items():
        by_thread = ", ".join(f"{tid}: {n}" for tid, n in sorted(idle.per_thread.items()))
        print(
            f"{name}: {idle.samples} samples over {idle.seconds:.1f} s;"
            f" RSS {idle.rss_start_kb / 1024:.1f} MB at the start;"
            f" threads {idle.threads_before} -> {idle.threads_after}"
            f" (switches by thread id: {by_thread}); {idle.settle_wakeups} switches"
            f" in the {SETTLE:g} s before the window (not counted)"
        )
    lateness = ", ".join("missing" if v is None else f"{v:.3f}" for v in late.late)
    print(f"lateness by reminder (s): {lateness}")
    print(f"deliveries.toml: {late.deliveries}")
    print(
        f"stop: exit code {stop.code} in {stop.seconds:.3f} s; last log line says stopped:"
        f" {stop.logged_stopped}; pid file left behind: {stop.pid_file_left}"
    )
    print(f"took {elapsed:.0f} s")


def write_json(
    path: Path,
    rows: list[Row],
    idles: dict[str, Idle],
    late: Lateness,
    stop: Stop,
    versions: dict[str, str],
    seconds: float,
    elapsed: float,
) -> None:
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "versions": versions,
        "idle_window_s": seconds,
        "rows": [row.as_dict() for row in rows],
        "idle": {
            name: {
                "rss_start_kb": idle.rss_start_kb,
                "rss_max_kb": idle.rss_max_kb,
                "cpu_s": idle.cpu_seconds,
                "wakeups": idle.wakeups,
                "wakeups_by_thread": {str(tid): n for tid, n in idle.per_thread.items()},
                "settle_wakeups": idle.settle_wakeups,
                "threads": [idle.threads_before, idle.threads_after],
                "samples": idle.samples,
            }
            for name, idle in idles.items()
        },
        "lateness": {
            "scheduled": late.scheduled,
            "late_s": [None if v is None else round(v, 4) for v in late.late],
            "deliveries": late.deliveries,
        },
        "stop": {
            "code": stop.code,
            "seconds": round(stop.seconds, 4),
            "logged_stopped": stop.logged_stopped,
            "pid_file_left": stop.pid_file_left,
        },
        "seconds": round(elapsed, 1),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {path}")


if __name__ == "__main__":
    sys.exit(main())
