"""The fast reader of log records (``trustcli.logscan``) against tomllib.

It must give exactly what tomllib gives for every record trustcli can write, and give
up (None, so ``store`` asks tomllib, which also words every error) on anything else.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcli import logscan

from .conftest import modules_loaded
from .test_reliability import PERSON_TEXT, TRICKY

KEYS = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
ZONES = st.one_of(
    st.none(),
    st.just(UTC),
    st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m))),
)
MOMENTS = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    ZONES,
)
VALUES = st.one_of(
    PERSON_TEXT,
    st.text(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.dates(),
    MOMENTS,
)
RECORDS = st.lists(st.dictionaries(KEYS, VALUES, max_size=6), max_size=6)
TABLES = st.sampled_from(["followup", "checkin", "confirmation", "delivery", "trigger"])
PROPERTY = settings(max_examples=300, deadline=None)


def as_written(table: str, records: list[dict[str, Any]]) -> str:
    """A log as ``store.append`` writes it."""
    return "".join(f"\n[[{table}]]\n{tomli_w.dumps(record)}" for record in records)


def exact(value: Any) -> Any:
    """``value`` with every type and offset spelled out: ``==`` on date-times compares
    instants only, and True == 1."""
    if isinstance(value, dict):
        return {key: exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [exact(item) for item in value]
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    return (type(value).__name__, value)


@PROPERTY
@given(table=TABLES, records=RECORDS)
def test_every_record_trustcli_writes_reads_as_tomllib_reads_it(
    table: str, records: list[dict[str, Any]]
) -> None:
    text = as_written(table, records)
    fast = logscan.scan(text, table)
    assert fast is not None, text
    assert exact(fast) == exact(tomllib.loads(text)) == exact({table: records} if records else {})


@PROPERTY
@given(
    table=TABLES,
    records=RECORDS.filter(bool),
    where=st.floats(0, 1),
    cut=st.integers(0, 3),
    insert=st.one_of(st.sampled_from([*TRICKY, "# a note", "x = 1.5", "'a'"]), st.text()),
)
def test_anything_else_goes_to_tomllib(
    table: str, records: list[dict[str, Any]], where: float, cut: int, insert: str
) -> None:
    """A hand edit anywhere (text cut out, text put in): the fast reader either reads
    exactly what tomllib reads or gives up; it never accepts what tomllib refuses."""
    text = as_written(table, records)
    at = int(where * len(text))
    edited = text[:at] + insert + text[at + cut :]
    fast = logscan.scan(edited, table)
    try:
        expected = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        assert fast is None, edited
        return
    assert fast is None or exact(fast) == exact(expected), edited


def test_what_it_leaves_to_tomllib() -> None:
    """Valid TOML in another style than trustcli's goes to tomllib, and so does a
    record with a key twice, an impossible date or a lone surrogate escape."""
    for text in [
        '\n[[followup]]\npromise = 1\nresult = "kept"  # good day\n',
        "\n[[followup]]\npromise = 1\nresult = 'kept'\n",
        '\n[[followup]]\npromise = 1\nresult="kept"\n',
        "\n[[followup]]\npromise = 1\n\n\n",
        "\r\n[[followup]]\r\npromise = 1\r\n",
        "\n[[followup]]\nat = 2026-11-30T21:00:00+01:00\n",
        "\n[[followup]]\nscore = 1.5\n",
        "\n[[followup]]\npromise = 1_000\n",
        "\n[[followup]]\npromise = 1\n[followup.more]\nx = 1\n",
        "\n[[checkin]]\npromise = 1\n",
        "# mine\n[[followup]]\npromise = 1\n",
    ]:
        assert logscan.scan(text, "followup") is None, text
        tomllib.loads(text)  # valid all the same
    for text in [
        "\n[[followup]]\npromise = 1\npromise = 2\n",
        "\n[[followup]]\non = 2026-02-30\n",
        '\n[[followup]]\nnote = "\\ud800"\n',
        "\n[[followup]]\npromise = 1",  # cut off before its newline
        "\n[[followup]]\npromise = 01\n",
    ]:
        assert logscan.scan(text, "followup") is None, text


def test_it_reads_a_log_written_without_the_leading_blank_line() -> None:
    text = '[[followup]]\npromise = 1\non = 2026-11-30\nnote = "a \\"b\\" \\\\ \\u0007"\n'
    assert exact(logscan.scan(text, "followup")) == exact(tomllib.loads(text))
    assert logscan.scan(text, "followup") == {
        "followup": [{"promise": 1, "on": date(2026, 11, 30), "note": 'a "b" \\ \x07'}]
    }


def test_a_cold_read_gives_what_the_cache_gives(cli, home, monkeypatch) -> None:
    """Through the CLI: notes with quotes, backslashes, newlines and unicode, read with no
    cache (the fast reader) and again from the cache, give the same stats and history."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-10-30T21:00")
    assert cli("init", "--me", "alex", "--partner", "sam").code == 0
    assert cli("promise", "add", "Call when I'm late").code == 0
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-30T21:00")
    notes = ['said "sorry"', "back\\slash", "two\nlines", "é 😀 \u3000", "tab\there"]
    for day, note in enumerate(notes, start=1):
        assert cli("promise", "kept", "1", "--note", note, "--on", f"2026-11-{day:02d}").code == 0
    for command in (["promise", "stats", "--json"], ["promise", "show", "1", "--json"]):
        shutil.rmtree(home / "cache", ignore_errors=True)
        cold = cli(*command)
        assert (home / "cache").is_dir()  # the cold read saved it
        warm = cli(*command)
        assert cold.code == warm.code == 0
        assert cold.out == warm.out
    shown = cli("promise", "show", "1", "--json").out
    for note in notes:
        assert (
            json.dumps(note.strip(), ensure_ascii=False) in shown
            or json.dumps(note.strip()) in shown
        )


