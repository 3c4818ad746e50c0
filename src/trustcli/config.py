"""config.toml: who "me" and the partner are, and a few settings. Optional: every command
works without it."""

from __future__ import annotations

from typing import Any

from trustcli import limits, store
from trustcli.errors import TrustError

CONFIG = "config.toml"
DEFAULT_ME = "me"


def load() -> dict[str, Any]:
    document = store.read(CONFIG)
    names = document.get("names", {})
    if not isinstance(names, dict):
        raise TrustError(f"{store.path_of(CONFIG)}: [names] must be a table; fix it in an editor")
    return document


def names() -> dict[str, str]:
    """The configured names, e.g. {'me': 'alex', 'partner': 'sam'}; missing ones absent.

    A name edited by hand is checked as ``init`` checks it: it goes into records,
    titles and file names, so a bad one is named here, never carried on."""
    configured = load().get("names", {})
    found = {}
    for key, value in configured.items():
        if key in _SETTINGS or not isinstance(value, str) or not value:
            continue
        try:
            found[key] = clean_name(value, f"--{key}")
        except TrustError:
            raise TrustError(
                f"{store.path_of(CONFIG)}: [names] {key} must be one line of text; fix it "
                f"in an editor, or run: trustcli init --{key} NAME"
            ) from None
    return found


def me() -> str:
    """Who --by / --as mean when not given: the configured name, else 'me'."""
    return names().get("me", DEFAULT_ME)


def partner() -> str:
    return names().get("partner", "")


ROLES = ("hurt", "repairing", "both", "unsure")
RELATIONSHIPS = ("partner", "family", "friend", "colleague")
# Kept in [names] beside the names, but not names: never a --by, --to or --as.
_SETTINGS = {"role": ROLES, "relationship": RELATIONSHIPS}


def role() -> str:
    """``[names] role``: "hurt", "repairing", "both", "unsure", or "" when not set
    (then questions and sheets use their neutral wording). Private: never shared."""
    return _setting("role")


def relationship() -> str:
    """``[names] relationship``: "partner" (also when not set), "family", "friend" or
    "colleague"."""
    return _setting("relationship") or "partner"


def _setting(key: str) -> str:
    value = load().get("names", {}).get(key)
    if value is None:
        return ""
    allowed = _SETTINGS[key]
    if value not in allowed:
        words = ", ".join(f'"{word}"' for word in allowed)
        raise TrustError(
            f"{store.path_of(CONFIG)}: [names] {key} must be one of {words}, not {value!r}; "
            f"fix it in an editor, or run: trustcli init --{key} {key.upper()}"
        )
    return str(value)


def role_of(person: str) -> str:
    """The role of the person answering: this home's own (``me``); anyone named with
    --as has no known role here, so gets the neutral wording."""
    return role() if person == me() else ""


def share_checkins() -> bool:
    """``[share] checkins = true``: check-ins are shared by default when paired."""
    section = load().get("share", {})
    value = section.get("checkins", False) if isinstance(section, dict) else None
    if not isinstance(value, bool):
        raise TrustError(
            f"{store.path_of(CONFIG)}: [share] checkins must be true or false; fix it in an editor"
        )
    return value


NOTIFY_SHOW = ("none", "generic", "full")
NOTIFY_SHOW_WORDS = '"none", "generic" or "full"'


def notify_show() -> str:
    """``[notify] show``: what a notification shows (a lock screen shows them too).

    ``none``: a neutral title and nothing else; ``generic``: the reminder's own message;
    ``full``: that and the promise's text. A config from before ``show`` says
    ``show_details = true`` for ``full``; ``show`` wins when both are set. Unset: ``none``
    when the vault is on (the person chose to hide what they write), else ``generic``.
    A value trustcli does not know is one TrustError line naming the file."""
    section = load().get("notify", {})
    if not isinstance(section, dict):
        raise TrustError(f"{store.path_of(CONFIG)}: [notify] must be a table; fix it in an editor")
    value = section.get("show")
    if value is not None:
        if value not in NOTIFY_SHOW:
            raise TrustError(
                f"{store.path_of(CONFIG)}: [notify] show must be {NOTIFY_SHOW_WORDS}, "
                f"not {value!r}; fix it in an editor"
            )
        return str(value)
    details = section.get("show_details", False)
    if not isinstance(details, bool):
        raise TrustError(
            f"{store.path_of(CONFIG)}: [notify] show_details must be true or false; "
            "fix it in an editor"
        )
    if details:
        return "full"
    return "none" if store.vault_on() else "generic"


def person(name: str | None, flag: str = "--as") -> str:
    """The name given with ``flag``, checked; else the configured name, else 'me'."""
    return me() if name is None else clean_name(name, flag)


def save_names(
    me: str | None,
    partner: str | None,
    role: str | None = None,
    relationship: str | None = None,
) -> dict[str, str]:
    """Set the names (and role, relationship) given; keep the others and anything else
    in the file."""
    with store.updating(CONFIG) as document:
        current = document.setdefault("names", {})
        if not isinstance(current, dict):
            raise TrustError(f"{store.path_of(CONFIG)}: [names] must be a table")
        for key, value in (("me", me), ("partner", partner)):
            if value is not None:
                current[key] = clean_name(value, f"--{key}")
        for key, value in (("role", role), ("relationship", relationship)):
            if value is not None:
                if value not in _SETTINGS[key]:
                    words = ", ".join(_SETTINGS[key])
                    raise TrustError(f"--{key} must be one of {words}, not {value!r}")
                current[key] = value
        return {key: str(value) for key, value in current.items()}


def clean_name(name: str, flag: str) -> str:
    """A person's name: one line of plain text, not empty. It goes into titles, records
    and file names, so it is a plain name (``store.plain_name``): no '/', '..' and so on."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise TrustError(f"the name for {flag} is empty")
    if any(ord(char) < 32 or char in _INVISIBLE for char in name.strip()):
        raise TrustError(f"the name for {flag} must be one line of text")
    if len(cleaned) > limits.NAME:
        raise TrustError(f"the name for {flag} is longer than {limits.NAME} characters")
    store.plain_name(cleaned, f"the name for {flag}")
    return cleaned


# DEL, the C1 controls and the marks that reorder or hide text: never part of a name.
_INVISIBLE = frozenset(
    [chr(127), *map(chr, range(0x80, 0xA0)), "\u061c", "\u200e", "\u200f", "\u2028", "\u2029"]
    + [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)
