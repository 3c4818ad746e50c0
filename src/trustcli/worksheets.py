"""Worksheets: Markdown templates (Jinja2) filled with what trustcli already knows.

Built-in sheets live in templates/worksheets/; a person's own in
$TRUSTCLI_HOME/templates/worksheets/ add new sheets or replace built-ins by name.
Each template starts with a header comment (title, purpose) that is read without
Jinja, so listing sheets stays fast; Jinja2 is imported only to render.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustcli import store
from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store import template_files

if TYPE_CHECKING:
    from trustcli import questions, sessions

_HEADER = re.compile(r"\A\{#-?(.*?)-?#\}", re.S)


class Sheet:
    """A worksheet found on disk. (A plain class: @dataclass costs ~0.4 ms at every start.)"""

    __slots__ = ("differs", "name", "path", "purpose", "source", "title")

    def __init__(
        self, name: str, title: str, purpose: str, source: str, path: Path, differs: str = ""
    ) -> None:
        self.name, self.title, self.purpose = name, title, purpose
        self.source = source  # "built-in" or "user"
        self.path = path
        self.differs = differs  # one sentence: where the sheet differs by role

    def summary(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.purpose,
            "source": self.source,
            "differs": self.differs,
        }


def available() -> dict[str, Sheet]:
    """Sheet name → Sheet; a person's own template replaces a built-in of that name."""
    return survey()[0]


def survey() -> tuple[dict[str, Sheet], dict[str, TrustError]]:
    """The sheets that can be read, and the problem with each one that cannot: one
    unreadable file of one's own must not hide every other sheet."""
    found: dict[str, Sheet] = {}
    broken: dict[str, TrustError] = {}
    for path, source in template_files.listed("worksheets", ".md"):
        try:
            found[path.stem] = _describe(path, source)
            broken.pop(path.stem, None)
        except TrustError as problem:
            found.pop(path.stem, None)
            broken[path.stem] = problem
    return dict(sorted(found.items())), broken


def _describe(path: Path, source: str) -> Sheet:
    problem = store.name_problem(path.stem)
    if problem:  # the name goes into file names (NAME-YYYY-MM-DD.md, backups)
        raise TrustError(
            f"worksheet template {path}: the file name is not a plain name ({problem})"
        )
    try:
        text = template_files.read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustError(f"cannot read the worksheet template {path}: {exc}") from None
    fields: dict[str, str] = {}
    header = _HEADER.match(text)
    if header:
        for line in header.group(1).splitlines():
            key, _, value = line.partition(":")
            if value:
                fields[key.strip().lower()] = value.strip()
    return Sheet(
        name=path.stem,
        title=fields.get("title", path.stem.replace("-", " ").capitalize()),
        purpose=fields.get("purpose", ""),
        source=source,
        path=path,
        differs=fields.get("differs", ""),
    )


