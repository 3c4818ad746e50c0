"""Safety first: couples exercises are not for relationships with abuse.

Before a person's first session meant for both partners, trustcli asks one private
question. Only the fact that it was asked is kept, unless the person asks trustcli
to remember their answer (then joint sets stay paused for them). Only the home's own
person (``me``) has anything kept: for a name given with --as the question is asked
each time and nothing is kept. Nothing of it is exported or shared.
"""

from __future__ import annotations

from trustcli import dates, store
from trustcli.errors import TrustError

STATE = "safety.toml"

SCREEN_QUESTION = (
    "A private question first: do you ever feel afraid of your partner, "
    "or have they threatened, controlled or hurt you?"
)
SCREEN_NOTE = "Your answer is not saved unless you ask. There is no wrong answer."

MESSAGE = """\
Thank you for answering honestly. That takes courage.

When someone is afraid of a partner, or is threatened, controlled or hurt,
couples exercises like these are not advised: they can make things less safe.
Your safety comes first, and it is not your fault.

  - If you are in danger now, call your local emergency number
    (112 in Europe, 911 in North America, 999 in the UK, 000 in Australia).
  - A domestic-abuse helpline can listen and help you plan, in confidence.
    In the US: the National Domestic Violence Hotline, 1-800-799-7233
    (or text START to 88788). In the UK: the National Domestic Abuse
    Helpline, 0808 2000 247. Elsewhere, search for "domestic abuse
    helpline" and the name of your country.
  - A counsellor or therapist who sees you on your own can help you
    think it through.
  - The numbers for your country and a short safety plan, any time:
    trustcli help-now

If it helps to reflect on your own, these sets are just for you:
  trustcli ask worth-fixing
  trustcli ask --list
"""

NOT_KEPT = (
    "Nothing of this answer was kept. On your own private home (your own account or "
    "device), trustcli can remember it for you and pause joint sets."
)

PAUSED = (
    "Joint question sets are paused, as you asked. To answer the safety question "
    "again: trustcli ask --screen"
)

PAUSED_SCRIPTED = (
    "joint question sets are paused, as you asked; for help now: trustcli help-now; "
    "sets just for you: trustcli ask --list (to answer the safety question again, on a "
    "terminal: trustcli ask --screen)"
)


def entries() -> list[dict[str, object]]:
    """Who was shown the screen, when (and a concern, if they asked to keep it)."""
    found = store.read(STATE).get("screen", [])
    if not isinstance(found, list) or not all(isinstance(entry, dict) for entry in found):
        raise TrustError(f"{store.path_of(STATE)}: entries must be [[screen]] tables; fix it")
    return found


def screened(who: str) -> bool:
    """Has this person been shown the screening question before?"""
    return any(entry.get("who") == who for entry in entries())


def concern_recorded(who: str) -> bool:
    return any(entry.get("who") == who and entry.get("concern") is True for entry in entries())


def record(who: str, remember_concern: bool = False) -> None:
    """Note that the screen was shown; keep the answer only if the person asked."""
    with store.updating(STATE) as document:
        entries = [e for e in document.get("screen", []) if e.get("who") != who]
        entry: dict[str, object] = {"who": who, "shown": dates.now()}
        if remember_concern:
            entry["concern"] = True
        document["screen"] = [*entries, entry]
