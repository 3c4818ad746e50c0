"""`trustcli remind install`: run the daemon with the person's session.

Linux: a systemd user unit; macOS: a launchd agent. The command line is written as a
list of arguments (quoted for systemd, an array for launchd), never a shell string.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from trustcli import store
from trustcli.errors import EXIT_RUNTIME, TrustError

UNIT = "trustcli-remind.service"
AGENT = "org.trustcli.remind"


def command() -> list[str]:
    """How to start this trustcli: its console script, else this Python with -m."""
    script = Path(sys.executable).with_name("trustcli")
    if script.exists():
        return [str(script), "remind", "--daemon"]
    found = shutil.which("trustcli")
    if found:
        return [found, "remind", "--daemon"]
    return [sys.executable, "-m", "trustcli", "remind", "--daemon"]


def plan() -> tuple[Path, str, str]:
    """(where the file goes, what it says, the one command that enables it)."""
    if sys.platform == "darwin":
        path = Path.home() / "Library" / "LaunchAgents" / f"{AGENT}.plist"
        return path, _launchd(), f"launchctl load -w {path}"
    if sys.platform.startswith("linux"):
        config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        path = config_home / "systemd" / "user" / UNIT
        return path, _systemd(), f"systemctl --user enable --now {UNIT}"
    raise TrustError(
        "remind install knows systemd (Linux) and launchd (macOS); elsewhere, start "
        "'trustcli remind --daemon' from your system's startup settings",
        EXIT_RUNTIME,
    )


def _systemd() -> str:
    def quoted(arg: str) -> str:
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "[Unit]",
        "Description=trustcli reminders (desktop notifications for your check-ins)",
        "After=graphical-session.target",
        "",
        "[Service]",
        "ExecStart=" + " ".join(quoted(arg) for arg in command()),
        "Restart=on-failure",
    ]
    if os.environ.get("TRUSTCLI_HOME"):
        lines.append(f"Environment={quoted('TRUSTCLI_HOME=' + str(store.home()))}")
    lines += ["", "[Install]", "WantedBy=default.target"]
    return "\n".join(lines) + "\n"


def _launchd() -> str:
    arguments = "\n".join(f"    <string>{escape(arg)}</string>" for arg in command())
    environment = ""
    if os.environ.get("TRUSTCLI_HOME"):
        environment = (
            "  <key>EnvironmentVariables</key>\n  <dict>\n"
            f"    <key>TRUSTCLI_HOME</key><string>{escape(str(store.home()))}</string>\n"
            "  </dict>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        f"  <key>Label</key><string>{AGENT}</string>\n"
        f"  <key>ProgramArguments</key>\n  <array>\n{arguments}\n  </array>\n"
        f"{environment}"
        "  <key>RunAtLoad</key><true/>\n  <key>KeepAlive</key><true/>\n"
        "</dict>\n</plist>\n"
    )


def installed_home(text: str) -> Path:
    """The data home an installed unit or agent runs the daemon for."""
    import re
    from xml.sax.saxutils import unescape

    unit = re.search(r'^Environment="TRUSTCLI_HOME=((?:[^"\\]|\\.)*)"$', text, re.M)
    if unit:
        return Path(re.sub(r"\\(.)", r"\1", unit.group(1)))
    agent = re.search(r"<key>TRUSTCLI_HOME</key>\s*<string>(.*?)</string>", text, re.S)
    if agent:
        return Path(unescape(agent.group(1)))
    import platformdirs  # no TRUSTCLI_HOME: the daemon uses the platform's data folder

    return Path(platformdirs.user_data_dir("trustcli", appauthor=False))


def write(path: Path, text: str, force: bool = False) -> None:
    """Write the unit or agent; never silently over one that serves another data home."""
    if not force:
        try:
            existing = path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            existing = None  # none yet (or unreadable: writing it will say why)
        if existing is not None and installed_home(existing) != store.home():
            raise TrustError(
                f"{path} already runs the reminders of {installed_home(existing)}, not of "
                f"{store.home()}: pass --force to switch it to {store.home()}"
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrustError(f"cannot create {path.parent}: {exc.strerror}", EXIT_RUNTIME) from None
    store.write_atomic(path, text)