def find(name: str) -> Sheet:
    """The sheet ``worksheet new NAME`` writes, with the problem ``survey`` would name for
    it; only its own file is read (a person's own first), unless there is none."""
    if not store.name_problem(name):  # any other name is no file's: said below
        exact = template_files.find("worksheets", f"{name}.md")
        if exact is not None:
            return _describe(*exact)
    sheets, broken = survey()
    if name in sheets:
        return sheets[name]
    if name in broken:
        raise broken[name]
    close = difflib.get_close_matches(name, list(sheets), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise TrustError(f"no worksheet {name!r}.{hint} The worksheets are: {', '.join(sheets)}")


# What one sheet may cost: a template is a person's own code, or came in a backup.
MAX_OUTPUT = 2_000_000  # characters of Markdown: far beyond any real worksheet
MAX_SECONDS = 5  # of rendering (a real sheet takes milliseconds)
MAX_MEMORY = 1 << 30  # bytes the render may add (Linux; best effort elsewhere)


def render(sheet: Sheet, context: dict[str, Any]) -> str:
    """Fill a template. Errors in a template name its file and line.

    Templates are compiled on every run (7-13 ms, see bench/README.md): a compiled
    template is Python code, and code kept in the data home would run, outside the
    sandbox, whatever was written there; nothing the home holds may do that (see
    docs/threat-model.md). The template's own files are read
    through ``template_files.read_text`` (the store's checks); the sandbox, a size limit on
    ``*`` and ``**``, on the output, on time and on memory keep a hostile template from
    exhausting the machine.
    """
    import jinja2

    folder = sheet.path.parent

    def source(name: str) -> str:
        if store.name_problem(name):  # includes name files in the same folder only
            raise jinja2.TemplateNotFound(name)
        return template_files.read_text(folder / name)

    environment = _sandbox(
        loader=jinja2.FunctionLoader(source),
        autoescape=False,  # Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name is an error, not a blank
    )
    try:
        with _limits(sheet.path):
            parts: list[str] = []
            size = 0
            for part in environment.get_template(sheet.path.name).generate(context):
                size += len(part)
                if size > MAX_OUTPUT:
                    raise TrustError(
                        f"{sheet.path}: the sheet grew past {MAX_OUTPUT:,} characters; "
                        "a worksheet is never that long: check the template's loops"
                    )
                parts.append(part)
            return "".join(parts)
    except jinja2.TemplateSyntaxError as exc:
        raise TrustError(f"{sheet.path}, line {exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TrustError(
            f"{sheet.path}: no template {exc.name!r} to include (only plain names of files "
            "in the same folder)"
        ) from None
    except jinja2.TemplateError as exc:
        raise TrustError(f"{sheet.path}: {exc.message or exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustError(f"cannot read {sheet.path}: {exc}") from None
    except MemoryError:
        raise TrustError(f"{sheet.path}: the template needed too much memory") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # A template is a person's own code: what fails in it is named with its file.
        raise TrustError(
            f"{sheet.path}: the template failed ({type(exc).__name__}: {exc})"
        ) from None


def _sandbox(**options: Any) -> Any:
    """Jinja2's sandbox, with ``*`` and ``**`` checked before they run: the sandbox
    alone lets ``'x' * 10**10`` allocate ten gigabytes (and Jinja would even fold it
    while compiling; an intercepted operator is never folded)."""
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class Sandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and _number(left) and _number(right) and abs(right) > 100:
                raise SecurityError("a power above 100 is not allowed in a worksheet")
            if operator == "*":
                for seq, count in ((left, right), (right, left)):
                    repeated = isinstance(seq, str | list | tuple) and isinstance(count, int)
                    if repeated and len(seq) * count > MAX_OUTPUT:
                        raise SecurityError("a repeated text or list would be too long")
            return super().call_binop(context, operator, left, right)

    return Sandbox(**options)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@contextlib.contextmanager
def _limits(path: Path) -> Iterator[None]:
    """At most MAX_SECONDS of rendering (an alarm, in the main thread) and MAX_MEMORY more
    address space than now (RLIMIT_AS, where the system has it); both put back after."""
    import resource
    import signal
    import threading

    def too_long(*_: Any) -> None:
        raise TrustError(f"{path}: the template ran for more than {MAX_SECONDS} s: check its loops")

    timed = threading.current_thread() is threading.main_thread()
    if timed:
        previous = signal.signal(signal.SIGALRM, too_long)
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    limited, saved = False, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    try:
        saved = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm", "rb") as statm:
            in_use = int(statm.read().split()[0]) * resource.getpagesize()
        ceiling = in_use + MAX_MEMORY
        if saved[0] == resource.RLIM_INFINITY or saved[0] > ceiling:
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, saved[1]))
            limited = True
    except (OSError, ValueError):
        pass  # no /proc or no RLIMIT_AS here: the size checks above still hold
    try:
        yield
    finally:
        if limited:
            resource.setrlimit(resource.RLIMIT_AS, saved)
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def context(me: str, partner: str) -> dict[str, Any]:
    """Everything a sheet may show, from the data home; empty lists where nothing is yet.
    (What it reads is imported here: 'worksheet list' needs none of it.)"""
    from trustcli import checkins, config, dates, followthrough, promises

    today = dates.today()
    made, followups = promises.load_promises(), promises.load_followups()
    rows = [
        {**row, "rate_percent": _percent(row["rate"])}
        for row in followthrough.summaries(made, followups, today)
    ]
    figures = followthrough.stats(made, followups, today)["overall"]
    finished, own = _latest_sessions(me)
    recent = checkins.load()
    mine = [record for record in recent if record["who"] == me]
    return {
        "me": me,
        "partner": partner,
        # Private settings (config.toml): a sheet is written for this person alone.
        "role": config.role(),
        "relationship": config.relationship(),
        "today": today.isoformat(),
        "promises": rows,
        "open_promises": [row for row in rows if row["status"] != "closed"],
        "stats": {**figures, "rate_percent": _percent(figures["rate"])},
        "checkins": list(reversed(recent))[:10],
        "trend": checkins.trend(mine),
        "sessions": finished,
        "my_sessions": own,
        "ten_questions": _default_questions(me),
        "has_data": bool(rows or recent or finished),
    }


