"""Reliability: concurrent writers, killed writers, torn and hand-broken files, any text a
person may type, and Ctrl-C. Where the point is a separate process, a real one is used.

Random timings come from a seed that is part of every failure message; set
RELIABILITY_SEED=<seed> to replay a failing run with the same timings.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustcli
from trustcli import INTERRUPTED, promises
from trustcli.errors import TrustError

from .conftest import start_held, trustcli_executable

PACKAGE_DIR = str(Path(trustcli.__file__).parent)


# --- helpers ----------------------------------------------------------------------------


def _seed() -> int:
    pinned = os.environ.get("RELIABILITY_SEED")
    return int(pinned) if pinned else random.SystemRandom().randrange(2**32)


def _parse(path: Path, where: str = "") -> dict[str, Any]:
    """The TOML document at ``path`` ({} if missing); a parse error fails the test."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        pytest.fail(f"{where}: {path.name} does not parse: {exc}")


def _assert_complete_followup(record: dict[str, Any], where: str) -> None:
    """Every field a follow-up needs is there, and ``at`` carries its UTC offset."""
    assert set(record) >= {"promise", "on", "result", "at"}, f"{where}: {record!r}"
    assert record["promise"] == 1, f"{where}: {record!r}"
    assert record["result"] in ("kept", "missed"), f"{where}: {record!r}"
    assert isinstance(record["at"], datetime), f"{where}: {record!r}"
    assert record["at"].utcoffset() is not None, f"{where}: {record!r}"


def _assert_one_clean_line(err: str, where: str = "") -> None:
    assert "Traceback" not in err, f"{where}\n{err}"
    assert len(err.strip().splitlines()) == 1, f"{where}: not one line on stderr:\n{err}"


def _in_parallel(workers: int, runs: int, *args: str) -> list[subprocess.CompletedProcess[str]]:
    """Release ``workers`` threads at once, each running the installed script ``runs`` times
    in a row; check that the workers really overlapped in time."""
    executable = trustcli_executable()
    barrier = threading.Barrier(workers)
    results: list[list[subprocess.CompletedProcess[str]]] = [[] for _ in range(workers)]
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * workers

    def work(slot: int) -> None:
        barrier.wait()
        start = time.monotonic()
        for run in range(runs):
            argv = [a.format(slot=slot, run=run) for a in args]
            results[slot].append(
                subprocess.run([executable, *argv], capture_output=True, text=True, timeout=60)
            )
        spans[slot] = (start, time.monotonic())

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(s for s, _ in spans) < min(e for _, e in spans), f"no overlap: {spans}"
    return [result for per_worker in results for result in per_worker]


@contextlib.contextmanager
def _fresh_home() -> Iterator[Path]:
    """A new, empty data home for one hypothesis example; the test's own is restored after."""
    saved = os.environ.get("TRUSTCLI_HOME")
    with tempfile.TemporaryDirectory(prefix="trustcli-prop-") as folder:
        os.environ["TRUSTCLI_HOME"] = folder
        try:
            yield Path(folder)
        finally:
            if saved is None:
                os.environ.pop("TRUSTCLI_HOME", None)
            else:
                os.environ["TRUSTCLI_HOME"] = saved


# --- 1. concurrent writers ------------------------------------------------------------


def test_concurrent_kept_loses_no_followup(home: Path, cli, sh, at_now) -> None:
    """Two processes recording 'kept' 50 times each at once: all 100 land, the file parses.
    (One record per promise and day: each run records its own day.)"""
    assert cli("promise", "add", "Call if I'm late", "--since", "-200d").code == 0
    results = _in_parallel(2, 50, "promise", "kept", "1", "--on", "-{slot}{run:02d}d")
    failed = [(r.returncode, r.stderr) for r in results if r.returncode != 0]
    assert not failed, failed[:3]

    followups = _parse(home / "followthrough.toml")["followup"]
    assert len(followups) == 100
    for number, record in enumerate(followups, start=1):
        _assert_complete_followup(record, f"record {number}")
    stats = sh("promise", "stats", "--json")
    assert stats.code == 0, stats.err
    assert json.loads(stats.out)["overall"]["kept"] == 100


