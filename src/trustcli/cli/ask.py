"""`trustcli ask …`: guided question sessions, saved after every answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from trustcli import config, questions, store
from trustcli.cli.groups import defaulting_to
from trustcli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_RUNTIME, TrustError
from trustcli.output import (
    emit,
    emit_json,
    on_terminal,
    paint,
    read_stdin,
    refuse_nul,
    saved,
    say,
    table,
)
from trustcli.questions import Answer, QuestionSet

app = typer.Typer(
    add_completion=False,
    cls=defaulting_to("run"),
    help="""Guided question sessions, for one or both of you, saved as you go.

    'trustcli ask [SET]' runs a session (the 'run' command), with the options below.

    \b
    Examples:
      trustcli ask                          the ten questions to rebuild trust
      trustcli ask weekly-checkin --as sam
      trustcli ask --list
      trustcli ask history
      trustcli ask compare rebuild-trust
    """,
    context_settings={"help_option_names": ["-h", "--help"]},
)

AS_OPTION = typer.Option(
    None,
    "--as",
    metavar="NAME",
    help="Who answers (default: your name). For one shared home: it gives no privacy "
    "between two people (see 'trustcli pair').",
)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON on stdout.")
# A file of answers: far above any set (a question takes at most 50,000 characters).
ANSWERS_FILE_LIMIT = 16 * 1024 * 1024
ANSWERS_HINT = "pass --answers FILE, or pipe the answers in: trustcli ask --answers - < answers.txt"


@app.command(name="run")
def run(
    set_name: str = typer.Argument(
        None,
        metavar="[SET]",
        help=f"The question set (default: {questions.DEFAULT_SET}; {questions.CLOSE_SET} "
        "when init --relationship is family, friend or colleague).",
    ),
    who: str = AS_OPTION,
    answers: str = typer.Option(
        None,
        "--answers",
        metavar="FILE|-",
        help="Answers without a terminal: one per line in question order ('-': stdin), "
        "or a .toml file of question id = answer.",
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue your latest unfinished session."),
    list_sets: bool = typer.Option(False, "--list", help="List the question sets."),
    screen: bool = typer.Option(False, "--screen", help="Answer the safety question again."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Answer a question set: 'trustcli ask SET' is short for 'trustcli ask run SET'.

    One question at a time on a terminal; an empty answer skips.

    Every answer is saved at once, so Ctrl-C loses nothing: continue with --resume.

    \b
    Examples:
      trustcli ask                     the ten questions to rebuild trust
      trustcli ask weekly-checkin --as sam
      trustcli ask --resume
      trustcli ask --list
      trustcli ask after-a-lie --answers answers.txt
      printf '7\\nthe walk on sunday\\n' | trustcli ask my-set --answers -
    """
    if list_sets:
        _list(as_json)
        return
    from trustcli import safety, sessions  # a session's, not the list's
    from trustcli.couple import sealed

    person = config.person(who)
    if answers is not None:
        if resume:
            raise TrustError("--answers starts a new session; it cannot be used with --resume")
        qset = questions.load(set_name or questions.default_set()).for_role(config.role_of(person))
        if qset.for_both and person == config.me() and safety.concern_recorded(person):
            # The pause a person asked for holds in scripts too (they cannot be asked
            # again here: only an interactive 'ask --screen' lifts it).
            raise TrustError(safety.PAUSED_SCRIPTED, EXIT_RUNTIME)
        session = sessions.scripted(qset, person, _read_answers(qset, answers))
        _report_saved(session, as_json)
        sealed.keep(session, qset.for_both)
        return
    # What is wrong with the request itself comes before "no terminal": an unknown set,
    # or nothing to resume, is said as such wherever the command runs.
    if resume:
        if set_name:
            questions.load(set_name)
        session = sessions.latest_unfinished(person, set_name)
        qset = questions.load(session["set"])
    else:
        qset = questions.load(set_name or questions.default_set())
        session = None
    qset = qset.for_role(config.role_of(person))  # the wording written for this person
    if not on_terminal():
        raise TrustError(
            "no terminal to ask on: pass --answers FILE (or --answers - for stdin), "
            "one answer per line in question order"
        )
    _interactive(qset, person, session, screen, as_json)


