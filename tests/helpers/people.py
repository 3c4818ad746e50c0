"""Two people, each on a device of their own: a private home, their own clock, and the
installed script run for them. The pairing and sharing tests build on these (the
``alex`` and ``sam`` fixtures in tests/conftest.py).

Both clocks are pinned, so no test depends on the day it runs; sam's runs days ahead
of alex's, as a real device's may: trustcli shows such a day and never refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tests.conftest import Result, must_succeed, run_installed

ALEX_NOW = "2026-11-30T20:00:00+01:00"  # a Monday evening
SAM_NOW = "2026-12-03T09:15:00+01:00"  # the Thursday after: sam's clock runs ahead


@dataclass(frozen=True)
class Person:
    """One person's device: ``person("promise", "list")`` runs the installed script
    with their home and clock; ``person.ok(...)`` is for a step the test builds on."""

    home: Path
    now: str = ALEX_NOW

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        mine = {"TRUSTCLI_HOME": str(self.home), "TRUSTCLI_NOW": self.now}
        return run_installed(*args, stdin=stdin, env={**mine, **(env or {})})

    def ok(self, *args: str, stdin: str = "") -> Result:
        """Run a step that must succeed: a failure stops the test here, naming it."""
        __tracebackhide__ = True
        return must_succeed(self(*args, stdin=stdin), args)

    def at(self, now: str) -> Person:
        """The same person and home, with the clock at ``now``."""
        return replace(self, now=now)
