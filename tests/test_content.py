"""The built-in words: the sets and sheets for infidelity, healing alone, and family,
friends and colleagues; every template in our own words and without labels for people.

The seed article is not part of the repository: tests/helpers/seed-shingles.txt holds a
short hash of each run of 13 words in it (normalised as ``words`` does), which is enough
to find a copied run and gives none of its text. To make the file again from the article:
``python tests/test_content.py ARTICLE.txt > tests/helpers/seed-shingles.txt``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

from trustcli import questions
from trustcli.store import template_files

BUILTIN = template_files.builtin_dir()
SEED_SHINGLES = Path(__file__).resolve().parent / "helpers" / "seed-shingles.txt"
NEW_SETS = ["after-infidelity", "healing-alone", "rebuild-trust-close"]
NEW_SHEETS = ["after-infidelity", "healing-alone", "repair-plan-close"]
ROLES = ["hurt", "repairing", "both", "unsure", ""]
RELATIONSHIPS = ["partner", "family", "friend", "colleague", ""]
TEMPLATES = sorted([*BUILTIN.glob("questions/*.toml"), *BUILTIN.glob("worksheets/*.md")])


def raw(name: str) -> dict:
    return tomllib.loads((BUILTIN / "questions" / f"{name}.toml").read_text())


def configure(home: Path, **names: str) -> None:
    """[names] in config.toml, as `init` (and the roles helper's `init --role`) write it."""
    lines = ["[names]", *(f'{key} = "{value}"' for key, value in names.items() if value)]
    home.mkdir(mode=0o700, exist_ok=True)
    path = home / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def an_answer(question: dict) -> object:
    kind = question["kind"]
    if kind == "scale":
        return 5
    if kind == "yesno":
        return True
    if kind == "choice":
        return question["choices"][-1]
    return f"my own words for {question['id']}"


# --- the new question sets -----------------------------------------------------------------


@pytest.mark.parametrize("name", NEW_SETS)
def test_each_new_set_loads_and_runs_scripted_from_a_toml_answers_file(cli, tmp_path, name):
    qset = questions.load(name)
    answers = {q["id"]: an_answer(q) for q in raw(name)["question"]}
    answers_file = tmp_path / "answers.toml"
    answers_file.write_text(
        "\n".join(f"{key} = {json.dumps(value)}" for key, value in answers.items()) + "\n"
    )
    result = cli("ask", name, "--answers", str(answers_file))
    assert result.code == 0, result.err
    (session,) = json.loads(cli("ask", "history", "--json").out)
    assert session["set"] == name and session["finished"]
    assert session["answered"] == len(qset.questions) and session["skipped"] == 0


@pytest.mark.parametrize("name", NEW_SETS)
def test_each_new_set_says_where_it_differs_and_its_variants_are_whole(name):
    document = raw(name)
    assert document["differs"].strip().endswith(".")
    roled = 0
    for question in document["question"]:
        for key in ("prompt_hurt", "prompt_repairing", "help_hurt", "help_repairing"):
            if key in question:
                roled += 1
                assert question[key].strip() and question[key] != question.get(key.split("_")[0])
        assert set(question.get("roles", [])) <= {"hurt", "repairing"}
    assert roled >= 2, "a set for roles phrases some questions per role"


def test_the_sets_say_who_they_are_for():
    assert raw("after-infidelity")["relationship"] == ["partner"]
    assert raw("after-infidelity")["audience"] == "both"
    assert raw("rebuild-trust-close")["relationship"] == ["family", "friend", "colleague"]
    assert raw("healing-alone")["audience"] == "self"
    assert "relationship" not in raw("healing-alone")  # anyone, with or without a partner


def test_healing_alone_speaks_to_one_person_with_no_partner(cli, home):
    listed = {s["name"]: s for s in json.loads(cli("ask", "--list", "--json").out)}
    assert listed["healing-alone"]["audience"] == "self"
    text = " ".join(
        q.prompt + " " + q.help for q in questions.load("healing-alone").questions
    ).lower()
    assert "partner" not in text and " us " not in text and " we " not in text


def test_infidelity_covers_what_couples_work_asks_for():
    document = raw("after-infidelity")
    ids = {q["id"] for q in document["question"]}
    assert {"need-to-know", "better-not-to-hear", "contact-ended", "openness-offered"} <= ids
    assert {"review-when", "hard-moments", "first-step", "a-year-from-now"} <= ids
    assert any("trustcli trigger" in str(q) for q in document["question"])


# --- the new worksheets --------------------------------------------------------------------


def render(cli, name: str) -> str:
    result = cli("worksheet", "new", name, "-o", "-")
    assert result.code == 0, result.err
    assert result.out.startswith("# ")
    for syntax in ("{{", "{%", "{#", "}}", "%}"):
        assert syntax not in result.out
    return result.out


@pytest.mark.parametrize("name", NEW_SHEETS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("named", [False, True])
def test_each_new_sheet_renders_for_every_role_with_and_without_names(cli, home, name, role, named):
    names = {"me": "alex", "partner": "sam"} if named else {}
    configure(home, role=role, **names)
    text = render(cli, name)
    shown = {  # the sheet for one person never names a partner
        "after-infidelity": {"alex", "sam"},
        "healing-alone": {"alex"},
        "repair-plan-close": {"alex", "sam"},  # sam: a parent, a friend, a colleague
    }[name]
    assert {who for who in ("alex", "sam") if who in text} == (shown if named else set())


@pytest.mark.parametrize(
    ("role", "phrase"),
    [
        ("hurt", "What I need to know"),
        ("repairing", "What I have not yet said"),
        ("both", "What needs to be told"),
        ("", "What needs to be told"),
    ],
)
def test_the_infidelity_sheet_speaks_to_each_role(cli, home, role, phrase):
    configure(home, role=role)
    text = render(cli, "after-infidelity")
    assert phrase in text
    others = {"What I need to know", "What I have not yet said", "What needs to be told"}
    assert not any(other in text for other in others - {phrase})


def test_the_infidelity_sheet_offers_a_grounding_step_and_a_private_note(cli, home):
    configure(home, role="hurt", partner="sam")
    text = render(cli, "after-infidelity")
    assert "`trustcli trigger`" in text and "Breathe out slowly" in text
    assert 'Tell sam: "I\'m having a hard moment."' in text
    assert "In a year" in text


@pytest.mark.parametrize(
    ("role", "phrase"),
    [("hurt", "was not yours to carry"), ("repairing", "make amends"), ("", "What is mine to own")],
)
def test_healing_alone_speaks_to_each_role_and_never_to_a_partner(cli, home, role, phrase):
    configure(home, role=role)
    text = render(cli, "healing-alone")
    assert phrase in text
    assert "partner" not in text.lower() and "for you alone" in text.lower()


@pytest.mark.parametrize(
    ("relationship", "phrase"),
    [
        ("family", "A family therapist"),
        ("friend", "A walk or a coffee"),
        ("colleague", "HR, or a workplace mediator"),
        ("", "the other person"),
    ],
)
def test_the_close_repair_plan_adapts_to_the_relationship(cli, home, relationship, phrase):
    configure(home, relationship=relationship)
    text = render(cli, "repair-plan-close")
    assert phrase in text
    assert "partner" not in text.lower()


def test_the_close_repair_plan_uses_the_other_person_s_name(cli, home):
    configure(home, me="alex", partner="mum", relationship="family", role="repairing")
    text = render(cli, "repair-plan-close")
    assert text.startswith("# Repair plan with mum\n")
    assert "If you are afraid of mum" in text and "what you will do for mum" in text


def test_a_finished_healing_alone_session_comes_back_on_the_sheet(cli, home):
    lines = "3\nan old story\n" + "\n" * 9
    assert cli("ask", "healing-alone", "--answers", "-", stdin=lines).code == 0
    assert "an old story" in render(cli, "healing-alone")


# --- every template: our own words, no labels for people -----------------------------------


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'").replace("'", ""))


def shingles(text: str, size: int = 13) -> dict[str, str]:
    """Each run of ``size`` words, by a short hash of it: hash -> the words."""
    tokens = words(text)
    runs = (" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
    return {hashlib.sha256(run.encode()).hexdigest()[:16]: run for run in runs}


def seed_shingles() -> set[str]:
    return set(SEED_SHINGLES.read_text().split())


def test_the_shingle_check_catches_a_copied_run_and_lets_a_dozen_words_pass():
    article = "Long ago, one two three four five six seven eight nine ten eleven twelve words."
    thirteen = "As said: One two three, four five six seven eight nine ten eleven twelve words!"
    twelve = "two three four five six seven eight nine ten eleven twelve words"
    assert set(shingles(thirteen)) & set(shingles(article))
    assert not set(shingles(twelve + " apart")) & set(shingles(article))
    assert len(seed_shingles()) > 1500  # the whole article, not a fragment


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_template_shares_more_than_a_dozen_words_in_a_row_with_the_article(path):
    found = shingles(path.read_text())
    common = sorted(found[key] for key in set(found) & seed_shingles())
    assert not common, f"in common with the article: {common[0]!r}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_template_labels_a_person(path):
    found = set(words(path.read_text())) & {"victim", "victims", "cheater", "cheaters", "cheat"}
    assert not found


if __name__ == "__main__":  # the hash file, from the article: see the module's docstring
    print("\n".join(sorted(shingles(Path(sys.argv[1]).read_text()))))
