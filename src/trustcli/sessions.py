"""Question sessions: one TOML record and one Markdown transcript per session, in
$TRUSTCLI_HOME/sessions/, saved after every answer so nothing typed is ever lost.

Files are named ``0007-rebuild-trust-alex.toml`` / ``.md``; the number is the
session's id, the one people type (`trustcli ask show 7`), and the only part read back.
With the vault on they are only ``0007.toml``: a file name is not encrypted, and the
set and the person's name are nobody else's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from trustcli import dates, store
from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.questions import Answer, Question, QuestionSet, show_answer

FOLDER = "sessions"
Session = dict[str, Any]
AskOne = Callable[[Question, int, int], Answer | None]


# --- creating and saving -------------------------------------------------------------


def start(qset: QuestionSet, who: str) -> Session:
    """A new, empty session with the next id, already on disk."""
    with store.lock():
        ident = max((_id_of(name) for name in _names()), default=0) + 1
        session: Session = {
            "id": ident,
            "set": qset.name,
            "title": qset.title,
            "who": who,
            "started": dates.now(),
            "answers": {},
            "skipped": [],
        }
        _write(session, qset)
    return session


def record(session: Session, qset: QuestionSet, question: Question, answer: Answer | None) -> None:
    """Keep one answer (None: skipped) and save at once."""
    if answer is None:
        session["skipped"].append(question.id)
    else:
        session["answers"][question.id] = answer
    save(session, qset)


def finish(session: Session, qset: QuestionSet) -> None:
    session["finished"] = dates.now()
    save(session, qset)


def save(session: Session, qset: QuestionSet) -> None:
    with store.lock():
        _write(session, qset)


def _write(session: Session, qset: QuestionSet) -> None:
    stem = file_stem(session)
    store.write_document(f"{stem}.toml", record_for_disk(session))
    store.write_text(f"{stem}.md", transcript(session, qset))


def record_for_disk(session: Session) -> dict[str, Any]:
    """Key order a person reads well: who and when first, answers last."""
    keys = ("id", "set", "title", "who", "started", "finished", "revealed", "skipped", "answers")
    return {key: session[key] for key in keys if key in session}


_LONGEST_STEM = 255 - len(".toml")  # a file name's limit, less the longest suffix


def file_stem(session: Session) -> str:
    """The session's file name without its suffix: the one it has on disk already, else
    ``sessions/0007`` with the vault on, else ``sessions/0007-rebuild-trust-alex``."""
    for name in _names():
        if _id_of(name) == int(session["id"]):
            return name.removesuffix(".toml")
    if store.vault_on():
        return f"{FOLDER}/{int(session['id']):04d}"
    return _readable_stem(session)


def _readable_stem(session: Session) -> str:
    """``sessions/0007-rebuild-trust-alex``: the set's name must be plain, whoever made
    the session (a backup, a hand edit); the person's name is reduced to [a-z0-9-]."""
    who = re.sub(r"[^a-z0-9]+", "-", str(session["who"]).lower()).strip("-") or "someone"
    set_name = store.plain_name(session["set"], "the session's question set")
    name = f"{int(session['id']):04d}-{set_name}-{who}"
    if len(name.encode("utf-8")) > _LONGEST_STEM:
        # Only the id is read back from the name (the set and the person are in the
        # file), so the readable parts are cut short to fit the file system's limit.
        short_set = set_name.encode("utf-8")[:100].decode("utf-8", "ignore")
        name = f"{int(session['id']):04d}-{short_set}-{who[:60].strip('-')}"
    return f"{FOLDER}/{name}"


def _id_of(name: str) -> int:
    match = re.match(rf"{FOLDER}/(\d+)[-.]", name)
    return int(match.group(1)) if match else 0


def _names() -> list[str]:
    """The session files, one per id: if both ``0007.toml`` and ``0007-….toml`` exist
    (turning the vault on was stopped while renaming), the short one is the newer."""
    found: dict[int, str] = {}
    for name in store.names_in(FOLDER, ".toml"):
        ident = _id_of(name)
        if ident not in found or len(name) < len(found[ident]):
            found[ident] = name
    return [found[ident] for ident in sorted(found)]


