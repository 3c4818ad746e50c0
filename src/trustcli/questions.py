"""Question sets: data, not code. TOML files in templates/questions/ (shipped) and in
$TRUSTCLI_HOME/templates/questions/ (the person's own, which win by name).

This module loads and checks them, and reads answers typed as text. It never imports
questionary: listing sets and scripted sessions stay fast.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

from trustcli import limits, store
from trustcli.errors import TrustError
from trustcli.store import template_files

DEFAULT_SET = "rebuild-trust"
CLOSE_SET = "rebuild-trust-close"  # the default for family, friends and colleagues


def default_set() -> str:
    """The set `trustcli ask` runs when none is named: the ten questions for a partner,
    the same steps in other words for a parent, a sibling, a friend or a colleague."""
    from trustcli import config

    return DEFAULT_SET if config.relationship() == "partner" else CLOSE_SET


KINDS = ("text", "long", "choice", "scale", "yesno")
AUDIENCES = ("both", "self")
YES = ("y", "yes", "true", "1")
NO = ("n", "no", "false", "0")
Answer = str | int | bool

_SET_KEYS = {"title", "description", "audience", "intro", "question", "differs", "relationship"}
_QUESTION_KEYS = {"id", "prompt", "kind", "help", "choices", "low", "high", "roles"}
_QUESTION_KEYS |= {f"{key}_{role}" for key in ("prompt", "help") for role in ("hurt", "repairing")}

# Who a person is in the repair (config ``[names] role``): "hurt" and "repairing" get
# their own wording where a set has it; "both", "unsure" and no role get the neutral text.
ROLES = ("hurt", "repairing", "both", "unsure")
SIDES = ("hurt", "repairing")  # the roles a question may be worded for, or limited to
RELATIONSHIPS = ("partner", "family", "friend", "colleague")


class _Plain:
    """A value with named fields, compared by value, never changed in place: what
    ``@dataclass(frozen=True)`` gave, without its ~0.5 ms per class at every start."""

    __slots__: tuple[str, ...] = ()

    def _replace(self, **changes: Any) -> Any:
        return type(self)(**{**{name: getattr(self, name) for name in self.__slots__}, **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.__slots__))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")


def _fill(value: _Plain, arguments: dict[str, Any]) -> None:
    """Set each field from ``__init__``'s arguments (``locals()``), past __setattr__."""
    for name in value.__slots__:
        object.__setattr__(value, name, arguments[name])


class Question(_Plain):
    __slots__ = (
        "choices",
        "help",
        "help_hurt",
        "help_repairing",
        "high",
        "id",
        "kind",
        "low",
        "prompt",
        "prompt_hurt",
        "prompt_repairing",
        "roles",
    )
    id: str
    prompt: str
    kind: str
    help: str
    choices: tuple[str, ...]
    low: str
    high: str
    prompt_hurt: str
    prompt_repairing: str
    help_hurt: str
    help_repairing: str
    roles: tuple[str, ...]

    def __init__(
        self,
        id: str,
        prompt: str,
        kind: str,
        help: str = "",
        choices: tuple[str, ...] = (),
        low: str = "",
        high: str = "",
        prompt_hurt: str = "",
        prompt_repairing: str = "",
        help_hurt: str = "",
        help_repairing: str = "",
        roles: tuple[str, ...] = (),  # empty: asked of everyone
    ) -> None:
        _fill(self, locals())

    def for_role(self, role: str) -> Question:
        """This question as a person of ``role`` is asked it (the neutral text when
        the set has no wording for that role)."""
        if role not in SIDES:
            return self
        return self._replace(  # type: ignore[no-any-return]
            prompt=getattr(self, f"prompt_{role}") or self.prompt,
            help=getattr(self, f"help_{role}") or self.help,
        )

    def asked_of(self, role: str) -> bool:
        """Whether a person of ``role`` is asked it: a question limited to one side is
        still asked of "both", "unsure" and no role."""
        return not self.roles or role not in SIDES or role in self.roles


class QuestionSet(_Plain):
    __slots__ = (
        "audience",
        "description",
        "differs",
        "intro",
        "name",
        "path",
        "questions",
        "relationship",
        "source",
        "title",
    )
    name: str
    title: str
    description: str
    audience: str
    intro: str
    questions: tuple[Question, ...]
    source: str
    path: Path
    differs: str
    relationship: tuple[str, ...]

    def __init__(
        self,
        name: str,
        title: str,
        description: str,
        audience: str,
        intro: str,
        questions: tuple[Question, ...],
        source: str,  # "built-in" or "user"
        path: Path,
        differs: str = "",  # one sentence: where the set differs by role
        relationship: tuple[str, ...] = (),  # which relationships it is for; empty: all
    ) -> None:
        _fill(self, locals())

    def for_role(self, role: str) -> QuestionSet:
        """The set as a person of ``role`` is asked it: their wording, and only the
        questions meant for them. Without a role (or "both", "unsure") it is the set
        as written, so a set without variants is the same for everyone."""
        if role not in SIDES:
            return self
        asked = tuple(q.for_role(role) for q in self.questions if q.asked_of(role))
        return self._replace(questions=asked)  # type: ignore[no-any-return]

    @property
    def for_both(self) -> bool:
        """Meant for both partners: each answers in their own session, then compare."""
        return self.audience == "both"

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "questions": len(self.questions),
            "question_ids": [question.id for question in self.questions],
            "description": self.description,
            "audience": self.audience,
            "source": self.source,
            "differs": self.differs,
            "relationship": list(self.relationship),
        }