def _latest_sessions(person: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The latest finished session of each set, answers paired with their questions
    (each prompt as that person was asked it); and the latest finished session of each
    set by ``person`` (the sheet's ``me``)."""
    from trustcli import config, questions, sessions

    latest: dict[str, tuple[sessions.Session, questions.QuestionSet]] = {}
    own: dict[str, tuple[sessions.Session, questions.QuestionSet]] = {}
    found = sessions.load_all()
    me = config.me()
    loaded: dict[str, questions.QuestionSet | None] = {}
    for session in found:
        if "finished" not in session:
            continue
        if session["set"] not in loaded:
            try:
                loaded[session["set"]] = questions.load(session["set"])
            except TrustError:
                loaded[session["set"]] = None  # a set since removed: its transcript stays
        qset = loaded[session["set"]]
        if qset is None:
            continue
        # Another person's answers only once revealed to this home's person.
        if sessions.revealed_to(session, me, qset.for_both, found):
            latest[session["set"]] = (session, qset)
            if session["who"] == person:
                own[session["set"]] = (session, qset)
    return _shown(latest), _shown(own)


def _default_questions(person: str) -> list[dict[str, str]]:
    """The default set's questions (id, prompt, help) as ``person`` is asked them;
    empty when the set cannot be read (``ask --list`` names the problem)."""
    from trustcli import config, questions

    try:
        qset = questions.load(questions.DEFAULT_SET)
    except TrustError:
        return []
    return [
        {"id": q.id, "prompt": q.prompt, "help": q.help}
        for q in qset.for_role(config.role_of(person)).questions
    ]


def _shown(
    chosen: dict[str, tuple[sessions.Session, questions.QuestionSet]],
) -> dict[str, dict[str, Any]]:
    from trustcli import config, questions

    result = {}
    for name, (session, full) in chosen.items():
        qset = full.for_role(config.role_of(session["who"]))
        result[name] = {
            "who": session["who"],
            "finished": session["finished"].isoformat(),
            "answers": [
                {"prompt": q.prompt, "answer": questions.show_answer(q, session["answers"][q.id])}
                for q in qset.questions
                if q.id in session["answers"]
            ],
            "by_id": {
                q.id: questions.show_answer(q, session["answers"][q.id])
                for q in qset.questions
                if q.id in session["answers"]
            },
        }
    return result


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.0%}"


def default_output(sheet: Sheet) -> Path:
    from trustcli import dates

    return Path(f"{sheet.name}-{dates.today().isoformat()}.md")


def write(path: Path, text: str, force: bool) -> None:
    """Write a sheet where the person asked, atomically; never over a file without force."""
    store.refuse_to_replace([path], force, "pass --force to replace it, or -o another file")
    store.write_atomic(path, text)


def edit_in_place(path: Path, text: str, command: list[str]) -> None:
    """Let the person edit the sheet just written to ``path``: the editor works on a
    copy in the runtime folder only (``editing.edit``); when it ends well and the text
    changed, ``path`` is replaced atomically with what it saved."""
    import signal

    from trustcli import editing

    shown = " ".join(command)
    try:
        edited = editing.edit(text, command)
    except TrustError as error:
        raise TrustError(f"saved {path} as written; {error.message}", error.exit_code) from None
    if edited.status < 0:
        try:
            how = signal.Signals(-edited.status).name
        except ValueError:
            how = f"signal {-edited.status}"
        raise TrustError(
            f"saved {path} as written; the editor {shown!r} was stopped ({how})",
            EXIT_RUNTIME,
        )
    if edited.status != 0:
        raise TrustError(
            f"saved {path} as written; the editor {shown!r} exited with status {edited.status}, "
            "so what it changed was not kept",
            EXIT_RUNTIME,
        )
    if edited.text is not None and edited.text != text:
        store.write_atomic(path, edited.text)
