"""Cold reads (no cache): a sealed log's record headers are found as the multi-line
pattern finds them (each sealed record opens only at its own place in the file), and
follow-ups as trustcli writes them are read straight into their checked form, exactly
as tomllib and ``normalise_followup`` read them."""

from __future__ import annotations

import re
import shutil
import tomllib
from datetime import UTC, timedelta, timezone
from typing import Any

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcli import promises
from trustcli.store import sealing

from .test_reliability import PERSON_TEXT

PIECES = st.lists(
    st.sampled_from(["[[followup]]", "[[ followup\t]]", "[[checkin]]", "\n", " ", "\t", "x", "["]),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(PIECES, st.integers(0, 40))
def test_header_starts_are_where_the_pattern_finds_them(pieces: list[str], cut: int) -> None:
    data = "".join(pieces).encode()
    offset = min(cut, len(data))
    pattern = re.compile(rb"^[ \t]*(\[\[)[ \t]*followup[ \t]*\]\]", re.M)
    expected = [match.start(1) for match in pattern.finditer(data, offset)]
    assert sealing._header_starts(data, "followup", offset) == expected


# --- follow-ups as written, read straight into their checked form ----------------------

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-9, minutes=-30))]
)
FOLLOWUPS = st.lists(
    st.builds(
        lambda promise, on, result, note, private, at, zone: {
            "promise": promise,
            "on": on,
            "result": result,
            **({"note": note} if note is not None else {}),
            **({"private": True} if private else {}),
            "at": at.replace(tzinfo=zone),
        },
        st.integers(-5, 2**40),
        st.dates(),
        st.sampled_from(["kept", "missed"]),
        st.one_of(st.none(), PERSON_TEXT, st.text()),
        st.booleans(),
        st.datetimes(),
        ZONES,
    ),
    max_size=8,
)


def written(records: list[dict[str, Any]]) -> str:
    """The log as ``store.append_many`` writes it."""
    return "".join(f"\n[[followup]]\n{tomli_w.dumps(record)}" for record in records)


@settings(max_examples=400, deadline=None)
@given(FOLLOWUPS)
def test_written_followups_read_as_tomllib_and_the_check_read_them(records) -> None:
    text = written(records)
    expected = [promises.normalise_followup(raw) for raw in tomllib.loads(text).get("followup", [])]
    fast = promises.read_written_followups(text)
    assert fast == expected
    assert promises.read_written_followups(text.lstrip("\n")) == expected


@given(
    FOLLOWUPS.filter(bool),
    st.sampled_from(["comment", "layout", "false", "naive", "day", "extra", "order"]),
)
def test_anything_else_is_left_to_the_readers_that_word_faults(records, how) -> None:
    text = written(records)
    spoilt = {
        "comment": text + "# a note to self\n",
        "layout": text.replace("promise = ", "promise  = ", 1),
        "extra": re.sub(r"(at = [^\n]*\n)", r'\1note = "twice"\n', text, count=1),
        "order": re.sub(r"(promise = [^\n]*\n)(on = [^\n]*\n)", r"\2\1", text, count=1),
        "false": text.replace("at = ", "private = false\nat = ", 1),
        "naive": re.sub(r"(at = [^\n]*?)(Z|[+-]\d\d:\d\d)\n", r"\1\n", text, count=1),
        "day": re.sub(r"on = \d{4}-\d\d-\d\d", "on = 2026-02-30", text, count=1),
    }[how]
    assert promises.read_written_followups(spoilt) is None


def test_a_cold_read_of_a_written_log_takes_the_fast_way(cli, home, monkeypatch) -> None:
    """Through the CLI: what ``promise kept`` wrote is read by the fast reader, and a
    hand edit in another style by the others, with the same figures."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-30T21:00")
    assert cli("promise", "add", "Call when I'm late", "--since", "-5d").code == 0
    for day, note in enumerate(['said "sorry"', "", "é 😀"], start=1):
        kept = ["promise", "kept", "1", "--on", f"-{day}d"]
        assert cli(*kept, *(["--note", note] if note else [])).code == 0
    log = (home / "followthrough.toml").read_text(encoding="utf-8")
    assert promises.read_written_followups(log) is not None
    shutil.rmtree(home / "cache")
    fast = cli("promise", "show", "1", "--json").out
    (home / "followthrough.toml").write_text(log.replace("promise = 1", "promise=1"))
    shutil.rmtree(home / "cache")
    assert promises.read_written_followups(log.replace("promise = 1", "promise=1")) is None
    assert cli("promise", "show", "1", "--json").out == fast