def hide_names() -> int:
    """Rename every session file to its id alone (``vault enable``); how many were."""
    from trustcli.store import conversion  # only `vault enable` renames

    renamed = 0
    for name in store.names_in(FOLDER, ""):
        match = re.fullmatch(rf"{FOLDER}/(\d+)-.*(\.toml|\.md)", name, re.S)
        if match:
            conversion.rename(name, f"{FOLDER}/{match.group(1)}{match.group(2)}")
            renamed += 1
    return renamed


def keep_copy_locked(record: Session, qset: QuestionSet) -> int:
    """Save a session that came from elsewhere (the partner's, once revealed) under the
    next id, with its transcript; returns the id. The home's lock must be held."""
    ident = max((_id_of(name) for name in _names()), default=0) + 1
    _write({**record, "id": ident}, qset)
    return ident


# --- running through the questions ------------------------------------------------------


def remaining(session: Session, qset: QuestionSet) -> list[Question]:
    """Questions not yet answered or skipped, in the set's order (resuming starts here)."""
    done = set(session["answers"]) | set(session["skipped"])
    return [question for question in qset.questions if question.id not in done]


def answer_remaining(session: Session, qset: QuestionSet, ask: AskOne) -> None:
    """Ask every remaining question, saving after each answer, then finish."""
    total = len(qset.questions)
    for question in remaining(session, qset):
        number = qset.questions.index(question) + 1
        record(session, qset, question, ask(question, number, total))
    finish(session, qset)


def scripted(qset: QuestionSet, who: str, answers: list[Answer | None]) -> Session:
    """Save a whole session from answers already checked, in question order."""
    session = start(qset, who)
    for question, answer in zip(qset.questions, answers, strict=True):
        if answer is None:
            session["skipped"].append(question.id)
        else:
            session["answers"][question.id] = answer
    finish(session, qset)
    return session


# --- reading back ---------------------------------------------------------------------


def load_all() -> list[Session]:
    """Every session on disk, oldest first."""
    return [_load(name) for name in _names()]


def load(ident: str | int) -> Session:
    raw = str(ident).strip().lstrip("#")
    if not (raw.isascii() and raw.isdigit()):  # '²'.isdigit(), yet int('²') fails
        raise TrustError(
            f"{ident!r} is not a session id: ids are numbers (see 'trustcli ask history')"
        )
    for name in _names():
        if _id_of(name) == int(raw):
            return _load(name)
    raise TrustError(f"no session {int(raw)} (see 'trustcli ask history')")


def _load(name: str) -> Session:
    raw = store.read(name)
    path = store.path_of(name)
    try:
        session = {
            "id": _typed(raw, "id", int),
            "set": _typed(raw, "set", str),
            "title": str(raw.get("title", raw.get("set", ""))),
            "who": _typed(raw, "who", str),
            "started": _typed(raw, "started", datetime),
            "answers": dict(_typed(raw, "answers", dict)),
            "skipped": _skipped(raw.get("skipped", [])),
        }
        if "finished" in raw:
            session["finished"] = _typed(raw, "finished", datetime)
        if raw.get("revealed") is True:  # the partner's, kept once the mutual reveal opened it
            session["revealed"] = True
        problem = store.name_problem(session["set"])
        if problem:
            raise ValueError(f"'set' must be a plain name ({problem})")
    except ValueError as exc:
        raise TrustError(f"{path}: {exc}; fix it in an editor") from None
    return session


