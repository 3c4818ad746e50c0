"""`trustcli remind install`: run the daemon with the person's session.

Linux: a systemd user unit; macOS: a launchd agent. The command line is written as a
list of arguments (quoted for systemd, an array for launchd), never a shell string.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from trustcli import store
from trustcli.errors import EXIT_BAD_INPUT, EXIT_RUNTIME, TrustError

UNIT = "trustcli-remind.service"
AGENT = "org.trustcli.remind"


def command() -> list[str]:
    """How to start this trustcli: its console script, else this Python with -m."""
    script = Path(sys.executable).with_name("trustcli")
    if store.is_file_outside(script):
        return [str(script), "remind", "--daemon"]
    found = shutil.which("trustcli")
    if found:
        return [found, "remind", "--daemon"]
    return [sys.executable, "-m", "trustcli", "remind", "--daemon"]


def unit_path() -> Path | None:
    """Where ``remind install`` writes on this system: the systemd user unit (Linux) or
    the launchd agent (macOS); None elsewhere."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{AGENT}.plist"
    if sys.platform.startswith("linux"):
        config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        return config_home / "systemd" / "user" / UNIT
    return None


def enable_link(path: Path) -> Path | None:
    """The link ``systemctl --user enable`` makes for the unit at ``path`` (systemd only)."""
    if path.name != UNIT:
        return None
    return path.parent / "default.target.wants" / UNIT


def plan() -> tuple[Path, str, str]:
    """(where the file goes, what it says, the one command that enables it)."""
    path = unit_path()
    if path is not None and sys.platform == "darwin":
        return path, _launchd(), f"launchctl load -w {path}"
    if path is not None:
        return path, _systemd(), f"systemctl --user enable --now {UNIT}"
    raise TrustError(
        "remind install knows systemd (Linux) and launchd (macOS); elsewhere, start "
        "'trustcli remind --daemon' from your system's startup settings",
        EXIT_RUNTIME,
    )


def _checked(value: str, what: str) -> str:
    """A value for a unit or an agent: one line of text, or a clear refusal.

    A newline would start a line of its own in the unit (an ``ExecStartPre=`` of
    anyone's choosing); other control characters have no safe spelling in either file.
    """
    from trustcli.output import clean

    shown = clean(value).replace("\n", "\\n").replace("\t", "\\t")
    if any(_is_control(char) for char in value):
        raise TrustError(
            f"the {what} {shown} holds a control character, which a startup file cannot "
            "carry safely: use a path without one",
            EXIT_BAD_INPUT,
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise TrustError(
            f"the {what} {shown} is not valid UTF-8, which a startup file cannot carry: "
            "use a path without such bytes",
            EXIT_BAD_INPUT,
        ) from None
    return value


def _is_control(char: str) -> bool:
    return ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or char in "\u2028\u2029"


def _values() -> tuple[list[str], str | None]:
    """(the daemon's command line, the data home to pass or None), each checked."""
    argv = command()
    argv[0] = os.path.abspath(argv[0])  # systemd reads a leading "-", "@", "+" as flags
    argv = [_checked(arg, "program path") for arg in argv]
    home = None
    if os.environ.get("TRUSTCLI_HOME"):
        home = _checked(str(store.home()), "data home")
    return argv, home


def _systemd() -> str:
    """The unit; every value quoted for systemd.service(5) / systemd.exec(5).

    In double quotes, ``\\`` and ``"`` are escaped with a backslash; ``%`` starts a
    specifier everywhere (``%%`` is one ``%``); in a command's arguments ``$`` starts a
    variable (``$$`` is one ``$``), while in the program's own path and in
    ``Environment=`` it has no meaning. systemd refuses to start a program whose path
    holds a quote or a backslash, however quoted: that is said now, not at login.
    """

    def quoted(arg: str, dollar: bool) -> str:
        text = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
        return '"' + (text.replace("$", "$$") if dollar else text) + '"'

    argv, home = _values()
    if any(char in argv[0] for char in "\"'\\"):
        raise TrustError(
            f"systemd cannot start a program whose path holds a quote or a backslash: "
            f"{argv[0]}; install trustcli in a folder without them",
            EXIT_BAD_INPUT,
        )
    lines = [
        "[Unit]",
        "Description=trustcli reminders (desktop notifications for your check-ins)",
        "After=graphical-session.target",
        "",
        "[Service]",
        "ExecStart=" + " ".join([quoted(argv[0], False), *(quoted(a, True) for a in argv[1:])]),
        "Restart=on-failure",
    ]
    if home is not None:
        lines.append(f"Environment={quoted('TRUSTCLI_HOME=' + home, dollar=False)}")
    lines += ["", "[Install]", "WantedBy=default.target"]
    return "\n".join(lines) + "\n"


def _launchd() -> str:
    """The agent, written by plistlib: it escapes what XML needs."""
    import plistlib

    argv, home = _values()
    agent: dict[str, object] = {"Label": AGENT, "ProgramArguments": argv}
    if home is not None:
        agent["EnvironmentVariables"] = {"TRUSTCLI_HOME": home}
    agent.update({"RunAtLoad": True, "KeepAlive": True})
    return plistlib.dumps(agent, sort_keys=False).decode("utf-8")


def installed_home(text: str) -> Path:
    """The data home an installed unit or agent runs the daemon for."""
    import re

    unit = re.search(r'^Environment="TRUSTCLI_HOME=((?:[^"\\]|\\.)*)"$', text, re.M)
    if unit:
        return Path(re.sub(r"\\(.)", r"\1", unit.group(1)).replace("%%", "%"))
    if "<plist" in text:
        import plistlib

        try:
            agent = plistlib.loads(text.encode("utf-8"))
        except Exception:  # not a plist we can read: as if it named no home
            agent = {}
        configured = agent.get("EnvironmentVariables", {}).get("TRUSTCLI_HOME")
        if isinstance(configured, str):
            return Path(configured)
    import platformdirs  # no TRUSTCLI_HOME: the daemon uses the platform's data folder

    return Path(platformdirs.user_data_dir("trustcli", appauthor=False))


def write(path: Path, text: str, force: bool = False) -> None:
    """Write the unit or agent; never silently over one that serves another data home."""
    if not force:
        raw = store.read_outside(path)  # none yet (or unreadable: writing it will say why)
        existing = None if raw is None else raw.decode("utf-8", "replace")
        if existing is not None and installed_home(existing) != store.home():
            raise TrustError(
                f"{path} already runs the reminders of {installed_home(existing)}, not of "
                f"{store.home()}: pass --force to switch it to {store.home()}"
            )
    store.ensure_folder_outside(path.parent)
    store.write_atomic(path, text)
