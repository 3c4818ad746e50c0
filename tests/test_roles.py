"""Roles (issue 13): the person who was hurt, the person who broke trust, both, or not
sure. Each is asked the wording written for them; a set without variants is the same
for everyone; the role stays in the private home. Also: healing alone in `compare` and
the report, and the ten-questions sheet filled with one's own answers."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pexpect
import pytest

from trustcli.store import template_files

from .conftest import READY, spawn_on_terminal

ROLES = ("hurt", "repairing", "both", "unsure")
RELATIONSHIPS = ("partner", "family", "friend", "colleague")
SHIPPED_SETS = sorted((template_files.builtin_dir() / "questions").glob("*.toml"))
SHIPPED_SHEETS = sorted((template_files.builtin_dir() / "worksheets").glob("*.md"))
UP = "\x1b[A"


def raw_set(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def answer_for(question: dict) -> str:
    kind = question["kind"]
    if kind == "scale":
        return "6"
    if kind == "yesno":
        return "yes"
    if kind == "choice":
        return "1"
    return f"answer to {question['id']}"


def asked(question: dict, role: str) -> tuple[bool, str]:
    """Whether ``role`` is asked ``question``, and the prompt they should see (the
    contract, read straight from the TOML, not through trustcli)."""
    side = role if role in ("hurt", "repairing") else ""
    limited = question.get("roles", [])
    if side and limited and side not in limited:
        return False, ""
    return True, question.get(f"prompt_{side}", question["prompt"]) if side else question["prompt"]


# --- sets ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", SHIPPED_SETS, ids=lambda p: p.stem)
def test_every_role_variant_of_every_built_in_set_is_asked(cli, home, path, role):
    assert cli("init", "--me", "alex", "--role", role).code == 0
    document = raw_set(path)
    wanted = [(q, *asked(q, role)) for q in document["question"]]
    lines = [f"{q['id']} = {json.dumps(answer_for(q))}" for q, shown, _ in wanted if shown]
    answers = home.parent / "answers.toml"
    answers.write_text("\n".join(lines) + "\n")
    result = cli("ask", path.stem, "--answers", str(answers))
    assert result.code == 0, result.err
    (transcript,) = (home / "sessions").glob("*.md")
    text = transcript.read_text()
    shown = cli("ask", "show", "1")
    assert shown.code == 0
    for question, is_asked, prompt in wanted:
        if is_asked:
            assert f". {prompt}\n" in text, (question["id"], role)
            assert prompt in shown.out
            others = {question.get(f"prompt_{side}") for side in ("hurt", "repairing")} - {
                prompt,
                None,
            }
            assert not any(f". {other}\n" in text for other in others)


def test_the_wording_the_issue_names_is_gone_for_the_hurt_person(cli, ok, home):
    ok("init", "--me", "alex", "--role", "hurt")
    for name in ("after-a-lie", "worth-fixing"):
        data = json.loads(cli("ask", name, "--answers", "-", "--json", stdin="\n" * 12).out)
        text = Path(data["transcript"]).read_text()
        assert "commitments can you make" not in text
        assert "owning your part" not in text and "own your part" not in text
    sheet = cli("worksheet", "new", "feel-safe", "-o", "-").out
    assert "shared work" not in sheet and "You do not owe anything here" in sheet
    sheet = cli("worksheet", "new", "worth-fixing", "-o", "-").out
    assert "own your part" not in sheet and "My part in what happened" not in sheet


def test_someone_named_with_as_gets_the_neutral_wording(cli, ok, home):
    ok("init", "--me", "alex", "--role", "repairing")
    result = cli("ask", "after-a-lie", "--as", "sam", "--answers", "-", "--json", stdin="\n" * 7)
    data = json.loads(result.out)
    text = Path(data["transcript"]).read_text()
    prompts = {
        q["id"]: q
        for q in raw_set(template_files.builtin_dir() / "questions/after-a-lie.toml")["question"]
    }
    assert prompts["what-happened"]["prompt"] in text
    assert prompts["what-happened"]["prompt_repairing"] not in text


def test_a_question_for_one_role_is_left_out_for_the_other(cli, ok, home):
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(
        'title = "Mine"\ndiffers = "One question is only for the hurt person."\n'
        '[[question]]\nid = "all"\nprompt = "For everyone?"\nkind = "text"\n'
        '[[question]]\nid = "hurt-only"\nprompt = "Only if hurt?"\nkind = "text"\n'
        'roles = ["hurt"]\n'
    )
    ok("init", "--me", "alex", "--role", "repairing")
    assert cli("ask", "mine", "--answers", "-", stdin="a\nb\n").code == 2  # one answer too many
    assert cli("ask", "mine", "--answers", "-", stdin="a\n").code == 0
    ok("init", "--role", "unsure")
    assert cli("ask", "mine", "--answers", "-", stdin="a\nb\n").code == 0
    listed = {s["name"]: s for s in json.loads(cli("ask", "--list", "--json").out)}
    assert listed["mine"]["differs"] == "One question is only for the hurt person."


@pytest.mark.parametrize(
    ("lines", "named"),
    [
        ('roles = ["victim"]', "roles"),
        ("roles = []", "roles"),
        ('prompt_hurt = ""', "prompt_hurt"),
        ("help_repairing = 3", "help_repairing"),
        ("prompt_sad = 'x'", "prompt_sad"),
    ],
)
def test_a_bad_variant_in_a_set_is_one_line_naming_the_file(cli, home, lines, named):
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    path = folder / "mine.toml"
    path.write_text(
        f'title = "Mine"\n[[question]]\nid = "q"\nprompt = "Q?"\nkind = "text"\n{lines}\n'
    )
    result = cli("ask", "mine", "--answers", "-", stdin="a\n")
    assert result.code == 2 and named in result.err and str(path) in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_a_bad_relationship_in_a_set_and_a_set_with_nothing_for_a_role(cli, home):
    folder = home / "templates" / "questions"
    folder.mkdir(parents=True)
    (folder / "one.toml").write_text(
        'title = "One"\nrelationship = ["cousin"]\n'
        '[[question]]\nid = "q"\nprompt = "Q?"\nkind = "text"\n'
    )
    (folder / "two.toml").write_text(
        'title = "Two"\n[[question]]\nid = "q"\nprompt = "Q?"\nkind = "text"\nroles = ["hurt"]\n'
    )
    one = cli("ask", "one", "--answers", "-", stdin="a\n")
    assert one.code == 2 and "relationship" in one.err
    two = cli("ask", "two", "--answers", "-", stdin="a\n")
    assert two.code == 2 and "'repairing'" in two.err


def test_every_built_in_set_and_sheet_that_differs_says_where(cli):
    sets = json.loads(cli("ask", "--list", "--json").out)
    assert all(s["differs"] for s in sets if s["source"] == "built-in")
    sheets = {s["name"]: s for s in json.loads(cli("worksheet", "list", "--json").out)}
    for name in ("feel-safe", "worth-fixing", "apology", "repair-plan", "forgiveness"):
        assert sheets[name]["differs"], name
    for name in ("activities", "ten-questions"):
        assert sheets[name]["differs"], name


# --- init and config -------------------------------------------------------------------


def test_role_and_relationship_are_stored_and_changeable(cli, ok, home):
    assert cli("init", "--me", "alex", "--role", "hurt", "--relationship", "friend").code == 0
    assert cli("init", "--role", "both").code == 0
    names = tomllib.loads((home / "config.toml").read_text())["names"]
    assert names == {"me": "alex", "role": "both", "relationship": "friend"}
    # A role is not a name: it never becomes a --by or a person in the report.
    ok("promise", "add", "call when late")
    (promise,) = json.loads(cli("promise", "list", "--json").out)
    assert promise["by"] == "alex"


@pytest.mark.parametrize(
    ("args", "named", "offered"),
    [
        (("--role", "victim"), "--role", "hurt"),
        (("--relationship", "spouse"), "--relationship", "colleague"),
    ],
)
def test_init_refuses_an_unknown_role_or_relationship(cli, home, args, named, offered):
    result = cli("init", *args)
    assert result.code == 2 and named in result.err
    assert offered in result.err  # the values it takes are named
    assert not (home / "config.toml").exists()


@pytest.mark.parametrize("key", ["role", "relationship"])
def test_a_hand_edited_bad_role_is_one_line_naming_the_file_and_the_values(cli, home, key):
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.toml"
    config.write_text(f'[names]\nme = "alex"\n{key} = "villain"\n')
    commands = [("worksheet", "new", "feel-safe", "-o", "-")]
    if key == "role":  # the wording of a question depends on the role, not the relationship
        commands.append(("ask", "--answers", "-"))
    for args in commands:
        result = cli(*args, stdin="a\n" * 10)
        assert result.code == 2, (args, result.err)
        (line,) = result.err.strip().splitlines()
        assert str(config) in line and "villain" in line
        assert ('"hurt"' in line) if key == "role" else ('"colleague"' in line)


def test_init_in_a_script_never_asks_for_a_role(sh, home):
    result = sh("init", "--me", "alex")
    assert result.code == 0
    assert "role" not in tomllib.loads((home / "config.toml").read_text())["names"]


def test_init_on_a_terminal_asks_the_role_kindly(home):
    child = spawn_on_terminal("init", "--me", "alex", "--partner", "sam", size=(24, 120))
    child.expect("Where do you stand")
    child.expect(READY)
    child.expect("Not sure yet")
    child.send(UP * 3 + "\r")  # from "not sure" up to "I was hurt"
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    names = tomllib.loads((home / "config.toml").read_text())["names"]
    assert names == {"me": "alex", "partner": "sam", "role": "hurt"}


def test_the_role_is_never_in_the_markdown_export(cli, ok, home):
    ok("init", "--me", "alex", "--role", "hurt")
    ok("promise", "add", "Call when I am late")
    shown = cli("export", "--format", "markdown", "-o", "-")
    assert shown.code == 0, shown.err
    assert "Call when I am late" in shown.out  # an export with the home in it...
    assert "hurt" not in shown.out.lower()  # ...and not the role


# --- sheets ----------------------------------------------------------------------------


@pytest.mark.parametrize("relationship", RELATIONSHIPS)
@pytest.mark.parametrize("role", ROLES)
def test_every_built_in_sheet_renders_for_each_role_and_relationship(
    cli, ok, home, role, relationship
):
    ok("init", "--me", "alex", "--role", role, "--relationship", relationship)
    names = tomllib.loads((home / "config.toml").read_text())["names"]
    assert (names["role"], names["relationship"]) == (role, relationship)
    for path in SHIPPED_SHEETS:
        result = cli("worksheet", "new", path.stem, "-o", "-")
        assert result.code == 0, (path.stem, result.err)
        assert result.out.startswith("# "), path.stem  # a sheet, with its title
        assert "{{" not in result.out and "{%" not in result.out


def test_a_sheet_of_ones_own_sees_role_and_relationship(cli, ok, home):
    folder = home / "templates" / "worksheets"
    folder.mkdir(parents=True)
    (folder / "mine.md").write_text(
        "{#-\ntitle: Mine\ndiffers: It greets each role.\n-#}\n"
        '{% if role == "hurt" %}for the hurt{% elif role == "repairing" %}for repair'
        "{% else %}for anyone{% endif %} / {{ relationship }}\n"
    )
    assert cli("worksheet", "new", "mine", "-o", "-").out.strip() == "for anyone / partner"
    ok("init", "--role", "repairing", "--relationship", "family")
    assert cli("worksheet", "new", "mine", "-o", "-").out.strip() == "for repair / family"
    listed = {s["name"]: s for s in json.loads(cli("worksheet", "list", "--json").out)}
    assert listed["mine"]["differs"] == "It greets each role."


def test_the_ten_questions_sheet_holds_your_own_finished_answers(cli, ok, home):
    ok("init", "--me", "alex", "--partner", "sam", "--role", "hurt")
    answers = "\n".join(f"alex line {n}" if n != 4 else "yes" for n in range(1, 11))
    assert cli("ask", "--answers", "-", stdin=answers + "\n").code == 0
    # sam's answers, a later session, are open to alex once both finished; the sheet is
    # alex's own all the same
    sams = "\n".join("sam secret" if n != 4 else "no" for n in range(1, 11))
    ok("ask", "--as", "sam", "--answers", "-", stdin=sams + "\n")
    assert "sam secret" in ok("ask", "compare", "rebuild-trust").out
    written = cli("worksheet", "new", "ten-questions", "-o", "-")
    assert written.code == 0, written.err
    sheet = written.out
    assert "**alex:** alex line 1\n" in sheet and "**alex:** alex line 10\n" in sheet
    assert "**alex:** yes\n" in sheet
    assert "sam secret" not in sheet
    hurt_prompt = raw_set(template_files.builtin_dir() / "questions/rebuild-trust.toml")[
        "question"
    ][0]["prompt_hurt"]
    assert hurt_prompt in sheet


def test_the_ten_questions_sheet_without_answers_leaves_spaces(cli):
    sheet = cli("worksheet", "new", "ten-questions", "-o", "-").out
    assert sheet.count("**me:** ____") == 10


# --- one person ------------------------------------------------------------------------


def test_compare_with_one_person_says_so_and_offers_the_solo_reflection(cli, ok, home):
    ten = "\n".join(["mine"] * 3 + ["yes"] + ["x"] * 6) + "\n"
    ok("ask", "--answers", "-", stdin=ten)
    result = cli("ask", "compare", "rebuild-trust")
    assert result.code == 0
    assert "nothing to compare" in result.out and "trustcli ask healing-alone" in result.out
    assert "mine" not in result.out.replace("healing", "")
    data = json.loads(cli("ask", "compare", "rebuild-trust", "--json").out)
    assert data["alone"] == "me" and data["next"] == "healing-alone" and data["sessions"] == []


def test_compare_with_a_partner_configured_still_waits_for_them(cli, ok):
    ok("init", "--me", "alex", "--partner", "sam")
    assert cli("ask", "--answers", "-", stdin="a\n" * 3 + "yes\n" + "a\n" * 6).code == 0
    result = cli("ask", "compare", "rebuild-trust")
    assert result.code == 1 and "waiting for: sam" in result.err


def test_the_report_for_one_person_has_no_partner_lines(cli, ok, home, at_now):
    ok("checkin", "--rating", "5", "--on", "-8d")
    ok("checkin", "--rating", "3")
    markdown = cli("report", "-o", "-").out
    assert "| who |" not in markdown and "Your weekly averages" in markdown
    shown = cli("report").out
    assert "me:" not in shown and "5 → 3" in shown
    folder = home.parent / "out"
    folder.mkdir()
    assert cli("report", "-o", str(folder / "r.md")).code == 0
    chart = (folder / "r.svg").read_text()
    assert "your check-ins" in chart and ">me<" not in chart  # the chart's legend too
    # With a second person, each is named again.
    ok("checkin", "--rating", "7", "--as", "sam")
    markdown = cli("report", "-o", "-").out
    assert "| who |" in markdown and "| sam |" in markdown


# --- private ---------------------------------------------------------------------------


def test_the_session_record_that_may_be_shared_holds_no_role_and_no_wording(ok, home):
    """A joint session's record is what gets sealed for a partner: answers by id only,
    so neither the role nor the role's wording can travel with it."""
    ok("init", "--me", "alex", "--role", "hurt")
    ok("ask", "after-a-lie", "--answers", "-", stdin="5\nwhat I found\n\n\n\n\n1\n")
    (record,) = (home / "sessions").glob("*.toml")
    text = record.read_text()
    hurt = raw_set(template_files.builtin_dir() / "questions/after-a-lie.toml")["question"][1]
    assert "hurt" not in text and hurt["prompt_hurt"] not in text
    assert hurt["prompt_hurt"] in record.with_suffix(".md").read_text()  # the private transcript