def _skipped(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("'skipped' must be a list of question ids")
    return value


def _typed(raw: dict[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"'{key}' is missing or not {kind.__name__}")
    return value


def latest_unfinished(who: str, set_name: str | None = None) -> Session:
    candidates = [
        s
        for s in load_all()
        if s["who"] == who and "finished" not in s and set_name in (None, s["set"])
    ]
    if not candidates:
        which = f" of {set_name!r}" if set_name else ""
        raise TrustError(
            f"nothing to resume{which} for {who}: every session is finished "
            "(start one with 'trustcli ask')",
            EXIT_RUNTIME,
        )
    return candidates[-1]


def as_json(session: Session) -> dict[str, Any]:
    data = {key: value for key, value in session.items()}
    for key in ("started", "finished"):
        if key in data:
            data[key] = data[key].isoformat()
    data["finished"] = data.get("finished")
    data["transcript"] = str(store.path_of(f"{file_stem(session)}.md"))
    return data


def summary(session: Session) -> dict[str, Any]:
    return {
        "id": session["id"],
        "set": session["set"],
        "who": session["who"],
        "started": session["started"].isoformat(),
        "finished": session["finished"].isoformat() if "finished" in session else None,
        "answered": len(session["answers"]),
        "skipped": len(session["skipped"]),
    }


# --- both partners ---------------------------------------------------------------------


Round = dict[str, Session]


def rounds(set_name: str, people: list[str], found: list[Session]) -> tuple[list[Round], Round]:
    """The rounds of one joint set between two people: (complete rounds, the open one).

    A round opens with a finished session of the set by either person; the other
    person's next finished session joins it, and then both are revealed. A second
    session by the same person while the round is still open takes the place of their
    first (the latest answers count), and the one it replaced stays private. On one home
    sessions are taken in the order of their ids (the home's own counter), never by
    the clock."""
    done: list[Round] = []
    current: Round = {}
    for session in sorted(found, key=lambda s: s["id"]):
        if session["set"] != set_name or session["who"] not in people or "finished" not in session:
            continue
        current[session["who"]] = session
        if len(current) == 2:
            done.append(current)
            current = {}
    return done, current


def revealed_to(session: Session, viewer: str, for_both: bool, found: list[Session]) -> bool:
    """May ``viewer`` read this session's answers? Their own, always; another person's
    set meant for one person, never; another person's joint session, once it is part
    of a round both have finished."""
    if session["who"] == viewer or (for_both and session.get("revealed") is True):
        return True
    if not for_both:
        return False
    done, _ = rounds(session["set"], [viewer, session["who"]], found)
    return any(part[session["who"]]["id"] == session["id"] for part in done)


def withheld(session: Session) -> Session:
    """A session as someone may see it before the reveal: who, which set, when; no answers."""
    return {**session, "answers": {}, "skipped": [], "private": True}


def latest_round(set_name: str, people: list[str]) -> tuple[Session, Session, Round, list[str]]:
    """Both sessions of the latest round two people finished of a joint set, the round
    still open after it, and the two people.

    ``people`` are the names to compare (from config); when not known, the two people
    who finished a session of the set last. Answers stay private until both have
    finished a round (see ``rounds``)."""
    found = load_all()
    if len(people) < 2:
        finishers: list[str] = []
        for session in sorted(found, key=lambda s: s["id"]):
            if session["set"] == set_name and "finished" in session:
                finishers = [who for who in finishers if who != session["who"]]
                finishers.append(session["who"])
        people = finishers[-2:]
    done, current = rounds(set_name, people, found) if len(people) == 2 else ([], {})
    if not done:
        finished = ", ".join(sorted(current)) or "nobody"
        missing = ", ".join(who for who in people if who not in current) or "a second person"
        raise TrustError(
            f"not both finished {set_name!r} yet (finished: {finished}; waiting for: "
            f"{missing}); answers stay private until both have answered",
            EXIT_RUNTIME,
        )
    return done[-1][people[0]], done[-1][people[1]], current, people


# --- the transcript ---------------------------------------------------------------------


def transcript(session: Session, qset: QuestionSet) -> str:
    """A readable Markdown record of the session: one title, a section per question."""
    started: datetime = session["started"]
    lines = [
        f"# {qset.title}",
        "",
        f"- Who: {session['who']}",
        f"- Question set: {qset.name}",
        f"- Started: {started:%Y-%m-%d %H:%M}",
    ]
    if "finished" in session:
        lines.append(f"- Finished: {session['finished']:%Y-%m-%d %H:%M}")
    else:
        lines.append(
            f"- Not finished yet: continue with `trustcli ask --resume --as {session['who']}`"
        )
    for number, question in enumerate(qset.questions, start=1):
        lines += ["", f"## {number}. {question.prompt}", ""]
        if question.id in session["answers"]:
            text = show_answer(question, session["answers"][question.id])
            lines += [f"> {line}".rstrip() for line in text.splitlines()]
        elif question.id in session["skipped"]:
            lines.append("*Skipped.*")
        else:
            lines.append("*Not answered yet.*")
    return "\n".join(lines) + "\n"