def _interactive(
    qset: QuestionSet, who: str, session: dict[str, Any] | None, screen: bool, as_json: bool
) -> None:
    from trustcli import helpnow, sessions
    from trustcli.cli import prompts  # questionary: only now, on a terminal
    from trustcli.couple import sealed

    try:
        if qset.for_both and not _safe_to_continue(who, screen, prompts):
            return
        if session is None:
            session = sessions.start(qset, who)
            if qset.intro:
                prompts.show_text(qset.intro)
        else:
            done = len(qset.questions) - len(sessions.remaining(session, qset))
            say(f"Continuing session {session['id']} ({done} of {len(qset.questions)} done).")
        sessions.answer_remaining(session, qset, prompts.ask_question)
    except (KeyboardInterrupt, EOFError):
        if session is not None:
            say(
                f"\nStopped. Everything you answered is saved (session {session['id']}). "
                f"Continue with: trustcli ask --resume --as {who}"
            )
            helpnow.offer(*session.get("answers", {}).values())
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _report_saved(session, as_json)
    sealed.keep(session, qset.for_both)


def _safe_to_continue(who: str, screen_again: bool, prompts: Any) -> bool:
    """The safety screen before a person's first joint session (see trustcli.safety).

    Only the home's own person (``me``) has an answer kept. For anyone named with
    --as, the question is asked every time and nothing is kept: on one shared home
    anyone can type --as NAME, so a kept answer would be shown to them, and could be
    cleared by them."""
    from trustcli import safety

    if who != config.me():
        if not prompts.yes_no(safety.SCREEN_QUESTION, safety.SCREEN_NOTE):
            return True
        emit(safety.MESSAGE)
        say(safety.NOT_KEPT)
        return False
    if safety.concern_recorded(who) and not screen_again:
        emit(safety.MESSAGE)
        say(safety.PAUSED)
        return False
    if safety.screened(who) and not screen_again:
        return True
    if not prompts.yes_no(safety.SCREEN_QUESTION, safety.SCREEN_NOTE):
        safety.record(who)
        return True
    emit(safety.MESSAGE)
    remember = prompts.yes_no(
        "Should trustcli remember this answer on this computer and pause joint sets?",
        "Only you can see it. You can change it later with: trustcli ask --screen",
    )
    safety.record(who, remember_concern=remember)
    return False


