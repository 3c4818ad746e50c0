"""How much text trustcli keeps, in one place: for what people type and for what
arrives from elsewhere (a backup, later the couple folder), so both are held to one rule.

The limits are far above what anyone writes by hand (a promise is a sentence, a note a
few paragraphs, an answer a few pages) and far below what would make every later
command slow: each record is read again by every list, report and worksheet.
"""

from __future__ import annotations

NAME = 100  # a person's name or a question set's name (it becomes part of a file name)
LINE = 1_000  # a promise, a tag, a reminder's message, a session's title
NOTE = 10_000  # a note on a follow-up or a check-in
ANSWER = 50_000  # one answer in a question session
TEMPLATE = 200_000  # one question set or worksheet template of one's own


def too_long(text: str, limit: int, what: str) -> str | None:
    """The one line that says ``text`` is over ``limit`` characters; None when it fits."""
    if len(text) <= limit:
        return None
    return f"{what} is {len(text):,} characters long; at most {limit:,} are kept: shorten it"


def note(text: str) -> str:
    """A note as it is kept: without surrounding blanks, '' when empty, and refused in
    one line (TrustError) when longer than NOTE."""
    from trustcli.errors import TrustError

    kept = text.strip()
    problem = too_long(kept, NOTE, "the note")
    if problem:
        raise TrustError(problem)
    return kept
