"""Privacy on one home (issue 11): what one person typed is not shown to the other
before the mutual reveal; sets meant for one person are never compared; a safety
answer is never shown to, nor cleared by, someone typing --as NAME, nor exported."""

from __future__ import annotations

import json
import tomllib

import pexpect

from .conftest import READY, spawn_on_terminal

DOWN = "\x1b[B"
TEN = "\n".join(["alex said this"] * 3 + ["yes"] + ["alex more"] * 6) + "\n"
SAM_TEN = "\n".join(["sam said that"] * 3 + ["no"] + ["sam more"] * 6) + "\n"
P = "sam private thought"
SELF = "\n".join([P, "5", "5", "", P, P, P, "yes", P, P]) + "\n"


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else -child.signalstatus)


def answer(cli, who: str, text: str, set_name: str = "rebuild-trust") -> int:
    result = cli("ask", set_name, "--as", who, "--answers", "-", "--json", stdin=text)
    assert result.code == 0, result.err
    return int(json.loads(result.out)["id"])


def test_show_keeps_the_partner_s_joint_answers_private_until_both_finish(cli, ok):
    ok("init", "--me", "alex", "--partner", "sam")
    sams = answer(cli, "sam", SAM_TEN)
    for args in (("ask", "show", str(sams)), ("ask", "show", str(sams), "--json")):
        result = cli(*args)
        assert result.code == 0, result.err
        assert "sam said that" not in result.text
        assert "private until you have both finished" in result.text
    assert json.loads(cli("ask", "show", str(sams), "--json").out)["answers"] == {}
    # sam sees their own (with --as, which gives no privacy on one shared home)
    assert "sam said that" in cli("ask", "show", str(sams), "--as", "sam").out
    answer(cli, "alex", TEN)
    shown = cli("ask", "show", str(sams))
    assert shown.code == 0 and "sam said that" in shown.out
    # a new round: sam's next session is sealed again until alex answers again
    again = answer(cli, "sam", SAM_TEN.replace("sam said that", "sam round two"))
    sealed = cli("ask", "show", str(again))
    assert sealed.code == 0, sealed.err
    assert "sam round two" not in sealed.text
    assert "private until you have both finished" in sealed.text
    assert "sam said that" in cli("ask", "show", str(sams)).out  # the first round stays open
    compared = cli("ask", "compare", "rebuild-trust")
    assert compared.code == 0 and "sam said that" in compared.out
    assert "sam round two" not in compared.text and "alex has not finished" in compared.text


def test_a_later_session_of_the_same_person_takes_their_place_in_the_open_round(cli, ok):
    ok("init", "--me", "alex", "--partner", "sam")
    first = answer(cli, "sam", SAM_TEN)
    second = answer(cli, "sam", SAM_TEN.replace("sam said that", "sam thought again"))
    answer(cli, "alex", TEN)
    compared = cli("ask", "compare", "rebuild-trust")
    assert compared.code == 0, compared.err
    assert "sam thought again" in compared.out and "sam said that" not in compared.text
    replaced = cli("ask", "show", str(first))  # never part of a round: never revealed
    assert replaced.code == 0, replaced.err
    assert "sam said that" not in replaced.text
    assert "private until you have both finished" in replaced.text
    assert "sam thought again" in cli("ask", "show", str(second)).out


def test_compare_refuses_a_set_meant_for_one_person(cli, ok):
    ok("init", "--me", "alex", "--partner", "sam")
    answer(cli, "sam", SELF, "worth-fixing")
    answer(cli, "alex", SELF.replace("sam", "alex"), "worth-fixing")
    for args in (("ask", "compare", "worth-fixing"), ("ask", "compare", "worth-fixing", "--json")):
        result = cli(*args)
        assert result.code == 2, result.text
        assert "for one person" in result.err and "private thought" not in result.text


def test_show_never_prints_another_person_s_private_reflection(cli, ok):
    ok("init", "--me", "alex", "--partner", "sam")
    sams = answer(cli, "sam", SELF, "worth-fixing")
    answer(cli, "alex", SELF.replace("sam", "alex"), "worth-fixing")
    result = cli("ask", "show", str(sams))
    assert result.code == 0 and "sam private thought" not in result.text
    assert "for sam alone" in result.text
    assert "sam private thought" in cli("ask", "show", str(sams), "--as", "sam").out


