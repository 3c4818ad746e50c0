"""Start-up and growth benchmark for trustcli.

Every figure is a ratio to ``python -c pass`` run by the same interpreter in the same
session: absolute milliseconds swing with the machine and its load, ratios do not.
Cases are timed round-robin (one run of each case per round) so that a burst of
background load slows every case alike instead of one case's whole series.

Run from the repo root:  python bench/run.py [--quick] [--json FILE] [--python PATH]

Plain standard library on purpose: it must run before anything is installed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO / "bench" / "results" / "last.json"
TZ_NAME = "Europe/Berlin"

SMALL_PROMISES = 5
SMALL_FOLLOWUPS = 20
SMALL_CHECKINS = 6  # so that the progress worksheet has a trend to show
BIG_PROMISES = 10
BIG_RECORDS = 10_000
BIG_CHECKINS = 1_000
HISTORY_DAYS = 3 * 365
KEPT_SHARE = 0.8
NOTES = ("called before leaving", "texted at 18:40", "late, but said so", "forgot; set an alarm")
PEOPLE = ("alex", "sam")  # me and partner in the small store; who checks in everywhere
CHECKIN_NOTES = (
    "a good talk",
    "tired, but we listened",
    "felt distant today",
    "walked after dinner",
)

# Start-up (issue 14): every command within 1.15x of the Typer floor (`import typer`
# alone, timed in the same rounds); `worksheet new` and the terminal `report` within 1.3x.
FLOOR = 'Typer floor: python -c "import typer"'
# The same without Python's teardown, which trustcli skips (``trustcli.cli.console``):
# every targeted command is also shown against this line, so the gain is not hidden.
FLOOR_NO_TEARDOWN = 'Typer floor, no teardown: python -c "import typer, os; os._exit(0)"'
TARGET_FLOOR = 1.15
TARGET_FLOOR_HEAVY = 1.3
# `worksheet new` renders with Jinja2, whose import alone is above 1.3x: its rows are also
# read over this line (the Typer floor plus `import jinja2`), timed in the same rounds.
JINJA_FLOOR = 'Typer + Jinja2 floor: python -c "import typer, jinja2"'
# The reminders of the remind stores: made through the CLI, none of them due for days.
REMINDERS = (
    ("daily 21:00", "Time for a check-in"),
    ("weekly sun 19:00", "Our weekly talk"),
    ("mon,thu 20:00", "Walk together"),
)
TARGET_KEPT_GROWTH = 1.5  # promise kept, 10,000 records / fresh
TARGET_STATS_GROWTH = 3.0  # promise stats, 10,000 records / fresh
TARGET_REPORT_GROWTH = 3.0  # report, 10,000 follow-ups + 1,000 check-ins / fresh
TARGET_PAIR_GROWTH = 1.5  # pair status, partner log of 10,000 records / fresh pair (issue 11)
PAIR_BIG = "pair status, partner log of 10,000 records"
LIST_BIG = "promise list, partner log of 10,000 records"
TODAY_BIG = "today, partner log of 10,000 records"
PARTNER_PROMISES = 10  # the partner's log: these promises, the rest their follow-ups
# import of a backup of the big store, over reading that store (promise stats, no cache)
TARGET_IMPORT_OVER_READ = 2.0
# Cold reads (issue 14): no cache, times the bare interpreter, on the plain store.
TARGET_COLD = {"promise stats": 10.0, "report": 15.0}
IMPORT_BIG = "import, 10 promises + 10,000 follow-ups, into an empty home"

REPORT_BIG = "report, 10,000 follow-ups + 1,000 check-ins"
# The vault (issue 12): each case again on a copy of its home with the vault on and
# unlocked; (row, plain case, vault case): the vault's median over the plain one's.
TARGET_VAULT_COST = 1.2
VAULT_PASSPHRASE = "a bench passphrase, not a secret"
VAULT = "vault on"
VAULT_COST = (
    ("promise list", f"promise list ({SMALL_PROMISES} promises, {SMALL_FOLLOWUPS} follow-ups)"),
    ("promise kept 1, fresh", "promise kept 1, fresh"),
    ("promise kept 1, 10,000 records", "promise kept 1, 10,000 records"),
    ("promise stats, fresh", "promise stats, fresh"),
    ("promise stats, 10,000 records", "promise stats, 10,000 records"),
    ("report, 10,000 + 1,000", REPORT_BIG),
    ("remind due", "remind due (3 reminders, warm cache)"),
    ("worksheet new repair-plan", "worksheet new repair-plan -o - (small)"),
)
# Where the unlocked vault keys live during the run (a private folder, as
# $XDG_RUNTIME_DIR is); set in main.
RUNTIME: list[Path] = []
# (row, fresh case, big case, target): the big store's median over the fresh one's.
GROWTH = (
    (
        "promise kept 1",
        "promise kept 1, fresh",
        "promise kept 1, 10,000 records",
        TARGET_KEPT_GROWTH,
    ),
    ("promise stats", "promise stats, fresh", "promise stats, 10,000 records", TARGET_STATS_GROWTH),
    ("report", "report, fresh", REPORT_BIG, TARGET_REPORT_GROWTH),
    ("pair status", "pair status, fresh pair", PAIR_BIG, TARGET_PAIR_GROWTH),
    ("promise list (paired)", "promise list, fresh pair", LIST_BIG, TARGET_PAIR_GROWTH),
    ("today (paired)", "today, fresh pair", TODAY_BIG, TARGET_PAIR_GROWTH),
)


@dataclass
class Case:
    """One command line to time, in its own data home."""

    name: str
    argv: list[str]
    home: Path | None = None
    target: float | None = None  # highest acceptable ratio to the baseline
    samples: list[float] = field(default_factory=list)
    before: Callable[[], None] | None = None  # untimed set-up before each run

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Interquartile range: how much to trust the median on this machine."""
        if len(self.samples) < 4:
            return max(self.samples) - min(self.samples)
        low, _, high = statistics.quantiles(self.samples, n=4)
        return high - low