def test_concurrent_add_gives_unique_ids(home: Path, cli) -> None:
    """Two processes adding 20 promises each at once: 40 promises, ids 1..40, none lost."""
    results = _in_parallel(2, 20, "promise", "add", "worker {slot} promise {run}")
    failed = [(r.returncode, r.stderr) for r in results if r.returncode != 0]
    assert not failed, failed[:3]
    printed = sorted(int(r.stdout) for r in results)
    assert printed == list(range(1, 41))

    stored = _parse(home / "promises.toml")["promise"]
    assert sorted(p["id"] for p in stored) == list(range(1, 41))
    assert {p["text"] for p in stored} == {
        f"worker {slot} promise {run}" for slot in range(2) for run in range(20)
    }
    listing = cli("promise", "list", "--json")
    assert listing.code == 0, listing.err
    assert len(json.loads(listing.out)) == 40


ADD_LOOP = (
    "import sys\nfrom trustcli import promises\n"
    "for n in range(100):\n    promises.add(f'{sys.argv[1]} {n}', by='me')\n"
)


def test_concurrent_add_loops_lose_nothing(home: Path) -> None:
    """Two processes adding 100 promises each in a tight loop (no start-up cost between
    adds, so their read-modify-write cycles really collide): 200 promises, none lost."""
    writers = [
        subprocess.Popen([sys.executable, "-c", ADD_LOOP, name], stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err.decode()
    stored = _parse(home / "promises.toml")["promise"]
    assert sorted(p["id"] for p in stored) == list(range(1, 201))
    assert {p["text"] for p in stored} == {f"{w} {n}" for w in "ab" for n in range(100)}


# --- 2. writers killed with SIGKILL ---------------------------------------------------

# Records one day after another, going back from the day before the earliest one
# recorded so far: every record is a new day, so each one counts (one per day).
FOLLOWUP_WRITER = """
from datetime import date, timedelta
from trustcli import dates, promises
recorded = [date.fromisoformat(f["on"]) for f in promises.load_followups()]
day = min(recorded, default=dates.today() + timedelta(days=1))
while True:
    day -= timedelta(days=1)
    promises.record_followup(1, "kept" if day.day % 3 else "missed", on=day)
"""
PROMISE_WRITER = (
    "from trustcli import promises\nwhile True:\n    promises.add('written in a loop', by='me')\n"
)


def _kill_at_random(code: str, rng: random.Random, target: Path) -> float:
    """Start a Python writer loop (inheriting TRUSTCLI_HOME), wait until it has written to
    ``target`` (so a slow start on a busy machine cannot leave it idle), then SIGKILL it
    at a random moment of its writing."""
    writer = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    before = target.stat().st_mtime_ns if target.exists() else None
    deadline = time.monotonic() + 60
    while (target.stat().st_mtime_ns if target.exists() else None) == before:
        if writer.poll() is not None or time.monotonic() > deadline:
            writer.kill()
            _, err = writer.communicate(timeout=30)
            pytest.fail(f"the writer never wrote to {target.name}:\n{err.decode()}")
        time.sleep(0.001)
    delay = rng.uniform(0, 0.1)
    time.sleep(delay)
    writer.kill()
    _, err = writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL, f"writer ended by itself:\n{err.decode()}"
    return delay


def test_sigkilled_followup_writer_leaves_a_sound_log(home: Path, cli, sh, at_now) -> None:
    """A follow-up writer killed at random moments never leaves a torn or unreadable log."""
    seed = _seed()
    rng = random.Random(seed)
    made = cli("promise", "add", "Text when I'm late", "--every", "daily", "--since", "-3000d")
    assert made.code == 0, made.err
    log = home / "followthrough.toml"
    followups: list[dict[str, Any]] = []
    for attempt in range(8):
        delay = _kill_at_random(FOLLOWUP_WRITER, rng, log)
        where = f"seed {seed}, kill {attempt} after {delay:.3f}s"
        before, followups = followups, _parse(log, where).get("followup", [])
        assert followups[: len(before)] == before, f"{where}: earlier records changed"
        for number, record in enumerate(followups, start=1):
            _assert_complete_followup(record, f"{where}, record {number}")
        listing = sh("promise", "list")
        assert listing.code == 0, f"{where}: {listing.err}"
        stats = cli("promise", "stats", "--json")
        assert stats.code == 0, f"{where}: {stats.err}"
        days = [record["on"] for record in followups]
        assert len(set(days)) == len(days), f"{where}: a day recorded twice"
        assert len(followups) > len(before), f"{where}: nothing new was written"
        overall = json.loads(stats.out)["overall"]
        kept = sum(record["result"] == "kept" for record in followups)
        assert (overall["kept"], overall["missed"]) == (kept, len(days) - kept), where
    assert cli("promise", "kept", "1").code == 2  # the writer recorded today first
    assert cli("promise", "kept", "1", "--replace").code == 0
    assert len(_parse(log)["followup"]) == len(followups) + 1


def test_sigkilled_promise_writer_leaves_a_sound_file(home: Path, cli) -> None:
    """A promise writer killed at random moments: promises.toml always parses, ids unique."""
    seed = _seed()
    rng = random.Random(seed)
    path = home / "promises.toml"
    ids: list[int] = []
    for attempt in range(8):
        delay = _kill_at_random(PROMISE_WRITER, rng, path)
        where = f"seed {seed}, kill {attempt} after {delay:.3f}s"
        before, ids = ids, [p["id"] for p in _parse(path, where).get("promise", [])]
        assert ids == list(range(1, len(ids) + 1)), where
        assert len(ids) >= len(before), f"{where}: promises were lost"
        assert [p["id"] for p in promises.load_promises()] == ids, where
    assert ids, f"seed {seed}: the writer never wrote anything"
    # Leftover temp files of killed writers may exist; they must not get in the way.
    listing = cli("promise", "list", "--all", "--json")
    assert listing.code == 0, listing.err
    assert len(json.loads(listing.out)) == len(ids)
    added = cli("promise", "add", "after the crashes")
    assert added.code == 0, added.err
    assert added.out.strip() == str(len(ids) + 1)


# --- 3. a torn last record ------------------------------------------------------------


def _three_followups(cli, warm_cache: bool) -> None:
    assert cli("promise", "add", "Be home by 7", "--since", "-1w").code == 0
    for number in range(3):  # one record per day: three days
        assert cli("promise", "kept", "1", "--on", f"-{2 - number}d").code == 0
        if warm_cache and number == 1:  # cache now ends where the third record starts
            assert cli("promise", "list").code == 0


def _torn_cuts(data: bytes) -> tuple[range, int]:
    """Cut lengths that tear the last record, and the line its header starts on.

    The record starts with a blank separator line; a cut that keeps only that newline
    leaves two complete records, and a cut that drops only the final newline leaves
    three: neither is torn.
    """
    header = data.rfind(b"\n[[followup]]") + 1
    return range(header + 1, len(data) - 1), data.count(b"\n", 0, header) + 1


def test_torn_last_record_blocks_appends_and_is_kept_byte_identical(
    home: Path, cli, at_now
) -> None:
    """Cut anywhere inside the last record: list and kept exit 2 with one line, and kept
    leaves the file byte-identical instead of burying the torn record."""
    _three_followups(cli, warm_cache=False)
    log = home / "followthrough.toml"
    data = log.read_bytes()
    cuts, _ = _torn_cuts(data)
    assert len(cuts) > 60
    for cut in cuts:
        log.write_bytes(data[:cut])
        shutil.rmtree(home / "cache", ignore_errors=True)
        where = f"cut at byte {cut}: {data[cuts.start - 1 : cut]!r}"
        listing = cli("promise", "list")
        assert listing.code == 2, where
        _assert_one_clean_line(listing.err, where)
        assert log.name in listing.err, where
        kept = cli("promise", "kept", "1")
        assert kept.code == 2, where
        _assert_one_clean_line(kept.err, where)
        assert "incomplete" in kept.err, f"{where}: {kept.err}"
        assert log.read_bytes() == data[:cut], where
    log.write_bytes(data)
    assert cli("promise", "list").code == 0


def test_cut_between_records_is_not_torn(home: Path, cli, at_now) -> None:
    """A cut that leaves only whitespace of the last record is a sound file of two records."""
    _three_followups(cli, warm_cache=False)
    log = home / "followthrough.toml"
    data = log.read_bytes()
    header = data.rfind(b"\n[[followup]]") + 1
    for cut in (header - 1, header):
        log.write_bytes(data[:cut])
        shutil.rmtree(home / "cache", ignore_errors=True)
        stats = cli("promise", "stats", "--json")
        assert stats.code == 0, stats.err
        assert json.loads(stats.out)["overall"]["kept"] == 2


@pytest.mark.parametrize("warm_cache", [False, True], ids=["cold-cache", "warm-cache"])
def test_torn_last_record_is_reported_as_incomplete_at_its_line(
    home: Path, cli, warm_cache: bool, at_now
) -> None:
    """Every cut inside the last record is reported as incomplete, from that record's line."""
    _three_followups(cli, warm_cache)
    log = home / "followthrough.toml"
    cache = home / "cache"
    cache_files = {p: p.read_bytes() for p in cache.glob("*")} if cache.exists() else {}
    data = log.read_bytes()
    cuts, line = _torn_cuts(data)
    wrong = []
    for cut in cuts:
        log.write_bytes(data[:cut])
        shutil.rmtree(cache, ignore_errors=True)
        for path, content in cache_files.items():
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(content)
        for args in (("promise", "list"), ("promise", "kept", "1")):
            result = cli(*args)
            lines = re.findall(r"\bline (\d+)", result.err)
            if (
                result.code != 2
                or log.name not in result.err
                or "incomplete" not in result.err
                or not lines
                or set(lines) != {str(line)}
            ):
                wrong.append(f"{args[1]} cut {data[cuts.start - 1 : cut]!r}: {result.err}")
    assert not wrong, f"{len(wrong)} of {2 * len(cuts)} wrong (torn line {line}):\n" + "".join(
        wrong[:12]
    )


# --- 4. files broken by hand ----------------------------------------------------------

PROMISE_COMMANDS = [
    ("promise", "list"),
    ("promise", "list", "--all", "--json"),
    ("promise", "add", "A new promise"),
    ("promise", "kept", "1"),
    ("promise", "missed", "1"),
    ("promise", "close", "1"),
    ("promise", "reopen", "1"),
    ("promise", "stats"),
    ("promise", "stats", "--json"),
    ("promise", "show", "1"),
    ("promise", "show", "2", "--json"),
]


@pytest.mark.parametrize("args", PROMISE_COMMANDS, ids=lambda a: "-".join(a[1:]))
def test_broken_promises_file_is_named_and_never_written(home: Path, cli, args) -> None:
    """A missing quote on line 5 of promises.toml: exit 2, one line with file, line and
    column, and neither data file changes."""
    for text in ("Call if late", "Second promise"):
        assert cli("promise", "add", text).code == 0
    assert cli("promise", "kept", "2").code == 0
    path = home / "promises.toml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    assert lines[4] == 'text = "Call if late"\n'  # after last_id = 2 and a blank line
    lines[4] = 'text = "Call if late\n'
    path.write_text("".join(lines), "utf-8")
    before = {p: p.read_bytes() for p in (path, home / "followthrough.toml")}

    result = cli(*args)
    assert result.code == 2, result.text
    _assert_one_clean_line(result.err)
    assert str(path) in result.err
    assert re.search(r"\bline 5, column \d+", result.err), result.err
    assert result.out == ""
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("warm_cache", [False, True], ids=["cold-cache", "warm-cache"])
@pytest.mark.parametrize(
    "args",
    [("promise", "list"), ("promise", "stats", "--json"), ("promise", "show", "1")],
    ids=lambda a: "-".join(a[1:]),
)
def test_broken_middle_of_followthrough_is_named(home: Path, cli, args, warm_cache, at_now) -> None:
    """A syntax error in the middle record of the log names its own line (not 'incomplete'
    from the last record's line) and the file is left alone."""
    _three_followups(cli, warm_cache=False)
    if warm_cache:
        assert cli("promise", "list").code == 0
    log = home / "followthrough.toml"
    lines = log.read_text("utf-8").splitlines(keepends=True)
    assert lines[10] == 'result = "kept"\n'  # the middle record's result
    lines[10] = 'result = "kept\n'
    log.write_text("".join(lines), "utf-8")
    before = log.read_bytes()

    result = cli(*args)
    assert result.code == 2, result.text
    _assert_one_clean_line(result.err)
    assert str(log) in result.err
    assert re.search(r"\bline 11, column \d+", result.err), result.err
    assert "incomplete" not in result.err
    assert log.read_bytes() == before


def test_kept_refuses_to_append_to_a_log_broken_in_the_middle(home: Path, cli, at_now) -> None:
    """A log that does not parse is never appended to, wherever the error is."""
    _three_followups(cli, warm_cache=False)
    log = home / "followthrough.toml"
    log.write_text(log.read_text("utf-8").replace('result = "kept"\n', 'result = "kept\n', 1))
    before = log.read_bytes()
    result = cli("promise", "kept", "1")
    assert result.code == 2, result.text
    assert log.read_bytes() == before


# --- 5. any text a person may type ------------------------------------------------------

TYPED = st.characters(exclude_categories=("Cs",))
TRICKY = [
    *['"', "'", "\\", '\\"', "\\n", "'''", '"""', "#", "="],
    *["\n", "\r\n", "\r", "\t", " ", "\u3000", "\u2028", "\x85", "\x00", "\x7f", "\x1b[31m"],
    *["]]", "[[followup]]", "\n[[followup]]\n", "[[promise]]", 'a = "b"', "id = 99"],
    *["-", "--help", "😀", "👩‍❤️‍👨", "é", "ﷺ"],
]
PERSON_TEXT = st.one_of(
    st.text(alphabet=TYPED),
    st.lists(
        st.one_of(st.sampled_from(TRICKY), st.text(alphabet=TYPED, max_size=4)), max_size=8
    ).map("".join),
)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(text=PERSON_TEXT)
def test_promise_text_round_trips(text: str) -> None:
    """Whatever is typed comes back exactly, minus surrounding space; blank text is refused."""
    with _fresh_home() as folder:
        if not text.strip():
            with pytest.raises(TrustError):
                promises.add(text, by="me")
            assert not (folder / "promises.toml").exists()
            return
        assert promises.add(text, by="me") == 1
        assert promises.add(text, by="me") == 2
        loaded = promises.load_promises()
        assert [p["text"] for p in loaded] == [text.strip()] * 2
        assert [p["id"] for p in loaded] == [1, 2]


@PROPERTY
@given(note=PERSON_TEXT)
def test_followup_note_round_trips(note: str) -> None:
    """A follow-up note comes back exactly (stripped), also through the log's cache."""
    expected = note.strip()
    with _fresh_home():
        promises.add("Say when I'll be late", by="me")
        stored = promises.record_followup(1, "kept", note=note)
        assert stored["note"] == expected
        assert [f["note"] for f in promises.load_followups()] == [expected]
        # read again: cache + new tail (a second record for the day corrects the first)
        promises.record_followup(1, "missed", note=note, replace=True)
        followups = promises.load_followups()
        assert [(f["result"], f["note"]) for f in followups] == [
            ("kept", expected),
            ("missed", expected),
        ]


@settings(PROPERTY, max_examples=25)
@given(text=PERSON_TEXT.filter(lambda t: "\x00" not in t))  # NUL cannot be in argv
def test_cli_add_then_show_round_trips(text: str, cli) -> None:
    """Through the command line: add -- TEXT, then show --json gives the same text back."""
    with _fresh_home():
        added = cli("promise", "add", "--", text)
        if not text.strip():
            assert added.code == 2, added.text
            _assert_one_clean_line(added.err)
            return
        assert added.code == 0, added.text
        assert added.out.strip() == "1"
        shown = cli("promise", "show", "1", "--json")
        assert shown.code == 0, shown.text
        assert json.loads(shown.out)["text"] == text.strip()
        assert cli("promise", "list").code == 0


# --- 6. Ctrl-C ---------------------------------------------------------------------------

# Points in `trustcli promise add` where Ctrl-C is sent, each proven reached before the
# signal goes (helpers/pause_at.py holds the process there): audit event, what it names.
ADD_POINTS = {
    # Modules the CLI loads with importlib raise no "import" event: their files' opens do.
    "first module after the package": ("open", "trustcli/cli/__"),
    "importing typer": ("import", "typer"),
    # Installed, Python reads the compiled file; in a source tree, it may read the source.
    "importing the command": ("open", "cli/__pycache__/promise.|cli/promise.py"),
    "taking the lock": ("open", ".lock"),
    "reading promises.toml": ("open", "promises.toml"),
    "creating the temp file": ("open", ".promises.toml."),
    "just before the rename": ("os.rename", ".promises.toml."),
}


def _home_file(home: Path, name: str) -> str:
    return "=" + str(home / name)


@pytest.mark.parametrize("point", ADD_POINTS, ids=lambda point: point.replace(" ", "-"))
def test_ctrl_c_at_each_point_of_a_write_gives_one_line_and_sound_data(
    home: Path, cli, tmp_path: Path, point: str
) -> None:
    """SIGINT at a proven point: exit 130, one line, no traceback, no temp file, and the
    file holds the old or the new promise list, never half; the next write works."""
    assert cli("promise", "add", "already there").code == 0
    event, match = ADD_POINTS[point]
    held = start_held(tmp_path / "hold", event, match, "promise", "add", "interrupted one")
    held.wait_until_reached()
    held.process.send_signal(signal.SIGINT)
    held.release()
    out, err = held.process.communicate(timeout=30)
    assert held.process.returncode == 130, err
    assert err == INTERRUPTED + "\n"
    assert out == ""
    stored = [p["text"] for p in _parse(home / "promises.toml", point).get("promise", [])]
    assert stored in (["already there"], ["already there", "interrupted one"]), point
    assert not [p.name for p in home.iterdir() if p.name.endswith(".tmp")]
    added = cli("promise", "add", "after Ctrl-C")
    assert added.code == 0, added.text
    assert added.out.strip() == str(len(stored) + 1)


@pytest.mark.parametrize("point", ["reading the log", "appending"])
def test_ctrl_c_while_recording_a_followup_loses_nothing_else(
    home: Path, cli, tmp_path: Path, point: str, at_now
) -> None:
    assert cli("promise", "add", "call at lunch", "--every", "daily", "--since", "-3d").code == 0
    assert cli("promise", "kept", "1", "--on", "yesterday").code == 0
    log = home / "followthrough.toml"
    before = log.read_bytes()
    # The log is opened twice: read whole (checked), then for the append.
    opened = {"reading the log": "r", "appending": "os.open"}[point]
    event, match = "open", _home_file(home, "followthrough.toml")
    held = start_held(
        tmp_path / "hold", event, match, "promise", "kept", "1", env=_open_mode_env(opened)
    )
    held.wait_until_reached()
    held.process.send_signal(signal.SIGINT)
    held.release()
    _, err = held.process.communicate(timeout=30)
    assert held.process.returncode == 130, err
    assert err == INTERRUPTED + "\n"
    after = log.read_bytes()
    assert after.startswith(before)
    _parse(log, point)
    shown = cli("promise", "show", "1", "--json")
    assert shown.code == 0, shown.text
    assert len(json.loads(shown.out)["history"]) in (1, 2)


def _open_mode_env(mode: str) -> dict[str, str]:
    return {**os.environ, "PAUSE_AT_MODE": mode}


def test_ctrl_c_before_any_command_code_runs_is_one_line(tmp_path: Path) -> None:
    """The package's own first lines already turn Ctrl-C into one line (exit 130)."""
    held = start_held(tmp_path / "hold", "open", "trustcli/cli/__", "--version")
    held.wait_until_reached()
    held.process.send_signal(signal.SIGINT)
    held.release()
    out, err = held.process.communicate(timeout=30)
    assert (held.process.returncode, out, err) == (130, "", INTERRUPTED + "\n")


# --- 7. a data home with the wrong kind of thing in a file's place -----------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (".lock", "folder"),
        ("promises.toml", "folder"),
        ("followthrough.toml", "folder"),
        ("sessions", "file"),
        ("cache", "file"),
        ("cache/followthrough.toml.json", "folder"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ("promise", "add", "x"),
        ("promise", "kept", "1"),
        ("promise", "stats"),
        ("checkin", "--rating", "5"),
        ("report",),
        ("export",),
    ],
    ids=" ".join,
)
def test_a_folder_where_a_file_belongs_gives_one_line(
    home: Path, ok, cli, name: str, kind: str, command: tuple[str, ...]
) -> None:
    """Hand-made or half-restored homes: one line naming the path, never an internal error."""
    ok("promise", "add", "Call when I'm late")  # so 'kept 1' reaches the files, not 'no promise'
    target = home / name
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "folder":
        target.mkdir()
    else:
        target.write_text("")
    result = cli(*command)
    assert "internal error" not in result.err and "Traceback" not in result.err
    if result.code != 0:
        (line,) = result.err.strip().splitlines()
        assert name.split("/")[-1] in line, line