def test_a_backup_of_ones_own_home_carries_the_role_and_checks_it(cli, ok, monkeypatch, tmp_path):
    ok("init", "--me", "alex", "--role", "repairing", "--relationship", "family")
    backup = cli("export").out
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "restored"))
    assert cli("import", "-", "--with-config", stdin=backup).code == 0
    names = tomllib.loads((tmp_path / "restored" / "config.toml").read_text())["names"]
    assert names == {"me": "alex", "role": "repairing", "relationship": "family"}
    monkeypatch.setenv("TRUSTCLI_HOME", str(tmp_path / "other"))
    bad = backup.replace('"repairing"', '"villain"')
    result = cli("import", "-", "--with-config", stdin=bad)
    assert result.code == 2 and "config.names.role" in result.err
    assert not (tmp_path / "other" / "config.toml").exists()


@pytest.mark.parametrize(
    "relationship, expected",
    [
        ("partner", "rebuild-trust"),
        ("family", "rebuild-trust-close"),
        ("colleague", "rebuild-trust-close"),
    ],
)
def test_ask_without_a_set_runs_the_one_written_for_the_relationship(
    cli, home, tmp_path, relationship, expected
):
    """A parent, a sibling, a friend or a colleague is not asked the partner questions."""
    assert cli("init", "--me", "alex", "--relationship", relationship).code == 0
    answers = tmp_path / "answers.txt"
    answers.write_text("\n" * 20)
    done = cli("ask", "--answers", str(answers), "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out)["set"] == expected