@dataclass
class Row:
    """One line of the report, as printed and as written to JSON."""

    name: str
    median_ms: float | None
    spread_ms: float | None
    ratio: float | None
    ratio_of: str
    target: float | None

    @property
    def status(self) -> str:
        if self.target is None or self.ratio is None:
            return ""
        return "PASS" if self.ratio <= self.target else "OVER"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "median_ms": _ms(self.median_ms),
            "iqr_ms": _ms(self.spread_ms),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "ratio_of": self.ratio_of,
            "target": self.target,
            "status": self.status or None,
        }


def main() -> int:
    args = _parse_args()
    runs = args.runs or (10 if args.quick else 30)
    warmup = 2 if args.quick else 3
    cold_runs = 2 if args.quick else 5
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="trustcli-bench-") as scratch_name:
        scratch = Path(scratch_name)
        python = Path(args.python) if args.python else build_venv(scratch / "venv")
        trustcli = python.parent / "trustcli"
        if not trustcli.exists():
            sys.exit(f"bench: no trustcli script beside {python}; is trustcli installed there?")
        for warning in bytecode_warnings(python):
            _progress(f"warning: {warning}")
        versions = installed_versions(python)

        RUNTIME.append(scratch / "runtime")
        RUNTIME[0].mkdir(mode=0o700)
        _progress("creating data homes …")
        stores = make_stores(trustcli, scratch / "homes")
        cases = make_cases(python, trustcli, stores)
        _progress("turning the vault on in copies of the homes …")
        cases += make_vault_cases(trustcli, cases, scratch / "vault-homes", stores)

        # The first no-cache run is the store's very first run; the generated files were
        # already checked with tomllib, and the app's own counts follow. Those counting
        # runs also leave the cache warm, as any later run would find it.
        _progress(f"promise stats on 10,000 records with no cache, {cold_runs} runs …")
        cold = [time_cold(trustcli, "promise stats", stores["big_stats"], cold_runs)]
        verify_big_store(trustcli, stores["big_stats"])
        _progress(f"report on 10,000 + 1,000 records with no cache, {cold_runs} runs …")
        cold.append(time_cold(trustcli, "report", stores["big_report"], cold_runs))
        verify_report_store(trustcli, stores["big_report"])
        _progress(f"the same two with the vault on, {cold_runs} runs each …")
        cold.append(time_cold(trustcli, "promise stats", stores["vault_big_stats"], cold_runs))
        cold.append(time_cold(trustcli, "report", stores["vault_big_report"], cold_runs))

        _progress(f"timing {len(cases)} cases, {warmup} warm-up + {runs} rounds …")
        measure(cases, runs, warmup)

        _progress("the bash prompt snippet, 1,000 prompts x 5 …")
        prompt = time_prompt(trustcli, scratch / "prompt-home")

    rows = build_rows(cases, cold)
    rows.append(prompt)
    baseline = cases[0]
    elapsed = time.perf_counter() - started
    print_report(rows, baseline, runs, versions, elapsed)
    write_json(args.json or DEFAULT_JSON, rows, baseline, runs, versions, elapsed)
    return 0  # a report, not a test: OVER never fails the run


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time trustcli's start-up and growth, as ratios to `python -c pass`."
    )
    parser.add_argument("--quick", action="store_true", help="10 rounds instead of 30")
    parser.add_argument("--runs", type=int, help="rounds of timing (overrides --quick)")
    parser.add_argument(
        "--json", type=Path, help=f"write the figures here (default {DEFAULT_JSON})"
    )
    parser.add_argument(
        "--python",
        help="use this venv's interpreter (trustcli already installed) instead of building one",
    )
    return parser.parse_args()


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- the interpreter under test ------------------------------------------------------