# --- safety answers ----------------------------------------------------------------------


def test_a_safety_answer_is_never_kept_for_someone_typing_as(home):
    child = spawn_on_terminal("ask", "after-a-lie", "--as", "robin")
    child.expect("afraid of your partner")
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send(DOWN + "\r")  # yes
    child.expect("helpline")
    assert finish(child) == 0
    assert "remember this answer" not in child.before
    assert not (home / "safety.toml").exists() or "robin" not in (home / "safety.toml").read_text()


def test_a_kept_safety_answer_is_never_shown_to_nor_cleared_by_as(home):
    home.mkdir(parents=True, exist_ok=True)
    kept = '[[screen]]\nwho = "robin"\nshown = 2026-11-19T20:00:00+01:00\nconcern = true\n'
    (home / "safety.toml").write_text(kept)  # as an earlier trustcli kept it
    child = spawn_on_terminal("ask", "after-a-lie", "--as", "robin")
    child.expect("afraid of your partner")  # asked afresh: nothing said about the answer kept
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send("\r")  # no
    child.expect("1/7")
    child.expect(r"\(1-10, Enter to skip\)")  # drawn by the prompt: Ctrl-C is a key now
    child.sendcontrol("c")
    assert finish(child) == 130
    assert "paused" not in child.before
    child = spawn_on_terminal("ask", "after-a-lie", "--as", "robin", "--screen")
    child.expect("afraid of your partner")
    child.expect(READY)  # drawn by the prompt itself: keys are read now
    child.send("\r")
    child.expect("1/7")
    child.expect(r"\(1-10, Enter to skip\)")  # drawn by the prompt: Ctrl-C is a key now
    child.sendcontrol("c")
    assert finish(child) == 130
    assert (home / "safety.toml").read_text() == kept  # not cleared


def test_export_holds_nothing_about_a_safety_answer(cli, ok, home):
    ok("init", "--me", "alex", "--partner", "sam")
    (home / "safety.toml").write_text(
        '[[screen]]\nwho = "alex"\nshown = 2026-11-19T20:00:00+01:00\nconcern = true\n'
    )
    result = cli("export")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["safety"] == []
    assert "concern" not in result.out and "2026-11-19T20:00" not in result.out
    for form in ("markdown", "ics"):
        shown = cli("export", "--format", form)
        assert shown.code == 0 and shown.out.strip(), (form, shown.err)
        assert "afraid" not in shown.out.lower() and "concern" not in shown.out.lower()
    # the pause stays on this computer
    assert tomllib.loads((home / "safety.toml").read_text())["screen"][0]["concern"] is True


def test_worksheets_and_the_readable_export_keep_the_same_privacy(cli, ok):
    ok("init", "--me", "alex", "--partner", "sam")
    answer(cli, "sam", SAM_TEN)
    answer(cli, "sam", SELF, "worth-fixing")
    shown = [cli("export", "--format", "markdown")]
    sheets = ("ten-questions", "worth-fixing")
    shown += [cli("worksheet", "new", name, "-o", "-") for name in sheets]
    for result in shown:
        assert result.code == 0, result.err
        assert "sam said that" not in result.out and "sam private thought" not in result.out
    assert "sam's answers are not shown here" in shown[0].out
    answer(cli, "alex", TEN)
    assert "sam said that" in cli("export", "--format", "markdown").out


def test_a_worksheet_keeps_showing_my_own_answers_when_the_partner_answered_later(cli, ok):
    ok("init", "--me", "alex", "--partner", "sam")
    answer(cli, "alex", SELF.replace("sam", "alex"), "worth-fixing")
    answer(cli, "sam", SELF, "worth-fixing")
    sheet = cli("worksheet", "new", "worth-fixing", "-o", "-")
    assert sheet.code == 0, sheet.err
    assert "alex private thought" in sheet.out and "sam private thought" not in sheet.out