def available() -> dict[str, tuple[Path, str]]:
    """Set name → (file, source). A person's own file overrides a built-in of that name."""
    found = {
        path.stem: (path, source) for path, source in template_files.listed("questions", ".toml")
    }
    return dict(sorted(found.items()))


def load(name: str) -> QuestionSet:
    sets = available()
    if name not in sets:
        known = ", ".join(sets) or "none"
        raise TrustError(f"no question set {name!r}; the sets are: {known}")
    path, source = sets[name]
    return load_file(path, name, source)


def load_all() -> tuple[list[QuestionSet], list[TrustError]]:
    """Every set that loads, and the problem with each one that does not."""
    loaded, broken = [], []
    for name, (path, source) in available().items():
        try:
            loaded.append(load_file(path, name, source))
        except TrustError as problem:
            broken.append(problem)
    return loaded, broken


def load_file(path: Path, name: str, source: str) -> QuestionSet:
    """Read and check one set; any problem names the file and what to fix."""
    problem = store.name_problem(name)
    if problem:  # the name goes into session file names
        raise TrustError(f"question set {path}: the file name is not a plain name ({problem})")
    try:
        data = template_files.read_file_bytes(path)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustError(f"cannot read the question set {path}: {exc}") from None
    document = _kept(path, data)
    if document is None:
        import tomllib

        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise TrustError(f"question set {path}: {exc}") from None
        _keep(path, data, document)
    try:
        return _build(document, path, name, source)
    except ValueError as exc:
        raise TrustError(f"question set {path}: {exc}") from None


# Parsing a set's TOML costs more than checking it (all the sets: about 4 ms of 'ask
# --list'), so each file's parsed document is kept in cache/ as JSON, with the file's
# size and two checksums of its bytes, and used while they match; every check above
# still runs on it. Not with the vault on: listing sets must not need its key.
_KEPT_VERSION = 1


def _kept_name(path: Path) -> str:
    where = os.fsencode(path)
    return f"cache/questions-{zlib.crc32(where):08x}{zlib.adler32(where):08x}.json"


def _kept_meta(path: Path, data: bytes) -> dict[str, Any]:
    return {
        "version": _KEPT_VERSION,
        "path": os.fsencode(path).hex(),
        "bytes": f"{len(data)}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}",
    }


def _keeping() -> bool:
    return store.home_exists() and not store.vault_on()  # listing makes no home


def _kept(path: Path, data: bytes) -> dict[str, Any] | None:
    """The parsed document kept for exactly these bytes of ``path``, or None."""
    if not _keeping():
        return None
    found = store.load_cache(_kept_name(path))
    if found is None:
        return None
    meta, body = found
    if any(meta.get(key) != value for key, value in _kept_meta(path, data).items()):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _keep(path: Path, data: bytes, document: dict[str, Any]) -> None:
    if _plain_json(document) and _keeping():
        store.save_cache(_kept_name(path), _kept_meta(path, data), document)


def _plain_json(value: Any) -> bool:
    """Whether JSON gives ``value`` back as it is: TOML's dates and times it would not."""
    if isinstance(value, dict):
        return all(_plain_json(item) for item in value.values())
    if isinstance(value, list):
        return all(_plain_json(item) for item in value)
    return isinstance(value, str | int | float)  # bool is an int


def from_text(text: str, name: str) -> QuestionSet:
    """A set from its TOML text (one in a backup), checked as a file is; ValueError."""
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None
    return _build(document, Path(f"{name}.toml"), name, "user")


def answer_problem(question: Question, answer: Any) -> str | None:
    """What is wrong with a stored answer (one read from a backup), or None: the value
    ``parse_answer`` would have given for some typed text."""
    if question.kind == "scale":
        fits = isinstance(answer, int) and not isinstance(answer, bool) and 1 <= answer <= 10
        return None if fits else f"{answer!r} is not a whole number from 1 to 10"
    if question.kind == "yesno":
        return None if isinstance(answer, bool) else f"{answer!r} is not true or false"
    if not isinstance(answer, str) or not answer.strip():
        return f"{answer!r} is not text"
    if len(answer) > limits.ANSWER:
        return f"is {len(answer):,} characters long; at most {limits.ANSWER:,} are kept"
    if question.kind == "choice" and answer not in question.choices:
        return f"{answer!r} is not one of the choices ({'; '.join(question.choices)})"
    return None


