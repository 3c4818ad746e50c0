"""Questions on a terminal, with questionary. Imported only when a person is asked
something interactively: questionary and prompt_toolkit take a while to load.

Prompts use ``unsafe_ask`` so Ctrl-C raises KeyboardInterrupt (questionary's ``ask``
would swallow it and return None, indistinguishable from a skipped answer).
"""

from __future__ import annotations

import shutil
import textwrap

import questionary

from trustcli.output import clean, emit, paint
from trustcli.questions import Answer, Question, parse_answer

SKIP = "(skip this one)"
ANSWER_MARK = "  >"


def ask_question(
    question: Question, number: int, total: int, required: bool = False
) -> Answer | None:
    """Ask one question with the widget that fits its kind; None means skipped (never,
    when ``required``: then an empty answer is asked for again, and no hint offers it).

    The question is printed above the input, wrapped to the terminal: prompt_toolkit
    cannot draw a multi-line input whose first line is wider than the screen.
    """
    _print_question(question, f"{number}/{total}")
    if question.kind in ("choice", "yesno"):
        values = list(question.choices) if question.kind == "choice" else ["yes", "no"]
        # A custom set's words are shown made safe; the answer kept is the set's own.
        choices = [
            questionary.Choice(clean(value), value=index) for index, value in enumerate(values)
        ]
        picked = questionary.select(
            "",
            choices=[*choices, questionary.Choice(SKIP, value=-1)],
            qmark=ANSWER_MARK,
            instruction="(arrow keys, Enter)",
        ).unsafe_ask()
        if picked == -1:
            return None
        value = str(values[int(picked)])
        return value == "yes" if question.kind == "yesno" else value

    hints = {
        "scale": "(1-10)" if required else "(1-10, Enter to skip)",
        "long": "(Esc then Enter to finish)"
        if required
        else "(Esc then Enter to finish; empty skips)",
        "text": "" if required else "(Enter to skip)",
    }

    def valid(text: str) -> bool | str:
        try:
            answer = parse_answer(question, text)
        except ValueError as exc:
            return f"This answer {exc}."
        if answer is None and required:
            return "An answer is needed here" + (
                ": a number from 1 to 10." if question.kind == "scale" else "."
            )
        return True

    text = questionary.text(
        "",
        qmark=ANSWER_MARK,
        instruction=hints[question.kind],
        multiline=question.kind == "long",
        validate=valid,
    ).unsafe_ask()
    return parse_answer(question, text)


def _print_question(question: Question, progress: str) -> None:
    """'3/10  The question, wrapped…' in bold, then its help in dim, on stdout."""
    details = question.help
    if question.kind == "scale" and question.low and question.high:
        details = f"{details} 1 = {question.low}, 10 = {question.high}.".strip()
    _print_block(question.prompt, details, lead=f"{progress}  ")


def _print_block(title: str, details: str = "", lead: str = "") -> None:
    width = max(40, min(shutil.get_terminal_size().columns, 100)) - 1
    indent = " " * len(lead)
    asked = textwrap.wrap(title, width, initial_indent=lead, subsequent_indent=indent)
    helped = textwrap.wrap(details, width, initial_indent=indent, subsequent_indent=indent)
    lines = [paint(line, "bold") for line in asked] + [paint(line, "dim") for line in helped]
    emit("\n" + "\n".join(lines))


def show_text(text: str) -> None:
    """A short text (a set's intro), each line wrapped to the terminal."""
    width = max(40, min(shutil.get_terminal_size().columns, 100)) - 1
    emit("\n" + "\n".join(textwrap.fill(line, width) for line in text.splitlines()))


def yes_no(message: str, instruction: str = "") -> bool:
    """A plain yes/no; 'no' comes first so a stray Enter never claims a yes."""
    _print_block(message, instruction)
    picked = questionary.select(
        "", choices=["no", "yes"], qmark=ANSWER_MARK, instruction="(arrow keys, Enter)"
    ).unsafe_ask()
    return bool(picked == "yes")