def _read_answers(qset: QuestionSet, source: str) -> list[Answer | None]:
    """Answers from a file or stdin, all checked before anything is saved."""
    if source == "-":
        text, name = read_stdin(ANSWERS_HINT), "stdin"
    else:
        path = Path(source)
        try:
            data = store.read_given(path, ANSWERS_FILE_LIMIT)
            text, name = data.decode("utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise TrustError(f"cannot read the answers file {source!r}: {exc}") from None
        if len(data) > ANSWERS_FILE_LIMIT:
            raise TrustError(
                f"the answers file {source!r} is larger than any set's answers can be "
                f"(at most {ANSWERS_FILE_LIMIT // (1024 * 1024)} MB)"
            )
        refuse_nul(text, name)
        if path.suffix == ".toml":
            return _answers_from_toml(qset, text, name)
    lines = text.splitlines()
    while len(lines) > len(qset.questions) and not lines[-1].strip():
        lines.pop()  # blank lines at the end are not answers
    count = len(qset.questions)
    if len(lines) != count:
        raise TrustError(
            f"{name}: {qset.name!r} has {count} questions, so it needs {count} lines "
            f"(an empty line skips one); got {len(lines)}"
        )
    parsed = []
    for number, (question, line) in enumerate(zip(qset.questions, lines, strict=True), 1):
        try:
            parsed.append(questions.parse_answer(question, line))
        except ValueError as exc:
            raise TrustError(f"{name}, line {number} ({question.id}): the answer {exc}") from None
    return parsed


def _answers_from_toml(qset: QuestionSet, text: str, name: str) -> list[Answer | None]:
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TrustError(f"{name}: {exc}") from None
    known = {question.id for question in qset.questions}
    unknown = sorted(set(document) - known)
    if unknown:
        ids = ", ".join(question.id for question in qset.questions)
        raise TrustError(
            f"{name}: {qset.name!r} has no question {unknown[0]!r}; its question ids are: {ids}"
        )
    parsed: list[Answer | None] = []
    for question in qset.questions:
        value = document.get(question.id)
        if isinstance(value, dict | list):
            raise TrustError(
                f"{name}, {question.id}: an answer is text, a number or true/false, "
                "not a table or a list"
            )
        try:
            parsed.append(None if value is None else questions.parse_answer(question, str(value)))
        except ValueError as exc:
            raise TrustError(f"{name}, {question.id}: the answer {exc}") from None
    return parsed


def _report_saved(session: dict[str, Any], as_json: bool) -> None:
    from trustcli import helpnow, sessions

    saved(f"session {session['id']}")
    if as_json:
        emit_json(sessions.as_json(session))
    else:
        transcript = store.path_of(f"{sessions.file_stem(session)}.md")
        say(f"Saved session {session['id']}: {transcript}")
    helpnow.offer(*session.get("answers", {}).values())


def _list(as_json: bool) -> None:
    loaded, broken = questions.load_all()
    for problem in broken:  # one broken file of one's own must not hide every other set
        say(f"trustcli: left out: {problem.message}")
    sets = [qset.summary() for qset in loaded]
    if as_json:
        emit_json(sets)
        return
    rows = [
        [s["name"], s["title"], str(s["questions"]), "both" if s["audience"] == "both" else "you"]
        for s in sets
    ]
    emit(table(["set", "title", "questions", "for"], rows, wide_column=1))


@app.command()
def history(who: str = AS_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List past sessions, newest last.

    \b
    Examples:
      trustcli ask history
      trustcli ask history --as sam --json
    """
    from trustcli import sessions
    from trustcli.couple import sealed

    name = None if who is None else config.clean_name(who, "--as")
    sealed.sync(quiet=True)  # share a key that is due; keep a partner session revealed
    rows = [sessions.summary(s) for s in sessions.load_all() if name in (None, s["who"])]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        say("No sessions yet. Start one with: trustcli ask")
        return
    emit(
        table(
            ["id", "set", "who", "started", "status", "answered"],
            [
                [
                    str(r["id"]),
                    r["set"],
                    r["who"],
                    r["started"][:16].replace("T", " "),
                    "finished" if r["finished"] else paint("unfinished", "yellow"),
                    str(r["answered"]),
                ]
                for r in rows
            ],
        )
    )


@app.command()
def show(
    session_id: str = typer.Argument(..., metavar="SESSION"),
    who: str = typer.Option(
        None,
        "--as",
        metavar="NAME",
        help="Whose view (default: your name). For one shared home: it gives no privacy "
        "between two people (see 'trustcli pair').",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one session's answers (its Markdown transcript).

    Another person's answers to a joint set are shown once you have both finished
    that round; their answers to a set meant for one person, never.

    \b
    Examples:
      trustcli ask show 3
      trustcli ask show 3 --json
    """
    from trustcli import sessions
    from trustcli.couple import sealed

    session = sessions.load(session_id)
    sealed.sync(quiet=True)
    viewer = config.person(who)
    qset = _set_for(session).for_role(config.role_of(session["who"]))  # as it was asked
    if not sessions.revealed_to(session, viewer, qset.for_both, sessions.load_all()):
        kept = sessions.withheld(session)
        why = (
            f"{session['who']}'s answers stay private until you have both finished this "
            f"round (see: trustcli ask compare {qset.name})"
            if qset.for_both
            else f"{qset.name!r} is for {session['who']} alone: their answers stay theirs"
        )
        if as_json:
            emit_json({**sessions.as_json(kept), "why": why})
            return
        header = sessions.transcript(kept, qset).split("\n## ", 1)[0].rstrip()
        emit(f"{header}\n\n{why}.")
        return
    if as_json:
        emit_json(sessions.as_json(session))
        return
    emit(sessions.transcript(session, qset).rstrip())


@app.command()
def compare(
    set_name: str = typer.Argument(..., metavar="SET"), as_json: bool = JSON_OPTION
) -> None:
    """Both partners' latest answers to a joint set, question by question.

    Shown only once both of you have finished a round: until then, answers stay
    private. Sets meant for one person are never compared.

    \b
    Examples:
      trustcli ask compare rebuild-trust
      trustcli ask compare weekly-checkin --json
    """
    from trustcli import sessions
    from trustcli.couple.membership import paired

    qset = questions.load(set_name)
    if not qset.for_both:
        raise TrustError(
            f"{qset.name!r} is a set for one person: there is nothing to compare, and "
            "each person's answers stay their own",
            EXIT_BAD_INPUT,
        )
    if paired():
        _compare_sealed(qset, as_json)
        return
    names = config.names()
    people = [names[key] for key in ("me", "partner") if key in names]
    if len(people) < 2 and _one_person(qset.name, as_json):
        return
    first, second, current, people = sessions.latest_round(
        qset.name, people if len(people) == 2 else []
    )
    waiting = ""
    if current:
        done = next(iter(current))
        other = people[1] if done == people[0] else people[0]
        waiting = f"A new round is open: {done} has finished; {other} has not finished yet."
    if as_json:
        emit_json(
            {
                "set": qset.name,
                "sessions": [sessions.as_json(first), sessions.as_json(second)],
                "open_round": {"finished": sorted(current), "waiting": waiting},
            }
        )
        return
    lines = [
        paint(qset.title, "bold"),
        f"{first['who']} (session {first['id']}) and {second['who']} (session {second['id']}) "
        "have both finished, so both answers are shown.",
    ]
    if waiting:
        lines.append(waiting)
    for number, question in enumerate(qset.questions, start=1):
        lines += ["", paint(f"{number}. {question.prompt}", "bold")]
        for session in (first, second):
            answer = questions.show_answer(question, session["answers"].get(question.id))
            indent = "\n" + " " * (len(session["who"]) + 4)
            lines.append(f"  {session['who']}: {indent.join(answer.splitlines())}")
    emit("\n".join(lines))


SOLO_SET = "healing-alone"  # the set for one person on their own (see templates/questions)


def _one_person(set_name: str, as_json: bool) -> bool:
    """No partner is configured and only one person has finished this set: there is
    no one to compare with, perhaps never. Say so kindly, point to the reflection for
    one person, and return True; otherwise False (``latest_round`` says the rest)."""
    from trustcli import sessions

    finished = [s for s in sessions.load_all() if s["set"] == set_name and "finished" in s]
    people = {s["who"] for s in finished}
    if len(people) != 1:
        return False
    (who,) = people
    text = (
        f"Only {who} has answered {set_name!r}, so there is nothing to compare yet. "
        "That is all right: if the other person is not ready, or not part of this, your "
        f"answers still count. To reflect on your own: trustcli ask {SOLO_SET}"
    )
    if as_json:
        emit_json(
            {"set": set_name, "sessions": [], "alone": who, "message": text, "next": SOLO_SET}
        )
    else:
        emit(text)
    return True


def _compare_sealed(qset: QuestionSet, as_json: bool) -> None:
    """``compare`` when this home shares a couple folder: this home's answers and the
    partner's, once both have finished a round and both keys are shared."""
    from trustcli.couple import sealed

    found = sealed.standing(qset.name)
    partner, me = found.partner, config.me()
    if found.latest == 0:
        state = f"neither of you has finished {qset.name!r} yet"
    elif found.theirs is None:
        state = (
            f"{partner} has not finished round {found.latest} yet; answers stay private "
            "until both have"
        )
    elif found.mine is None:
        state = (
            f"{partner} has finished round {found.latest}; their answers open once you have "
            f"finished it too (trustcli ask {qset.name})"
        )
    elif found.theirs.answers is None:
        state = (
            f"{partner} finished round {found.latest}; their answers open when "
            f"{partner}'s trustcli next runs"
        )
    else:
        state = ""
    if found.revealed is None:
        if as_json:
            emit_json({"set": qset.name, "round": None, "sessions": [], "state": state})
            return
        raise TrustError(state, 1)
    number, mine, theirs = found.revealed
    if as_json:
        emit_json(
            {
                "set": qset.name,
                "round": number,
                "sessions": [mine.session, theirs.session],
                "state": state,
            }
        )
        return
    lines = [
        paint(qset.title, "bold"),
        f"You and {partner} have both finished round {number}, so both answers are shown.",
    ]
    if state:
        lines.append(f"Round {found.latest}: {state}.")
    rows = ((mine.who or me, mine.answers or {}), (theirs.who or partner, theirs.answers or {}))
    for position, question in enumerate(qset.questions, start=1):
        lines += ["", paint(f"{position}. {question.prompt}", "bold")]
        for who, answers in rows:
            answer = questions.show_answer(question, answers.get(question.id))
            indent = "\n" + " " * (len(who) + 4)
            lines.append(f"  {who}: {indent.join(answer.splitlines())}")
    emit("\n".join(lines))


def _set_for(session: dict[str, Any]) -> QuestionSet:
    from trustcli import sessions

    try:
        return questions.load(session["set"])
    except TrustError:
        raise TrustError(
            f"session {session['id']} used the set {session['set']!r}, which is no longer "
            f"installed; its transcript is still in {store.path_of(sessions.FOLDER)}",
            1,
        ) from None
