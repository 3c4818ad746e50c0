"""`trustcli worksheet`: every sheet renders, prefilled, as valid Markdown."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from trustcli.store import template_files

SHEETS = sorted(path.stem for path in (template_files.builtin_dir() / "worksheets").glob("*.md"))
REQUIRED = {
    "repair-plan",
    "apology",
    "feel-safe",
    "forgiveness",
    "empathy",
    "activities",
    "worth-fixing",
    "ten-questions",
    "progress",
    "counselling-prep",
}
NOW = "2026-11-26T20:00:00+01:00"


@pytest.fixture
def populated(cli, ok, monkeypatch):
    """A data home with promises (one overdue, one closed), follow-ups and sessions."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-01T09:00:00+01:00")
    ok("init", "--me", "alex", "--partner", "sam")
    ok("promise", "add", "Walk the dog | together #1", "--every", "daily")
    ok("promise", "add", "Call * before 7\nevery time", "--due", "+2d")
    ok("promise", "add", "Fix the shelf")
    ok("promise", "close", "3")
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    for day in ("2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"):
        assert cli("promise", "kept", "1", "--on", day).code == 0
    ok("promise", "missed", "2", "--on", "2026-11-03")
    for day, rating in (("2026-11-02", "3"), ("2026-11-10", "5"), ("2026-11-18", "8")):
        assert cli("checkin", "--rating", rating, "--on", day, "--note", f"felt {rating}").code == 0
    assert cli("checkin", "--rating", "6", "--as", "sam", "--note", "sam's own words").code == 0
    ten = "# not a heading\n" * 3 + "yes\n" + "answer | with pipe\n" * 6
    assert cli("ask", "--answers", "-", stdin=ten).code == 0
    lie = "7\nwhat happened\nI need honesty\n\n\n\n2\n"
    assert cli("ask", "after-a-lie", "--answers", "-", stdin=lie).code == 0, "after-a-lie"
    worth = "\n" * 10
    assert cli("ask", "worth-fixing", "--answers", "-", stdin=worth).code == 0


def rendered(cli, name: str) -> str:
    result = cli("worksheet", "new", name, "-o", "-")
    assert result.code == 0, result.err
    return result.out


def assert_sound_markdown(text: str) -> None:
    tokens = MarkdownIt("commonmark").parse(text)
    titles = [t for t in tokens if t.type == "heading_open" and t.tag == "h1"]
    assert len(titles) == 1, [t.map for t in titles]
    assert text.startswith("# ")
    for syntax in ("{{", "{%", "{#", "}}", "%}"):
        assert syntax not in text


def test_all_the_sheets_ship():
    assert set(SHEETS) >= REQUIRED


@pytest.mark.parametrize("name", SHEETS)
def test_every_sheet_renders_on_an_empty_home(cli, name):
    assert_sound_markdown(rendered(cli, name))


@pytest.mark.parametrize("name", SHEETS)
def test_every_sheet_renders_on_a_populated_home(cli, populated, name):
    text = rendered(cli, name)
    assert_sound_markdown(text)
    assert "alex" in text or name in ("empathy",), "the sheet does not use the person's name"


def test_prefill_shows_promises_made_through_the_cli(cli, populated):
    apology = rendered(cli, "apology")
    assert "Walk the dog" in apology and "Fix the shelf" not in apology  # open ones only
    progress = rendered(cli, "progress")
    assert "Walk the dog" in progress and "Fix the shelf" in progress
    assert "80%" in progress  # 4 kept, 1 missed overall


def test_prefill_shows_check_ins_and_the_person_s_own_trend(cli, populated):
    progress = rendered(cli, "progress")
    assert "| 2026-11-18 | alex | 8 | felt 8 |" in progress
    assert "| 2026-11-26 | sam | 6 | sam's own words |" in progress
    assert "has risen, from 3 in the first week to 8 in the latest week" in progress
    plan = rendered(cli, "repair-plan")  # alex's own ratings only, not sam's 6
    assert "Your own check-in ratings so far: 3 in the first week, 8 in the latest week" in plan


def test_prefill_shows_session_answers(cli, populated):
    assert "I need honesty" in rendered(cli, "feel-safe")


def test_an_empty_home_is_said_kindly(cli):
    assert "trustcli promise add" in rendered(cli, "progress")


def test_list_shows_name_title_purpose(cli):
    result = cli("worksheet", "list", "--json")
    assert result.code == 0
    sheets = {s["name"]: s for s in json.loads(result.out)}
    assert set(sheets) >= REQUIRED
    for sheet in sheets.values():
        assert sheet["title"] and sheet["description"] and sheet["source"] == "built-in"
    assert "Repair plan" in cli("worksheet", "list").out


