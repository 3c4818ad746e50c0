"""Run trustcli, holding it still at one chosen point so a test can signal it there.

    python pause_at.py EVENT MATCH READY GO trustcli-args...

An audit hook (PEP 578) watches for the audit EVENT ("import", "open", "os.rename"…)
whose first argument contains MATCH (a module name, a file name; "a|b" for either, and
"=path" for exactly that). The first time it
happens (or the N-th, with PAUSE_AT_NTH=N), the hook creates the file READY and waits
until GO exists. A test sends its
signal between the two, so the signal provably arrives at that point of the real
program: no guessed delays. Everything else is the console script's own path.
"""

import os
import sys
import time

event_name, match, ready, go = sys.argv[1:5]
# For "open": only opens in this mode ("r", "w", … or "os.open" for a low-level open).
open_mode = os.environ.get("PAUSE_AT_MODE")
nth = int(os.environ.get("PAUSE_AT_NTH", "1"))
reached = False
seen = 0


def _hold(event: str, args: tuple[object, ...]) -> None:
    global reached, seen
    if reached or event != event_name or not args:
        return
    first = args[0]
    if isinstance(first, bytes):
        first = os.fsdecode(first)
    text = str(first)
    if match.startswith("="):
        wanted = match[1:] == text
    else:  # "a|b": either part
        wanted = any(part in text for part in match.split("|"))
    if not wanted:
        return
    if event == "open" and open_mode and (args[1] or "os.open") != open_mode:
        return
    seen += 1
    if seen < nth:
        return
    reached = True
    os.close(os.open(ready, os.O_WRONLY | os.O_CREAT, 0o600))
    while not os.path.exists(go):
        time.sleep(0.002)


sys.addaudithook(_hold)
sys.argv = ["trustcli", *sys.argv[5:]]

from trustcli.cli import main  # noqa: E402  (after the hook, as the console script would)

sys.exit(main())