# --- documents (config.toml, promises.toml, reminders.toml) --------------------------

DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "last_id": st.integers(0, 10**6),
        "names": st.dictionaries(KEYS, VALUES, max_size=4),
        "prompt": st.dictionaries(KEYS, VALUES, max_size=3),
        "promise": st.lists(st.dictionaries(KEYS, VALUES, max_size=6), min_size=1, max_size=4),
        "reminder": st.lists(st.dictionaries(KEYS, VALUES, max_size=4), min_size=1, max_size=3),
    },
).filter(lambda d: not any(isinstance(v, dict) and not v for v in d.values()))


@PROPERTY
@given(document=DOCUMENTS)
def test_every_document_trustcli_writes_reads_as_tomllib_reads_it(document: dict[str, Any]):
    from trustcli import store

    text = store.dump_toml(document)
    fast = logscan.scan_document(text)
    assert fast is not None, text
    assert exact(fast) == exact(tomllib.loads(text)) == exact(document)


@PROPERTY
@given(
    document=DOCUMENTS.filter(bool),
    where=st.floats(0, 1),
    cut=st.integers(0, 3),
    insert=st.one_of(
        st.sampled_from([*TRICKY, "# a note", "x = 1.5", "[names]\n", "[[promise]]\n", "[a.b]\n"]),
        st.text(),
    ),
)
def test_any_edit_of_a_document_goes_to_tomllib(
    document: dict[str, Any], where: float, cut: int, insert: str
) -> None:
    """As for logs: exactly tomllib's result, or None; never a document tomllib refuses
    (a table twice, a key twice, a table over a key, a header cut in half)."""
    from trustcli import store

    text = store.dump_toml(document)
    at = int(where * len(text))
    edited = text[:at] + insert + text[at + cut :]
    fast = logscan.scan_document(edited)
    try:
        expected = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        assert fast is None, edited
        return
    assert fast is None or exact(fast) == exact(expected), edited


def test_what_a_document_leaves_to_tomllib() -> None:
    for text in [
        "[names]\nme = 1\n[names]\nyou = 2\n",
        "[[promise]]\nid = 1\n[promise]\n",
        "[promise]\n[[promise]]\n",
        "names = 1\n[names]\n",
        "[names]]\nme = 1\n",
        "[[names]\nme = 1\n",
        "# a control character \x01 in a comment\nme = 1\n",
    ]:
        assert logscan.scan_document(text) is None, text
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads(text)
    for text in [
        "[ names ]\nme = 1\n",
        "[a.b]\nc = 1\n",
        "a = 1\n# mine\n",
        "a = [1, 2]\n",
        "a=1\n",
    ]:
        assert logscan.scan_document(text) is None, text
        tomllib.loads(text)  # valid all the same
    top = "# trustcli's vault. Keep this file.\n# It holds no secret.\nversion = 1\n"
    assert logscan.scan_document(top) == tomllib.loads(top) == {"version": 1}


def test_everyday_reads_of_trustcli_files_need_no_tomllib(cli, ok, home) -> None:
    """config.toml, promises.toml and the logs as trustcli writes them are read without
    importing tomllib (2 ms at every start); a hand-edited one still is, with its errors."""
    ok("init", "--me", "alex", "--partner", "sam")
    ok("promise", "add", 'Call "home" when late', "--every", "daily")
    ok("promise", "kept", "1", "--note", "a \\ b \u00e9")
    assert modules_loaded([["promise", "list"]], ("tomllib",)) == []
    promises = home / "promises.toml"
    promises.write_text(promises.read_text() + "# edited by hand\n")
    assert modules_loaded([["promise", "list"]], ("tomllib",)) == ["tomllib"]
    promises.write_text("[promise]\n" + promises.read_text())  # both ways: tomllib's words
    result = cli("promise", "list")
    assert result.code != 0 and "promises.toml: line" in result.err, result.err
