"""This home's membership of a couple: the private home's ``couple.toml`` (the folder,
the ids, this device's secret key, the couple key) and whether this home is paired.

Cheap on purpose: every promise, check-in and `today` asks ``paired()`` first, and an
unpaired home must never pay for the couple folder's code or for ``cryptography``.
"""

from __future__ import annotations

from typing import Any

from trustcli import store
from trustcli.errors import EXIT_RUNTIME, TrustError

HOME_FILE = "couple.toml"  # in the private home


def state() -> dict[str, Any]:
    """This home's pairing (empty when it never paired)."""
    return store.read(HOME_FILE)


def active() -> dict[str, Any]:
    current = state()
    if not current or current.get("state") == "left":
        raise TrustError("this home shares no couple folder; start with 'trustcli pair create DIR'")
    for key in ("folder", "couple", "device", "secret", "role"):
        if not isinstance(current.get(key), str):
            raise TrustError(
                f"{store.path_of(HOME_FILE)}: '{key}' is missing; restore it from a backup",
                EXIT_RUNTIME,
            )
    return current


def refuse_second_pairing() -> None:
    current = state()
    if current and current.get("state") != "left":
        raise TrustError(
            f"this home already shares the couple folder {current.get('folder')}; "
            "run 'trustcli pair leave' first to pair with another"
        )


def paired() -> bool:
    """Does this home share a couple folder (or wait to be accepted)? Cheap: reads only
    the private home's couple.toml, imports no cryptography."""
    return state().get("state") in ("member", "pending")
