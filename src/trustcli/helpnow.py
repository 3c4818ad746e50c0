"""Help now: where to get help, for the person's country, and a short safety plan.

This module must work when nothing else does: a broken or locked data home, no home
at all, no terminal. So it imports nothing of trustcli's store, never creates a
folder, and reads ``[safety] country`` from config.toml only if it is a plain, readable
TOML file (anything else is skipped in silence, and the locale or the generic list
is used). It also holds the one private line shown at a low point, and the small
word list that spots fear or harm in what a person writes (no cloud, no AI).
"""

from __future__ import annotations

import functools
import os
import re
import textwrap
from typing import NamedTuple


class Resources(NamedTuple):
    emergency: tuple[str, ...]
    helplines: tuple[str, ...]


# Only numbers we are confident of; a country not here gets the generic pointer.
COUNTRIES: dict[str, Resources] = {
    "US": Resources(
        ("911",),
        (
            "National Domestic Violence Hotline: 1-800-799-7233 (or text START to 88788)",
            "988 Suicide & Crisis Lifeline: call or text 988",
        ),
    ),
    "CA": Resources(("911",), ("9-8-8 Suicide Crisis Helpline: call or text 988",)),
    "GB": Resources(
        ("999", "112"),
        (
            "National Domestic Abuse Helpline (England): 0808 2000 247, day and night",
            "Samaritans: 116 123, day and night",
        ),
    ),
    "IE": Resources(
        ("112", "999"),
        (
            "Women's Aid National Freephone Helpline: 1800 341 900, day and night",
            "Samaritans: 116 123, day and night",
        ),
    ),
    "AU": Resources(
        ("000",),
        ("1800RESPECT: 1800 737 732, day and night", "Lifeline: 13 11 14"),
    ),
    "NZ": Resources(
        ("111",),
        ("Women's Refuge: 0800 733 843", "Need to talk? Call or text 1737"),
    ),
    "DE": Resources(("112", "110 (police)"), ("Hilfetelefon Gewalt gegen Frauen: 116 016",)),
    "FR": Resources(("112", "17 (police)"), ("Violences Femmes Info: 3919",)),
    "ES": Resources(("112",), ("016 (violencia de género)",)),
    "IT": Resources(("112",), ("1522 (antiviolenza e stalking)",)),
    "NL": Resources(("112",), ("Veilig Thuis: 0800 2000",)),
}
# The European emergency number works in every EU country (and a few more).
for _code in [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "GR",
    "HR",
    "HU",
    "LT",
    "LU",
    "LV",
    "MT",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
    "CH",
    "NO",
    "IS",
]:
    COUNTRIES[_code] = Resources(("112",), ())
ALIASES = {"UK": "GB"}

GENERIC = Resources(
    (
        "your local emergency number (112 in Europe, 911 in North America, "
        "999 in the UK, 000 in Australia, 111 in New Zealand)",
    ),
    (
        'a domestic-abuse helpline: search for "domestic abuse helpline" and your '
        "country's name (a library or a doctor can also point you to one)",
    ),
)

PLAN = (
    "If you are in danger now: call the emergency number, or go where other people "
    "are (a neighbour, a shop, a station).",
    "Who to call: one or two people you trust, and a helpline; keep their numbers "
    "somewhere other than this computer.",
    "A safe place: where you could go at short notice (a friend, family, a shelter a "
    "helpline can find), and how you would get there.",
    "What to take: ID, keys, phone and charger, money or a card, medicines, important "
    "papers; a small bag kept ready with someone you trust helps.",
    "Reaching help privately: a phone or computer the other person cannot see, a "
    "private browser window; helplines will talk it through with you in confidence.",
)

LOW_RATING = 3  # a check-in at or below this is a low point
LINE_PREFIX = "If you do not feel safe, help is there"

# Words of fear or harm, matched as whole words (any case). Better to offer help a
# little too often than to miss someone: "not afraid" still shows the line.
FEAR_WORDS = (
    r"\b(?:"
    r"afraid|scared|scary|frightened|frightening|terrified|terrifies|fear(?:ful|s|ed)?|"
    r"unsafe|not safe|in danger|threat(?:s|en|ens|ened|ening)?|"
    r"hits?|hitting|hit me|hurts?|hurting|hurt me|beat(?:s|en|ing)? me|"
    r"abuse[sd]?|abusive|abusing|violent|violence|choked?|choking|strangled?|"
    r"kill(?:s|ed|ing)?|suicid(?:e|al)|self[- ]harm|"
    r"push(?:ed|es)? me|shov(?:e|ed|es) me|slap(?:s|ped)?|punch(?:es|ed)?|kick(?:s|ed)?|"
    r"grab(?:s|bed)? me|stalk(?:s|ed|ing)?|controll?ing|controls me|trapped|"
    r"rape[ds]?|forced me|weapon|knife|gun"
    r")\b"
)