def _build(document: dict[str, Any], path: Path, name: str, source: str) -> QuestionSet:
    unknown = set(document) - _SET_KEYS
    if unknown:
        raise ValueError(
            f"unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_SET_KEYS))})"
        )
    title = _text(document, "title", required=True)
    audience = _text(document, "audience") or "self"
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be 'both' or 'self', not {audience!r}")
    raw_questions = document.get("question")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise ValueError("has no [[question]] entries")
    questions = tuple(_question(raw, number) for number, raw in enumerate(raw_questions, 1))
    for side in SIDES:
        if not any(question.asked_of(side) for question in questions):
            raise ValueError(f"no question is left for the role {side!r}: check 'roles'")
    relationship = document.get("relationship", [])
    if (
        not isinstance(relationship, list)
        or (not relationship and "relationship" in document)
        or not all(item in RELATIONSHIPS for item in relationship)
    ):
        raise ValueError(
            f"'relationship' must be a list of {', '.join(map(repr, RELATIONSHIPS))}, "
            f"not {relationship!r}"
        )
    ids = [question.id for question in questions]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise ValueError(f"question id {duplicate!r} is used twice")
    return QuestionSet(
        name=name,
        title=title,
        description=_text(document, "description"),
        audience=audience,
        intro=_text(document, "intro").strip(),
        questions=questions,
        source=source,
        path=path,
        differs=_text(document, "differs").strip(),
        relationship=tuple(relationship),
    )


def _question(raw: Any, number: int) -> Question:
    if not isinstance(raw, dict):
        raise ValueError(f"question {number} must be a [[question]] table")
    unknown = set(raw) - _QUESTION_KEYS
    if unknown:
        raise ValueError(f"question {number}: unknown key {sorted(unknown)[0]!r}")
    ident = _text(raw, "id", required=True, where=f"question {number}")
    where = f"question {ident!r}"
    kind = _text(raw, "kind", required=True, where=where)
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    choices = raw.get("choices", [])
    if kind == "choice":
        if not isinstance(choices, list) or len(choices) < 2:
            raise ValueError(f"{where}: a choice question needs at least two 'choices'")
        if not all(isinstance(c, str) and c.strip() for c in choices):
            raise ValueError(f"{where}: every choice must be non-empty text")
    elif "choices" in raw:
        raise ValueError(f"{where}: only a choice question has 'choices'")
    roles = raw.get("roles", [])
    if (
        not isinstance(roles, list)
        or (not roles and "roles" in raw)
        or not all(role in SIDES for role in roles)
    ):
        raise ValueError(f'{where}: \'roles\' must be ["hurt"] or ["repairing"], not {roles!r}')
    variants = {
        key: _text(raw, key, where=where)
        for key in ("prompt_hurt", "prompt_repairing", "help_hurt", "help_repairing")
    }
    for key in ("prompt_hurt", "prompt_repairing"):
        if key in raw and not variants[key].strip():
            raise ValueError(f"{where}: '{key}' is empty")
    return Question(
        id=ident,
        prompt=_text(raw, "prompt", required=True, where=where),
        kind=kind,
        help=_text(raw, "help", where=where),
        choices=tuple(choices),
        low=_text(raw, "low", where=where),
        high=_text(raw, "high", where=where),
        roles=tuple(dict.fromkeys(roles)),
        **variants,
    )


def _text(table: dict[str, Any], key: str, required: bool = False, where: str = "") -> str:
    value = table.get(key, "")
    prefix = f"{where}: " if where else ""
    if not isinstance(value, str):
        raise ValueError(f"{prefix}'{key}' must be text")
    if required and not value.strip():
        raise ValueError(f"{prefix}'{key}' is missing")
    return value


# --- answers typed as text ---------------------------------------------------------


def parse_answer(question: Question, text: str) -> Answer | None:
    """An answer from text (a line of a file, or a prompt); None means skipped.

    Raises ValueError saying what a valid answer looks like.
    """
    value = text.strip()
    if "\x00" in value:
        raise ValueError("holds a NUL character, which cannot be kept in a text record")
    if not value:
        return None
    if len(value) > limits.ANSWER:
        raise ValueError(f"is {len(value):,} characters long; at most {limits.ANSWER:,} are kept")
    if question.kind == "scale":
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 10:
            raise ValueError(f"needs a whole number from 1 to 10, not {value!r}")
        return int(value)
    if question.kind == "yesno":
        if value.lower() in YES:
            return True
        if value.lower() in NO:
            return False
        raise ValueError(f"needs yes or no, not {value!r}")
    if question.kind == "choice":
        for number, choice in enumerate(question.choices, start=1):
            if value.lower() == choice.lower() or value == str(number):
                return choice
        options = "; ".join(f"{n}: {c}" for n, c in enumerate(question.choices, 1))
        raise ValueError(f"needs one of the choices ({options}), not {value!r}")
    if question.kind == "long":
        return value.replace("\\n", "\n")  # in a one-line-per-answer file, \n is a new line
    return value


def show_answer(question: Question, answer: Answer | None) -> str:
    """An answer as a person reads it."""
    if answer is None:
        return "(skipped)"
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if question.kind == "scale":
        return f"{answer} / 10"
    return str(answer)