def build_venv(folder: Path) -> Path:
    """A fresh venv with a real (not editable) install, so bytecode is compiled once
    at install time as for a user: an editable install under PYTHONDONTWRITEBYTECODE=1
    would compile every module on every run and make start-up look slower than it is."""
    _progress(f"creating a venv and running pip install {REPO} (under a minute) …")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    result = subprocess.run([*command, str(REPO)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: pip install failed:\n{result.stdout}{result.stderr}")
    return python


def bytecode_warnings(python: Path) -> list[str]:
    """Installed modules without .pyc would be compiled on every run (see build_venv)."""
    script = (
        "import importlib.util, pathlib, trustcli;"
        "root = pathlib.Path(trustcli.__file__).parent;"
        "print(sum(1 for p in root.rglob('*.py')"
        " if not pathlib.Path(importlib.util.cache_from_source(p)).exists()))"
    )
    result = subprocess.run([str(python), "-c", script], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: {python} cannot import trustcli:\n{result.stderr}")
    missing = int(result.stdout)
    if missing and os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return [
            f"{missing} trustcli modules have no .pyc and PYTHONDONTWRITEBYTECODE is set: "
            "they are compiled on every run, so start-up figures are too high"
        ]
    return []


def installed_versions(
    python: Path, names: tuple[str, ...] = ("trustcli", "typer", "click")
) -> dict[str, str]:
    """Start-up depends on the dependencies' versions (typer above all): record them."""
    script = (
        "import importlib.metadata as m, json, platform;"
        "v = {'python': platform.python_version()};"
        "v.update((d.name, d.version) for d in m.distributions()"
        f" if d.name.lower() in {tuple(names)!r});"
        "print(json.dumps(v))"
    )
    result = subprocess.run([str(python), "-c", script], capture_output=True, text=True)
    if result.returncode != 0:
        return {}
    versions: dict[str, str] = json.loads(result.stdout)
    return versions


# --- data homes ----------------------------------------------------------------------


def child_env(home: Path | None) -> dict[str, str]:
    """The environment of every timed run: a fixed time zone and a private data home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCLI_")}
    env["TZ"] = TZ_NAME
    if RUNTIME:
        env["XDG_RUNTIME_DIR"] = str(RUNTIME[0])
    if home is not None:
        env["TRUSTCLI_HOME"] = str(home)
    return env


def run_checked(argv: list[str], home: Path | None) -> str:
    """Run a set-up command; any failure stops the benchmark with the command's own words."""
    result = subprocess.run(argv, env=child_env(home), capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def make_stores(trustcli: Path, root: Path) -> dict[str, Path]:
    """Every data home the cases need. Promises are made through the CLI; the big
    logs are written directly, in the app's own format, to save minutes."""
    cli = str(trustcli)
    zone = local_zone()
    small = root / "small"
    run_checked([cli, "init", "--me", PEOPLE[0], "--partner", PEOPLE[1]], small)
    for number in range(1, SMALL_PROMISES + 1):
        made = [cli, "promise", "add", f"Small promise {number}", "--every", "daily"]
        run_checked([*made, "--since", "-30d"], small)
    for index in range(SMALL_FOLLOWUPS):  # one record per promise and day
        on = f"-{index // SMALL_PROMISES}d"
        run_checked([cli, "promise", "kept", str(index % SMALL_PROMISES + 1), "--on", on], small)
    today = datetime.now(zone).date()
    for index in range(SMALL_CHECKINS):
        on = (today - timedelta(days=SMALL_CHECKINS - index)).isoformat()
        rating = str(5 + index % 3)
        who = PEOPLE[index % 2]
        run_checked([cli, "checkin", "--rating", rating, "--as", who, "--on", on], small)

    # Fresh and big homes share the same promises, so they differ only in the logs. They
    # were made when the big logs start: import refuses a follow-up before its promise.
    template = root / "template"
    made_on = (today - timedelta(days=HISTORY_DAYS)).isoformat()
    for number in range(1, BIG_PROMISES + 1):
        add = [cli, "promise", "add", f"Promise {number}", "--every", "daily", "--since", made_on]
        run_checked(add, template)
    check_record_format(trustcli, template, root / "format-check")
    check_checkin_format(trustcli, template, root / "checkin-format-check", today)

    log = big_log_text(zone)
    checkin_log = big_checkin_text(zone)
    stores = {"small": small}
    for name in ("fresh_kept", "fresh_stats", "fresh_report", "big_kept", "big_stats"):
        stores[name] = root / name
        shutil.copytree(template, stores[name])
        if name.startswith("big"):
            write_private(stores[name] / "followthrough.toml", log, "followup", BIG_RECORDS)
    # The report's big store has both logs; the stats stores keep only follow-ups, so
    # their figures stay comparable with runs from before check-ins existed.
    stores["big_report"] = root / "big_report"
    shutil.copytree(template, stores["big_report"])
    write_private(stores["big_report"] / "followthrough.toml", log, "followup", BIG_RECORDS)
    write_private(stores["big_report"] / "checkins.toml", checkin_log, "checkin", BIG_CHECKINS)
    stores.update(make_remind_stores(trustcli, root))
    stores.update(make_import_stores(trustcli, root, stores["big_stats"]))
    stores.update(make_pair_stores(trustcli, root))
    return stores


def make_pair_stores(trustcli: Path, root: Path) -> dict[str, Path]:
    """Two pairs, each two private homes and one local couple folder, made through the
    CLI. In the big one the partner's device has written 10,000 records (through
    ``couple.folder.append_many``, in the partner's own home: no command writes that many
    yet). The timed home is the first device; its record cache is warmed once, and
    ``pair status --json`` must count every record, or the case would time something
    else."""
    cli, python = str(trustcli), str(trustcli.parent / "python")
    stores = {}
    for name, partner_records in (("pair_fresh", 0), ("pair_big", BIG_RECORDS)):
        mine, partner, folder = root / name, root / f"{name}_partner", root / f"{name}_folder"
        run_checked([cli, "pair", "create", str(folder)], mine)
        words = json.loads(run_checked([cli, "pair", "join", str(folder), "--json"], partner))
        run_checked([cli, "pair", "accept", "--fingerprint", words["fingerprint"]], mine)
        run_checked([cli, "pair", "status"], partner)  # the partner takes the key
        if partner_records:
            # What a partner's log holds: their promises, then years of follow-ups.
            write = (
                "from datetime import date, timedelta\n"
                "from trustcli.couple import folder\n"
                f"p = [{{'kind': 'promise', 'id': i, 'text': f'promise {{i}}', 'by': 'sam', "
                "'to': 'alex', 'created': '2022-12-01T10:00:00+01:00', 'every': 'daily', "
                f"'tags': []}} for i in range(1, {PARTNER_PROMISES + 1})]\n"
                f"f = [{{'kind': 'followup', 'promise': 1 + n % {PARTNER_PROMISES}, "
                f"'on': (date(2023, 1, 1) + timedelta(n // {PARTNER_PROMISES})).isoformat(), "
                "'result': 'kept' if n % 5 else 'missed', 'note': ''} "
                f"for n in range({partner_records - PARTNER_PROMISES})]\n"
                "folder.append_many(p + f)\n"
            )
            run_checked([python, "-c", write], partner)
        seen = json.loads(run_checked([cli, "pair", "status", "--json"], mine))
        counted = sum(d["records"] for d in seen["devices"] if not d["this"])
        if counted != partner_records + 1:  # + the partner's hello
            sys.exit(f"bench: {name}: pair status counts {counted} partner records")
        if partner_records:
            listed = json.loads(run_checked([cli, "promise", "list", "--all", "--json"], mine))
            if len(listed) != PARTNER_PROMISES:
                sys.exit(f"bench: {name}: promise list shows {len(listed)} partner promises")
        run_checked([cli, "today"], mine)  # today.toml as after a first look
        stores[name] = mine
    return stores


def make_import_stores(trustcli: Path, root: Path, source: Path) -> dict[str, Path]:
    """A backup of the big store (``trustcli export``, in a copy so the store itself is
    untouched) and the empty home each timed import goes into. One import is checked
    here: the app must count every record, and exporting the imported home must give
    the backup back, byte for byte, or the case would time something else."""
    copy = root / "import_source"
    shutil.copytree(source, copy)
    backup = root / "backup.json"
    run_checked([str(trustcli), "export", "-o", str(backup)], copy)
    target = root / "import_target"
    run_checked([str(trustcli), "import", str(backup)], target)
    again = run_checked([str(trustcli), "export"], target)
    if again != backup.read_text(encoding="utf-8"):
        sys.exit("bench: export -> import -> export is not identical on the big store")
    overall = json.loads(run_checked([str(trustcli), "promise", "stats", "--json"], target))
    if overall["overall"]["kept"] + overall["overall"]["missed"] != BIG_RECORDS:
        sys.exit(f"bench: the imported home does not count {BIG_RECORDS} follow-ups")
    check_private(target / "followthrough.toml")
    return {"import_backup": backup, "import_target": target}


def make_remind_stores(trustcli: Path, root: Path) -> dict[str, Path]:
    """Two homes with the same three reminders (and nothing else): one for ``remind due``,
    whose fire-time cache is warmed and checked here, one that ``remind add`` grows."""
    cli = str(trustcli)
    due_home = root / "remind_due"
    for when, message in REMINDERS:
        run_checked([cli, "remind", "add", when, "--message", message], due_home)
    add_home = root / "remind_add"
    shutil.copytree(due_home, add_home)
    check_warm_times_cache(trustcli, due_home)
    return {"remind_due": due_home, "remind_add": add_home}


def check_warm_times_cache(trustcli: Path, home: Path) -> None:
    """Run ``remind due`` once (it builds the fire-time cache if it must), then once more:
    that second run must leave the cache file alone, or the timed case is not the
    warm-cache case it claims to be."""
    cache = home / "cache" / "reminder-times.json"
    run_checked([str(trustcli), "remind", "due"], home)
    if not cache.exists():
        sys.exit(f"bench: remind due left no fire-time cache at {cache}; update the bench")
    before = cache.stat()
    run_checked([str(trustcli), "remind", "due"], home)
    after = cache.stat()
    if (before.st_ino, before.st_mtime_ns) != (after.st_ino, after.st_mtime_ns):
        sys.exit("bench: remind due rewrote a warm fire-time cache; the case would not be warm")


def followup_chunk(promise: int, on: date, result: str, note: str, at: datetime) -> str:
    """One follow-up exactly as store.append writes it: blank line, header, ``at`` last."""
    note_line = f'note = "{note}"\n' if note else ""
    return (
        f"\n[[followup]]\npromise = {promise}\non = {on.isoformat()}\n"
        f'result = "{result}"\n{note_line}at = {at.isoformat(sep=" ")}\n'
    )


def check_record_format(trustcli: Path, template: Path, folder: Path) -> None:
    """Fail early if followup_chunk no longer writes what the app writes."""
    shutil.copytree(template, folder)
    run_checked([str(trustcli), "promise", "kept", "1", "--note", NOTES[0]], folder)
    run_checked([str(trustcli), "promise", "missed", "2"], folder)
    written = (folder / "followthrough.toml").read_text(encoding="utf-8")
    ours = "".join(
        followup_chunk(r["promise"], r["on"], r["result"], r.get("note", ""), r["at"])
        for r in tomllib.loads(written)["followup"]
    )
    if ours != written:
        sys.exit(
            "bench: the app's follow-up format changed; update followup_chunk.\n"
            f"app wrote:\n{written}\nbench would write:\n{ours}"
        )


def checkin_chunk(on: date, who: str, rating: int, note: str, at: datetime) -> str:
    """One check-in exactly as store.append writes it: blank line, header, ``at`` last."""
    note_line = f'note = "{note}"\n' if note else ""
    return (
        f'\n[[checkin]]\non = {on.isoformat()}\nwho = "{who}"\nrating = {rating}\n'
        f"{note_line}at = {at.isoformat(sep=' ')}\n"
    )


def check_checkin_format(trustcli: Path, template: Path, folder: Path, today: date) -> None:
    """Fail early if checkin_chunk no longer writes what the app writes."""
    shutil.copytree(template, folder)
    cli = str(trustcli)
    first, second = (today - timedelta(days=2)).isoformat(), (today - timedelta(days=1)).isoformat()
    run_checked(
        [cli, "checkin", "--rating", "7", "--as", PEOPLE[0], "--on", first, "--note", "a talk"],
        folder,
    )
    run_checked([cli, "checkin", "--rating", "4", "--as", PEOPLE[1], "--on", second], folder)
    written = (folder / "checkins.toml").read_text(encoding="utf-8")
    ours = "".join(
        checkin_chunk(r["on"], r["who"], r["rating"], r.get("note", ""), r["at"])
        for r in tomllib.loads(written)["checkin"]
    )
    if ours != written:
        sys.exit(
            "bench: the app's check-in format changed; update checkin_chunk.\n"
            f"app wrote:\n{written}\nbench would write:\n{ours}"
        )


def local_zone() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(TZ_NAME)
    except Exception:  # no tz database: a fixed offset is close enough for timing
        return timezone(timedelta(hours=1))


def big_log_text(zone: tzinfo) -> str:
    """BIG_RECORDS follow-ups spread over the last three years, oldest first, the
    newest dated today; mostly kept, some missed, a quarter with a note."""
    chooser = random.Random(2026)  # the same file every run
    today = datetime.now(zone).date()
    chunks = []
    for index in range(BIG_RECORDS):
        days_back = HISTORY_DAYS * (BIG_RECORDS - 1 - index) // (BIG_RECORDS - 1)
        on = today - timedelta(days=days_back)
        at = datetime(on.year, on.month, on.day, 21, index % 60, tzinfo=zone)
        result = "kept" if chooser.random() < KEPT_SHARE else "missed"
        note = chooser.choice(NOTES) if chooser.random() < 0.25 else ""
        chunks.append(followup_chunk(index % BIG_PROMISES + 1, on, result, note, at))
    return "".join(chunks)


def big_checkin_text(zone: tzinfo) -> str:
    """BIG_CHECKINS check-ins over the same three years, oldest first, the newest dated
    today; the two people take turns. Each rating drifts with its own slow trend and
    wobble plus day-to-day noise, kept within 1-10; about a third have a note."""
    chooser = random.Random(2027)  # the same file every run
    today = datetime.now(zone).date()
    shapes = {PEOPLE[0]: (3.0, 7.5, 1.5), PEOPLE[1]: (5.0, 6.0, 1.0)}  # start, end, wobble
    chunks = []
    for index in range(BIG_CHECKINS):
        share = index / (BIG_CHECKINS - 1)
        days_back = round(HISTORY_DAYS * (1 - share))
        on = today - timedelta(days=days_back)
        at = datetime(on.year, on.month, on.day, 21, index % 60, tzinfo=zone)
        who = PEOPLE[index % len(PEOPLE)]
        start, end, wobble = shapes[who]
        level = start + (end - start) * share + wobble * math.sin(share * 4 * math.pi)
        rating = min(10, max(1, round(level + chooser.gauss(0, 1.2))))
        note = chooser.choice(CHECKIN_NOTES) if chooser.random() < 0.3 else ""
        chunks.append(checkin_chunk(on, who, rating, note, at))
    return "".join(chunks)


def write_private(path: Path, text: str, table: str, expected: int) -> None:
    """Write with mode 0600, as the app does, and check it parses before anything runs."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    records = tomllib.loads(text)[table]
    if len(records) != expected:
        sys.exit(f"bench: generated {len(records)} [[{table}]] records, expected {expected}")


def verify_big_store(trustcli: Path, home: Path) -> None:
    """The app itself must count every generated record, or the growth figures lie."""
    overall = json.loads(run_checked([str(trustcli), "promise", "stats", "--json"], home))[
        "overall"
    ]
    total = overall["kept"] + overall["missed"]
    if total != BIG_RECORDS:
        sys.exit(f"bench: promise stats --json counts {total} follow-ups, expected {BIG_RECORDS}")
    check_private(home / "followthrough.toml")


def verify_report_store(trustcli: Path, home: Path) -> None:
    """The app must count every generated check-in and follow-up in the report's store."""
    cli = str(trustcli)
    listed = len(json.loads(run_checked([cli, "checkin", "list", "--json"], home)))
    if listed != BIG_CHECKINS:
        sys.exit(f"bench: checkin list --json counts {listed} check-ins, expected {BIG_CHECKINS}")
    figures = json.loads(run_checked([cli, "report", "--json"], home))
    overall = figures["followthrough"]["overall"]
    followups = overall["kept"] + overall["missed"]
    checked_in = sum(trend["checkins"] for trend in figures["checkins"].values())
    if (followups, checked_in) != (BIG_RECORDS, BIG_CHECKINS):
        sys.exit(
            f"bench: report --json counts {followups} follow-ups and {checked_in} check-ins, "
            f"expected {BIG_RECORDS} and {BIG_CHECKINS}"
        )
    for name in ("followthrough.toml", "checkins.toml"):
        check_private(home / name)


def check_private(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode != 0o600:
        sys.exit(f"bench: {path.name} has mode {mode:o}, expected 600")


# --- timing --------------------------------------------------------------------------


def make_cases(python: Path, trustcli: Path, stores: dict[str, Path]) -> list[Case]:
    """The baseline first: every ratio is taken against it. Order matters: measure
    runs the cases in this order in every round."""
    cli = str(trustcli)
    kept_again = [cli, "promise", "kept", "1", "--replace"]
    return [
        Case("baseline: python -c pass", [str(python), "-c", "pass"]),
        Case(FLOOR, [str(python), "-c", "import typer"]),
        Case(FLOOR_NO_TEARDOWN, [str(python), "-c", "import typer, os; os._exit(0)"]),
        Case(JINJA_FLOOR, [str(python), "-c", "import typer, jinja2"]),
        Case(
            f"promise list ({SMALL_PROMISES} promises, {SMALL_FOLLOWUPS} follow-ups)",
            [cli, "promise", "list"],
            stores["small"],
        ),
        Case("--version", [cli, "--version"], stores["small"]),
        Case("welcome (no arguments)", [cli], stores["small"]),
        # --replace: every round records today again (a day holds one record per promise)
        Case("promise kept 1, fresh", kept_again, stores["fresh_kept"]),
        Case("promise kept 1, 10,000 records", kept_again, stores["big_kept"]),
        # Runs right after the case above: the log has grown, so the cache is rewritten.
        Case(
            "promise stats, 10,000 records, after a kept",
            [cli, "promise", "stats"],
            stores["big_kept"],
        ),
        Case("promise stats, fresh", [cli, "promise", "stats"], stores["fresh_stats"]),
        Case("promise stats, 10,000 records", [cli, "promise", "stats"], stores["big_stats"]),
        Case("report, fresh", [cli, "report"], stores["fresh_report"]),
        Case(REPORT_BIG, [cli, "report"], stores["big_report"]),
        Case(f"{REPORT_BIG} (--json)", [cli, "report", "--json"], stores["big_report"]),
        Case(
            "worksheet new repair-plan -o - (small)",
            [cli, "worksheet", "new", "repair-plan", "-o", "-"],
            stores["small"],
        ),
        Case(
            "worksheet new progress -o - (small)",
            [cli, "worksheet", "new", "progress", "-o", "-"],
            stores["small"],
        ),
        Case("worksheet list", [cli, "worksheet", "list"], stores["small"]),
        Case("ask --list", [cli, "ask", "--list"], stores["small"]),
        # Each run appends a reminder: 3 at first, 3 + warm-up + rounds at the end.
        Case(
            'remind add "daily 21:00"',
            [cli, "remind", "add", "daily 21:00"],
            stores["remind_add"],
        ),
        Case(
            f"remind due ({len(REMINDERS)} reminders, warm cache)",
            [cli, "remind", "due"],
            stores["remind_due"],
        ),
        Case("export, 10,000 records", [cli, "export"], stores["big_stats"]),
        Case("pair status, fresh pair", [cli, "pair", "status"], stores["pair_fresh"]),
        Case(PAIR_BIG, [cli, "pair", "status"], stores["pair_big"]),
        Case("promise list, fresh pair", [cli, "promise", "list"], stores["pair_fresh"]),
        Case(LIST_BIG, [cli, "promise", "list"], stores["pair_big"]),
        Case("today, fresh pair", [cli, "today"], stores["pair_fresh"]),
        Case(TODAY_BIG, [cli, "today"], stores["pair_big"]),
        # Every run imports into an empty home: the last one is deleted first, untimed.
        Case(
            IMPORT_BIG,
            [cli, "import", str(stores["import_backup"])],
            stores["import_target"],
            before=lambda: shutil.rmtree(stores["import_target"], ignore_errors=True),
        ),
    ]


def make_vault_cases(
    trustcli: Path, cases: list[Case], root: Path, stores: dict[str, Path]
) -> list[Case]:
    """Each case of VAULT_COST again, on a copy of its home with the vault turned on
    (through the CLI) and unlocked for the whole run; and the two no-cache homes."""
    secret = root / "passphrase"
    root.mkdir()
    secret.write_text(VAULT_PASSPHRASE + "\n")
    secret.chmod(0o600)
    by_name = {case.name: case for case in cases}
    copies: dict[Path, Path] = {}

    def vault_copy(home: Path) -> Path:
        if home not in copies:
            copies[home] = root / f"vault_{home.name}"
            shutil.copytree(home, copies[home])
            enable = [str(trustcli), "vault", "enable", "--passphrase-file", str(secret)]
            run_checked([*enable, "--for", "3h"], copies[home])
        return copies[home]

    added = []
    for _, plain in VAULT_COST:
        case = by_name[plain]
        assert case.home is not None
        added.append(Case(f"{plain}, {VAULT}", case.argv, vault_copy(case.home)))
    stores["vault_big_stats"] = vault_copy(stores["big_stats"])
    stores["vault_big_report"] = vault_copy(stores["big_report"])
    for home in copies.values():  # sealed on disk: no plain record left
        for log in ("followthrough.toml", "checkins.toml"):
            if (home / log).exists() and b"promise =" in (home / log).read_bytes():
                sys.exit(f"bench: {home / log} still holds plain records")
    return added


def time_once(argv: list[str], home: Path | None) -> float:
    env = child_env(home)
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        run_checked(argv, home)  # again with output captured, to show why
        sys.exit(f"bench: {' '.join(argv)} exited {result.returncode}")
    return elapsed


def measure(cases: list[Case], runs: int, warmup: int) -> None:
    """Round-robin: each round runs every case once, so slow patches hit all alike."""
    for round_number in range(warmup + runs):
        for case in cases:
            if case.before is not None:
                case.before()
            elapsed = time_once(case.argv, case.home)
            if round_number >= warmup:
                case.samples.append(elapsed)


def time_cold(trustcli: Path, command: str, home: Path, runs: int) -> Case:
    """A command with no cache: what the first run after an upgrade (or a hand edit)
    costs. The first of these is the very first run on the store."""
    records = "10,000 records" if command == "promise stats" else "10,000 + 1,000 records"
    vault = f", {VAULT}" if home.name.startswith("vault_") else ""
    case = Case(f"{command}, {records}, no cache{vault}", [str(trustcli), *command.split()], home)
    for _ in range(runs):
        shutil.rmtree(home / "cache", ignore_errors=True)
        case.samples.append(time_once(case.argv, home))
    return case


PROMPTS = 1_000
TARGET_PROMPT = 0.002  # seconds per prompt for the shell-init snippet (issue 14)


def time_prompt(trustcli: Path, home: Path, rounds: int = 5) -> Row:
    """The shell-init snippet's cost per prompt: its hook run PROMPTS times inside one
    bash (timed there with EPOCHREALTIME, so bash's own start-up is left out), with
    something due so the marker is shown; the median of ``rounds``."""
    run_checked([str(trustcli), "promise", "add", "Call if late", "--every", "daily"], home)
    snippet = run_checked([str(trustcli), "shell-init", "bash"], home)
    script = (
        f"{snippet}\nstart=$EPOCHREALTIME\n"
        f"for ((i = 0; i < {PROMPTS}; i++)); do __trustcli_prompt; done\n"
        'end=$EPOCHREALTIME\n[[ -n $TRUSTCLI_MARK ]] || exit 3\necho "$start $end"\n'
    )
    samples = []
    for _ in range(rounds):
        out = run_checked(["bash", "--noprofile", "--norc", "-c", script], home)
        start, end = (float(part) for part in out.split())
        samples.append((end - start) / PROMPTS)
    per_prompt = statistics.median(samples)
    spread = max(samples) - min(samples)
    name = f"shell prompt: bash snippet, per prompt (median of {rounds} x {PROMPTS:,})"
    return Row(name, per_prompt, spread, per_prompt / TARGET_PROMPT, "of 2 ms", 1.0)


# --- report --------------------------------------------------------------------------


def build_rows(cases: list[Case], cold: list[Case]) -> list[Row]:
    baseline = cases[0].median
    by_name = {case.name: case for case in cases}
    rows = [
        Row(case.name, case.median, case.spread, case.median / baseline, "baseline", case.target)
        for case in cases[1:]
    ]
    for case in cold:
        first = case.samples[0]
        plain = VAULT not in case.name  # the vault's own target is its cost over plain
        target = next((t for c, t in TARGET_COLD.items() if case.name.startswith(c)), None)
        rows.append(Row(f"{case.name}: first run", first, None, first / baseline, "baseline", None))
        rows.append(
            Row(
                f"{case.name}: median of {len(case.samples)}",
                case.median,
                case.spread,
                case.median / baseline,
                "baseline",
                target if plain else None,
            )
        )
    floor = by_name[FLOOR].median
    for case in cases[1:]:  # every command's start-up over the Typer floor
        if Path(case.argv[0]).name != "trustcli" or case.name.endswith(VAULT):
            continue  # the two interpreter lines, and sealed copies (they have their own rows)
        heavy = case.name.startswith(("worksheet new", "report"))
        target = TARGET_FLOOR_HEAVY if heavy else TARGET_FLOOR
        if "10,000" in case.name:  # start-up plus data: the growth rows judge these
            target = None
        ratio = case.median / floor
        rows.append(Row(f"x of the Typer floor: {case.name}", None, None, ratio, "floor", target))
        if target is not None:
            ratio = case.median / by_name[FLOOR_NO_TEARDOWN].median
            name = f"x of the floor without teardown: {case.name}"
            rows.append(Row(name, None, None, ratio, "floor", None))
    for case in cases:  # what worksheet new costs beyond Jinja2's own import
        if case.name.startswith("worksheet new") and not case.name.endswith(VAULT):
            ratio = case.median / by_name[JINJA_FLOOR].median
            name = f"x of the Typer + Jinja2 floor: {case.name}"
            rows.append(Row(name, None, None, ratio, "jinja", None))
    for command, fresh_name, big_name, target in GROWTH:
        ratio = by_name[big_name].median / by_name[fresh_name].median
        rows.append(Row(f"growth: {command}", None, None, ratio, "fresh", target))
    for command, plain in VAULT_COST:
        ratio = by_name[f"{plain}, {VAULT}"].median / by_name[plain].median
        rows.append(Row(f"vault cost: {command}", None, None, ratio, "plain", TARGET_VAULT_COST))
    for command, fresh_name, big_name, target in GROWTH[:2]:  # the same growth, sealed
        ratio = by_name[f"{big_name}, {VAULT}"].median / by_name[f"{fresh_name}, {VAULT}"].median
        rows.append(Row(f"growth, vault on: {command}", None, None, ratio, "fresh", target))
    for plain, sealed in zip(cold[:2], cold[2:], strict=False):
        ratio = sealed.median / plain.median
        name = f"vault cost: {plain.name}"
        rows.append(Row(name, None, None, ratio, "plain", TARGET_VAULT_COST))
    # Importing a store should cost about what reading it costs: the import over the
    # stats of the same 10,000 records with no cache (each parses every record once).
    read = cold[0].median
    rows.append(
        Row(
            "import / read: import over promise stats with no cache",
            None,
            None,
            by_name[IMPORT_BIG].median / read,
            "read",
            TARGET_IMPORT_OVER_READ,
        )
    )
    return rows


def print_report(
    rows: list[Row], baseline: Case, runs: int, versions: dict[str, str], elapsed: float
) -> None:
    about = ", ".join(f"{name} {version}" for name, version in versions.items())
    print()
    print(f"trustcli benchmark: {about}")
    print(f"{platform.platform()}, {os.cpu_count()} CPUs; median of {runs} rounds")
    print(
        f"baseline `python -c pass`: {baseline.median * 1000:.1f} ms "
        f"(IQR {baseline.spread * 1000:.1f} ms)"
    )
    print()
    headers = ("case", "median ms", "IQR ms", "ratio", "target", "")
    lines = [
        (
            row.name,
            "" if row.median_ms is None else f"{row.median_ms * 1000:.1f}",
            "" if row.spread_ms is None else f"{row.spread_ms * 1000:.1f}",
            f"{row.ratio:.2f}x" + ("" if row.ratio_of == "baseline" else f" {row.ratio_of}"),
            "" if row.target is None else f"<= {row.target:g}x",
            row.status,
        )
        for row in rows
    ]
    widths = [max(len(str(cells[i])) for cells in (headers, *lines)) for i in range(6)]
    for cells in (headers, *lines):
        name, *figures = cells
        print(
            f"{name:<{widths[0]}}  "
            + "  ".join(f"{cell:>{width}}" for cell, width in zip(figures, widths[1:], strict=True))
        )
    print()
    print(
        "ratio: median / baseline median, except growth rows: big store / fresh store, "
        "x of the Typer floor rows: median / the Typer floor's median (x of the Typer + "
        "Jinja2 floor: over that line's median), "
        "and import / read: the import's median / the no-cache promise stats median."
    )
    print(f"took {elapsed:.0f} s")


def write_json(
    path: Path,
    rows: list[Row],
    baseline: Case,
    runs: int,
    versions: dict[str, str],
    elapsed: float,
) -> None:
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "versions": versions,
        "rounds": runs,
        "baseline_ms": _ms(baseline.median),
        "baseline_iqr_ms": _ms(baseline.spread),
        "rows": [row.as_dict() for row in rows],
        "seconds": round(elapsed, 1),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {path}")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


if __name__ == "__main__":
    sys.exit(main())