@functools.cache
def _fear_words() -> re.Pattern[str]:
    """Compiled on first use: help-now itself never pays for it."""
    return re.compile(FEAR_WORDS, re.IGNORECASE)


def worrying(text: object) -> bool:
    """Does this text hold a word of fear or harm?"""
    return isinstance(text, str) and _fear_words().search(text) is not None


def _territory(value: str) -> str:
    """'en_GB.UTF-8' → 'GB'; '' for C, POSIX or no territory."""
    match = re.match(r"\A[A-Za-z]{2,3}_([A-Za-z]{2})\b", value)
    return match.group(1).upper() if match else ""


def configured_country(through_store: bool = False) -> str:
    """``[safety] country`` from config.toml, if it can be read; else ''.

    ``through_store``: read it as other commands do (an unlocked vault's config is
    sealed); help-now itself reads the plain file only, so nothing can stop it."""
    try:
        if through_store:
            from trustcli import config

            document = config.load()
        else:
            from trustcli import store

            raw = store.peek("config.toml")
            if not raw:
                return ""
            import tomllib

            document = tomllib.loads(raw.decode("utf-8"))
        section = document.get("safety", {})
        value = section.get("country", "") if isinstance(section, dict) else ""
    except Exception:  # a broken config must never stop help from being offered
        return ""
    return value.strip().upper() if isinstance(value, str) else ""


def _known(code: str) -> str:
    code = ALIASES.get(code, code)
    return code if code in COUNTRIES else ""


def country(through_store: bool = False) -> str:
    """The country for help: config.toml, else the locale's territory, else ''."""
    chosen = _known(configured_country(through_store))
    if not chosen:
        for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
            value = os.environ.get(variable, "")
            if value:
                return _known(_territory(value))
    return chosen


def resources(code: str) -> Resources:
    found = COUNTRIES.get(code)
    if found is None:
        return GENERIC
    helplines = found.helplines or GENERIC.helplines
    return Resources(found.emergency, helplines)


def text(code: str) -> str:
    """What help-now prints."""
    found = resources(code)
    where = f" ({code})" if code else ""
    lines = [
        f"Help, now{where}. You deserve to be safe, and none of this is your fault.",
        "",
        textwrap.fill("In an emergency, call " + " or ".join(found.emergency), 88),
        "",
        "To talk to someone, in confidence:",
        *(
            textwrap.fill(line, 88, initial_indent="  - ", subsequent_indent="    ")
            for line in found.helplines
        ),
        "  - a counsellor or doctor who sees you on your own",
        "",
        "A short safety plan:",
        *(
            textwrap.fill(step, 88, initial_indent=f"  {number}. ", subsequent_indent="     ")
            for number, step in enumerate(PLAN, 1)
        ),
    ]
    if not code:
        lines += [
            "",
            "For your country's numbers, add to config.toml:",
            '  [safety] country = "GB"   (your two-letter country code)',
        ]
    return "\n".join(lines)


def as_json(code: str) -> dict[str, object]:
    found = resources(code)
    return {
        "country": code or None,
        "emergency": list(found.emergency),
        "helplines": list(found.helplines),
        "plan": list(PLAN),
    }


def line() -> str:
    """The one private line at a low point: the emergency number, a helpline, help-now."""
    code = country(through_store=True)
    if code:
        found = resources(code)
        helpline = found.helplines[0].split(" (or ")[0] if found.helplines else ""
        reach = f"call {found.emergency[0]} in an emergency"
        if COUNTRIES[code].helplines:
            reach += f"; to talk, {helpline}"
    else:
        reach = "call your local emergency number"
    return f"{LINE_PREFIX}: {reach}. More: trustcli help-now"


def offer(*texts: object, low: bool = False) -> bool:
    """Say the private line on stderr (only ever there: never in a file, the couple
    folder or JSON) when ``low`` or any text holds a word of fear or harm."""
    if not (low or any(worrying(text) for text in texts)):
        return False
    from trustcli.output import say

    say(line())
    return True


LOW_AVERAGE = 4.0  # a weekly check-in average at or below this is a low week
LOW_WEEKS = 3  # this many low weeks in a row, the last of them recent, "stay low"
RECENT_WEEKS = 4


def stays_low(trends: dict[str, dict[str, object]], today_monday: str) -> bool:
    """Do someone's check-ins stay low? Their last three weeks with check-ins each
    average 4 or lower, and the latest is this week or one of the three before (a low
    stretch long past is not today's low point). ``trends`` as checkins.trend gives."""
    from datetime import date, timedelta

    oldest = (date.fromisoformat(today_monday) - timedelta(weeks=RECENT_WEEKS - 1)).isoformat()
    for trend in trends.values():
        weeks = trend.get("weeks")
        if not isinstance(weeks, list) or len(weeks) < LOW_WEEKS:
            continue
        last = weeks[-LOW_WEEKS:]
        if last[-1]["week"] >= oldest and all(w["average"] <= LOW_AVERAGE for w in last):
            return True
    return False