def test_new_writes_a_dated_file_here_and_never_overwrites(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    first = cli("worksheet", "new", "repair-plan")
    assert first.code == 0, first.err
    path = tmp_path / "repair-plan-2026-11-26.md"
    assert str(path.name) in first.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("my own notes")
    again = cli("worksheet", "new", "repair-plan")
    assert again.code == 2 and "--force" in again.err
    assert path.read_text() == "my own notes"
    assert cli("worksheet", "new", "repair-plan", "--force").code == 0
    assert path.read_text().startswith("# ")


def test_names_come_from_flags(cli):
    text = rendered(cli, "ten-questions")
    assert "my partner" in text and "robin" not in text  # no partner set: said plainly
    flagged = cli(
        "worksheet", "new", "ten-questions", "--me", "robin", "--partner", "kai", "-o", "-"
    )
    assert "robin" in flagged.out and "kai" in flagged.out


def test_edit_needs_a_file(cli):
    result = cli("worksheet", "new", "empathy", "-o", "-", "--edit")
    assert result.code == 2 and "--edit" in result.err


def test_a_user_template_overrides_a_built_in_and_adds_new_ones(cli, home):
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    (folder / "repair-plan.md").write_text(
        "{#-\ntitle: Our plan\npurpose: Ours.\n-#}\n# Our plan for {{ me }}\n"
    )
    (folder / "gratitude.md").write_text("{#-\ntitle: Gratitude\npurpose: Thanks.\n-#}\n# Thanks\n")
    sheets = {s["name"]: s for s in json.loads(cli("worksheet", "list", "--json").out)}
    assert (sheets["repair-plan"]["title"], sheets["repair-plan"]["source"]) == ("Our plan", "user")
    assert sheets["gratitude"]["source"] == "user"
    assert rendered(cli, "repair-plan") == "# Our plan for me\n"


@pytest.mark.parametrize(
    ("template", "phrase"),
    [
        ("# Broken\n{% if me %}\nno end\n", "line"),
        ("# Broken\n{{ mee }}\n", "'mee' is undefined"),
        ("# Broken\n{{ me.__class__.__mro__ }}\n", "broken.md"),
        ("# Broken\n{{ 1 / 0 }}\n", "ZeroDivisionError"),
        ("# Broken\n{{ me + 1 }}\n", "TypeError"),
        ("# Broken\n{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n", "RecursionError"),
    ],
)
def test_a_broken_user_template_names_its_file(cli, home, tmp_path, template, phrase):
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    (folder / "broken.md").write_text(template)
    target = tmp_path / "out.md"
    result = cli("worksheet", "new", "broken", "-o", str(target))
    assert result.code == 2
    assert "broken.md" in result.err and phrase in result.err
    assert len(result.err.splitlines()) == 1
    assert not target.exists()


def test_an_unreadable_template_of_one_s_own_is_named_and_the_others_listed(cli, home):
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    (folder / "mine.md").write_bytes(b"# Mine \xff\n")
    result = cli("worksheet", "list")
    assert result.code == 0
    (line,) = result.err.splitlines()
    assert "mine.md" in line and "repair-plan" in result.out and "mine" not in result.out
    assert rendered(cli, "apology")  # every other sheet still works
    broken = cli("worksheet", "new", "mine", "-o", "-")
    assert broken.code == 2 and "mine.md" in broken.err


def test_unknown_sheet_suggests_the_closest(cli):
    result = cli("worksheet", "new", "apolgy")
    assert result.code == 2
    assert "Did you mean 'apology'?" in result.err and "repair-plan" in result.err


def test_an_unwritable_output_path_is_one_line(cli, tmp_path):
    result = cli("worksheet", "new", "apology", "-o", str(tmp_path / "no-such-dir" / "a.md"))
    assert result.code == 1
    assert "cannot write" in result.err and len(result.err.splitlines()) == 1


def test_edit_opens_the_editor_without_a_shell(sh, tmp_path, runtime_dir):
    folder = tmp_path / "my editor"
    folder.mkdir()
    log = tmp_path / "argv.json"
    editor = folder / "edit.py"
    editor.write_text(
        "import json, sys\n"
        f"json.dump(sys.argv[1:], open({str(log)!r}, 'w'))\n"
        "open(sys.argv[-1], 'a').write('edited\\n')\n"
    )
    target = tmp_path / "sheet; rm -rf x.md"
    env = {"EDITOR": f"{sys.executable} '{editor}' --wait", "VISUAL": ""}
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit", env=env)
    assert result.code == 0, result.err
    wait, copy = json.loads(log.read_text())
    assert wait == "--wait" and Path(copy).parent == runtime_dir / "trustcli"  # see test_edit
    assert target.read_text().endswith("edited\n")


def test_an_editor_that_fails_to_start_is_one_line_and_keeps_the_file(sh, tmp_path, runtime_dir):
    target = tmp_path / "sheet.md"
    env = {"EDITOR": "/no/such/editor", "VISUAL": ""}
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit", env=env)
    assert result.code == 1
    assert "did not start" in result.err and "Traceback" not in result.err
    assert target.read_text().startswith("# ")


def test_list_does_not_import_the_template_engine(home):
    # Nor what only fills a sheet: promises, check-ins, sessions, question sets.
    filling = (
        "jinja2",
        *(f"trustcli.{m}" for m in ("promises", "checkins", "sessions", "questions")),
    )
    code = (
        "import sys\n"
        "from trustcli.cli import main\n"
        "assert main(['worksheet', 'list']) == 0\n"
        f"print(any(name in sys.modules for name in {filling!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"


# --- every sheet, byte for byte ---------------------------------------------------------
# What each built-in sheet renders, on an empty home and on the populated one, as it was
# when compiled templates began to be cached (issue 14): speed work must not change a
# byte. A deliberate change to a template or to what a sheet is given updates these files
# (tests/worksheets/EMPTY-or-POPULATED/NAME.md) in the same commit.
GOLDEN = Path(__file__).with_name("worksheets")


@pytest.mark.parametrize("name", SHEETS)
def test_every_sheet_renders_exactly_as_before_on_an_empty_home(cli, monkeypatch, name):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    expected = (GOLDEN / "empty" / f"{name}.md").read_text(encoding="utf-8")
    first = rendered(cli, name)  # compiles, and keeps what it compiled
    assert first == expected
    assert rendered(cli, name) == expected  # from what was kept


@pytest.mark.parametrize("name", SHEETS)
def test_every_sheet_renders_exactly_as_before_on_a_populated_home(cli, populated, name):
    expected = (GOLDEN / "populated" / f"{name}.md").read_text(encoding="utf-8")
    assert rendered(cli, name) == expected
    assert rendered(cli, name) == expected
